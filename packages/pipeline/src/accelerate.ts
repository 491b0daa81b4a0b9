/**
 * A Speed-RL run (arXiv 2512.01094; docs/architecture.md, "Speed-RL objective") on a base bundle — GRPO with a speed
 * reward, exact KL to the frozen base, low-quality filtering — on the onnxruntime engine: the MaskGIT policy and its
 * frozen reference, the quality reward of the REWARD classifier, checkpoints and --resume (RNG, policy, optimizer and
 * reward normaliser), PNG grids, a time budget, Ctrl-C saves; the accelerated bundle lands in RUN/model.
 */
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InterruptedError, Rng, UsageError, contentKey, flagOf, createProgress, isWithin, readJsonl, realPathOf, type TextIo } from '@speedrl/core';
import { FASHION_MNIST_CLASSES, initBackend, writeImageGrid } from '@speedrl/tensor-utils';
import {
  DEFAULT_ADAPTIVE_ROLLOUT, TRAINER_STATE_FILE, resolveSpeedRlConfig, restoreSpeedRlCheckpoint, runSpeedRl, writeSpeedRlCheckpoint, type SpeedRlConfig,
} from '@speedrl/rl-trainer';
import { bundleIdentity } from './bundle';
import { checkDataDir, classifierFiles, dataFiles, usageErrorForConfigField } from './checks';
import { installInterruptHandler } from './interrupt';
import { loadRlModel } from './rl-model';
import { createQualityReward } from './quality-reward';
import { RewardCallError, loadRewardModules, parseRewardSpec } from './reward-module';
import { checkRewardResume, recordedRewardKeys, rewardKeyOf, rewardSpecsOf, withRewardRecord, type RewardChange } from './reward-resume';
import { checkCheckpointRun, checkpointRunRecord } from './resume-options';
import { RUN_FILES, checkpointNote, openRunDir, resumeNote, type RunDir, type RunMode } from './run-dir';
import type { AdaptiveMinPerStep } from '@speedrl/sampler';

/** Options of a Speed-RL run (the flags of `speedrl accelerate`, camelCase). */
export interface AccelerateOptions {
  /** Base bundle (tokenizer/ + maskgit/). */
  readonly base: string;
  /** REWARD classifier directory (with its feature statistics). */
  readonly rewardClassifier: string;
  /** Run directory. */
  readonly out: string;
  readonly seed: number;
  readonly iterations: number;
  readonly groupSize: number;
  /** Classes per iteration (0 = all). */
  readonly classesPerIteration: number;
  /** Step budgets drawn per rollout: a comma-separated list or the numbers. */
  readonly stepChoices: string | readonly number[];
  /** How rollouts decide their steps: `fixed` (T from stepChoices, the default) or `adaptive` (docs/architecture.md, "Adaptive rollouts"). */
  readonly rollout?: 'fixed' | 'adaptive';
  /** Adaptive rollouts: commit thresholds drawn per rollout, a comma-separated list or the numbers. */
  readonly thresholds?: string | readonly number[];
  /** Adaptive rollouts: the step cap T_max (also the speed reward's). */
  readonly maxSteps?: number;
  /** Adaptive rollouts: tokens committed at least per step (the hybrid), a count or "schedule". */
  readonly minPerStep?: AdaptiveMinPerStep;
  /** Adaptive rollouts: the top-up ranks by the confidence sampler's noisy confidence (rl-trainer `rollout.choiceNoise`). */
  readonly adaptiveNoise?: boolean;
  readonly speedWeight: number;
  /** z-scored quality floor for the speed credit, or "none". */
  readonly floor: string;
  readonly loss: SpeedRlConfig['loss'];
  readonly clipLow: number;
  readonly clipHigh: number;
  readonly klBeta: number;
  readonly stepFraction: number;
  readonly innerEpochs: number;
  readonly lr: number;
  readonly warmup: number;
  readonly microBatch: number;
  readonly checkpointEvery: number;
  readonly gridEvery: number;
  readonly wClassifier: number;
  readonly wRealism: number;
  readonly wMmd: number;
  /** User reward modules, `PATH[:EXPORT][=WEIGHT]` each (see `loadRewardModule`); none by default. */
  readonly reward?: readonly string[];
  /** IDX dataset directory; its TRAIN split is the mmd reward's reference. */
  readonly data: string;
  /** Minutes of RL (summed over resumes) after which the run saves and stops (0 = no limit). */
  readonly timeBudget: number;
}

/** The progress line's details of one iteration: `kl=off` when `--kl-beta 0` (no KL is computed; was `kl=NaN`). */
export function progressDetails(m: { readonly rewardMean: number; readonly stepsMean: number; readonly klMean: number }, klBeta: number): Record<string, number | string> {
  return { reward: m.rewardMean, steps: m.stepsMean, kl: klBeta === 0 ? 'off' : m.klMean };
}

/** How an accelerate run ended. */
export interface AccelerateSummary {
  readonly model: string;
  readonly iterations: number;
  readonly aborted: boolean;
  readonly stoppedBy: 'time-budget' | 'end';
  readonly elapsedMinutes: number;
}

/** An open accelerate run: a `RunDir`, with the change of `--reward` module files that `--allow-changed-reward` accepted on resume. */
export type AccelerateRun = RunDir & {
  readonly rewardChange?: RewardChange;
  /** Every `--reward` key the run has recorded (none without `--reward`); a resumed checkpoint's must be one of them. */
  readonly rewardKeys?: readonly string[];
};

/** rl-trainer config fields whose flag is not their kebab-case name. */
const CONFIG_FLAGS: Readonly<Record<string, string>> = {
  learningRate: '--lr', warmupIterations: '--warmup', trainMicroBatch: '--micro-batch', qualityFloor: '--floor',
  'rollout.kind': '--rollout', 'rollout.thresholds': '--thresholds', 'rollout.maxSteps': '--max-steps', 'rollout.minPerStep': '--min-per-step',
  'rollout.choiceNoise': '--adaptive-noise',
};

/** The options only one rollout kind reads (docs/architecture.md, "Adaptive rollouts"): fixed-T rollouts draw T from the step choices, adaptive ones read the thresholds, cap, minimum per step and choice noise. */
export const ROLLOUT_OPTIONS: Readonly<Record<'fixed' | 'adaptive', readonly string[]>> = Object.freeze({ fixed: ['stepChoices'], adaptive: ['thresholds', 'maxSteps', 'minPerStep', 'adaptiveNoise'] });

/** The ratio clips each loss reads (rl-trainer speed-rl.ts `policyLoss`): grpo both, ppo the lower one only, reinforce none. */
const LOSS_OPTIONS: Readonly<Record<AccelerateOptions['loss'], readonly string[]>> = Object.freeze({ grpo: ['clipLow', 'clipHigh'], ppo: ['clipLow'], reinforce: [] });

/** The options of a run that decide which others it reads: its rollout kind, its loss and its speed weight. */
export type RolloutSelectors = Pick<AccelerateOptions, 'rollout' | 'loss' | 'speedWeight'>;

/**
 * Refuses an option the run's other options make unread (`--max-steps` with fixed T, `--step-choices` with adaptive
 * rollouts, `--clip-high` with `--loss ppo` or reinforce, `--clip-low` with reinforce, `--floor` with `--speed-weight 0`,
 * whose credit it gates): it would be ignored yet recorded in run.json as a setting (was so for the clips and the floor).
 * `flags` are the keys typed on the command line, `file` the --config file's values; a file's key is tolerated only when
 * the option that makes it unread is on the command line and overrides the file's (ablate's variants: no-speed of an
 * adaptive config — there only when the file names its own `rollout` —, reinforce, no-speed of a config with a floor).
 */
export function checkRolloutOptions(o: RolloutSelectors, flags: ReadonlySet<string>, file: Readonly<Record<string, unknown>>): void {
  const rollout = o.rollout ?? 'fixed';
  const other = rollout === 'fixed' ? 'adaptive' : 'fixed';
  const given = (key: string, selector: string): boolean => flags.has(key) || (key in file && !(flags.has(selector) && (selector !== 'rollout' || 'rollout' in file)));
  const where = (key: string): string => flagOf(key); // a value from --config: the CLI names the file and key (withConfigOrigin)
  const unread = ROLLOUT_OPTIONS[other].find((key) => given(key, 'rollout'));
  if (unread !== undefined) throw new UsageError(`${where(unread)}: only --rollout ${other} reads it, and this run's rollout is ${rollout}; remove it${rollout === 'fixed' ? ', or pass --rollout adaptive' : ''}`);
  const clip = ['clipLow', 'clipHigh'].find((key) => !LOSS_OPTIONS[o.loss].includes(key) && given(key, 'loss'));
  if (clip !== undefined) {
    const readers = (Object.keys(LOSS_OPTIONS) as AccelerateOptions['loss'][]).filter((loss) => LOSS_OPTIONS[loss].includes(clip));
    throw new UsageError(`${where(clip)}: only --loss ${readers.join(' or ')} reads it (ppo clips the ratio below only, reinforce not at all), and this run's loss is ${o.loss}; remove it, or pass --loss ${readers[0]}`);
  }
  if (o.speedWeight === 0 && given('floor', 'speedWeight')) {
    throw new UsageError(`${where('floor')}: the quality floor only decides which samples get the speed credit, and --speed-weight 0 gives none; remove it, or give --speed-weight > 0`);
  }
}

/** rl-trainer config fields a resumed run may change: its length and how often it saves and draws. */
const CONFIG_MUTABLE: ReadonlySet<string> = new Set(['iterations', 'checkpointEvery', 'gridEvery']);

/**
 * Refuses a checkpoint whose rl-trainer config (every checkpoint holds it) differs from this run's in a field that
 * defines the run: a copy from a run with other settings, also one written before checkpoints recorded their run.
 */
export function checkRestoredConfig(restored: SpeedRlConfig, config: SpeedRlConfig, checkpoint: string): void {
  const fields = Object.keys(config).filter((k) => !CONFIG_MUTABLE.has(k)
    && JSON.stringify((restored as unknown as Record<string, unknown>)[k]) !== JSON.stringify((config as unknown as Record<string, unknown>)[k]));
  if (fields.length === 0) return;
  const names = fields.map((k) => CONFIG_FLAGS[k] ?? flagOf(k)).join(', ');
  throw new UsageError(`--resume: the checkpoint in "${checkpoint}" was written with other settings (${names}) than this run's: it is not this run's checkpoint (copied from another run?). Restore the run's own, or start a new run with another --out (nothing was written)`);
}

/** The rl-trainer config these options describe; a value it refuses is a usage error naming the flag. */
export function speedRlConfigOf(o: AccelerateOptions): SpeedRlConfig {
  const userWeight = (o.reward ?? []).reduce((sum, spec) => sum + parseRewardSpec(spec).weight, 0);
  if (!(o.wClassifier + o.wRealism + o.wMmd + userWeight > 0)) throw new UsageError('--w-classifier, --w-realism, --w-mmd, --reward: at least one quality-reward weight must be > 0');
  const steps = typeof o.stepChoices === 'string' ? o.stepChoices.split(',').map(Number) : [...o.stepChoices];
  const A = DEFAULT_ADAPTIVE_ROLLOUT;
  const thresholds = o.thresholds ?? A.thresholds;
  const rollout = (o.rollout ?? 'fixed') === 'fixed' ? { kind: 'fixed' as const } : {
    kind: o.rollout as 'adaptive', maxSteps: o.maxSteps ?? A.maxSteps, minPerStep: o.minPerStep ?? A.minPerStep,
    ...(o.adaptiveNoise === true ? { choiceNoise: true } : {}), // absent when off: the runs before the option keep their config
    thresholds: typeof thresholds === 'string' ? thresholds.split(',').map(Number) : [...thresholds],
  };
  return usageErrorForConfigField(CONFIG_FLAGS, () => resolveSpeedRlConfig({
    iterations: o.iterations, groupSize: o.groupSize, classesPerIteration: o.classesPerIteration, stepChoices: steps, rollout,
    speedWeight: o.speedWeight, qualityFloor: o.floor === 'none' ? { kind: 'none' } : { kind: 'absolute', value: Number(o.floor) },
    loss: o.loss, clipLow: o.clipLow, clipHigh: o.clipHigh, klBeta: o.klBeta, stepFraction: o.stepFraction, innerEpochs: o.innerEpochs,
    learningRate: o.lr, warmupIterations: o.warmup, trainMicroBatch: o.microBatch, checkpointEvery: o.checkpointEvery, gridEvery: o.gridEvery,
  }));
}

/**
 * Opens the run directory of `fresh` (see `openRunDir`): the base must not lie inside it, a resume continues from the
 * checkpoint's iteration, and the inputs' content keys are recorded (an input changed at the same path is refused on
 * resume; edited `--reward` module files only with `allowChangedReward`, which records the change: see reward-resume.ts).
 */
export async function openAccelerateRun(fresh: AccelerateOptions, mode: RunMode, overrides: Partial<AccelerateOptions> = {}, allowChangedReward = false): Promise<AccelerateRun> {
  if (allowChangedReward && mode !== 'resume') throw new UsageError('--allow-changed-reward: only with --resume (it accepts edited --reward module files in a run that continues)');
  const { change, history, specs: runSpecs } = mode === 'resume' ? await checkRewardResume(fresh.out, { ...overrides }, allowChangedReward) : {};
  // another spelling of the run's --reward list (r.mjs for ./r.mjs) is the run's: it keeps its own (run.json, its key)
  const given = overrides.reward === undefined || runSpecs === undefined ? overrides : { ...overrides, reward: runSpecs };
  // real paths: a symlink to a directory inside --out is inside it too
  if (isWithin(realPathOf(fresh.out), realPathOf(fresh.base))) throw new UsageError(`--base: "${fresh.base}" is inside --out "${fresh.out}"; the run would write over its own base`);
  const readIteration = async (dir: string): Promise<number> => {
    const state = JSON.parse(await readFile(join(dir, TRAINER_STATE_FILE), 'utf8')) as { iteration?: number };
    return state.iteration ?? 0;
  };
  // the base, the reward classifier, the training images and --reward modules are part of the run: changed files are refused on --resume
  const identities = async (opts: Record<string, unknown>): Promise<Record<string, string>> => {
    const keys: Record<string, string> = {};
    const inputs: [string, () => Promise<string>][] = [
      ['--base', () => bundleIdentity(String(opts.base))],
      ['--reward-classifier', async () => (await contentKey(classifierFiles(String(opts.rewardClassifier)), null)).key],
      ['--data', async () => (await contentKey(dataFiles(String(opts.data), ['train']), null)).key],
    ];
    // user reward modules and the local files they import; none given, no key (run.json as before)
    const specs = rewardSpecsOf(opts);
    if (specs.length > 0 && change === undefined) inputs.push(['--reward', () => rewardKeyOf(specs)]); // a change accepted: recorded by withRewardRecord
    for (const [flag, key] of inputs) {
      try {
        keys[flag] = await key();
      } catch {
        // missing files: the checks that load them say what is wrong
      }
    }
    return keys;
  };
  // every input path: none may lie inside --out, where --force deletes the old run's products and the run writes its own
  const inputs = (opts: Record<string, unknown>): Record<string, string[]> => ({
    '--base': [String(opts.base)], '--reward-classifier': [String(opts.rewardClassifier)], '--data': [String(opts.data)],
    '--reward': (Array.isArray(opts.reward) ? opts.reward.map(String) : []).map((spec) => parseRewardSpec(spec).path),
  });
  const run = await openRunDir(fresh.out, 'accelerate', { ...fresh }, mode, { ...given }, readIteration, identities, inputs);
  const specs = rewardSpecsOf(run.options);
  if (specs.length === 0) return { ...run, rewardKeys: [] }; // a checkpoint scored by --reward modules is another run's
  const key = await rewardKeyOf(specs).catch(() => undefined); // a missing module: loading it says so
  if (key === undefined) return run;
  const iteration = async (): Promise<number> => (run.resumeFrom === undefined ? 0 : readIteration(run.resumeFrom));
  // checkpoints after an accepted change record the new key too (they carried none)
  const recorded = { ...withRewardRecord(run, key, change, history, iteration), identities: { ...run.identities, '--reward': key }, rewardKeys: recordedRewardKeys(key, change, history) };
  return { ...recorded, ...(change === undefined ? {} : { rewardChange: change }) };
}

/** Runs Speed-RL with `o` in the open run directory `run`; progress and notes go to `io`. */
export async function accelerate(o: AccelerateOptions, run: AccelerateRun, io: TextIo): Promise<AccelerateSummary> {
  checkDataDir(o.data);
  const config = speedRlConfigOf(o);
  const userRewards = await loadRewardModules(o.reward ?? []); // a broken module fails before anything heavy loads
  const backend = await initBackend();
  const model = await loadRlModel(o.base, { flag: '--base' }); // tokenizer and transformer checked to belong together
  const { policy } = model;
  try {
    const quality = await createQualityReward(o.rewardClassifier, { classifier: o.wClassifier, realism: o.wRealism, mmd: o.wMmd }, { dataDir: o.data, limit: 20_000 }, userRewards);
    const checkpointDir = join(run.dir, RUN_FILES.checkpoint);
    let rng = Rng.fromSeed(o.seed);
    let startIteration = 0;
    if (run.resumeFrom !== undefined) {
      const restored = await restoreSpeedRlCheckpoint(run.resumeFrom, policy);
      // the random stream's key is the seed's: another key is another run's checkpoint
      const key = restored.rng.state().key;
      if (JSON.stringify(key) !== JSON.stringify(rng.state().key)) {
        throw new UsageError(`--resume: the checkpoint in "${run.resumeFrom}" draws from another seed's random stream than this run's --seed ${o.seed}: it is not this run's checkpoint (copied from another run?). Restore the run's own, or start a new run with another --out (nothing was written)`);
      }
      checkCheckpointRun(restored.extra?.run, run, run.resumeFrom); // same seed, other lr, loss or base: another run's
      checkRestoredConfig(restored.config, config, run.resumeFrom); // also for checkpoints written before the record
      rng = restored.rng;
      startIteration = restored.iteration;
      if (startIteration > config.iterations) throw new UsageError(`--iterations: the run in ${run.dir} is already at iteration ${startIteration}; give at least that many`);
      if (restored.normalizer !== undefined) quality.restoreNormaliser(restored.normalizer as ReturnType<typeof quality.normaliserState>);
      io.stderr(`resuming at iteration ${startIteration} (${resumeNote(run.resumeFrom)})\n`);
      if (run.rewardChange !== undefined) {
        io.stderr(`--allow-changed-reward: the --reward module files changed (content key ${run.rewardChange.from?.slice(0, 12) ?? 'none recorded'}… → ${run.rewardChange.to.slice(0, 12)}…); they score from iteration ${startIteration} on, recorded in run.json (rewardHistory) and metrics.jsonl (rewardKey)\n`);
      }
    }
    if (config.classesPerIteration > model.config.numClasses) {
      throw new UsageError(`--classes-per-iteration: must be ≤ ${model.config.numClasses} (the classes of ${o.base}) or 0 for all, got ${config.classesPerIteration}`);
    }
    const tooLong = config.rollout.kind === 'fixed' ? config.stepChoices.filter((t) => t > model.config.seqLen) : [];
    if (tooLong.length > 0) throw new UsageError(`--step-choices: each T must be ≤ ${model.config.seqLen} (the tokens per image of ${o.base}), got ${tooLong.join(',')}`);
    if (config.rollout.kind === 'adaptive') {
      // no rollout can take more steps than tokens, nor commit more than all of them per step: the speed reward's T_max would mean another scale
      if (config.rollout.maxSteps > model.config.seqLen) throw new UsageError(`--max-steps: must be ≤ ${model.config.seqLen} (the tokens per image of ${o.base}), got ${config.rollout.maxSteps}`);
      const m = config.rollout.minPerStep;
      if (typeof m === 'number' && m > model.config.seqLen) throw new UsageError(`--min-per-step: must be ≤ ${model.config.seqLen} (the tokens per image of ${o.base}) or "schedule", got ${m}`);
      const reachable = typeof m === 'number' && m > 0 ? Math.ceil(model.config.seqLen / m) : model.config.seqLen;
      if (config.rollout.maxSteps > reachable) {
        throw new UsageError(`--max-steps: with --min-per-step ${m} every rollout ends within ⌈${model.config.seqLen}/${m}⌉ = ${reachable} steps, so --max-steps ${config.rollout.maxSteps} (the speed reward's T_max) is never reached; give --max-steps ≤ ${reachable}`);
      }
    }
    const classes = config.classesPerIteration === 0 ? model.config.numClasses : config.classesPerIteration;
    const rollouts = classes * config.groupSize;
    const r = config.rollout;
    const meanT = r.kind === 'fixed' ? config.stepChoices.reduce((a, b) => a + b, 0) / config.stepChoices.length : r.maxSteps; // adaptive: the worst case
    io.stderr([
      `speedrl accelerate: base ${o.base} (${model.config.dim}×${model.config.depth}, K=${model.config.numCodes}), onnxruntime engine, tfjs backend ${backend.backend}`,
      `  per iteration: ${classes} classes × G=${config.groupSize} = ${rollouts} rollouts, ${r.kind === 'fixed' ? `T ∈ {${config.stepChoices.join(',')}} (mean ${meanT.toFixed(1)})` : `adaptive, p* ∈ {${r.thresholds.join(',')}}, T ≤ ${r.maxSteps}, ≥ ${r.minPerStep ?? 0} per step${r.choiceNoise === true ? ', choice noise' : ''}`}:`,
      `  ≈ ${Math.round(rollouts * meanT)} sample-steps of forward passes, then ${config.innerEpochs} update(s) over ≈ ${Math.round(rollouts * meanT * config.stepFraction)} step rows in micro-batches of ${config.trainMicroBatch}`,
      `  loss ${config.loss}, λ=${config.speedWeight}, β=${config.klBeta}, lr ${config.learningRate}, iterations ${startIteration}→${config.iterations}, out ${run.dir}`,
      ...userRewards.map((c) => `  user reward ${c.name} (weight ${c.weight}, z-scored)`),
    ].join('\n') + '\n');
    // RL wall-clock summed over resumes: elapsedMs of the checkpoint's own record (the last one --resume keeps)
    let priorMs = 0;
    if (run.resumeFrom !== undefined && startIteration > 0) {
      const metricsPath = join(run.dir, RUN_FILES.metrics);
      const record = readJsonl<{ step?: number; elapsedMs?: number }>(metricsPath).records.filter((r) => r.step === startIteration).at(-1);
      if (record === undefined || typeof record.elapsedMs !== 'number' || !(record.elapsedMs >= 0 && record.elapsedMs < Infinity)) {
        throw new UsageError(
          `--resume: ${metricsPath} has no record of iteration ${startIteration} (the checkpoint's), so the RL time already spent is unknown` +
            `${record === undefined ? '' : ` (its elapsedMs is ${JSON.stringify(record.elapsedMs) ?? 'absent'}, not a time ≥ 0)`}; ` +
            'restore the file, or start a new run with another --out',
        );
      }
      priorMs = record.elapsedMs;
    }
    if (o.timeBudget > 0 && priorMs >= o.timeBudget * 60_000) {
      throw new UsageError(`--time-budget: this run has already spent ${(priorMs / 60_000).toPrecision(3)} min of RL, the whole budget of ${o.timeBudget} min; pass a larger --time-budget (or 0 for none) to continue`);
    }
    await run.start(); // everything above validated: only now is the run directory written
    const interrupt = installInterruptHandler(io);
    const abort = new AbortController();
    const budgetMs = o.timeBudget * 60_000;
    const started = performance.now();
    let budgetReached = false;
    const progress = createProgress({ label: 'accelerate', total: config.iterations, io });
    await mkdir(join(run.dir, 'grids'), { recursive: true });
    let checkpointed = run.resumeFrom === undefined ? undefined : startIteration; // the iteration of the checkpoint on disk
    let updated = false; // whether this process has updated the policy (a diverged update, not the start weights, then explains NaN logits)
    try {
      const result = await runSpeedRl({
        policy, reference: model.reference, decoder: model.decoder, reward: quality.reward, config, rng, startIteration, signal: abort.signal,
        onMetrics: async (m) => {
          const elapsedMs = priorMs + performance.now() - started;
          run.log({ ...m, elapsedMs, step: m.iteration + 1 }); // step = iterations done, as the checkpoint counts them
          updated = true;
          progress.update(m.iteration, progressDetails(m, config.klBeta));
          if (budgetMs > 0 && elapsedMs >= budgetMs) budgetReached = true;
          if (interrupt.stop.requested || budgetReached) abort.abort();
        },
        onCheckpoint: async ({ iteration }) => {
          await writeSpeedRlCheckpoint(checkpointDir, { iteration, rng: rng.state(), config, policy: await policy.saveState(), normalizer: quality.normaliserState(), extra: { run: checkpointRunRecord(run) } });
          checkpointed = iteration;
        },
        onGrid: async (iteration, sampleGrid) => {
          for (const steps of [Math.min(...config.stepChoices), Math.max(...config.stepChoices)]) {
            const batch = await sampleGrid({ steps, perClass: 8 });
            await writeImageGrid(join(run.dir, 'grids', `iter-${String(iteration).padStart(5, '0')}-T${steps}.png`), {
              images: batch.images, n: batch.batch, height: 28, width: 28, columns: 8, scale: 2, rowLabels: [...FASHION_MNIST_CLASSES],
            });
          }
        },
      }).catch((error: unknown) => {
        if (error instanceof RewardCallError) throw rewardCallFailure(error, checkpointDir, checkpointed);
        throw divergedFailure(error, o.lr, updated, run.resumeFrom !== undefined, checkpointDir) ?? error;
      });
      if (result.aborted && !budgetReached) {
        // a signal: the checkpoint is saved; no final model is written for a run that did not finish
        throw new InterruptedError(`accelerate: stopped by ${interrupt.stop.signal ?? 'a signal'} after iteration ${result.nextIteration}; checkpoint saved in ${checkpointDir}, continue with --resume`);
      }
      const modelDir = join(run.dir, 'model');
      await model.save(modelDir, { command: 'accelerate', iterations: result.nextIteration, seed: o.seed, base: o.base });
      await run.finish(); // the run's model is complete: an earlier run a --force set aside goes
      progress.finish({ iterations: result.nextIteration });
      const elapsedMinutes = (priorMs + performance.now() - started) / 60_000;
      if (result.aborted) io.stderr(`time budget of ${o.timeBudget} min reached after iteration ${result.nextIteration}; continue with --resume --time-budget <more>\n`);
      const stoppedBy = result.aborted ? 'time-budget' : 'end';
      return { model: modelDir, iterations: result.nextIteration, aborted: result.aborted, stoppedBy, elapsedMinutes };
    } finally {
      interrupt.dispose();
    }
  } finally {
    await model.dispose(); // also when a check above refuses the run
  }
}

/**
 * The sampler refused the policy's logits (NaN or +Infinity): after this process's updates the weights diverged (the
 * learning rate too large for them); before any, the weights the run starts from (its checkpoint, or --base) give none.
 */
function divergedFailure(error: unknown, lr: number, updated: boolean, resumed: boolean, checkpointDir: string): UsageError | undefined {
  if (!(error instanceof RangeError) || !/logits must not be NaN or \+Infinity/.test(error.message)) return undefined;
  const detail = error.message.replace(/^[^:]*: /, '');
  if (updated) {
    return new UsageError(`--lr: the policy's logits became non-finite after this run's updates (${detail}): its weights diverged, the learning rate ${lr} is too large for them; ${checkpointNote(checkpointDir)}, but a resumed run keeps its --lr: start a new run with a smaller --lr`);
  }
  return new UsageError(resumed
    ? `--resume: the checkpoint in ${checkpointDir} gives non-finite logits (${detail}): the run had diverged when it was saved; start a new run with a smaller --lr`
    : `--base: its transformer gives non-finite logits (${detail}); its weights are not usable`);
}

/** A user reward's call-time failure with what became of the run: the checkpoint kept, and how to continue once the module is fixed. */
function rewardCallFailure(error: RewardCallError, checkpointDir: string, iteration: number | undefined): UsageError {
  const next = iteration === undefined
    ? 'no checkpoint was written yet: fix the module and start again (--force, or another --out)'
    : `the checkpoint of iteration ${iteration} in ${checkpointDir} is kept: fix the module, then continue with --resume --allow-changed-reward ` +
      '(--resume alone needs the module files unchanged; the change is recorded in run.json and metrics.jsonl)';
  return new UsageError(`${error.message}; ${next}`);
}
