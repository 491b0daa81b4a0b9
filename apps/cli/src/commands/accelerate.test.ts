/**
 * `accelerate --reward`: user reward modules are validated before anything is written to --out (exit 2, the module
 * named), the example module trains alone on a tiny bundle, and --resume refuses another --reward list or an edited
 * module. Real `import()` of .mjs files needs a child process (jest's module system cannot load ES modules).
 * `--rollout adaptive` and its flags map to the rl-trainer config, bad values are usage errors, --resume keeps them.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readJsonl } from '@speedrl/core';
import { FIXTURE_DIR, writeTinyBundle, writeTinyClassifier } from '../compare/test-models';
import { runCaptured as cli, spawnCli } from '../test-cli';
import { overrideFlags, overridesOf } from '../ablate/variants';

const EXAMPLE = join(__dirname, '../../../../examples/rewards/ink-coverage.mjs');

describe('speedrl accelerate --reward', () => {
  const root = mkdtempSync(join(tmpdir(), 'speedrl-accel-reward-'));
  const base = join(root, 'base');
  const classifier = join(root, 'reward');
  const common = (out: string) => ['accelerate', '--base', base, '--reward-classifier', classifier, '--data', FIXTURE_DIR, '--out', out,
    '--classes-per-iteration', '2', '--group-size', '3', '--step-choices', '1,2', '--micro-batch', '16', '--checkpoint-every', '1', '--grid-every', '0'];
  const only = ['--w-classifier', '0', '--w-realism', '0', '--w-mmd', '0'];
  beforeAll(async () => {
    await writeTinyBundle(base, 3);
    await writeTinyClassifier(classifier, 'reward', 4);
    writeFileSync(join(root, 'no-export.mjs'), 'export const score = () => [];\nexport const other = 1;\n');
    writeFileSync(join(root, 'short.mjs'), 'export default () => new Float32Array(1);\n');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('options: repeatable, from a config file as a list, a user reward alone counts as a weight > 0', async () => {
    const printed = await cli([...common(join(root, 'p')), ...only, '--reward', `${EXAMPLE}=0.5`, '--reward', `${EXAMPLE}:blankPenalty`, '--print-config']);
    expect(printed.err).toBe('');
    expect(JSON.parse(printed.out).options.reward).toEqual([`${EXAMPLE}=0.5`, `${EXAMPLE}:blankPenalty`]);
    const config = join(root, 'speedrl.yaml');
    writeFileSync(config, `reward:\n  - ${EXAMPLE}:blankPenalty=2\nwMmd: 0\n`);
    const fromFile = await cli(['accelerate', '--config', config, '--print-config']);
    expect(JSON.parse(fromFile.out).options).toMatchObject({ reward: [`${EXAMPLE}:blankPenalty=2`], wMmd: 0 });
    // --print-config's options as a --config file: its unread options are at their defaults and change nothing (was refused)
    const printedFile = join(root, 'printed.json');
    writeFileSync(printedFile, JSON.stringify(JSON.parse(printed.out).options));
    const again = await cli(['accelerate', '--config', printedFile, '--print-config']);
    expect([again.code, again.err]).toEqual([0, '']);
    expect(JSON.parse(again.out).options).toEqual(JSON.parse(printed.out).options);
    writeFileSync(config, `reward: ${EXAMPLE}\n`);
    expect((await cli(['accelerate', '--config', config, '--print-config'])).err).toMatch(/speedrl\.yaml: field "reward": Expected array/);
    const zero = await cli([...common(join(root, 'p')), ...only, '--reward', `${EXAMPLE}=0`, '--print-config']);
    expect(zero.code).toBe(2);
    expect(zero.err).toMatch(/--w-classifier, --w-realism, --w-mmd, --reward: at least one quality-reward weight must be > 0/);
    const weight = await cli([...common(join(root, 'p')), '--reward', `${EXAMPLE}=heavy`, '--print-config']);
    expect(weight.code).toBe(2);
    expect(weight.err).toMatch(/--reward: ".*ink-coverage\.mjs=heavy": the weight after "=" must be a finite number/);
  });

  it('refuses a broken module with exit 2, naming it, before anything is written to --out', async () => {
    const cases: [string, RegExp][] = [
      [join(root, 'absent.mjs'), /--reward: ".*absent\.mjs": no such file/],
      [join(root, 'no-export.mjs'), /--reward: ".*no-export\.mjs": .*no-export\.mjs has no export "default" \(its exports: other, score\)/],
    ];
    for (const [i, [spec, message]] of cases.entries()) {
      const out = join(root, `bad-${i}`);
      const r = await spawnCli([...common(out), '--iterations', '1', '--reward', spec]);
      expect({ spec, code: r.code }).toEqual({ spec, code: 2 });
      expect(r.err).toMatch(message);
      expect(existsSync(out) ? readdirSync(out).filter((f) => !f.startsWith('.')) : []).toEqual([]);
    }
  });

  it('a module whose promise never settles ends with exit 1 and says so (not exit 0 with no output)', async () => {
    writeFileSync(join(root, 'hang.mjs'), 'export default () => new Promise(() => {});\n');
    writeFileSync(join(root, 'tla-hang.mjs'), 'await new Promise(() => {});\nexport default (b) => new Float32Array(b.batch);\n');
    for (const module of ['hang.mjs', 'tla-hang.mjs']) {
      const r = await spawnCli([...common(join(root, `hang-${module}`)), '--iterations', '2', '--reward', join(root, module), '--json']);
      expect({ module, code: r.code }).toEqual({ module, code: 1 });
      expect(r.out).toBe('');
      expect(r.err).toContain('speedrl: accelerate ended before it finished: a promise never settled (a --reward module that never resolves?)');
    }
  });

  it('refuses a --reward module or another input inside --out (--force would delete it), creating nothing', async () => {
    const out = join(root, 'holds-module');
    mkdirSync(join(out, 'model'), { recursive: true });
    writeFileSync(join(out, 'model', 'mine.mjs'), 'export default (b) => new Float32Array(b.batch);\n');
    const r = await cli([...common(out), '--iterations', '1', '--reward', `${join(out, 'model', 'mine.mjs')}=0.5`, '--force']);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`--reward: "${join(out, 'model', 'mine.mjs')}" is inside --out "${out}"; --force would delete it`);
    expect(readdirSync(out)).toEqual(['model']);
    const fresh = join(root, 'not-made');
    const bad = await cli([...common(fresh), '--iterations', '1', '--reward', join(root, 'absent.mjs')]);
    expect(bad.code).toBe(2);
    expect(existsSync(fresh)).toBe(false); // a usage error found after the run directory was opened leaves nothing behind
  });

  it('a module returning the wrong length stops the run (exit 2, named) without a checkpoint of that iteration', async () => {
    const out = join(root, 'short');
    const r = await spawnCli([...common(out), ...only, '--iterations', '1', '--reward', join(root, 'short.mjs')]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--reward: ".*short\.mjs": default\(batch\) returned 1 scores for a batch of 6; expected one per sample/);
    expect(r.err).toMatch(/; no checkpoint was written yet: fix the module and start again \(--force, or another --out\)/);
    expect(existsSync(join(out, 'checkpoint'))).toBe(false);
  });

  it('trains on the example module alone; --resume refuses another --reward list or an edited module and continues an unchanged one', async () => {
    const out = join(root, 'ink');
    const module = join(root, 'ink-coverage.mjs');
    writeFileSync(module, readFileSync(EXAMPLE));
    const r = await spawnCli([...common(out), ...only, '--iterations', '1', '--reward', module, '--json']);
    expect(r.err).toMatch(/user reward user:ink-coverage \(weight 1, z-scored\)/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ iterations: 1, aborted: false });
    const [record] = readJsonl<{ step: number; components: Record<string, { mean: number }> }>(join(out, 'metrics.jsonl')).records;
    expect(record?.step).toBe(1);
    expect(Object.keys(record?.components ?? {})).toEqual(['user:ink-coverage']);
    const state = JSON.parse(readFileSync(join(out, 'checkpoint', 'trainer.json'), 'utf8')) as { normalizer?: { components: Record<string, { count: number }> } };
    expect(state.normalizer?.components['user:ink-coverage']?.count).toBe(6);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { options: { reward: string[] }; identities: Record<string, string> };
    expect(run.options.reward).toEqual([module]);
    expect(run.identities['--reward']).toMatch(/^[0-9a-f]{64}$/);

    const other = await cli(['accelerate', '--out', out, '--resume', '--iterations', '2', '--reward', `${module}=2`]);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/--reward: the list differs from the run's \(it was started with \[".*ink-coverage\.mjs"\], got \[".*ink-coverage\.mjs=2"\]\)/);
    const more = await cli(['accelerate', '--out', out, '--resume', '--iterations', '2', '--reward', module, '--reward', EXAMPLE]);
    expect(more.code).toBe(2);
    expect(more.err).toMatch(/--reward: the list differs from the run's/);
    writeFileSync(module, `${readFileSync(EXAMPLE, 'utf8')}\n// edited\n`);
    const edited = await cli(['accelerate', '--out', out, '--resume', '--iterations', '2']);
    expect(edited.code).toBe(2);
    expect(edited.err).toMatch(/--reward: the module files changed since this run started \(content key [0-9a-f]{12}…, now [0-9a-f]{12}…\); --resume needs them unchanged, so restore them, or pass --allow-changed-reward/);
    writeFileSync(module, readFileSync(EXAMPLE)); // restored: the run continues, its normaliser restored from the checkpoint
    const resumed = await spawnCli(['accelerate', '--out', out, '--resume', '--iterations', '2', '--json']);
    expect(resumed.err).toMatch(/resuming at iteration 1/);
    expect(resumed.code).toBe(0);
    expect(readJsonl<{ step: number }>(join(out, 'metrics.jsonl')).records.map((m) => m.step)).toEqual([1, 2]);
    const resumedState = JSON.parse(readFileSync(join(out, 'checkpoint', 'trainer.json'), 'utf8')) as typeof state;
    expect(resumedState.normalizer?.components['user:ink-coverage']?.count).toBe(12);
  });

  it('a module that fails mid-run names the kept checkpoint; fixed, it continues with --resume --allow-changed-reward, recorded in run.json and metrics', async () => {
    const out = join(root, 'flaky');
    const module = join(root, 'flaky.mjs');
    writeFileSync(module, 'let calls = 0;\nexport default (b) => { calls++; return Array.from({ length: b.batch }, (_, i) => (calls === 2 && i === 0 ? NaN : i % 3)); };\n');
    const failed = await spawnCli([...common(out), ...only, '--iterations', '3', '--reward', module]);
    expect(failed.code).toBe(2);
    expect(failed.err).toMatch(/--reward: ".*flaky\.mjs": default\(batch\) scored sample 0 as NaN; .*; the checkpoint of iteration 1 in .*checkpoint is kept: fix the module, then continue with --resume --allow-changed-reward/);
    writeFileSync(module, readFileSync(module, 'utf8').replace('NaN', '0'));
    const refused = await cli(['accelerate', '--out', out, '--resume']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/--reward: the module files changed since this run started/);
    const notResume = await cli([...common(join(root, 'flaky2')), ...only, '--reward', module, '--allow-changed-reward']);
    expect(notResume.code).toBe(2);
    expect(notResume.err).toMatch(/--allow-changed-reward: only with --resume/);
    const first = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { identities: Record<string, string> };
    const resumed = await spawnCli(['accelerate', '--out', out, '--resume', '--allow-changed-reward']);
    expect(resumed.code).toBe(0);
    expect(resumed.err).toMatch(/--allow-changed-reward: the --reward module files changed .*; they score from iteration 1 on/);
    const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as { identities: Record<string, string>; rewardHistory: { iteration: number; key: string }[] };
    const was = first.identities['--reward'] ?? '';
    const now = run.identities['--reward'] ?? '';
    expect(now).toMatch(/^[0-9a-f]{64}$/);
    expect(now).not.toBe(was);
    expect(run.rewardHistory).toEqual([{ iteration: 0, key: was }, { iteration: 1, key: now }]);
    const records = readJsonl<{ step: number; rewardKey: string }>(join(out, 'metrics.jsonl')).records;
    expect(records.map((m) => [m.step, m.rewardKey])).toEqual([[1, was.slice(0, 12)], [2, now.slice(0, 12)], [3, now.slice(0, 12)]]);
    const ckpt = JSON.parse(readFileSync(join(out, 'checkpoint', 'trainer.json'), 'utf8')) as { extra: { run: { inputs: Record<string, string> } } };
    expect(ckpt.extra.run.inputs['--reward']).toBe(now); // the checkpoint after the change records its key (was: none)
    const again = await spawnCli(['accelerate', '--out', out, '--resume', '--iterations', '4']); // unchanged since: no flag needed, history kept
    expect(again.code).toBe(0);
    expect((JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')) as typeof run).rewardHistory).toEqual(run.rewardHistory);
  });

  it('--resume refuses a checkpoint copied from a run whose --reward module has the same file name but other code (was: resumed, its --reward key skipped)', async () => {
    const [mine, other] = [join(root, 'copy-reward-mine'), join(root, 'copy-reward-other')];
    for (const [dir, scale] of [['m', 1], ['o', -5]] as const) {
      mkdirSync(join(root, dir));
      writeFileSync(join(root, dir, 'r.mjs'), `export default (b) => Array.from({ length: b.batch }, (_, i) => ${scale} * (i % 3));\n`);
    }
    expect((await spawnCli([...common(mine), ...only, '--iterations', '2', '--reward', join(root, 'm', 'r.mjs')])).code).toBe(0);
    expect((await spawnCli([...common(other), ...only, '--iterations', '2', '--reward', join(root, 'o', 'r.mjs')])).code).toBe(0);
    rmSync(join(mine, 'checkpoint'), { recursive: true });
    cpSync(join(other, 'checkpoint'), join(mine, 'checkpoint'), { recursive: true }); // both record --reward as r.mjs:default=1
    const metrics = readFileSync(join(mine, 'metrics.jsonl'));
    const r = await spawnCli(['accelerate', '--out', mine, '--resume', '--iterations', '3']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--resume: the checkpoint in ".*copy-reward-mine\/checkpoint" was scored with --reward module files this run never used \(content key [0-9a-f]{12}…; this run's run\.json records [0-9a-f]{12}…\): it is not this run's checkpoint/);
    expect(readFileSync(join(mine, 'metrics.jsonl')).equals(metrics)).toBe(true);
  });

  it('weights diverged by a learning rate far too large: a usage error naming --lr, and --resume of the diverged checkpoint says so', async () => {
    const out = join(root, 'diverged');
    const r = await cli([...common(out), '--lr', '1e10', '--iterations', '4']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--lr: the policy's logits became non-finite after this run's updates \(.*NaN.*\): its weights diverged, the learning rate 10000000000 is too large for them; last checkpoint kept in .*diverged\/checkpoint, but a resumed run keeps its --lr: start a new run with a smaller --lr/);
    const metricsPath = join(out, 'metrics.jsonl');
    const metrics = readFileSync(metricsPath, 'utf8');
    writeFileSync(metricsPath, metrics.replace(/"elapsedMs":[^,]*/g, '"elapsedMs":-1e9')); // the RL time spent, edited: it would lift the --time-budget
    const edited = await cli(['accelerate', '--out', out, '--resume']);
    expect(edited.code).toBe(2);
    expect(edited.err).toMatch(/--resume: .*metrics\.jsonl has no record of iteration 1 \(the checkpoint's\), so the RL time already spent is unknown \(its elapsedMs is -1000000000, not a time ≥ 0\)/);
    writeFileSync(metricsPath, metrics);
    const resumed = await cli(['accelerate', '--out', out, '--resume']);
    expect(resumed.code).toBe(2);
    expect(resumed.err).toMatch(/--resume: the checkpoint in .*diverged\/checkpoint gives non-finite logits \(.*\): the run had diverged when it was saved; start a new run with a smaller --lr/);
  });

  it('--resume refuses a checkpoint copied from a run with another seed, before writing anything (was: resumed, labelled with this run\'s seed)', async () => {
    const [seed0, seed7] = [join(root, 'copy-seed0'), join(root, 'copy-seed7')];
    expect((await cli([...common(seed0), '--iterations', '2', '--seed', '0'])).code).toBe(0);
    expect((await cli([...common(seed7), '--iterations', '2', '--seed', '7'])).code).toBe(0);
    rmSync(join(seed7, 'checkpoint'), { recursive: true });
    cpSync(join(seed0, 'checkpoint'), join(seed7, 'checkpoint'), { recursive: true }); // same iteration: its metrics record it
    const metrics = readFileSync(join(seed7, 'metrics.jsonl'));
    const r = await cli(['accelerate', '--out', seed7, '--resume', '--iterations', '3']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--resume: the checkpoint in ".*copy-seed7\/checkpoint" draws from another seed's random stream than this run's --seed 7/);
    expect(readFileSync(join(seed7, 'metrics.jsonl')).equals(metrics)).toBe(true);
  });

  it('--resume refuses a checkpoint copied from a run with the same seed and another --lr (was: resumed, only the seed compared)', async () => {
    const [mine, other] = [join(root, 'copy-lr-mine'), join(root, 'copy-lr-other')];
    expect((await cli([...common(mine), '--iterations', '2', '--seed', '3'])).code).toBe(0);
    expect((await cli([...common(other), '--iterations', '2', '--seed', '3', '--lr', '0.0003'])).code).toBe(0);
    rmSync(join(mine, 'checkpoint'), { recursive: true });
    cpSync(join(other, 'checkpoint'), join(mine, 'checkpoint'), { recursive: true });
    const metrics = readFileSync(join(mine, 'metrics.jsonl'));
    const r = await cli(['accelerate', '--out', mine, '--resume', '--iterations', '3']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--resume: the checkpoint in ".*copy-lr-mine\/checkpoint" was written by a run with --lr 0.0003, and this run's is 0.00002: it is not this run's checkpoint/);
    expect(readFileSync(join(mine, 'metrics.jsonl')).equals(metrics)).toBe(true);
    // the record removed by hand: the checkpoint's COMPLETE marker no longer vouches for trainer.json (checkCheckpointOptions
    // covers a checkpoint without the record in its unit tests)
    const trainer = join(mine, 'checkpoint', 'trainer.json');
    const { extra: _extra, ...bare } = JSON.parse(readFileSync(trainer, 'utf8')) as Record<string, unknown>;
    writeFileSync(trainer, JSON.stringify(bare));
    const unrecorded = await cli(['accelerate', '--out', mine, '--resume', '--iterations', '3']);
    expect(unrecorded.code).toBe(2);
    expect(unrecorded.err).toMatch(/--resume: ".*copy-lr-mine\/checkpoint\/trainer\.json" is not the file the run saved \(its SHA-256 differs/);
    expect(readFileSync(join(mine, 'metrics.jsonl')).equals(metrics)).toBe(true);
  });

  it('--resume refuses a checkpoint whose iteration was edited by hand, before writing anything (was: resumed at the edited iteration)', async () => {
    const out = join(root, 'edited-iteration');
    expect((await cli([...common(out), '--iterations', '2'])).code).toBe(0);
    const trainer = join(out, 'checkpoint', 'trainer.json');
    const text = readFileSync(trainer, 'utf8');
    expect(text).toMatch(/"iteration": 2,/);
    writeFileSync(trainer, text.replace('"iteration": 2,', '"iteration": 1,')); // its metrics reach iteration 1 too: only the marker tells
    const [metrics, run] = [readFileSync(join(out, 'metrics.jsonl')), readFileSync(join(out, 'run.json'))];
    const r = await cli(['accelerate', '--out', out, '--resume', '--iterations', '3']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--resume: ".*edited-iteration\/checkpoint\/trainer\.json" is not the file the run saved \(its SHA-256 differs from the one ".*COMPLETE" records: edited by hand, or damaged\); restore it, or start over with --force/);
    expect(readFileSync(join(out, 'metrics.jsonl')).equals(metrics)).toBe(true);
    expect(readFileSync(join(out, 'run.json')).equals(run)).toBe(true);
    writeFileSync(trainer, text); // restored: it resumes
    expect((await cli(['accelerate', '--out', out, '--resume', '--iterations', '3'])).code).toBe(0);
  });

  it('--resume refuses a checkpoint copied from a run with the same seed and options but another --base (was: resumed, inputs compared in run.json only)', async () => {
    const [mine, other, otherBase] = [join(root, 'copy-base-mine'), join(root, 'copy-base-other'), join(root, 'base-other')];
    await writeTinyBundle(otherBase, 8);
    expect((await cli([...common(mine), '--iterations', '2', '--seed', '4'])).code).toBe(0);
    expect((await cli([...common(other).map((a) => (a === base ? otherBase : a)), '--iterations', '2', '--seed', '4'])).code).toBe(0);
    rmSync(join(mine, 'checkpoint'), { recursive: true });
    cpSync(join(other, 'checkpoint'), join(mine, 'checkpoint'), { recursive: true });
    const r = await cli(['accelerate', '--out', mine, '--resume', '--iterations', '3']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--resume: the checkpoint in ".*copy-base-mine\/checkpoint" was written by a run whose --base files differ from this run's/);
  });
});

describe('speedrl accelerate --rollout adaptive', () => {
  const root = mkdtempSync(join(tmpdir(), 'speedrl-accel-rollout-'));
  beforeAll(async () => {
    await writeTinyBundle(join(root, 'base'), 3);
    await writeTinyClassifier(join(root, 'reward'), 'reward', 4);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const config = async (args: string[]) => {
    const r = await cli(['accelerate', '--out', join(root, 'p'), ...args, '--print-config']);
    expect(r.err).toBe('');
    return JSON.parse(r.out) as { options: Record<string, unknown>; speedRl: { rollout: unknown } };
  };

  it('maps the flags to the rl-trainer rollout config (the default stays fixed T); run options record them', async () => {
    const fixed = await config([]);
    expect(fixed.speedRl.rollout).toEqual({ kind: 'fixed' });
    expect(fixed.options).toMatchObject({ rollout: 'fixed', thresholds: '0.5,0.7,0.9', maxSteps: 12, minPerStep: 0 });
    const adaptive = await config(['--rollout', 'adaptive', '--thresholds', '0.5,0.9', '--max-steps', '8', '--min-per-step', 'schedule']);
    expect(adaptive.speedRl.rollout).toEqual({ kind: 'adaptive', thresholds: [0.5, 0.9], maxSteps: 8, minPerStep: 'schedule' });
    expect(adaptive.options).toMatchObject({ rollout: 'adaptive', thresholds: '0.5,0.9', maxSteps: 8, minPerStep: 'schedule' });
    expect((await config(['--rollout', 'adaptive', '--min-per-step', '3'])).speedRl.rollout).toMatchObject({ minPerStep: 3, maxSteps: 12 });
    const noisy = await config(['--rollout', 'adaptive', '--min-per-step', 'schedule', '--adaptive-noise']);
    expect(noisy.speedRl.rollout).toMatchObject({ kind: 'adaptive', minPerStep: 'schedule', choiceNoise: true });
    expect(noisy.options).toMatchObject({ adaptiveNoise: true });
    expect(fixed.options).toMatchObject({ adaptiveNoise: false });
  });

  it.each([
    [['--rollout', 'greedy'], /--rollout/],
    [['--rollout', 'adaptive', '--thresholds', '0.5,1.5'], /--thresholds: must be in \(0, 1\], got 1\.5/],
    [['--rollout', 'adaptive', '--thresholds', 'high'], /--thresholds.*comma-separated list of probabilities/],
    [['--rollout', 'adaptive', '--max-steps', '0'], /--max-steps/],
    [['--rollout', 'adaptive', '--min-per-step', 'half'], /--min-per-step: "schedule", "exit" or an integer ≥ 0/],
  ])('refuses %j with a usage error naming the flag', async (args, message) => {
    const r = await cli(['accelerate', '--out', join(root, 'p'), ...args, '--print-config']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it.each([
    [['--max-steps', '8'], /^speedrl: --max-steps: only --rollout adaptive reads it, and this run's rollout is fixed; remove it, or pass --rollout adaptive/],
    [['--rollout', 'adaptive', '--step-choices', '2,4'], /^speedrl: --step-choices: only --rollout fixed reads it, and this run's rollout is adaptive; remove it/],
    [['--adaptive-noise'], /^speedrl: --adaptive-noise: only --rollout adaptive reads it, and this run's rollout is fixed/],
    // were: accepted and recorded in run.json, the model bit-identical to the run without them
    [['--loss', 'reinforce', '--clip-low', '0.05', '--clip-high', '0.9'], /^speedrl: --clip-low: only --loss grpo or ppo reads it .*this run's loss is reinforce/],
    [['--loss', 'ppo', '--clip-high', '0.9'], /^speedrl: --clip-high: only --loss grpo reads it .*this run's loss is ppo/],
    [['--speed-weight', '0', '--floor', '0.5'], /^speedrl: --floor: the quality floor only decides which samples get the speed credit, and --speed-weight 0 gives none/],
  ])('refuses an option the rollout kind never reads, %j (was: ignored and recorded in run.json as a setting)', async (args, message) => {
    const r = await cli(['accelerate', '--out', join(root, 'p'), ...args, '--print-config']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('a config file of one rollout kind: its other-kind keys are refused, unless --rollout on the command line overrides its kind (ablate\'s no-speed variant)', async () => {
    const file = join(root, 'adaptive.yaml');
    writeFileSync(file, 'rollout: adaptive\nthresholds: "0.5,0.9"\nmaxSteps: 8\n');
    const noSpeed = await config(['--config', file, ...overrideFlags(overridesOf('no-speed', 4))]); // was: trained adaptive, labelled stepChoices [4]
    expect(noSpeed.speedRl.rollout).toEqual({ kind: 'fixed' });
    expect(noSpeed.options).toMatchObject({ rollout: 'fixed', stepChoices: '4', speedWeight: 0 });
    writeFileSync(join(root, 'no-kind.yaml'), 'maxSteps: 8\n'); // no rollout in the file: --rollout fixed overrides nothing (was: maxSteps recorded)
    const noKind = await cli(['accelerate', '--out', join(root, 'p'), '--config', join(root, 'no-kind.yaml'), '--rollout', 'fixed', '--print-config']);
    expect(noKind.code).toBe(2);
    expect(noKind.err).toMatch(/--max-steps \(maxSteps in .*no-kind\.yaml\): only --rollout adaptive reads it/);
    writeFileSync(file, 'rollout: adaptive\nstepChoices: "2,4"\n');
    const r = await cli(['accelerate', '--out', join(root, 'p'), '--config', file, '--print-config']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--step-choices \(stepChoices in .*adaptive\.yaml\): only --rollout fixed reads it, and this run.s rollout is adaptive/);
  });

  it("a config file's clips and floor pass under ablate's reinforce and no-speed variants; an error about a file's value names the file and key", async () => {
    const file = join(root, 'clipped.yaml');
    writeFileSync(file, 'clipLow: 0.1\nclipHigh: 0.3\nfloor: "-0.5"\n');
    expect((await config(['--config', file, ...overrideFlags(overridesOf('reinforce', 4))])).options).toMatchObject({ loss: 'reinforce', clipLow: 0.1 });
    expect((await config(['--config', file, ...overrideFlags(overridesOf('no-speed', 4))])).options).toMatchObject({ speedWeight: 0, floor: '-0.5' });
    const th0 = join(root, 'th0.yaml');
    writeFileSync(th0, 'rollout: adaptive\nthresholds: []\n');
    const r = await cli(['accelerate', '--out', join(root, 'p'), '--config', th0, '--print-config']);
    expect([r.code, r.err]).toEqual([2, `speedrl: --thresholds (thresholds in ${th0}): must be a non-empty array of probabilities in (0, 1], got []\n`]); // was: --thresholds alone
    const typed = await cli(['accelerate', '--out', join(root, 'p'), '--config', th0, '--thresholds', '0.5,1.5', '--print-config']);
    expect(typed.err).toMatch(/^speedrl: --thresholds: must be in \(0, 1\]/); // typed over the file: the flag alone
  });

  it('--resume keeps the rollout flags the run was started with', async () => {
    const out = join(root, 'resumed');
    mkdirSync(out, { recursive: true });
    const printed = await config([]);
    writeFileSync(join(out, 'run.json'), JSON.stringify({ command: 'accelerate', options: { ...printed.options, out } }));
    const r = await cli(['accelerate', '--out', out, '--resume', '--rollout', 'adaptive']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--rollout: a resumed run keeps the value it was started with \("fixed"\), got "adaptive"/);
  });

  it('trains with adaptive rollouts: steps used within the cap, per-class steps and the cap fraction in metrics.jsonl', async () => {
    const out = join(root, 'adaptive');
    const r = await spawnCli(['accelerate', '--base', join(root, 'base'), '--reward-classifier', join(root, 'reward'), '--data', FIXTURE_DIR, '--out', out,
      '--classes-per-iteration', '2', '--group-size', '3', '--micro-batch', '16', '--grid-every', '0', '--iterations', '1',
      '--rollout', 'adaptive', '--thresholds', '0.3,0.9', '--max-steps', '3', '--min-per-step', 'schedule']);
    expect(r.err).toMatch(/adaptive, p\* ∈ \{0\.3,0\.9\}, T ≤ 3, ≥ schedule per step/);
    expect(r.code).toBe(0);
    const [record] = readJsonl<{ stepsMean: number; stepsMeanByClass: Record<string, number>; maxStepsFraction: number }>(join(out, 'metrics.jsonl')).records;
    expect(record?.stepsMean).toBeGreaterThanOrEqual(1);
    expect(record?.stepsMean).toBeLessThanOrEqual(3);
    expect(Object.keys(record?.stepsMeanByClass ?? {})).toHaveLength(2);
    expect(record?.maxStepsFraction).toBeGreaterThanOrEqual(0);
    const state = JSON.parse(readFileSync(join(out, 'checkpoint', 'trainer.json'), 'utf8')) as { config: { rollout: unknown } };
    expect(state.config.rollout).toEqual({ kind: 'adaptive', thresholds: [0.3, 0.9], maxSteps: 3, minPerStep: 'schedule' });
  });
});
