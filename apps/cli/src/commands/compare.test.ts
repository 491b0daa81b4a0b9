/**
 * End to end on untrained tiny bundles and the committed fixture: `speedrl compare` (outputs, rows, resume, adaptive,
 * tuned, usage errors) and `speedrl tune-schedule` (deterministic for a seed, train split only, resume).
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend, loadIdxDataset, readPng, type IdxDatasetOptions } from '@speedrl/tensor-utils';
import { compareOptionsKey, runTuneSchedule, stopRuleMatches, type TuneOptions } from '@speedrl/eval';
import type { CompareJson } from '@speedrl/eval';
import { installInterruptHandler } from '@speedrl/pipeline';
import { FIXTURE_DIR, writeTinyBundle, writeTinyClassifier } from '../compare/test-models';
import type { TunedFile } from '@speedrl/eval';
import { runCaptured as cli, captureIo as capture, spawnCli } from '../test-cli';

describe('speedrl compare and tune-schedule (untrained tiny bundles)', () => {
  const root = mkdtempSync(join(tmpdir(), 'speedrl-compare-'));
  const base = join(root, 'base');
  const rl = join(root, 'rl');
  const classifier = join(root, 'cls-eval');
  const common = ['--data', FIXTURE_DIR, '--classifier', classifier, '--n', '30', '--kid-subsets', '3', '--grid-per-class', '1'];
  beforeAll(async () => {
    await initBackend();
    await writeTinyBundle(base, 1);
    await writeTinyBundle(rl, 2, base);
    await writeTinyClassifier(classifier, 'eval', 3);
    await writeTinyClassifier(join(root, 'cls-reward'), 'reward', 4);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const out = join(root, 'cmp');
  const args = ['compare', '--models', `base=${base},rl=${rl}`, '--methods', 'cosine,halton', '--steps', '2,4', '--seeds', '1', ...common, '--out', out];

  it('writes compare.json, compare.md, both Pareto plots and one grid per row for 2 models × 2 methods × 2 T', async () => {
    const r = await cli([...args, '--json']);
    expect(r.err).not.toMatch(/speedrl:/);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as CompareJson;
    expect(json.models).toEqual([{ name: 'base', dir: base, identity: expect.stringMatching(/^[0-9a-f]{64}$/) }, { name: 'rl', dir: rl, identity: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
    expect(json.rows.map((row) => `${row.model}/${row.method}/${row.steps}/${row.nfePerImage}`)).toEqual([
      'base/cosine/2/2', 'base/cosine/4/4', 'base/halton/2/2', 'base/halton/4/4', 'rl/cosine/2/2', 'rl/cosine/4/4', 'rl/halton/2/2', 'rl/halton/4/4',
    ]);
    for (const row of json.rows) {
      expect(row.seeds).toBe(1);
      for (const m of [row.fcd, row.kid, row.precision, row.recall, row.accuracy, row.msPerImage]) expect(Number.isFinite(m.mean)).toBe(true);
    }
    expect(json.rows[0]?.fcd.mean).not.toBe(json.rows[4]?.fcd.mean); // two different models really were sampled
    expect(Number.isFinite(json.floors?.reconstruction)).toBe(true);
    expect(json.floors?.heldOutTrainImages).toBe(200);
    expect(json.grids).toHaveLength(8);
    for (const g of json.grids ?? []) expect(readPng(join(out, g.file)).height).toBeGreaterThan(10 * 28);
    for (const f of ['compare.json', 'compare.md', 'pareto-nfe.png', 'pareto-wallclock.png']) expect(existsSync(join(out, f))).toBe(true);
    const md = readFileSync(join(out, 'compare.md'), 'utf8');
    expect(md).toMatch(/\| rl \| halton \| 4 \| 4\.0 \|/);
    expect(md).toContain('held-out train images:');
    expect(r.err).toMatch(/floors: recomputed because no .*base\/floors\.json/);
    expect(existsSync(join(base, 'floors.json'))).toBe(true);
  });

  it('inside a pipeline that handles Ctrl-C (the demo), stops after the cell it saved (was: finished every cell)', async () => {
    const stopped = join(root, 'stopped');
    const handler = installInterruptHandler(capture(), () => undefined); // the demo's
    process.emit('SIGINT', 'SIGINT'); // Ctrl-C before the first cell ends
    try {
      const r = await cli(['compare', '--models', `base=${base}`, '--methods', 'cosine', '--steps', '2,4', '--seeds', '1', ...common, '--out', stopped]);
      expect(r.code).toBe(130);
      expect(r.err).toMatch(/compare: stopped by SIGINT; 1 cell\(s\) saved in .*stopped\/compare\.json, continue with --resume/);
    } finally {
      handler.dispose();
    }
    expect((JSON.parse(readFileSync(join(stopped, 'compare.json'), 'utf8')) as CompareJson).cells).toHaveLength(1);
    // a bare --resume plans what the stopped call asked for (was: only the cell computed, "0 to compute", exit 0)
    const resumed = await cli(['compare', '--out', stopped, '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.err).toMatch(/1 already in .*compare\.json \(skipped\), 1 to compute/);
    expect((JSON.parse(readFileSync(join(stopped, 'compare.json'), 'utf8')) as CompareJson).cells.map((c) => c.steps)).toEqual([2, 4]);
  });

  it('a new compare loads the floors from the first model\'s floors.json when its key matches (was: recomputed by every compare)', async () => {
    const first = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as CompareJson;
    const r = await cli(['compare', '--models', `base=${base}`, '--methods', 'cosine', '--steps', '2', '--seeds', '1', ...common, '--out', join(root, 'cmp-floors'), '--json']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/floors: loaded from .*base\/floors\.json \(its key matches\)/);
    expect((JSON.parse(r.out) as CompareJson).floors).toEqual(first.floors);
  });

  it('--resume refuses a file that is no compare.json with exit 2, naming it (was: a TypeError, or --min-per-step blamed)', async () => {
    for (const text of ['null', '{}', '[]']) {
      const dir = join(root, 'cmp-not-compare');
      cpSync(out, dir, { recursive: true });
      writeFileSync(join(dir, 'compare.json'), text);
      const r = await cli([...args.slice(0, -1), dir, '--resume']);
      expect([text, r.code, r.err]).toEqual([text, 2, expect.stringMatching(/--resume: .*cmp-not-compare\/compare\.json is not a compare\.json of speedrl compare/)]);
      expect(readFileSync(join(dir, 'compare.json'), 'utf8')).toBe(text);
    }
  });

  it('--resume recomputes nothing, even given only --out', async () => {
    const before = JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')) as CompareJson;
    const r = await cli(['compare', '--out', out, '--resume', '--json']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/8 cells .*; 8 already in .*compare\.json \(skipped\), 0 to compute; 0 grid\(s\) to draw/);
    expect(r.err).not.toMatch(/FCD \d/);
    const after = JSON.parse(r.out) as CompareJson;
    expect(after.cells).toEqual(before.cells);
    expect(after.floors).toEqual(before.floors);
    const changed = await cli([...args, '--n', '40', '--resume']);
    expect(changed.code).toBe(2);
    expect(changed.err).toMatch(/--n: .*compare\.json was computed with 30, now 40/);
    const fresh = await cli(args);
    expect(fresh.code).toBe(2);
    expect(fresh.err).toContain(`--out: "${out}" already holds compare.json; pass --resume to add cells to it, --force to replace it`);
    expect(JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')).cells).toEqual(before.cells);
    const rlConfig = join(rl, 'maskgit', 'config.json');
    const original = readFileSync(rlConfig, 'utf8');
    writeFileSync(rlConfig, `${original}\n`); // the model's files changed at the same path
    const stale = await cli([...args, '--resume']);
    writeFileSync(rlConfig, original);
    expect(stale.code).toBe(2);
    expect(stale.err).toMatch(/--models: the files of model "rl" .* changed since .*compare\.json was computed/);
  });

  it('a resume that adds cells describes them all in options: models, methods, steps and seeds over every cell', async () => {
    const grown = join(root, 'cmp-grown');
    cpSync(out, grown, { recursive: true });
    const r = await cli(['compare', '--models', `base=${base}`, '--methods', 'cosine', '--steps', '3', '--seed', '1', '--seeds', '1', ...common, '--out', grown, '--resume', '--json']);
    expect(r.err).not.toMatch(/speedrl:/);
    const json = JSON.parse(r.out) as CompareJson;
    expect(json.cells).toHaveLength(9);
    // seed and seeds span every cell's seed (was: this call's, seed 1 and seeds 1 beside the seed-0 cells)
    expect(json.options).toMatchObject({ models: `base=${base},rl=${rl}`, methods: 'cosine,halton', steps: '2,3,4', seedList: [0, 1], seed: 0, seeds: 2 });
    const again = await cli(['compare', '--models', `base=${base}`, '--methods', 'cosine', '--steps', '3', '--seed', '1', '--seeds', '1', ...common, '--out', grown, '--resume']);
    expect([again.code, again.err]).toEqual([2, expect.stringMatching(/--steps: .*cmp-grown\/compare\.json holds cells at T=2,3,4 and a resume keeps them all, so --steps 3 would add no cell and be ignored/)]);
  });

  it('--resume takes inputs at another spelling of their path when their content keys match (a resume from another directory; was: "--classifier: computed with …, now …")', async () => {
    const copy = join(root, 'moved');
    cpSync(out, copy, { recursive: true });
    for (const d of ['base', 'rl', 'cls']) cpSync(join(root, d === 'cls' ? classifier.slice(root.length + 1) : d), join(root, 'elsewhere', d), { recursive: true });
    const elsewhere = (d: string) => join(root, 'elsewhere', d);
    const r = await cli(['compare', '--models', `base=${elsewhere('base')},rl=${elsewhere('rl')}`, '--methods', 'cosine,halton', '--steps', '2,4', '--seeds', '1',
      '--data', FIXTURE_DIR, '--classifier', elsewhere('cls'), '--n', '30', '--kid-subsets', '3', '--grid-per-class', '1', '--out', copy, '--resume']);
    expect([r.code, r.err]).toEqual([0, expect.stringMatching(/8 already in .*compare\.json \(skipped\), 0 to compute/)]);
    await writeTinyClassifier(elsewhere('cls'), 'eval', 99); // other files at that path: refused by their content key
    const other = await cli(['compare', '--models', `base=${elsewhere('base')}`, '--methods', 'cosine', '--steps', '2', '--seeds', '1', '--data', FIXTURE_DIR, '--classifier', elsewhere('cls'), '--n', '30', '--kid-subsets', '3', '--out', copy, '--resume']);
    expect([other.code, other.err]).toEqual([2, expect.stringMatching(/--resume: the files of --classifier changed since/)]);
  });

  it('--resume refuses a compare.json whose options were edited after its cells were computed (was: trusted, new cells at --n 40 beside n = 30 ones)', async () => {
    const edited = join(root, 'cmp-edited');
    cpSync(out, edited, { recursive: true });
    const path = join(edited, 'compare.json');
    const json = JSON.parse(readFileSync(path, 'utf8')) as CompareJson;
    expect(json.optionsKey).toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(path, JSON.stringify({ ...json, options: { ...json.options, n: 40 } }));
    const r = await cli(['compare', '--out', edited, '--resume', '--n', '40', '--seeds', '2']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--resume: .*cmp-edited\/compare\.json: its options \(--n, --classifier, .*\) can't be shown to be those its cells were computed with .*: restore it, pass --force to replace it/);
    expect((JSON.parse(readFileSync(path, 'utf8')) as CompareJson).cells).toEqual(json.cells);
  });

  it('a grid is redrawn on resume when --seed or --grid-per-class differs from what it was drawn with (recorded per grid)', async () => {
    const regrid = join(root, 'cmp-regrid');
    cpSync(out, regrid, { recursive: true });
    const before = JSON.parse(readFileSync(join(regrid, 'compare.json'), 'utf8')) as CompareJson;
    expect(before.grids?.every((g) => g.seed === 0 && g.perClass === 1)).toBe(true);
    const rlGrid = readFileSync(join(regrid, 'grids', 'rl-cosine-T2.png'));
    // base given as another spelling of its path (trailing slash): the same model, its recorded spelling kept
    const r = await cli(['compare', '--models', `base=${base}/`, '--methods', 'cosine,halton', '--steps', '2,4', '--seeds', '1', ...common.slice(0, -1), '2', '--out', regrid, '--resume', '--json']);
    expect(r.err).not.toMatch(/speedrl:/);
    expect(r.err).toMatch(/0 to compute; 4 grid\(s\) to draw/);
    const json = JSON.parse(r.out) as CompareJson;
    expect(json.models.map((m) => m.dir)).toEqual([base, rl]);
    expect(json.grids?.filter((g) => g.model === 'base').map((g) => g.perClass)).toEqual([2, 2, 2, 2]);
    expect(json.grids?.filter((g) => g.model === 'rl').map((g) => g.perClass)).toEqual([1, 1, 1, 1]);
    expect(readPng(join(regrid, 'grids', 'base-cosine-T2.png')).width).toBeGreaterThan(readPng(join(regrid, 'grids', 'rl-cosine-T2.png')).width);
    expect(readFileSync(join(regrid, 'grids', 'rl-cosine-T2.png')).equals(rlGrid)).toBe(true); // not asked for: kept
    const seed = await cli(['compare', '--models', `base=${base}`, '--methods', 'cosine', '--steps', '2', '--seeds', '1', ...common.slice(0, -1), '2', '--seed', '1', '--out', regrid, '--resume', '--json']);
    expect(seed.err).toMatch(/1 to compute; 1 grid\(s\) to draw/);
    expect((JSON.parse(seed.out) as CompareJson).grids?.find((g) => g.file === 'grids/base-cosine-T2.png')).toMatchObject({ seed: 1, perClass: 2 });
  });

  it('--force replaces only an earlier compare.json, and --out never lies inside an input', async () => {
    const notMine = join(root, 'cmp-not-mine');
    cpSync(out, notMine, { recursive: true });
    writeFileSync(join(notMine, 'compare.json'), JSON.stringify({ model: base, cells: [], rows: [] })); // an eval.json, say
    const forced = await cli([...args.slice(0, -1), notMine, '--force']);
    expect(forced.code).toBe(2);
    expect(forced.err).toMatch(/--out: ".*cmp-not-mine\/compare\.json" is not a compare\.json of speedrl compare/);
    const inside = await cli([...args.slice(0, -1), join(base, 'cmp'), '--force']);
    expect(inside.code).toBe(2);
    expect(inside.err).toMatch(/--out: ".*base\/cmp" is inside --models \(base\)/);
    expect(existsSync(join(base, 'cmp'))).toBe(false);
    const both = await cli([...args, '--resume', '--force']);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/--resume, --force: choose one/);
    // a damaged model is found before the replaced result goes (was: after the first model's cells had replaced it)
    const damaged = join(root, 'rl-damaged');
    cpSync(rl, damaged, { recursive: true });
    const weights = join(damaged, 'maskgit', 'model.safetensors');
    writeFileSync(weights, readFileSync(weights).subarray(0, 5000));
    const kept = join(root, 'cmp-kept');
    cpSync(out, kept, { recursive: true });
    const before = readFileSync(join(kept, 'compare.json'));
    const bad = await cli(['compare', '--models', `base=${base},rl=${damaged}`, '--methods', 'cosine', '--steps', '2', '--seeds', '1', ...common, '--out', kept, '--force']);
    expect([bad.code, bad.err]).toEqual([2, expect.stringMatching(/--models: model "rl" \(.*rl-damaged\) cannot be loaded: .*compare\.json was left as it was/)]);
    expect(readFileSync(join(kept, 'compare.json')).equals(before)).toBe(true);
    expect(existsSync(join(kept, 'compare.md'))).toBe(true);
  });

  it('--resume keeps the first model first: it is the base of every acceleration factor (was: a new order was accepted and ignored)', async () => {
    const before = readFileSync(join(out, 'compare.json'));
    const swapped = await cli(['compare', '--models', `rl=${rl},base=${base}`, '--methods', 'cosine,halton', '--steps', '2,4', '--seeds', '1', ...common, '--out', out, '--resume']);
    expect(swapped.code).toBe(2);
    expect(swapped.err).toMatch(/--models: .*compare\.json compares every model against "base", its first model \(the base of the acceleration factors\); list base=.* first/);
    expect(readFileSync(join(out, 'compare.json')).equals(before)).toBe(true);
  });

  it('--force moves the replaced comparison (compare.json, table, fronts, grids) aside before its first save and deletes it only when the new one completes: a kill leaves it whole and none of it beside the new compare.json', async () => {
    const replace = (dir: string) => ['compare', '--models', `base=${base}`, '--methods', 'cosine', '--steps', '2', '--seeds', '1', ...common, '--out', dir, '--force'];
    const log = join(root, 'cmp-force-faults.log');
    cpSync(out, join(root, 'cmp-force-ref'), { recursive: true });
    expect((await spawnCli(replace(join(root, 'cmp-force-ref')), { SPEEDRL_FAULT_LOG: log })).code).toBe(0);
    const points = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split('\t')[1] as string);
    const firstCell = points.findIndex((p, i) => p === 'write compare.json: after rename' && points.slice(0, i).includes(p)) + 1; // the save after the floors'
    expect(firstCell).toBeGreaterThan(0);
    const killed = join(root, 'cmp-force-killed');
    cpSync(out, killed, { recursive: true });
    expect(existsSync(join(killed, 'grids', 'rl-halton-T4.png'))).toBe(true);
    expect((await spawnCli(replace(killed), { SPEEDRL_KILL_AT: String(firstCell) })).signal).toBe('SIGKILL');
    const json = JSON.parse(readFileSync(join(killed, 'compare.json'), 'utf8')) as CompareJson;
    expect(json.cells.map((c) => `${c.model}-${c.method}-T${c.steps}`)).toEqual(['base-cosine-T2']);
    for (const f of ['compare.md', 'pareto-nfe.png', 'pareto-wallclock.png']) {
      expect(existsSync(join(killed, f)) && readFileSync(join(killed, f)).equals(readFileSync(join(out, f)))).toBe(false);
    }
    expect(existsSync(join(killed, 'grids', 'rl-halton-T4.png'))).toBe(false); // drawn by the replaced comparison only
    for (const f of ['compare.json', 'compare.md', 'pareto-nfe.png', 'grids/rl-halton-T4.png']) { // the replaced comparison, whole
      expect([f, readFileSync(join(killed, '.replaced', f)).equals(readFileSync(join(out, f)))]).toEqual([f, true]);
    }
    const resumed = await cli([...replace(killed).filter((a) => a !== '--force'), '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.err).toContain(`--force: the comparison it replaces is kept in ${join(killed, '.replaced')} until this run completes`);
    expect(existsSync(join(killed, '.replaced'))).toBe(false); // complete: the replaced comparison goes
  });

  it('a --force killed while it moved compare.json aside is finished by a second --force (was: refused, "run the command again with --force"), and a plain run over the stash is refused', async () => {
    const replace = (dir: string) => ['compare', '--models', `base=${base}`, '--methods', 'cosine', '--steps', '2', '--seeds', '1', ...common, '--out', dir, '--force'];
    const points = readFileSync(join(root, 'cmp-force-faults.log'), 'utf8').trim().split('\n').map((l) => l.split('\t')[1] as string);
    const moved = points.indexOf('--force: compare.json set aside') + 1;
    expect(moved).toBeGreaterThan(0);
    const killed = join(root, 'cmp-force-staged');
    cpSync(out, killed, { recursive: true });
    expect((await spawnCli(replace(killed), { SPEEDRL_KILL_AT: String(moved) })).signal).toBe('SIGKILL');
    expect(existsSync(join(killed, '.replaced.staging', 'compare.json'))).toBe(true);
    const plain = await cli(replace(killed).filter((a) => a !== '--force'));
    expect([plain.code, plain.err]).toEqual([2, expect.stringContaining('holds the comparison an unfinished --force set aside')]);
    const again = await cli(replace(killed));
    expect([again.code, again.err]).toEqual([0, expect.stringContaining('--force: the comparison it replaces is kept in')]);
    expect(existsSync(join(killed, '.replaced')) || existsSync(join(killed, '.replaced.staging'))).toBe(false);
  });

  it('prints and records acceleration factors of the cosine rows vs the first model, and says a 1-seed row makes no claim', async () => {
    const r = await cli(['compare', '--models', `base=${base},rl=${rl}`, '--methods', 'cosine', '--steps', '12', '--seeds', '1', ...common, '--out', join(root, 'accel')]);
    expect(r.err).not.toMatch(/speedrl:/);
    expect(r.out).toMatch(/^## Acceleration \(method cosine; base = base, the first model\)\n\n### base\n[^]*### rl\n[^]*\| vs the base: .* \| not judged \|/);
    expect(r.out).toContain("- vs the base: no factor — the base's T = 12 needs ≥ 3 seeds (has 1)");
    const json = JSON.parse(readFileSync(join(root, 'accel', 'compare.json'), 'utf8')) as CompareJson;
    expect(json.acceleration?.models.map((m) => [m.model, m.acceleration.base, m.acceleration.vsItself.reason])).toEqual([
      ['base', null, 'its own T = 12 needs ≥ 3 seeds (has 1)'], ['rl', 'base (cosine)', 'its own T = 12 needs ≥ 3 seeds (has 1)'],
    ]);
    expect(readFileSync(join(root, 'accel', 'compare.md'), 'utf8')).toContain('### rl');
    expect(JSON.parse(readFileSync(join(out, 'compare.json'), 'utf8')).acceleration).toBeUndefined(); // no T = 12 row there
  });

  it('sweeps adaptive thresholds: steps and NFE are the means actually used', async () => {
    const r = await cli(['compare', '--models', `base=${base}`, '--methods', 'adaptive', '--thresholds', '0.01,1', '--adaptive-cap', '4', '--seeds', '1', ...common, '--out', join(root, 'adaptive'), '--json']);
    expect(r.code).toBe(0);
    const rows = (JSON.parse(r.out) as CompareJson).rows;
    expect(rows.map((row) => [row.method, row.threshold, row.maxSteps])).toEqual([['adaptive', 0.01, 4], ['adaptive', 1, 4]]);
    expect(rows[0]?.steps).toBe(1); // every draw passes p ≥ 0.01 on a 16-code model: one step
    expect(rows[1]?.steps).toBe(4); // nothing is that sure: one commit per step up to the cap
    expect(rows[1]?.nfePerImage).toBe(4);
    // the steps each image used: all 1 at p ≥ 0.01, all at the cap at p ≥ 1; compare.md tables them per class
    const n = rows[0]?.stepsDistribution?.count ?? 0;
    expect([rows[0]?.stepsDistribution?.histogram, rows[1]?.stepsDistribution?.histogram]).toEqual([[n, 0, 0, 0], [0, 0, 0, n]]);
    expect(n).toBeGreaterThan(0);
    expect(readFileSync(join(root, 'adaptive', 'compare.md'), 'utf8')).toContain(`| base / adaptive (p ≥ 1, T ≤ 4) | ${n} | 4.00 ± 0.00 | 4 / 4 / 4 | 4–4 of 4 |`);
  });

  it('--min-per-step gives the hybrid a floor per step, and a resume refuses another floor (a file older than the flag ran at 0)', async () => {
    const dir = join(root, 'adaptive');
    const r = await cli(['compare', '--models', `base=${base}`, '--methods', 'adaptive', '--thresholds', '1', '--adaptive-cap', '4', '--min-per-step', '20', '--seeds', '1', ...common, '--out', join(root, 'hybrid'), '--json']);
    expect(r.code).toBe(0);
    const row = (JSON.parse(r.out) as CompareJson).rows[0];
    expect([row?.steps, row?.stepsDistribution?.histogram.slice(0, 3)]).toEqual([3, [0, 0, row?.stepsDistribution?.count]]); // 20 + 20 + 9 of 49 tokens (was 4: one a step, the rest at the cap)
    expect(readFileSync(join(root, 'hybrid', 'compare.md'), 'utf8')).toContain('| base / adaptive (p ≥ 1, T ≤ 4, ≥ 20 a step) |');
    // --adaptive-noise: the same counts, other positions (the confidence sampler's noisy ranking), labelled
    const noisy = await cli(['compare', '--models', `base=${base}`, '--methods', 'adaptive', '--thresholds', '1', '--adaptive-cap', '4', '--min-per-step', '20', '--adaptive-noise', '--seeds', '1', ...common, '--out', join(root, 'hybrid-noise'), '--json']);
    expect(noisy.code).toBe(0);
    const noisyRow = (JSON.parse(noisy.out) as CompareJson).rows[0];
    expect([noisyRow?.steps, noisyRow?.fcd.mean === row?.fcd.mean]).toEqual([3, false]);
    expect(readFileSync(join(root, 'hybrid-noise', 'compare.md'), 'utf8')).toContain('| base / adaptive (p ≥ 1, T ≤ 4, ≥ 20 a step, choice noise) |');
    const path = join(dir, 'compare.json');
    const json = JSON.parse(readFileSync(path, 'utf8')) as CompareJson;
    const { minPerStep, ...older } = json.options; // as a compare.json written before --min-per-step
    expect(minPerStep).toBe(0);
    writeFileSync(path, JSON.stringify({ ...json, options: older, optionsKey: compareOptionsKey(older) }));
    const resumed = await cli(['compare', '--out', dir, '--resume', '--min-per-step', 'schedule']);
    expect(resumed.code).toBe(2);
    expect(resumed.err).toMatch(/--min-per-step: .*adaptive\/compare\.json was computed with 0, now "schedule"/);
    const unread = await cli([...args.slice(0, -2), '--min-per-step', '5', '--out', join(root, 'bad')]); // cosine,halton only
    expect([unread.code, unread.err]).toEqual([2, expect.stringMatching(/--min-per-step: only the adaptive method reads it, and --methods cosine,halton has none/)]);
    for (const [flag, value] of [['--thresholds', '0.5'], ['--adaptive-cap', '6'], ['--tuned', join(root, 'tuned.json')]]) { // were: accepted, ignored and recorded
      const ignored = await cli([...args.slice(0, -2), flag as string, value as string, '--out', join(root, 'bad')]);
      expect([ignored.code, ignored.err]).toEqual([2, expect.stringMatching(new RegExp(`^speedrl: ${flag}: only the (adaptive|tuned) method`))]);
    }
    const noNoise = await cli([...args.slice(0, -2), '--methods', 'adaptive', '--adaptive-noise', '--gumbel', '0', '--out', join(root, 'bad')]); // was: labelled "choice noise", none applied
    expect([noNoise.code, noNoise.err]).toEqual([2, expect.stringMatching(/--adaptive-noise: the choice noise has the scale of --gumbel, and --gumbel 0 gives none/)]);
    expect(existsSync(join(root, 'bad'))).toBe(false); // refused before anything is written
    const bad = await cli([...args.slice(0, -2), '--min-per-step', 'lots', '--out', join(root, 'bad')]);
    expect([bad.code, bad.err]).toEqual([2, expect.stringMatching(/--min-per-step: "schedule", "exit" or an integer ≥ 0/)]);
  });

  it('gives exit 2 with a message naming the bad flag', async () => {
    const cases: [string[], RegExp][] = [
      [['--methods', 'cosine,fancy'], /--methods: unknown method "fancy"/],
      [['--models', base], /--models: expected NAME=DIR/],
      [['--models', `base=${join(root, 'nope')}`], /--models: ".*nope\/tokenizer" \(model base\) is missing/],
      [['--steps', '0,2'], /--steps: expected a comma-separated list of step counts/],
      [['--steps', '2,99'], /--steps: each T .* must be ≤ 49/],
      [['--thresholds', '0.5,2'], /--thresholds: expected .* probabilities in \(0, 1\]/],
      [['--n', 'many'], /--n: expected a finite number, got "many"/],
      [['--n', '20'], /--n: FCD needs more samples than the eval classifier's 24 feature dimensions/],
      [['--methods', 'tuned'], /--tuned: the tuned method .* needs a file/],
      [['--classifier', join(root, 'cls-reward')], /--classifier: .* is the reward classifier/],
      [['--grid-per-class', '1e6'], /--grid-per-class: must be ≤ 100 images per class/],
      [['--kid-subsets', '1e12'], /--kid-subsets: must be ≤ 10,000 subsets/],
      [['--steps', '2,2,4'], /--steps: T=2 is listed twice; list each value once/], // was: de-duplicated silently (eval refused)
      // were: accepted, recorded, the cells those of the defaults
      [['--gumbel', '9', '--methods', 'halton,adaptive'], /^speedrl: --gumbel: only the mask-schedule methods .* and adaptive with --adaptive-noise read it, and --methods halton,adaptive has none/m],
      [['--halton-schedule', 'arccos', '--methods', 'cosine'], /^speedrl: --halton-schedule: only the halton method reads it, and --methods cosine has none/m],
      [['--temperature', '2', '--methods', 'tuned', '--tuned', join(root, 'tuned.json')], /^speedrl: --temperature: only the methods other than tuned/m],
    ];
    for (const [extra, message] of cases) {
      const r = await cli([...args.slice(0, -2), ...extra, '--out', join(root, 'bad')]);
      expect([extra, r.code]).toEqual([extra, 2]);
      expect(r.err).toMatch(message);
    }
    const noisy = join(root, 'noisy.yaml');
    writeFileSync(noisy, 'gumbel: 0\nadaptiveNoise: true\n');
    const fromFile = await cli([...args.slice(0, -2), '--methods', 'adaptive', '--config', noisy, '--out', join(root, 'bad')]); // was: named the flags only
    expect([fromFile.code, fromFile.err]).toEqual([2, expect.stringContaining(`speedrl: --adaptive-noise (adaptiveNoise in ${noisy}): the choice noise has the scale of --gumbel, and --gumbel 0 (gumbel in ${noisy}) gives none`)]);
    const tune = await cli(['tune-schedule', '--out', join(root, 't.json')]);
    expect(tune.code).toBe(2);
    expect(tune.err).toMatch(/--model: required/);
    const judge = await cli(['tune-schedule', '--model', base, '--classifier', classifier, '--data', FIXTURE_DIR, '--steps', '2', '--n', '30', '--out', join(root, 't.json')]);
    expect(judge.code).toBe(2);
    expect(judge.err).toMatch(/--classifier: .* is the eval classifier; tune-schedule needs the reward classifier \(the evaluation classifier only judges\)/);
    expect(existsSync(join(root, 't.json'))).toBe(false);
    const cfg = await cli(['tune-schedule', '--model', base, '--cfg', 'maybe', '--out', join(root, 't.json')]);
    expect(cfg.code).toBe(2);
    expect(cfg.err).toMatch(/--cfg: /);
  });

  const tunedPath = join(root, 'tuned.json');
  const tuneOptions: TuneOptions = {
    model: base, classifier: join(root, 'cls-reward'), data: FIXTURE_DIR, out: tunedPath, steps: '2', budget: 4, n: 30, seed: 1000, refCount: 100, engine: 'ort', batch: 64, cfg: 'search',
  };

  it('tune-schedule --stop-thresholds scores the adaptive stop rule on the search split, picks per T, resumes without recomputing', async () => {
    const stopPath = join(root, 'stop.json');
    const stopArgs = ['tune-schedule', '--model', base, '--classifier', join(root, 'cls-reward'), '--data', FIXTURE_DIR, '--steps', '2,4', '--budget', '1', '--n', '30',
      '--ref-count', '100', '--cfg', 'off', '--stop-thresholds', '0.01,1', '--stop-cap', '4', '--out', stopPath];
    const r = await cli(stopArgs);
    expect(r.code).toBe(0);
    const file = JSON.parse(readFileSync(stopPath, 'utf8')) as TunedFile;
    const trials = file.stopRule?.trials ?? [];
    expect(trials.map((t) => t.threshold)).toEqual([0.01, 1]);
    expect(trials[1]?.nfePerImage).toBe(4); // p* = 1 commits one token a step: every image runs to the cap
    expect(trials[0]?.nfePerImage).toBeLessThan(4); // p* = 0.01 commits nearly every token at once
    expect(file.stopRule?.matches.map((m) => m.steps)).toEqual([2, 4]);
    expect(file.stopRule?.matches).toEqual(stopRuleMatches(trials, file)); // the rule is the search split's choice, recomputable
    expect(r.out).toMatch(/^stop rule: (p\* = [\d.]+|no threshold) \(cap 4\)/m);
    expect(file.searchBudget).toMatch(/; stop rule: 2 thresholds × 30 samples \(adaptive, cap 4\)$/);
    const again = await cli([...stopArgs.filter((a) => a !== '--out' && a !== stopPath), '--out', stopPath, '--resume', '--stop-thresholds', '0.01,1,0.5']);
    expect(again.code).toBe(0);
    const more = JSON.parse(readFileSync(stopPath, 'utf8')) as TunedFile;
    expect(more.stopRule?.trials.map((t) => t.threshold)).toEqual([0.01, 0.5, 1]);
    expect(more.stopRule?.trials.filter((t) => t.threshold !== 0.5)).toEqual(trials); // kept, not recomputed
    const otherCap = await cli([...stopArgs.map((a) => (a === '4' ? '3' : a)), '--resume']);
    expect(otherCap.code).toBe(2);
    expect(otherCap.err).toMatch(/--stop-cap: .*stop\.json scored its stop rule with cap 4, now 3/);
    // a resume that scores no stop rule keeps the file's cap in its options (was: the untyped default, or --stop-cap 3)
    expect(more.options?.stopCap).toBe(4);
    // a typed cap with no thresholds scores nothing: refused, naming the flag (was: silently ignored), the file untouched
    const before = readFileSync(stopPath, 'utf8');
    const capOnly = await cli([...stopArgs.map((a) => (a === '4' ? '3' : a === '0.01,1' ? '' : a)), '--resume']);
    expect(capOnly.code).toBe(2);
    expect(capOnly.err).toMatch(/--stop-cap: given without --stop-thresholds/);
    expect(readFileSync(stopPath, 'utf8')).toBe(before);
    const noRule = await cli([...stopArgs.filter((a, i) => a !== '--stop-cap' && stopArgs[i - 1] !== '--stop-cap').map((a) => (a === '0.01,1' ? '' : a)), '--resume']);
    expect(noRule.code).toBe(0);
    const kept = JSON.parse(readFileSync(stopPath, 'utf8')) as TunedFile;
    expect(kept.stopRule?.cap).toBe(4);
    expect(kept.options?.stopCap).toBe(4);
  });

  it('tune-schedule reads only the train split, is deterministic for a seed, and resumes without recomputing', async () => {
    const splits: string[] = [];
    const spy = (options: IdxDatasetOptions) => {
      splits.push(options.split);
      return loadIdxDataset(options);
    };
    const first = await runTuneSchedule(tuneOptions, false, capture(), spy);
    expect(splits).toEqual(['train']);
    expect(first.reference).toEqual({ split: 'train', data: FIXTURE_DIR, firstIndex: 100, count: 100, classifier: join(root, 'cls-reward') });
    expect(first.trials).toHaveLength(4);
    const best = first.schedules['2'];
    expect(best?.score).toBe(Math.min(...first.trials.map((t) => t.fcd)));
    expect(best?.defaultScore).toBe(first.trials[0]?.fcd);
    expect(best?.stepArrays.maskRatios?.[1]).toBe(0);
    expect(best?.nfePerImage).toBe(4); // CFG searched: two passes per step
    expect(first.searchBudget).toMatch(/1 T × 4 candidates × 30 samples = 120 samples/);
    const again = await cli(['tune-schedule', '--model', base, '--classifier', join(root, 'cls-reward'), '--data', FIXTURE_DIR, '--steps', '2', '--budget', '4', '--n', '30', '--ref-count', '100', '--out', join(root, 'tuned2.json'), '--json']);
    expect(again.code).toBe(0);
    const second = JSON.parse(again.out) as TunedFile;
    expect({ ...second, options: undefined, inputs: undefined }).toEqual({ ...first, options: undefined, inputs: undefined }); // the injected loader records no --data key
    const resumed = await cli(['tune-schedule', '--out', tunedPath, '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.err).toMatch(/candidates=4 reused=4/);
    expect(JSON.parse(readFileSync(tunedPath, 'utf8')).schedules).toEqual(first.schedules);
    // a trial score edited by hand (or a file without the key of its scores) is refused on resume (was: a warning, and the edited trial won)
    const edited = join(root, 'tuned-edited.json');
    const sealed = JSON.parse(readFileSync(tunedPath, 'utf8')) as TunedFile;
    for (const [file, why] of [[{ ...sealed, trials: sealed.trials.map((t, i) => (i === 1 ? { ...t, fcd: 0.5 } : t)) }, /differ from its scoresKey: edited by hand/], [{ ...sealed, scoresKey: undefined }, /records no scoresKey/]] as const) {
      writeFileSync(edited, JSON.stringify(file));
      const r = await cli(['tune-schedule', '--out', edited, '--resume']);
      expect([r.code, r.err]).toEqual([2, expect.stringMatching(why)]);
      expect(JSON.parse(readFileSync(edited, 'utf8'))).toEqual(JSON.parse(JSON.stringify(file)));
    }
    const overwrite = await cli(['tune-schedule', '--model', base, '--classifier', join(root, 'cls-reward'), '--data', FIXTURE_DIR, '--steps', '2', '--budget', '4', '--n', '30', '--out', tunedPath]);
    expect(overwrite.code).toBe(2);
    expect(overwrite.err).toMatch(/--out: ".*" already exists; pass --resume to continue its search, --force to replace it/);
    // --force replaces only an earlier tuned file, and --out never lies inside an input
    const tuneArgs = ['tune-schedule', '--model', base, '--classifier', join(root, 'cls-reward'), '--data', FIXTURE_DIR, '--steps', '2', '--budget', '4', '--n', '30', '--force'];
    const weights = join(base, 'maskgit', 'model.safetensors');
    const weightBytes = readFileSync(weights);
    const intoModel = await cli([...tuneArgs, '--out', weights]);
    expect(intoModel.code).toBe(2);
    expect(intoModel.err).toMatch(/--out: ".*model\.safetensors" is inside --model /);
    expect(readFileSync(weights).equals(weightBytes)).toBe(true);
    const notes = join(root, 'notes.json');
    writeFileSync(notes, JSON.stringify({ format: 'speedrl-maskgit' }));
    const other = await cli([...tuneArgs, '--out', notes]);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/--out: ".*notes\.json" is not a tune-schedule file \(it holds a file of format "speedrl-maskgit"\)/);
    expect(readFileSync(notes, 'utf8')).toBe(JSON.stringify({ format: 'speedrl-maskgit' }));
    const evalFile = join(root, 'eval.json'); // another command's results (was: "--cfg" named, a flag never typed)
    writeFileSync(evalFile, JSON.stringify({ command: 'eval', options: { cfg: 'auto', n: 30 } }));
    const resumeOther = await cli(['tune-schedule', '--out', evalFile, '--resume']);
    expect(resumeOther.code).toBe(2);
    expect(resumeOther.err).toMatch(/^speedrl: --resume: ".*eval\.json" is not a speedrl tune-schedule file \(it has no "format" field\); make it with speedrl tune-schedule/m);
    const otherRef = await cli(['tune-schedule', '--out', tunedPath, '--resume', '--ref-count', '150']);
    expect(otherRef.code).toBe(2);
    expect(otherRef.err).toMatch(/--ref-count: .* was searched with 100, now 150; its trials would be scored against another reference/);
    const otherBudget = await cli(['tune-schedule', '--out', tunedPath, '--resume', '--budget', '7']);
    expect(otherBudget.code).toBe(2);
    expect(otherBudget.err).toMatch(/--budget: .* was searched with \d+, now 7; a resume replays the same search/); // was: "scored against another reference"
    const more = await cli(['tune-schedule', '--out', tunedPath, '--resume', '--steps', '3']);
    expect(more.code).toBe(0);
    const merged = JSON.parse(readFileSync(tunedPath, 'utf8')) as TunedFile;
    expect(Object.keys(merged.schedules).sort()).toEqual(['2', '3']); // T=2 kept, T=3 added
    expect(merged.schedules['2']).toEqual(first.schedules['2']);
    expect(merged.trials.filter((t) => t.steps === 2)).toEqual(first.trials);
    expect(merged.searchBudget).toMatch(/2 T × 4 candidates/);
  });

  it('tune-schedule --force keeps the replaced tuned file beside its --out until the new search completes: a kill leaves it whole, --resume finishes and deletes it', async () => {
    const tune = (out: string, ...more: string[]) => ['tune-schedule', '--model', base, '--classifier', join(root, 'cls-reward'), '--data', FIXTURE_DIR, '--steps', '2', '--budget', '4', '--n', '30', '--seed', '5', '--out', out, ...more];
    const probe = join(root, 'tuned-force-probe.json');
    cpSync(tunedPath, probe);
    const log = join(root, 'tuned-force-faults.log');
    expect((await spawnCli(tune(probe, '--force'), { SPEEDRL_FAULT_LOG: log })).code).toBe(0);
    expect(existsSync(join(root, '.tuned-force-probe.json.replaced'))).toBe(false);
    const points = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split('\t')[1] as string);
    const secondTrial = points.indexOf('write tuned-force-probe.json: after rename', points.indexOf('write tuned-force-probe.json: after rename') + 1) + 1;
    expect(secondTrial).toBeGreaterThan(0);
    const killed = join(root, 'tuned-force-killed.json');
    cpSync(tunedPath, killed);
    expect((await spawnCli(tune(killed, '--force'), { SPEEDRL_KILL_AT: String(secondTrial) })).signal).toBe('SIGKILL');
    const stash = join(root, '.tuned-force-killed.json.replaced');
    expect(readFileSync(join(stash, 'tuned-force-killed.json')).equals(readFileSync(tunedPath))).toBe(true); // the replaced search, whole
    expect((JSON.parse(readFileSync(killed, 'utf8')) as TunedFile).trials.length).toBeLessThan(4); // the new search, unfinished
    const resumed = await cli(['tune-schedule', '--out', killed, '--resume']);
    expect(resumed.code).toBe(0); // a bare --resume (was refused: --ref-count 10000 compared with the 200 images the fixture's split holds)
    expect(resumed.err).toContain(`--force: the tuned file it replaces is kept in ${stash} until this run completes`);
    expect(existsSync(stash)).toBe(false);
    expect((JSON.parse(readFileSync(killed, 'utf8')) as TunedFile).trials).toHaveLength(4);
  });

  it('compare --tuned evaluates the tuned arrays as method "tuned", also on a +tuned model, on disjoint seeds', async () => {
    const r = await cli(['compare', '--models', `base=${base},rl+tuned=${rl}`, '--methods', 'cosine,tuned', '--tuned', tunedPath, '--steps', '2,4', '--seeds', '1', ...common, '--out', join(root, 'tuned-cmp'), '--json']);
    expect(r.err).not.toMatch(/speedrl:/);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/has no tuned schedule for T=4; the tuned method runs at T=2/); // the file also holds T=3, not asked for here
    const json = JSON.parse(r.out) as CompareJson;
    expect(json.rows.map((row) => `${row.model}/${row.method}/${row.steps}/${row.nfePerImage}`)).toEqual(['base/cosine/2/2', 'base/cosine/4/4', 'base/tuned/2/4', 'rl+tuned/tuned/2/4']);
    expect(json.searchBudget).toMatch(/240 samples/);
    // a resume after the file was edited elsewhere (a stop rule or another T tuned) keeps its tuned cells (was: refused,
    // "came from other schedules"); another schedule at a T the cells used is refused, naming the T
    const original = readFileSync(tunedPath, 'utf8');
    const file = JSON.parse(original) as { searchBudget: string; schedules: Record<string, { params: Record<string, number>; stepArrays: { temperatures: number[] } }> };
    const resume = ['compare', '--out', join(root, 'tuned-cmp'), '--resume'];
    try {
      writeFileSync(tunedPath, JSON.stringify({ ...file, searchBudget: `${file.searchBudget}; stop rule: 2 thresholds` }));
      expect((await cli(resume)).code).toBe(0);
      const two = file.schedules['2']!; // another schedule the file's own check accepts: a constant temperature 1.1 (was ≈ 1.34 → …)
      Object.assign(two.params, { temperatureStart: 1.1, temperatureEnd: 1.1 });
      two.stepArrays.temperatures = [1.1, 1.1];
      writeFileSync(tunedPath, JSON.stringify(file));
      const changed = await cli(resume);
      expect([changed.code, changed.err]).toEqual([2, expect.stringMatching(/--tuned: .*tuned\.json has another schedule for T = 2 since .*compare\.json was computed/)]);
    } finally {
      writeFileSync(tunedPath, original);
    }
    const clash = await cli(['compare', '--models', `base=${base}`, '--methods', 'tuned', '--tuned', tunedPath, '--seed', '1000', ...common, '--out', join(root, 'clash')]);
    expect(clash.code).toBe(2);
    expect(clash.err).toMatch(/--seed: evaluation seed\(s\) 1000 were used by the schedule search/);
    // only tuned cells, at a T the file does not hold: nothing to compare (was: exit 0 with an empty table)
    const none = await cli(['compare', '--models', `base=${base}`, '--methods', 'tuned', '--tuned', tunedPath, '--steps', '4', '--seeds', '1', ...common, '--out', join(root, 'tuned-none')]);
    expect([none.code, none.err]).toEqual([2, expect.stringMatching(/--steps: nothing to compare: .*tuned\.json holds tuned schedules for T=2,3 only/)]);
    expect(existsSync(join(root, 'tuned-none'))).toBe(false);
  });

  it('compare --tuned refuses an unfinished search (a T it asks for without a schedule; was: used, those tuned rows dropped silently)', async () => {
    const partial = join(root, 'tuned-partial.json');
    const file = JSON.parse(readFileSync(tunedPath, 'utf8')) as TunedFile;
    writeFileSync(partial, JSON.stringify({ ...file, options: { ...file.options, steps: '2,3,5' } }));
    const r = await cli(['compare', '--models', `base=${base}`, '--methods', 'cosine,tuned', '--steps', '2', '--seeds', '1', '--seed', '7', ...common, '--tuned', partial, '--out', join(root, 'cmp-partial-tuned')]);
    expect([r.code, r.err]).toEqual([2, expect.stringContaining(`--tuned: ${partial} is an unfinished search (it asks for T=2,3,5 and holds no schedule for T=5); finish it with speedrl tune-schedule`)]);
  });

  it('compare --tuned on another model records and says where the schedules were searched (was: a transfer was not named)', async () => {
    const r = await cli(['compare', '--models', `rl+tuned=${rl}`, '--methods', 'cosine', '--tuned', tunedPath, '--steps', '2', '--seeds', '1', ...common, '--out', join(root, 'transfer'), '--json']);
    expect(r.err).not.toMatch(/speedrl:/);
    expect((JSON.parse(r.out) as CompareJson).tunedModel).toBe(base);
    expect(readFileSync(join(root, 'transfer', 'compare.md'), 'utf8')).toContain(`Tuned schedules were searched on ${base}; on any other model the tuned rows transfer them`);
  });

  it('compare --tuned refuses a file searched on other weights of the same model directory (was: used silently)', async () => {
    const drift = join(root, 'drift');
    const driftTuned = join(root, 'drift-tuned.json');
    await writeTinyBundle(drift, 11);
    await runTuneSchedule({ ...tuneOptions, model: drift, out: driftTuned, budget: 1, cfg: 'off' }, false, capture());
    await writeTinyBundle(drift, 12); // new weights at the same path
    for (const models of [`d=${drift}/`, `base=${base},d+tuned=${drift}`]) { // another spelling of the path, a +tuned model
      const r = await cli(['compare', '--models', models, '--methods', 'tuned', '--tuned', driftTuned, '--steps', '2', '--seeds', '1', ...common, '--out', join(root, 'drift-cmp')]);
      expect([models, r.code]).toEqual([models, 2]);
      expect(r.err).toMatch(/--tuned: .*drift-tuned\.json was searched on other weights of .*drift \(model "d(\+tuned)?" = .*: its files changed since the search\); rerun speedrl tune-schedule/);
    }
    expect(existsSync(join(root, 'drift-cmp', 'compare.json'))).toBe(false);
    // searched with a relative --model, compared from another directory (was: the paths did not match, the check was skipped)
    const cwd = process.cwd();
    try {
      process.chdir(root);
      await runTuneSchedule({ ...tuneOptions, model: 'drift', out: join(root, 'drift-rel.json'), budget: 1, cfg: 'off' }, false, capture());
      await writeTinyBundle(drift, 13);
      process.chdir(tmpdir());
      const elsewhere = await cli(['compare', '--models', `d=${drift}`, '--methods', 'tuned', '--tuned', join(root, 'drift-rel.json'), '--steps', '2', '--seeds', '1', ...common, '--out', join(root, 'drift-cmp')]);
      expect([elsewhere.code, elsewhere.err]).toEqual([2, expect.stringMatching(/--tuned: .*drift-rel\.json was searched on other weights of drift \(model "d" = /)]);
    } finally {
      process.chdir(cwd);
    }
  });
});
