/**
 * `speedrl ablate` end to end on untrained tiny bundles and the committed fixture (each run stopped by a tiny time
 * budget after one iteration): outputs, the variants' overrides, resume, usage errors; and Ctrl-C between children.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJsonl } from '@speedrl/core';
import { bundleIdentity, lockMark, releaseLocksSince } from '@speedrl/pipeline';
import { resultsDigest } from '@speedrl/eval';
import { initBackend } from '@speedrl/tensor-utils';
import { FIXTURE_DIR, writeTinyBundle, writeTinyClassifier } from '../compare/test-models';
import { ablationsSchema, type Ablations } from '@speedrl/report';
import { InterruptedError } from '../errors';
import { ablateCommand, type Runner } from './ablate';
import { runCaptured as cli, captureIo as capture } from '../test-cli';

const readJson = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;

describe('speedrl ablate (untrained tiny bundles)', () => {
  const root = mkdtempSync(join(tmpdir(), 'speedrl-ablate-'));
  const base = join(root, 'base');
  const config = join(root, 'speedrl.yaml');
  const out = join(root, 'abl');
  const args = ['ablate', '--base', base, '--reward-classifier', join(root, 'cls-reward'), '--eval-classifier', join(root, 'cls-eval'), '--data', FIXTURE_DIR,
    '--config', config, '--variants', 'no-speed,no-kl', '--eval-steps', '1,2', '--n', '30', '--fixed-steps', '2', '--budget', '0.000001', '--out', out];
  const metricsLines = (variant: string): number => readJsonl(join(out, variant, 'metrics.jsonl')).records.length;
  const evalCells = (dir: string): { fcd: number }[] => readJson(join(out, dir, 'eval', 'eval.json')).cells as { fcd: number }[];
  beforeAll(async () => {
    await initBackend();
    await writeTinyBundle(base, 1);
    await writeTinyClassifier(join(root, 'cls-eval'), 'eval', 3);
    await writeTinyClassifier(join(root, 'cls-reward'), 'reward', 4); // no feature statistics: the config turns realism off
    writeFileSync(config, 'classesPerIteration: 2\ngroupSize: 3\nstepChoices: "1,2"\nmicroBatch: 16\ngridEvery: 0\nwRealism: 0\nlr: 0.05\nwarmup: 0\n');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('refuses an unknown variant (exit 2, named) before running anything', async () => {
    const r = await cli([...args, '--variants', 'full,no-klx']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--variants: unknown variant "no-klx"/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses a config a variant cannot run before any work (was: found after the base was evaluated)', async () => {
    const bad = join(root, 'bad.yaml');
    writeFileSync(bad, 'rollout: adaptive\nstepChoices: "1,2"\n'); // full reads it as adaptive: --step-choices is unread
    const r = await cli([...args, '--config', bad, '--variants', 'no-speed,full']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--step-choices \(stepChoices in .*bad\.yaml\): only --rollout fixed reads it[\s\S]*ablate: the options of full do not parse \(see above\); nothing was run/);
    expect(existsSync(out)).toBe(false);
  });

  it('says that reinforce trains exactly like full at one update per batch (was: two identical runs reported as an ablation)', async () => {
    const busy = join(root, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'x'), 'y'); // refused before any work, after the note
    const note = /ablate: note: with one update per rollout batch \(innerEpochs 1\) GRPO's ratio is 1, so reinforce trains exactly like full/;
    const r = await cli([...args, '--variants', 'full,reinforce', '--out', busy]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(note);
    const mu2 = join(root, 'mu2.yaml');
    writeFileSync(mu2, 'innerEpochs: 2\n');
    const two = await cli([...args, '--variants', 'full,reinforce', '--out', busy, '--config', mu2]);
    expect(two.code).toBe(2);
    expect(two.err).not.toMatch(note);
    expect((await cli([...args, '--variants', 'full,no-kl', '--out', busy])).err).not.toMatch(note);
  });

  it('runs each variant under the same budget with its overrides on one config, evaluates them and the base, writes ablations.json/.md', async () => {
    const r = await cli([...args, '--json']);
    expect(r.err).not.toMatch(/speedrl:/);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/== ablate: base \(1\/3\) ==[\s\S]*== ablate: no-speed \(2\/3\) ==[\s\S]*== ablate: no-kl \(3\/3\) ==/);
    const ablations = ablationsSchema.parse(readJson(join(out, 'ablations.json')));
    expect(JSON.parse(r.out)).toEqual(ablations);
    expect(ablations.budget).toBe('0.000001 min of RL on this machine each (iterations run: no-speed 1, no-kl 1)');
    expect(ablations.rows.map((row) => `${row.name}@${row.evalSteps}`)).toEqual(['base@1', 'base@2', 'no-speed@1', 'no-speed@2', 'no-kl@1', 'no-kl@2']);
    for (const row of ablations.rows) for (const m of [row.fcd, row.precision, row.recall, row.accuracy]) expect(Number.isFinite(m.mean)).toBe(true);
    const baseRows = readJson(join(out, 'base', 'eval', 'eval.json')).rows as { fcd: { mean: number } }[];
    expect(ablations.rows[1]?.fcd.mean).toBe(baseRows[1]?.fcd.mean);
    expect(ablations.rows[0]?.fcd.mean).not.toBe(ablations.rows[2]?.fcd.mean); // the variant's model really was evaluated

    const noKl = readJson(join(out, 'no-kl', 'run.json')).options as Record<string, unknown>;
    const noSpeed = readJson(join(out, 'no-speed', 'run.json')).options as Record<string, unknown>;
    expect(noKl).toMatchObject({ klBeta: 0, groupSize: 3, speedWeight: expect.any(Number), timeBudget: 0.000001, iterations: 100_000 });
    expect(noKl.speedWeight).toBeGreaterThan(0);
    expect(noSpeed).toMatchObject({ speedWeight: 0, rollout: 'fixed', stepChoices: '2', groupSize: 3 });
    expect(noSpeed.klBeta).toBeGreaterThan(0);
    expect(ablations.rows[2]?.config).toMatchObject({ speedWeight: 0, rollout: 'fixed', stepChoices: [2] });
    expect(ablations.rows[4]?.config).toMatchObject({ klBeta: 0, stepChoices: [1, 2] });
    expect(ablations.rows[2]?.stepsMean).toBe(2); // fixed-T RL: every rollout at T = 2
    expect(ablations.rows[4]?.notes).toMatch(/^stopped by time-budget after 1 iteration \(0\.0 min of RL\)$/);
    expect(ablations.rows[0]).toMatchObject({ config: {}, notes: 'base model, no RL' });

    for (const v of ['no-speed', 'no-kl']) {
      expect(metricsLines(v)).toBe(1);
      expect(existsSync(join(out, v, 'model', 'maskgit', 'model.onnx'))).toBe(true);
      expect(evalCells(v)).toHaveLength(2);
    }
    const md = readFileSync(join(out, 'ablations.md'), 'utf8');
    expect(md).toMatch(/^\| no-kl \| speedWeight=\S+ rollout=fixed stepChoices=\[1,2\] klBeta=0 .*\| 2 \|/m);
  });

  it('--resume recomputes nothing, given only --out (the options saved in OUT/ablate.json)', async () => {
    const before = { json: readFileSync(join(out, 'ablations.json'), 'utf8'), cells: ['base', 'no-speed', 'no-kl'].map(evalCells) };
    const r = await cli(['ablate', '--out', out, '--resume']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/ablate: no-kl already stopped by time-budget after 1 iteration .*; not rerun/);
    expect(r.err).toMatch(/eval of base: every cell already in .*, skipped/);
    expect(r.err).not.toMatch(/speedrl accelerate:|eval: .* on ort/);
    expect(r.out).toMatch(/^\| no-speed \|/m);
    expect(['no-speed', 'no-kl'].map(metricsLines)).toEqual([1, 1]);
    expect(['base', 'no-speed', 'no-kl'].map(evalCells)).toEqual(before.cells);
    expect(readFileSync(join(out, 'ablations.json'), 'utf8')).toBe(before.json);
  });

  it('records the eval.json each row came from; report refuses a row whose eval was rerun since (was: shown stale), and --resume rebuilds it', async () => {
    const table = ablationsSchema.parse(readJson(join(out, 'ablations.json')));
    for (const row of table.rows) {
      const file = join(out, row.name, 'eval', 'eval.json');
      expect(row.eval).toEqual({ file: `${row.name}/eval/eval.json`, resultsKey: resultsDigest(readJson(file).cells as unknown[], readJson(file).floors) });
    }
    const report = ['report', join(out, 'no-kl'), '--ablations', join(out, 'ablations.json'), '--out', join(root, 'abl-report.html'), '--force'];
    expect((await cli(report)).code).toBe(0);
    const rerun = await cli(['eval', '--model', join(out, 'no-kl', 'model'), '--classifier', join(root, 'cls-eval'), '--data', FIXTURE_DIR, '--steps', '1,2', '--n', '30',
      '--seed', '9', '--out', join(out, 'no-kl', 'eval'), '--force']);
    expect(rerun.code).toBe(0);
    const stale = await cli(report);
    expect(stale.code).toBe(2);
    expect(stale.err).toContain(`--ablations: "${join(out, 'ablations.json')}" has rows of no-kl read from ${join(out, 'no-kl', 'eval', 'eval.json')}, which holds other measurements now`);
    expect(stale.err).toContain('Rerun speedrl ablate with --resume (same --out)');
    expect((await cli(['ablate', '--out', out, '--resume'])).code).toBe(0); // the seed-9 eval is not this ablation's: computed again
    expect((await cli(report)).code).toBe(0);
  });

  it('--resume never reuses eval rows that are not their cells\' (edited by hand): they are aggregated again', async () => {
    const path = join(out, 'base', 'eval', 'eval.json');
    const good = readJson(path);
    const rows = good.rows as { fcd: { mean: number } }[];
    writeFileSync(path, JSON.stringify({ ...good, rows: rows.map((r) => ({ ...r, fcd: { ...r.fcd, mean: -1 } })) }));
    const r = await cli(['ablate', '--out', out, '--resume']);
    expect(r.code).toBe(0);
    const ablations = ablationsSchema.parse(readJson(join(out, 'ablations.json')));
    expect(ablations.rows.filter((row) => row.name === 'base').map((row) => row.fcd.mean)).toEqual(rows.map((row) => row.fcd.mean));
    expect(readJson(path).rows).toEqual(good.rows);
  });

  it('refuses to start over an existing ablation without --resume', async () => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--out: ".*abl" is not empty \(it holds .*\); pass --resume to continue the ablation there/);
    expect(metricsLines('no-speed')).toBe(1);
  });

  it('never replaces an eval it did not make: a new ablation refuses a folder holding one, --resume one without ablate.json; and never writes inside an input', async () => {
    const mine = join(root, 'mine');
    const evalDir = join(mine, 'base', 'eval');
    expect((await cli(['eval', '--model', base, '--classifier', join(root, 'cls-eval'), '--data', FIXTURE_DIR, '--steps', '1', '--n', '30', '--seeds', '1', '--kid-subsets', '2', '--out', evalDir])).code).toBe(0);
    const before = readFileSync(join(evalDir, 'eval.json'), 'utf8');
    for (const extra of [[], ['--resume']]) {
      const r = await cli([...args, '--out', mine, ...extra]);
      expect(r.code).toBe(2);
      expect(r.err).toMatch(extra.length === 0 ? /--out: ".*mine" is not empty \(it holds base\); pass --resume/ : /it holds no ablate\.json, so no ablation to continue/);
    }
    expect(readFileSync(join(evalDir, 'eval.json'), 'utf8')).toBe(before);
    expect(existsSync(join(mine, 'ablate.json'))).toBe(false);
    const inside = await cli([...args, '--out', join(base, 'abl')]);
    expect(inside.code).toBe(2);
    expect(inside.err).toMatch(/--out: ".*base\/abl" is inside --base/);
    expect(existsSync(join(base, 'abl'))).toBe(false);
  });

  it('--resume with a larger budget continues each run from its checkpoint and re-evaluates only the models that changed', async () => {
    const baseCells = evalCells('base');
    const noKlCells = evalCells('no-kl');
    const r = await cli([...args, '--resume', '--budget', '1', '--iterations', '2', '--json']);
    expect(r.err).not.toMatch(/speedrl:/);
    expect(r.code).toBe(0);
    expect(r.err.match(/resuming at iteration 1/g)).toHaveLength(2);
    expect(['no-speed', 'no-kl'].map(metricsLines)).toEqual([2, 2]);
    expect(evalCells('base')).toEqual(baseCells);
    const ablations = JSON.parse(r.out) as Ablations;
    expect(ablations.budget).toBe('1 min of RL on this machine each, at most 2 iterations (iterations run: no-speed 2, no-kl 2)');
    expect(ablations.rows[4]?.notes).toMatch(/^stopped by end after 2 iterations/);
    expect(readJson(join(out, 'no-kl', 'run.json')).options).toMatchObject({ klBeta: 0, timeBudget: 1, iterations: 2 });
    expect(evalCells('no-kl')).toHaveLength(2);
    expect(evalCells('no-kl').map((c) => c.fcd)).not.toEqual(noKlCells.map((c) => c.fcd)); // the changed model was evaluated again
  });

  it('--resume finishes a half-done eval cell by cell, and one made with another --n from scratch', async () => {
    const evalJson = (v: string) => join(out, v, 'eval', 'eval.json');
    const [kept] = evalCells('no-kl');
    const half = readJson(evalJson('no-kl'));
    writeFileSync(evalJson('no-kl'), JSON.stringify({ ...half, cells: [kept], resultsKey: resultsDigest([kept], half.floors) })); // as if stopped after one cell
    const r = await cli([...args, '--resume', '--budget', '1', '--iterations', '2']);
    expect(r.code).toBe(0);
    expect(r.err).not.toMatch(/speedrl accelerate:/);
    expect(evalCells('no-kl')).toHaveLength(2);
    expect(evalCells('no-kl')[0]).toEqual(kept);
    const otherBase = await cli([...args, '--resume', '--base', join(root, 'elsewhere')]);
    expect(otherBase.code).toBe(2);
    expect(otherBase.err).toMatch(/--base: .*ablate\.json was started with .*; a resumed ablation keeps it/);
    const baseConfig = join(base, 'maskgit', 'config.json');
    const original = readFileSync(baseConfig, 'utf8');
    writeFileSync(baseConfig, `${original}\n`); // the base changed at the same path
    const changedBase = await cli([...args, '--resume']);
    writeFileSync(baseConfig, original);
    expect(changedBase.code).toBe(2);
    expect(changedBase.err).toMatch(/--base: the files at ".*" are not those .*ablate\.json recorded when this ablation started/);
    const baseBefore = evalCells('base');
    const more = await cli([...args, '--resume', '--budget', '1', '--iterations', '2', '--n', '40', '--variants', 'no-kl']);
    expect(more.code).toBe(0);
    expect(readJson(evalJson('base')).options).toMatchObject({ n: 40 });
    expect(evalCells('base')[0]?.fcd).not.toBe(baseBefore[0]?.fcd);
  });

  it('--resume refuses a variant run whose options differ from the ablation\'s: a lower cap or budget, a run replaced with other settings', async () => {
    const same = [...args, '--resume', '--budget', '1', '--iterations', '2'];
    const lines = ['no-speed', 'no-kl'].map(metricsLines);
    const fewer = await cli([...args, '--resume', '--budget', '1', '--iterations', '1']);
    expect(fewer.code).toBe(2);
    expect(fewer.err).toMatch(/--iterations: the run of variant "no-speed" has 2 \(.*no-speed\/run\.json\), the ablation gives it 1: its rows would not compare runs that differ only in the ablated knob.*remove ".*no-speed" to recompute it/);
    const shorter = await cli([...args, '--resume', '--budget', '0.000001', '--iterations', '2']);
    expect(shorter.code).toBe(2);
    expect(shorter.err).toMatch(/--budget: the run of variant "no-speed" has 1 /);
    const runFile = join(out, 'no-kl', 'run.json');
    const original = readFileSync(runFile, 'utf8');
    const run = readJson(runFile) as { options: Record<string, unknown> };
    writeFileSync(runFile, JSON.stringify({ ...run, options: { ...run.options, lr: 0.001 } })); // as `accelerate --force` with another --lr leaves it
    const replaced = await cli(same);
    writeFileSync(runFile, original);
    expect(replaced.code).toBe(2);
    expect(replaced.err).toMatch(/--lr: the run of variant "no-kl" has 0\.001 .*, the ablation gives it 0\.05 \(--config plus its variant flags\)/);
    const { klBeta: _kl, ...withoutKl } = run.options; // the ablated knob missing from run.json: which KL it trained with is unknown (was: accepted)
    writeFileSync(runFile, JSON.stringify({ ...run, options: withoutKl }));
    const unknown = await cli(same);
    writeFileSync(runFile, original);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/--kl-beta: the run of variant "no-kl" records no klBeta \(.*no-kl\/run\.json\), the ablation gives it 0: which value it trained with is unknown/);
    expect(['no-speed', 'no-kl'].map(metricsLines)).toEqual(lines);
    expect((await cli(same)).code).toBe(0);
  });

  it('--resume evaluates again a variant whose model changed since its eval (a run continued by hand), never reusing the old scores', async () => {
    const byHand = await cli(['accelerate', '--out', join(out, 'no-kl'), '--resume', '--iterations', '3']);
    expect(byHand.code).toBe(0);
    const stale = evalCells('no-kl');
    const r = await cli([...args, '--resume', '--budget', '1', '--iterations', '3']);
    expect(r.err).not.toMatch(/speedrl:/);
    expect(r.code).toBe(0);
    expect(r.err).not.toMatch(/eval of no-kl: every cell already in/);
    const evalJson = readJson(join(out, 'no-kl', 'eval', 'eval.json')) as { inputs: Record<string, string> };
    expect(evalJson.inputs['--model']).toBe(await bundleIdentity(join(out, 'no-kl', 'model')));
    expect(evalCells('no-kl').map((c) => c.fcd)).not.toEqual(stale.map((c) => c.fcd));
  });
});

describe('speedrl ablate on Ctrl-C', () => {
  it.each([['eval', ['eval']], ['accelerate', ['eval', 'accelerate']]])('stops cleanly after the child running at the signal (%s)', async (at, expected) => {
    const dir = mkdtempSync(join(tmpdir(), 'speedrl-ablate-int-'));
    const calls: string[] = [];
    const fake: Runner = async (argv) => {
      if (argv.includes('--print-config')) return 0; // each variant's options, checked before any work
      calls.push(argv[0] as string);
      if (argv[0] === at) process.emit('SIGINT', 'SIGINT');
      return argv[0] === at ? 130 : 0; // a child stopped by the signal exits 130
    };
    const io = capture();
    const listeners = process.listenerCount('SIGINT');
    const mark = lockMark(); // the CLI's wrapper releases a command's lock; called directly, the test does
    try {
      const run = ablateCommand(io, fake).exitOverride().parseAsync(['--variants', 'full,no-kl', '--out', dir], { from: 'user' });
      await expect(run).rejects.toThrow(InterruptedError); // exit 130
      await expect(run).rejects.toThrow(new RegExp(`ablate: stopped during ${at === 'eval' ? 'eval of base' : 'accelerate of full'}; the finished parts are saved, continue with --resume`));
      expect(calls).toEqual(expected);
      expect(existsSync(join(dir, 'ablations.json'))).toBe(false);
      expect(process.listenerCount('SIGINT')).toBe(listeners);
      // an earlier pass's table: a --resume stopped again must not leave it beside runs it no longer describes (was: shown as current)
      releaseLocksSince(mark);
      for (const f of ['ablations.json', 'ablations.md']) writeFileSync(join(dir, f), 'the table of an earlier pass');
      const again = ablateCommand(capture(), fake).exitOverride().parseAsync(['--variants', 'full,no-kl', '--out', dir, '--resume'], { from: 'user' });
      await expect(again).rejects.toThrow(InterruptedError);
      expect(['ablations.json', 'ablations.md'].filter((f) => existsSync(join(dir, f)))).toEqual([]);
    } finally {
      releaseLocksSince(mark);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
