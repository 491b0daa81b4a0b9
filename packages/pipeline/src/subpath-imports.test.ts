import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importsFieldOf, packageScopeOf, subpathImportTargets } from './subpath-imports';

describe('subpathImportTargets', () => {
  it('maps an exact key to every target it gives: a string, each condition\'s (Node 20 matches module-sync and, for require(), require), each fallback', () => {
    const imports = {
      '#a': './a.mjs', '#c': { require: './c.cjs', 'module-sync': './s.mjs', import: './c.mjs', default: './d.mjs' }, '#n': { browser: './b.mjs', default: { node: './n.mjs' } },
      '#f': [{ worker: './w.mjs' }, './f.mjs'], '#p': 'pkg/sub', '#twice': { node: './t.mjs', default: './t.mjs' },
    };
    expect(subpathImportTargets(imports, '#a')).toEqual(['./a.mjs']);
    expect(subpathImportTargets(imports, '#c')).toEqual(['./c.cjs', './s.mjs', './c.mjs', './d.mjs']); // was: only ./c.mjs (node, import, default)
    expect(subpathImportTargets(imports, '#n')).toEqual(['./b.mjs', './n.mjs']);
    expect(subpathImportTargets(imports, '#f')).toEqual(['./w.mjs', './f.mjs']);
    expect(subpathImportTargets(imports, '#p')).toEqual(['pkg/sub']); // a package
    expect(subpathImportTargets(imports, '#twice')).toEqual(['./t.mjs']);
  });
  it('matches * patterns, the longest prefix first, and puts the match in place of each * of the target', () => {
    const imports = { '#lib/*': './lib/*.mjs', '#lib/deep/*.js': { node: './deep/*/*.js', require: './cjs/*.cjs' }, '#x/*': null };
    expect(subpathImportTargets(imports, '#lib/tool')).toEqual(['./lib/tool.mjs']);
    expect(subpathImportTargets(imports, '#lib/deep/a.js')).toEqual(['./deep/a/a.js', './cjs/a.cjs']);
    expect(subpathImportTargets(imports, '#lib/')).toEqual([]);
    expect(subpathImportTargets(imports, '#x/y')).toEqual([]);
  });
  it('is none for a specifier the map lacks, a map that is no object, or an entry without targets', () => {
    expect(subpathImportTargets({ '#a': './a.mjs' }, '#b')).toEqual([]);
    expect(subpathImportTargets(undefined, '#a')).toEqual([]);
    expect(subpathImportTargets(['./a.mjs'], '#a')).toEqual([]);
    expect(subpathImportTargets({ '#a': { browser: null } }, '#a')).toEqual([]);
    expect(subpathImportTargets({}, '#constructor')).toEqual([]);
  });
});

describe('packageScopeOf, importsFieldOf', () => {
  it('finds the nearest package.json upwards and reads its "imports" field (undefined when unreadable)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'speedrl-subpath-'));
    mkdirSync(join(dir, 'a', 'b'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ imports: { '#h': './h.mjs' } }));
    expect(packageScopeOf(join(dir, 'a', 'b'))).toBe(join(dir, 'package.json'));
    expect(importsFieldOf(join(dir, 'package.json'))).toEqual({ '#h': './h.mjs' });
    writeFileSync(join(dir, 'a', 'package.json'), '{ not json');
    expect(packageScopeOf(join(dir, 'a', 'b'))).toBe(join(dir, 'a', 'package.json'));
    expect(importsFieldOf(join(dir, 'a', 'package.json'))).toBeUndefined();
    mkdirSync(join(dir, 'node_modules', 'x'), { recursive: true });
    expect(packageScopeOf(join(dir, 'node_modules', 'x'))).toBeUndefined(); // a scope ends at node_modules, as in Node
    rmSync(dir, { recursive: true, force: true });
  });
});
