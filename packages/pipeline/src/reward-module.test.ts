import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { UsageError, contentKey } from '@speedrl/core';
import { combineRewards, type RewardInput } from '@speedrl/rewards-clip-fid';
import { checkRewardScores, loadRewardModule, loadRewardModules, parseRewardSpec, rewardComponentName, rewardModuleFiles, type ModuleImporter } from './reward-module';

const REPO = join(__dirname, '../../..');
const batchOf = (n: number): RewardInput => ({ images: new Float32Array(n * 4).fill(0.5), classes: new Int32Array(n), batch: n, height: 2, width: 2 });

describe('parseRewardSpec', () => {
  it('reads PATH[:EXPORT][=WEIGHT] with export default and weight 1 when omitted', () => {
    expect(parseRewardSpec('./r.mjs')).toEqual({ spec: './r.mjs', path: './r.mjs', exportName: 'default', weight: 1 });
    expect(parseRewardSpec('./r.mjs:sharp=0.5')).toMatchObject({ path: './r.mjs', exportName: 'sharp', weight: 0.5 });
    expect(parseRewardSpec('/a/b.mjs=2')).toMatchObject({ path: '/a/b.mjs', exportName: 'default', weight: 2 });
    expect(parseRewardSpec('C:\\r.mjs')).toMatchObject({ path: 'C:\\r.mjs', exportName: 'default' });
  });
  it.each([['./r.mjs=abc'], ['./r.mjs='], ['./r.mjs=-1'], ['./r.mjs=Infinity'], ['=1'], ['./r.mjs=1e400']])('refuses %s naming the spec', (spec) => {
    expect(() => parseRewardSpec(spec)).toThrow(UsageError);
    expect(() => parseRewardSpec(spec)).toThrow(`--reward: "${spec}"`);
  });
  it('refuses an export name that is not an identifier, rather than taking it as part of the path', () => {
    expect(() => parseRewardSpec('./r.mjs:no-such')).toThrow('--reward: "./r.mjs:no-such": invalid export name "no-such" after ":"');
    expect(parseRewardSpec('/a:b/r.mjs')).toMatchObject({ path: '/a:b/r.mjs', exportName: 'default' }); // a colon in a folder name
  });
  it('names components user:<stem>[:export] and resolves files against cwd', () => {
    expect(rewardComponentName(parseRewardSpec('x/ink.coverage.mjs'))).toBe('user:ink-coverage');
    expect(rewardComponentName(parseRewardSpec('x/ink.mjs:sharp'))).toBe('user:ink:sharp');
    expect(rewardModuleFiles(['r.mjs:a=2', 'r.mjs:b', '/x/s.mjs'], '/tmp/w')).toEqual({ 'r.mjs': '/tmp/w/r.mjs', '/x/s.mjs': '/x/s.mjs' });
  });
  it('keys the local files a module imports, transitively, so an edited helper changes the run\'s reward key (was: the named file only)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'speedrl-reward-imports-'));
    mkdirSync(join(dir, 'lib'));
    writeFileSync(join(dir, 'r.mjs'), "import { sign } from './lib/sign.mjs';\nimport os from 'node:os';\nexport default (x) => sign(x);\n");
    writeFileSync(join(dir, 'lib', 'sign.mjs'), "export { w } from './weights.json';\nconst c = require('./extra');\nexport const sign = () => 1;\n");
    writeFileSync(join(dir, 'lib', 'weights.json'), '{}');
    writeFileSync(join(dir, 'lib', 'extra.cjs'), 'module.exports = 1;');
    expect(rewardModuleFiles(['r.mjs=0.5'], dir)).toEqual({
      'r.mjs': join(dir, 'r.mjs'),
      'r.mjs imports lib/sign.mjs': join(dir, 'lib', 'sign.mjs'),
      'r.mjs imports lib/weights.json': join(dir, 'lib', 'weights.json'),
      'r.mjs imports lib/extra.cjs': join(dir, 'lib', 'extra.cjs'),
    });
    // absolute paths, file: URLs, template literals, createRequire and folders with index.js (was: not followed)
    mkdirSync(join(dir, 'pkg'));
    writeFileSync(join(dir, 'pkg', 'index.js'), 'module.exports = 2;');
    writeFileSync(join(dir, 'abs.mjs'), '');
    writeFileSync(join(dir, 'url.mjs'), '');
    writeFileSync(join(dir, 'tpl.mjs'), '');
    writeFileSync(join(dir, 's.mjs'), [
      `import a from '${join(dir, 'abs.mjs')}';`, `import u from '${pathToFileURL(join(dir, 'url.mjs')).href}';`,
      'const { k } = await import(`./tpl.mjs?v=1`);', "const p = createRequire(import.meta.url)('./pkg');", 'const skip = await import(`./${name}.mjs`);',
    ].join('\n'));
    expect(Object.keys(rewardModuleFiles(['s.mjs'], dir)).sort()).toEqual(['s.mjs', 's.mjs imports abs.mjs', 's.mjs imports pkg/index.js', 's.mjs imports tpl.mjs', 's.mjs imports url.mjs']);
  });
  it('follows package subpath imports (#x) through the nearest package.json "imports" map, which it keys too (was: #x not followed)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'speedrl-reward-subpath-'));
    mkdirSync(join(dir, 'lib'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', imports: {
      '#h': './h.mjs', '#lib/*': { types: './no.d.ts', node: './lib/*.mjs', default: './no.mjs' }, '#dep': 'some-package', '#gone': null,
    } }));
    writeFileSync(join(dir, 'r.mjs'), "import { scale } from '#h';\nimport { k } from './k.mjs?v=1';\nimport t from '#lib/tool';\nimport d from '#dep';\nexport default (b) => scale * k;\n");
    for (const [file, text] of [['h.mjs', 'export const scale = 1;'], ['k.mjs', 'export const k = 1;'], ['lib/tool.mjs', 'export default 1;']]) writeFileSync(join(dir, file as string), text as string);
    const files = rewardModuleFiles(['r.mjs'], dir);
    expect(files).toEqual({
      'r.mjs': join(dir, 'r.mjs'), 'r.mjs imports package.json': join(dir, 'package.json'), 'r.mjs imports h.mjs': join(dir, 'h.mjs'),
      'r.mjs imports k.mjs': join(dir, 'k.mjs'), 'r.mjs imports lib/tool.mjs': join(dir, 'lib', 'tool.mjs'),
    });
    const key = async (): Promise<string> => (await contentKey(rewardModuleFiles(['r.mjs'], dir), null)).key;
    const before = await key();
    writeFileSync(join(dir, 'h.mjs'), 'export const scale = 9;'); // the edit of round 19 (S2): resumed silently
    const edited = await key();
    expect(edited).not.toBe(before);
    writeFileSync(join(dir, 'r.mjs'), "import { scale } from '#gone';\nimport x from '#undefined';\nexport default () => scale;\n");
    expect(Object.keys(rewardModuleFiles(['r.mjs'], dir))).toEqual(['r.mjs', 'r.mjs imports package.json']); // mapped nowhere: the map that says so is keyed
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('rewardModuleFiles: #x imports mapped under any condition', () => {
  it('keys the files a #x maps to under "require", "module-sync" or another condition (was: only node, import, default were followed)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'speedrl-reward-conditions-'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', imports: {
      '#sync': { 'module-sync': './sync.mjs', default: './plain.mjs' }, '#req': { require: './req.cjs', default: './plain.mjs' },
    } }));
    writeFileSync(join(dir, 'r.mjs'), "import s from '#sync';\nimport { createRequire } from 'node:module';\nconst q = createRequire(import.meta.url)('#req');\nexport default (b) => s * q;\n");
    for (const [file, text] of [['sync.mjs', 'export default 1;'], ['plain.mjs', 'export default 2;'], ['req.cjs', 'module.exports = 3;']]) writeFileSync(join(dir, file as string), text as string);
    expect(Object.keys(rewardModuleFiles(['r.mjs'], dir)).sort()).toEqual(['r.mjs', 'r.mjs imports package.json', 'r.mjs imports plain.mjs', 'r.mjs imports req.cjs', 'r.mjs imports sync.mjs']);
    const key = async (): Promise<string> => (await contentKey(rewardModuleFiles(['r.mjs'], dir), null)).key;
    for (const file of ['sync.mjs', 'req.cjs']) { // what Node 20 loads: import matches module-sync, require() matches require
      const before = await key();
      writeFileSync(join(dir, file), `${readFileSync(join(dir, file), 'utf8')}\n// edited\n`);
      expect({ file, changed: (await key()) !== before }).toEqual({ file, changed: true });
    }
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('checkRewardScores', () => {
  it('takes a Float32Array or a number array of batch finite scores', () => {
    expect(checkRewardScores([1, 2], 2, 'f')).toEqual(new Float32Array([1, 2]));
    const a = new Float32Array([3]);
    expect(checkRewardScores(a, 1, 'f')).toBe(a);
  });
  it.each([
    [[1], /f returned 1 scores for a batch of 2/],
    [new Float32Array([1, NaN]), /f scored sample 1 as NaN/],
    [[1, Infinity], /f scored sample 1 as Infinity/],
    [[1, 1e39], /f scored sample 1 as 1e\+39, which overflows float32/],
    [new Float64Array(2), /f returned Float64Array; expected a Float32Array or an array of numbers/],
    [['1', '2'], /f returned an array with non-numbers/],
    [undefined, /f returned undefined/],
    [null, /f returned null/],
  ])('refuses %p', (value, message) => {
    expect(() => checkRewardScores(value, 2, 'f')).toThrow(message);
  });
});

describe('loadRewardModule (in process, fake importer)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'speedrl-reward-module-'));
  const file = join(dir, 'r.mjs');
  writeFileSync(file, '// the fake importer below stands in for import()\n');
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const importer = (namespace: Record<string, unknown>): ModuleImporter => async () => namespace;

  it('wraps the export as a weighted component that z-scores through combineRewards and sees copies of the batch', async () => {
    let seen: RewardInput | undefined;
    const fn = (b: RewardInput) => {
      seen = b;
      b.images.fill(0); // writes stay in the copy
      return Array.from(b.classes, (c) => c + 1);
    };
    const c = await loadRewardModule('r.mjs:score=2', dir, importer({ score: fn }));
    expect(c).toMatchObject({ name: 'user:r:score', weight: 2 });
    const batch = { ...batchOf(2), classes: new Int32Array([0, 1]) };
    const combined = combineRewards([c], { zscore: 'running' });
    expect(Array.from(await combined(batch))).toEqual([-2, 2]);
    expect(seen?.images).not.toBe(batch.images);
    expect(batch.images[0]).toBe(0.5);
    expect(combined.state().components['user:r:score']).toEqual({ count: 2, mean: 1.5, m2: 0.5 });
  });
  it('names the spec when the file is missing, the import throws, the export is missing or not a function', async () => {
    await expect(loadRewardModule('nope.mjs', dir)).rejects.toThrow(/--reward: "nope.mjs": no such file .*nope\.mjs/);
    await expect(loadRewardModule('.', dir)).rejects.toThrow(`--reward: ".": ${dir} is a directory, not a module file (give the .mjs or .js file itself)`);
    const throwing: ModuleImporter = async () => { throw new SyntaxError('Unexpected token'); };
    await expect(loadRewardModule('r.mjs', dir, throwing)).rejects.toThrow(/--reward: "r.mjs": importing .*r\.mjs failed: Unexpected token/);
    await expect(loadRewardModule('r.mjs:sharp', dir, importer({ default: () => [], other: 1 }))).rejects.toThrow(/has no export "sharp" \(its exports: default, other\)/);
    await expect(loadRewardModule('r.mjs', dir, importer({ default: 3 }))).rejects.toThrow(/export "default" of .*r\.mjs is number, not a function/);
  });
  it('names the spec and export when a call throws or returns bad scores', async () => {
    const bad = await loadRewardModule('r.mjs', dir, importer({ default: async () => [NaN] }));
    await expect(bad.fn(batchOf(1))).rejects.toThrow('--reward: "r.mjs": default(batch) scored sample 0 as NaN');
    const throws = await loadRewardModule('r.mjs', dir, importer({ default: () => { throw new Error('boom'); } }));
    await expect(throws.fn(batchOf(1))).rejects.toThrow('--reward: "r.mjs": default(batch) threw: boom');
    const throwsNull = await loadRewardModule('r.mjs', dir, importer({ default: () => { throw null; } }));
    await expect(throwsNull.fn(batchOf(1))).rejects.toThrow(new UsageError('--reward: "r.mjs": default(batch) threw: null'));
    await expect(loadRewardModule('r.mjs', dir, async () => { throw undefined; })).rejects.toThrow(/--reward: "r.mjs": importing .*r\.mjs failed: undefined/);
  });
  it('refuses two specs that would log under one name', async () => {
    await expect(loadRewardModules(['r.mjs', 'r.mjs=2'], dir, importer({ default: () => [] }))).rejects.toThrow(/"r.mjs=2" logs as "user:r" like an earlier --reward/);
  });
});

describe('loadRewardModule (real .mjs files, Node import in a child process)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'speedrl-reward-mjs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fixtures: Record<string, string> = {
    'good.mjs': 'export default (b) => Array.from(b.classes, (c) => c * 2);\n',
    'named.mjs': 'export async function sharp(b) { return new Float32Array(b.batch).fill(1); }\nexport const note = "x";\n',
    'non-function.mjs': 'export default 42;\n',
    'throws.mjs': 'throw new Error("cannot load weights");\n',
    'short.mjs': 'export default () => new Float32Array(1);\n',
    'nan.mjs': 'export default (b) => new Float32Array(b.batch).fill(NaN);\n',
    'wrong-type.mjs': 'export default () => "good";\n',
  };
  const specs = ['good.mjs', 'named.mjs:sharp=0.5', 'named.mjs:missing', 'non-function.mjs', 'throws.mjs', 'short.mjs', 'nan.mjs', 'wrong-type.mjs', 'absent.mjs'];

  it('loads and checks them as the CLI does', async () => {
    for (const [name, text] of Object.entries(fixtures)) writeFileSync(join(dir, name), text);
    const script = `
      const { loadRewardModule } = await import(${JSON.stringify(join(__dirname, 'reward-module.ts'))});
      const out = {};
      for (const spec of ${JSON.stringify(specs)}) {
        try {
          const c = await loadRewardModule(spec, ${JSON.stringify(dir)});
          const scores = await c.fn({ images: new Float32Array(8), classes: Int32Array.from([0, 3]), batch: 2, height: 2, width: 2 });
          out[spec] = { name: c.name, weight: c.weight, scores: Array.from(scores) };
        } catch (e) { out[spec] = { error: e.name + ': ' + e.message }; }
      }
      console.log(JSON.stringify(out));`;
    const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=@speedrl/source', '--import', 'tsx', '--input-type=module', '-e', script], { cwd: REPO });
    const r = JSON.parse(stdout) as Record<string, { name?: string; weight?: number; scores?: number[]; error?: string }>;
    expect(r['good.mjs']).toEqual({ name: 'user:good', weight: 1, scores: [0, 6] });
    expect(r['named.mjs:sharp=0.5']).toEqual({ name: 'user:named:sharp', weight: 0.5, scores: [1, 1] });
    const errors: [string, RegExp][] = [
      ['named.mjs:missing', /UsageError: --reward: "named.mjs:missing": .*named\.mjs has no export "missing" \(its exports: note, sharp\)/],
      ['non-function.mjs', /UsageError: --reward: "non-function.mjs": export "default" of .*non-function\.mjs is number, not a function/],
      ['throws.mjs', /UsageError: --reward: "throws.mjs": importing .*throws\.mjs failed: cannot load weights/],
      ['short.mjs', /UsageError: --reward: "short.mjs": default\(batch\) returned 1 scores for a batch of 2/],
      ['nan.mjs', /UsageError: --reward: "nan.mjs": default\(batch\) scored sample 0 as NaN/],
      ['wrong-type.mjs', /UsageError: --reward: "wrong-type.mjs": default\(batch\) returned string/],
      ['absent.mjs', /UsageError: --reward: "absent.mjs": no such file/],
    ];
    for (const [spec, message] of errors) expect({ spec, error: r[spec]?.error }).toEqual({ spec, error: expect.stringMatching(message) });
  });
});
