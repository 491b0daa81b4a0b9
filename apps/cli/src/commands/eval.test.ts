/** `speedrl eval --base-eval` on an untrained tiny bundle: the base file is validated before any sampling, and the acceleration factors are printed, saved in eval.json and written to eval.md. */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '@speedrl/tensor-utils';
import { accelerationSchema, aggregate } from '@speedrl/eval';
import { FIXTURE_DIR, writeTinyBundle, writeTinyClassifier } from '../compare/test-models';
import { installInterruptHandler } from '@speedrl/pipeline';
import { captureIo as capture, runCaptured as cli, spawnCli } from '../test-cli';

describe('speedrl eval --base-eval (untrained tiny bundle)', () => {
  const root = mkdtempSync(join(tmpdir(), 'speedrl-eval-base-'));
  const model = join(root, 'model');
  const classifier = join(root, 'cls-eval');
  const args = (out: string, ...extra: string[]) => ['eval', '--model', model, '--data', FIXTURE_DIR, '--classifier', classifier, '--n', '30', '--kid-subsets', '3', '--out', join(root, out), ...extra];
  const stats = (mean: number, std: number) => ({ mean, std });
  const baseRow = (steps: number) => ({ steps, seeds: 3, fcd: stats(1e6, 0), kid: stats(0, 0), recall: stats(1e-9, 0), nfePerImage: steps });
  const file = (name: string, value: unknown): string => {
    writeFileSync(join(root, name), typeof value === 'string' ? value : JSON.stringify(value));
    return join(root, name);
  };
  beforeAll(async () => {
    await initBackend();
    await writeTinyBundle(model, 1);
    await writeTinyClassifier(classifier, 'eval', 3);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('refuses a missing, malformed, foreign or T = 12-less base eval.json before any sampling (exit 2)', async () => {
    const cases: [string, RegExp][] = [
      [join(root, 'nope.json'), /--base-eval: cannot read ".*nope\.json" \(ENOENT\)/],
      [file('bad.json', '{"rows": ['), /--base-eval: ".*bad\.json" is not valid JSON/],
      [file('wrong.json', { rows: [{ steps: 12, fcd: 'low' }] }), /--base-eval: ".*wrong\.json" is not an eval\.json of speedrl eval \(field "rows\.0\.fcd"/],
      [file('no12.json', { rows: [baseRow(4)] }), /--base-eval: ".*no12\.json" has no T = 12 row \(its T: 4\)/],
    ];
    for (const [path, message] of cases) {
      const r = await cli(args('bad', '--steps', '2', '--base-eval', path));
      expect([path, r.code]).toEqual([path, 2]);
      expect(r.err).toMatch(message);
    }
    expect(existsSync(join(root, 'bad', 'eval.json'))).toBe(false);
  });

  it('prints the factors after the table and saves them in eval.json and eval.md; vs itself without --base-eval', async () => {
    const baseCells = [4, 12].flatMap((steps) => [0, 1, 2].map((seed) => ({ steps, seed, fcd: 1e6, kid: 0, precision: 0, recall: 1e-9, accuracy: 0.1, nfePerImage: steps, meanSteps: steps, msPerImage: 1 })));
    const basePath = file('base.json', { model: 'base', cells: baseCells, rows: aggregate(baseCells) }); // as eval writes it: the cells its rows come from
    const r = await cli(args('rl', '--steps', '2,12', '--seeds', '3', '--base-eval', basePath));
    expect(r.err).not.toMatch(/speedrl:/);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/\| 12 \| .*\n\n[^]*## Acceleration\n[^]*Base: .*base\.json\.[^]*\| vs the base: base FCD\(12\) − FCD\(T\) > 2σ \| 2 \| 6× \|/);
    const saved = JSON.parse(readFileSync(join(root, 'rl', 'eval.json'), 'utf8')) as { acceleration: unknown; options: { baseEval?: string } };
    const a = accelerationSchema.parse(saved.acceleration); // every FCD of this model is far below the base's 10⁶
    expect(a).toMatchObject({ base: basePath, vsBase: { steps: 2, factor: 6 }, noQualityTraded: { holds: true }, recall: { steps: 2 } });
    expect(a.vsItself.reference).toMatchObject({ steps: 12, seeds: 3 });
    expect(saved.options.baseEval).toBe(basePath);
    expect(readFileSync(join(root, 'rl', 'eval.md'), 'utf8')).toContain(`- ${a.statement.split('; ')[0] ?? ''}`);
    const own = await cli(args('rl', '--steps', '2,12', '--seeds', '3', '--resume')); // no cell to compute
    expect(own.code).toBe(0);
    expect(own.out).toContain('| vs itself: FCD(T) − FCD(12) ≤ 2σ |');
    expect(own.out).not.toContain('vs the base');
    expect(JSON.parse(readFileSync(join(root, 'rl', 'eval.json'), 'utf8')).acceleration).toMatchObject({ base: null, vsBase: null });
    // --resume alone takes the saved options (was: "--model: required", then the default --classifier)
    const cellsBefore = JSON.parse(readFileSync(join(root, 'rl', 'eval.json'), 'utf8')).cells as unknown[];
    const bare = await cli(['eval', '--out', join(root, 'rl'), '--resume']);
    expect(bare.err).not.toMatch(/speedrl:/);
    expect(bare.code).toBe(0);
    expect(bare.err).toContain(`eval: ${model} on ort`);
    expect(JSON.parse(readFileSync(join(root, 'rl', 'eval.json'), 'utf8')).cells).toEqual(cellsBefore); // nothing recomputed
    // floors edited in eval.json are refused by a resume (at first: reused and shown unchecked; then: replaced
    // silently by floors.json's), as edited cells are: the file's resultsKey covers both; restored, it resumes
    const evalPath = join(root, 'rl', 'eval.json');
    const original = readFileSync(evalPath, 'utf8');
    const json = JSON.parse(original) as { floors: Record<string, number> };
    const cached = (JSON.parse(readFileSync(join(model, 'floors.json'), 'utf8')) as { floors: Record<string, number> }).floors;
    expect(json.floors).toEqual(cached);
    writeFileSync(evalPath, JSON.stringify({ ...json, floors: { ...json.floors, reconstruction: 0.001 } }));
    const edited = await cli(args('rl', '--steps', '2,12', '--seeds', '3', '--resume'));
    expect([edited.code, edited.err]).toEqual([2, expect.stringMatching(/--resume: .*rl\/eval\.json: its cells or floors are not those its resultsKey was written for/)]);
    writeFileSync(evalPath, original);
    expect((await cli(args('rl', '--steps', '2,12', '--seeds', '3', '--resume'))).code).toBe(0);
    expect(JSON.parse(readFileSync(evalPath, 'utf8')).floors).toEqual(cached);
  });

  it('--resume refuses fewer --steps or --seeds than eval.json holds, which would add no cell (was: exit 0, the typed values ignored)', async () => {
    const path = join(root, 'rl', 'eval.json');
    const before = readFileSync(path, 'utf8');
    const fewer = await cli(args('rl', '--steps', '2', '--seeds', '1', '--resume'));
    expect([fewer.code, fewer.err]).toEqual([2, expect.stringMatching(/--steps: .*rl\/eval\.json holds cells at T=2,12 and a resume keeps them all, so --steps 2 would add no cell and be ignored; give --steps 2,12/)]);
    const seeds = await cli(args('rl', '--steps', '12,2', '--seeds', '1', '--resume'));
    expect([seeds.code, seeds.err]).toEqual([2, expect.stringMatching(/--seeds: .*rl\/eval\.json holds cells of seeds 0,1,2 .*give --seed 0 --seeds 3 \(or more\)/)]);
    expect(readFileSync(path, 'utf8')).toBe(before);
  });

  it('refuses a base eval.json judged otherwise (--n, --ref-limit, classifier files) or with edited rows, before any sampling', async () => {
    const real = JSON.parse(readFileSync(join(root, 'rl', 'eval.json'), 'utf8')) as { options: Record<string, unknown>; inputs: Record<string, string>; rows: { fcd: { mean: number } }[] };
    const edited = structuredClone(real);
    (edited.rows[0] as { fcd: { mean: number } }).fcd.mean = 1e6;
    const cases: [string[], string, RegExp][] = [
      [['--n', '31'], file('base-n.json', real), /--base-eval: ".*base-n\.json" was measured with --n 30, this run with 31/],
      // its options edited to match this run's (was: accepted, n = 31 FCDs judged against n = 30 ones)
      [['--n', '31'], file('base-n-edited.json', { ...real, options: { ...real.options, n: 31 } }), /--base-eval: ".*base-n-edited\.json" has options that no longer give its optionsKey \(edited by hand\?\)/],
      [[], file('base-cls.json', { ...real, inputs: { ...real.inputs, '--classifier': 'another' } }), /--base-eval: ".*base-cls\.json" was judged with other files of --classifier/],
      [[], file('base-rows.json', edited), /--base-eval: ".*base-rows\.json" has rows that are not the aggregate of its cells/],
      // its cells removed: its rows can no longer be checked (was: taken as a file of an older version)
      [[], file('base-no-cells.json', { ...real, cells: undefined }), /--base-eval: ".*base-no-cells\.json" has rows but no cells: edited, or written by a version before cells were stored; rerun it/],
      // another sampler: "12 / T" would compare step counts of two samplers (was: "6×, holds: yes" against a base at temperature 0.3)
      [['--temperature', '0.5'], file('base-temp.json', real), /--base-eval: ".*base-temp\.json" sampled with --temperature 1, this run with 0\.5; a factor of steps compares one sampler/],
      [['--cfg', '2'], file('base-cfg.json', real), /--base-eval: ".*base-cfg\.json" sampled with --cfg 0, this run with 2/],
      // the model's own eval as its base: every claim vacuous (was: "no quality traded: difference +0.000 … yes")
      [[], file('base-self.json', real), /--base-eval: ".*base-self\.json" evaluated this very model \(.*model: the same files\); pass the eval\.json of the base it was accelerated from/],
    ];
    for (const [extra, path, message] of cases) {
      const r = await cli(args('judged', '--steps', '2', '--base-eval', path, ...extra));
      expect([path, r.code, r.err]).toEqual([path, 2, expect.stringMatching(message)]);
    }
    expect(existsSync(join(root, 'judged', 'eval.json'))).toBe(false);
  });

  it('refuses the eval of another model than the base an accelerated bundle records (metadata.base), before any sampling', async () => {
    const [base, other, accelerated] = ['acc-base', 'acc-other', 'acc-model'].map((d) => join(root, d)) as [string, string, string];
    await writeTinyBundle(base, 5);
    await writeTinyBundle(other, 6, base);
    await writeTinyBundle(accelerated, 7, base);
    const configPath = join(accelerated, 'maskgit', 'config.json');
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as { metadata?: Record<string, unknown> };
    writeFileSync(configPath, JSON.stringify({ ...config, metadata: { ...config.metadata, command: 'accelerate', base } }));
    const evalOf = (m: string, out: string, ...extra: string[]) => cli(['eval', '--model', m, '--data', FIXTURE_DIR, '--classifier', classifier, '--n', '30', '--kid-subsets', '3', '--steps', '2,12', '--seeds', '3', '--out', join(root, out), ...extra]);
    expect((await evalOf(other, 'acc-other-eval')).code).toBe(0);
    const wrong = await evalOf(accelerated, 'acc-wrong', '--base-eval', join(root, 'acc-other-eval', 'eval.json'));
    expect(wrong.code).toBe(2);
    expect(wrong.err).toMatch(/--base-eval: ".*acc-other-eval\/eval\.json" evaluated another model than .*acc-base, the base .*acc-model was accelerated from/);
    expect(existsSync(join(root, 'acc-wrong', 'eval.json'))).toBe(false);
    expect((await evalOf(base, 'acc-base-eval')).code).toBe(0);
    expect((await evalOf(accelerated, 'acc-right', '--base-eval', join(root, 'acc-base-eval', 'eval.json'))).code).toBe(0);
  });

  it('--force keeps the replaced eval whole until the new one completes: killed at any write, the old eval.json is in place or set aside, never beside the new one\'s figures; --resume (or --force after a kill while it moved) completes and deletes it', async () => {
    const old = join(root, 'force-old');
    expect((await cli(args('force-old', '--steps', '1,2', '--seeds', '1'))).code).toBe(0);
    const bytes = (dir: string, f: string) => (existsSync(join(dir, f)) ? readFileSync(join(dir, f)) : undefined);
    const replace = (out: string, ...more: string[]) => args(out, '--steps', '1,2', '--seeds', '1', '--temperature', '0.5', ...more);
    const log = join(root, 'force-faults.log');
    cpSync(old, join(root, 'force-ref'), { recursive: true });
    const ref = await spawnCli(replace('force-ref', '--force'), { SPEEDRL_FAULT_LOG: log });
    expect(ref.code).toBe(0);
    expect(existsSync(join(root, 'force-ref', '.replaced'))).toBe(false); // complete: the replaced eval is gone
    const points = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split('\t')[1] as string);
    expect(points.filter((p) => /fcd-vs-steps\.png/.test(p)).length).toBeGreaterThanOrEqual(4); // drawn at every save
    const oldJson = bytes(old, 'eval.json') as Buffer;
    const states = new Set<string>();
    for (let k = 1; k <= points.length; k++) {
      const out = join(root, `force-kill-${k}`);
      cpSync(old, out, { recursive: true });
      expect((await spawnCli(replace(`force-kill-${k}`, '--force'), { SPEEDRL_KILL_AT: String(k) })).signal).toBe('SIGKILL');
      // the old eval.json is whole in exactly one place: in --out (not yet moved), in the stash, or in the stash's staging folder
      const where = ['eval.json', '.replaced.staging/eval.json', '.replaced/eval.json'].filter((f) => bytes(out, f)?.equals(oldJson) === true);
      expect({ k, point: points[k - 1], where: where.length }).toEqual({ k, point: points[k - 1], where: 1 });
      states.add(where[0] as string);
      const now = existsSync(join(out, 'eval.json')) ? (JSON.parse(readFileSync(join(out, 'eval.json'), 'utf8')) as { options: { temperature: number } }).options.temperature : undefined;
      for (const f of ['eval.md', 'fcd-vs-steps.png']) {
        const fig = bytes(out, f);
        // the new eval.json never shows the old eval's files beside it
        if (now === 0.5 && fig !== undefined) expect({ k, point: points[k - 1], f, old: fig.equals(bytes(old, f) as Buffer) }).toEqual({ k, point: points[k - 1], f, old: false });
      }
      if (where[0] === '.replaced/eval.json' && now === undefined) { // a plain run would finish and drop the stash: refused (was: the earlier eval deleted)
        const plain = await cli(args(`force-kill-${k}`, '--steps', '1', '--seeds', '1'));
        expect([k, plain.code, plain.err]).toEqual([k, 2, expect.stringContaining('holds the eval an unfinished --force set aside; continue that run with --resume')]);
        expect(bytes(out, '.replaced/eval.json')?.equals(oldJson)).toBe(true);
      }
      if (where[0] === '.replaced/eval.json' && now === 0.5 && k % 3 === 0) { // the new eval begun: --resume completes it and drops the old
        const resumed = await cli(replace(`force-kill-${k}`, '--resume'));
        expect([k, resumed.code]).toEqual([k, 0]);
        expect(resumed.err).toContain(`--force: the eval it replaces is kept in ${join(out, '.replaced')} until this run completes`);
        expect(existsSync(join(out, '.replaced'))).toBe(false);
      }
      if (where[0] === '.replaced.staging/eval.json') { // killed while it moved: --resume refuses, --force finishes
        const resumed = await cli(replace(`force-kill-${k}`, '--resume'));
        expect([k, resumed.code, resumed.err]).toEqual([k, 2, expect.stringContaining('--resume: a --force stopped while it moved the eval it replaces aside')]);
        expect((await cli(replace(`force-kill-${k}`, '--force'))).code).toBe(0);
        expect(existsSync(join(out, '.replaced')) || existsSync(join(out, '.replaced.staging'))).toBe(false);
      }
    }
    expect([...states].sort()).toEqual(['.replaced.staging/eval.json', '.replaced/eval.json']); // (the first fault point follows the first move)
  }, 600_000);

  it('a --force stopped and resumed with fewer --steps keeps the eval it replaces until every cell the --force asked for is computed (was: dropped by the smaller resume)', async () => {
    expect((await cli(args('partial-old', '--steps', '1', '--seeds', '1'))).code).toBe(0);
    const big = (out: string, ...more: string[]) => args(out, '--steps', '1,2', '--seeds', '1', '--temperature', '0.5', ...more);
    const log = join(root, 'partial-faults.log');
    cpSync(join(root, 'partial-old'), join(root, 'partial-ref'), { recursive: true });
    expect((await spawnCli(big('partial-ref', '--force'), { SPEEDRL_FAULT_LOG: log })).code).toBe(0);
    const points = readFileSync(log, 'utf8').trim().split('\n').map((l) => l.split('\t')[1] as string);
    cpSync(join(root, 'partial-old'), join(root, 'partial'), { recursive: true });
    expect((await spawnCli(big('partial', '--force'), { SPEEDRL_KILL_AT: String(points.indexOf('write eval.json: after rename') + 1) })).signal).toBe('SIGKILL');
    const small = await cli(args('partial', '--steps', '1', '--seeds', '1', '--temperature', '0.5', '--resume'));
    expect([small.code, small.err]).toEqual([0, expect.stringContaining('still lacks cells the --force run asked for; the eval it replaces stays in')]);
    expect(existsSync(join(root, 'partial', '.replaced', 'eval.json'))).toBe(true);
    expect((await cli(big('partial', '--resume'))).code).toBe(0);
    expect(existsSync(join(root, 'partial', '.replaced'))).toBe(false);
  });

  it('--force never takes a folder of the stash\'s name made by hand (or a file there) for its stash: refused before any work, nothing moved or deleted', async () => {
    expect((await cli(args('foreign-stash', '--steps', '1', '--seeds', '1'))).code).toBe(0);
    const out = join(root, 'foreign-stash');
    const before = readFileSync(join(out, 'eval.json'));
    mkdirSync(join(out, '.replaced'));
    writeFileSync(join(out, '.replaced', 'notes.md'), 'mine');
    const r = await cli(args('foreign-stash', '--steps', '1', '--seeds', '1', '--temperature', '0.5', '--force'));
    expect([r.code, r.err]).toEqual([2, expect.stringContaining(`--out: "${join(out, '.replaced')}" is in the way: --force keeps the result it replaces there`)]);
    expect(readFileSync(join(out, 'eval.json')).equals(before)).toBe(true);
    expect(readFileSync(join(out, '.replaced', 'notes.md'), 'utf8')).toBe('mine');
  });

  it('--resume refuses a file that is no eval.json (null, a list) with exit 2, naming it (was: exit 1, "Cannot read properties of null")', async () => {
    const files: [string, string][] = [['nulled', 'null'], ['listed', '[]']];
    for (const [name, text] of files) {
      mkdirSync(join(root, name), { recursive: true });
      writeFileSync(join(root, name, 'eval.json'), text);
      const r = await cli(args(name, '--steps', '1', '--resume'));
      expect([r.code, r.err]).toEqual([2, expect.stringMatching(new RegExp(`--resume: .*${name}/eval\\.json is not an eval\\.json of speedrl eval`))]);
      expect(readFileSync(join(root, name, 'eval.json'), 'utf8')).toBe(text);
    }
  });

  it('--resume refuses an eval.json whose options were edited after its cells were computed (was: new cells at --n 40 beside n = 30 ones, the file saying 40)', async () => {
    expect((await cli(args('edited', '--steps', '1', '--seeds', '1'))).code).toBe(0);
    const path = join(root, 'edited', 'eval.json');
    const json = JSON.parse(readFileSync(path, 'utf8'));
    expect(json.optionsKey).toMatch(/^[0-9a-f]{64}$/);
    writeFileSync(path, JSON.stringify({ ...json, options: { ...json.options, n: 40 } }));
    const edited = readFileSync(path, 'utf8');
    const r = await cli([...args('edited', '--steps', '1', '--seeds', '2', '--resume'), '--n', '40']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--resume: .*edited\/eval\.json: its options \(--model, --classifier, --data, --n, .*\) can't be shown to be those its cells were computed with \(they no longer match its optionsKey: edited by hand\?\)/);
    expect(readFileSync(path, 'utf8')).toBe(edited);
    writeFileSync(path, JSON.stringify(json)); // restored: it resumes
    expect((await cli(args('edited', '--steps', '1', '--seeds', '2', '--resume'))).code).toBe(0);
    expect(JSON.parse(readFileSync(path, 'utf8')).cells).toHaveLength(2);
  });

  it('refuses --schedule with the adaptive sampler and --gumbel with halton or adaptive, which read none, before any work (was: ignored and recorded)', async () => {
    const r = await cli(args('unread', '--steps', '2', '--seeds', '1', '--sampler', 'adaptive', '--schedule', 'linear'));
    expect([r.code, r.err]).toEqual([2, expect.stringMatching(/--schedule: the adaptive sampler .* "linear" would be ignored/)]);
    for (const [sampler, tau] of [['halton', '7'], ['halton', '0'], ['adaptive', '0']]) { // were: recorded, the cells those of the default τ
      const gumbel = await cli(args('unread', '--steps', '2', '--seeds', '1', '--sampler', sampler as string, '--gumbel', tau as string));
      expect([gumbel.code, gumbel.err]).toEqual([2, expect.stringMatching(new RegExp(`^speedrl: --gumbel: only --sampler confidence reads it \\(the ${sampler} sampler .*so ${tau} would be ignored`))]);
    }
    expect(existsSync(join(root, 'unread'))).toBe(false);
  });

  it('a bare --resume after a stop computes the cells the stopped call asked for (was: only the computed ones were planned, exit 0)', async () => {
    const handler = installInterruptHandler(capture(), () => undefined); // as inside the demo: stop after the saved cell
    process.emit('SIGINT', 'SIGINT');
    try {
      expect((await cli(args('stopped', '--steps', '1,2', '--seeds', '2'))).code).toBe(130);
    } finally {
      handler.dispose();
    }
    const path = join(root, 'stopped', 'eval.json');
    expect(JSON.parse(readFileSync(path, 'utf8')).cells).toHaveLength(1);
    const r = await cli(['eval', '--out', join(root, 'stopped'), '--resume']);
    expect(r.code).toBe(0);
    const cells = (JSON.parse(readFileSync(path, 'utf8')) as { cells: { steps: number; seed: number }[] }).cells;
    expect(cells.map((c) => `${c.steps}/${c.seed}`).sort()).toEqual(['1/0', '1/1', '2/0', '2/1']);
  });
});
