import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importsFieldOf, packageScopeOf, subpathImportTarget } from './subpath-imports';

describe('subpathImportTarget', () => {
  it('maps an exact key, string or conditional (node, import, default in the map\'s order), arrays to their first match', () => {
    const imports = { '#a': './a.mjs', '#c': { require: './c.cjs', import: './c.mjs', default: './d.mjs' }, '#n': { browser: './b.mjs', default: { node: './n.mjs' } }, '#f': [{ worker: './w.mjs' }, './f.mjs'], '#p': 'pkg/sub' };
    expect(subpathImportTarget(imports, '#a')).toBe('./a.mjs');
    expect(subpathImportTarget(imports, '#c')).toBe('./c.mjs');
    expect(subpathImportTarget(imports, '#n')).toBe('./n.mjs');
    expect(subpathImportTarget(imports, '#f')).toBe('./f.mjs');
    expect(subpathImportTarget(imports, '#p')).toBe('pkg/sub'); // a package
  });
  it('matches * patterns, the longest prefix first, and puts the match in place of each * of the target', () => {
    const imports = { '#lib/*': './lib/*.mjs', '#lib/deep/*.js': { node: './deep/*/*.js' }, '#x/*': null };
    expect(subpathImportTarget(imports, '#lib/tool')).toBe('./lib/tool.mjs');
    expect(subpathImportTarget(imports, '#lib/deep/a.js')).toBe('./deep/a/a.js');
    expect(subpathImportTarget(imports, '#lib/')).toBeUndefined();
    expect(subpathImportTarget(imports, '#x/y')).toBeUndefined();
  });
  it('is undefined for a specifier the map lacks, a map that is no object, or no condition matched', () => {
    expect(subpathImportTarget({ '#a': './a.mjs' }, '#b')).toBeUndefined();
    expect(subpathImportTarget(undefined, '#a')).toBeUndefined();
    expect(subpathImportTarget(['./a.mjs'], '#a')).toBeUndefined();
    expect(subpathImportTarget({ '#a': { browser: './a.mjs' } }, '#a')).toBeUndefined();
    expect(subpathImportTarget({}, '#constructor')).toBeUndefined();
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
