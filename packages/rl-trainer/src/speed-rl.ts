/**
 * The Speed-RL loop (Subbaraman et al. 2025, arXiv 2512.01094; docs/architecture.md, "Speed-RL objective"). Each
 * iteration:
 *   1. rollouts — G samples per class, each with a step budget T drawn from `stepChoices`, or (adaptive rollouts) a
 *                 commit threshold drawn from `rollout.thresholds`, decoding until done or `rollout.maxSteps`;
 *   2. reward   — R = R_quality + λ·R_speed·1[R_quality ≥ floor], group-normalised advantages;
 *   3. train    — μ updates of the GRPO/PPO/REINFORCE loss on the committed tokens plus β·exact KL to the reference,
 *                 all expressed as one weighted cross-entropy at the logits (step-batch.ts);
 *   4. log, grid, checkpoint, and stop if the signal was aborted.
 * Everything random in iteration `it` derives from `rng.fork(ITERATION_STREAM).fork(it)`, so a run resumed at
 * iteration k (same policy state, same rng) is identical to an uninterrupted one.
 */
import { learningRateAt, type Rng } from '@speedrl/core';
import { groupAdvantages } from './advantages';
import { maxRolloutSteps, resolveSpeedRlConfig, rolloutSamplerConfig, speedRlLrSchedule, type SpeedRlConfig } from './config';
import { filteredReward } from './filter';
import { grpoLoss, ppoLoss } from './losses/grpo';
import { reinforceLoss } from './losses/reinforce';
import type { PolicyLossInput, PolicyLossOutput } from './losses/types';
import { adaptiveStepMetrics, meanBrightness, nanMeanStd, sampleDiversity, tokenHistogramEntropy, type SpeedRlMetrics } from './metrics';
import type { Decoder, ReferencePolicy, TrainablePolicy } from './policy';
import { chooseClasses, collectRollouts, planAdaptiveRollouts, planRollouts } from './rollout';
import { buildStepBatch, chooseTrainedSteps, collectStepRows, stackRowInputs, type StepLossSettings } from './step-batch';
import { createSpeedReward } from './speed-reward';
import type { QualityRewardFn, RewardBatch, SpeedRewardFn } from './types';

const FILE = '@speedrl/rl-trainer speed-rl.ts';
/** Fork of the run's rng whose fork(it) drives iteration it. */
export const ITERATION_STREAM = 1;
/** Fork of the run's rng that draws the fixed evaluation samples of the grids (the same at every iteration). */
export const GRID_STREAM = 2;

/** Per-sample arrays of one iteration, `[N]` each (N = classes × G), given to `onMetrics` beside the record. */
export interface IterationDetails {
  readonly classes: Int32Array;
  readonly steps: Int32Array;
  readonly nfe: Int32Array;
  readonly quality: Float32Array;
  readonly speed: Float32Array;
  readonly reward: Float32Array;
  readonly advantages: Float32Array;
  readonly valid: Uint8Array;
  /** Adaptive rollouts: each sample's commit threshold `[N]` (absent for fixed T). */
  readonly thresholds?: Float64Array;
}

/** Fixed-seed samples of the current policy for image grids: `perClass` samples of every class at T = `steps`. */
export type GridSampler = (options: { steps: number; perClass: number }) => Promise<RewardBatch>;

/**
 * The parts of one iteration that {@link SpeedRlRun.onPhase} brackets: `iteration` holds all the others; `rollout` the
 * sampling, `decode` the tokens → images, `reward` the quality and speed rewards and the advantages, `rows` building the
 * engine batches (trained rows, policy-loss weights, exact-KL soft targets), `policy` the policy's forward and
 * backward passes, `reference` the reference's forward passes, `optimizer` the parameter updates.
 */
export type SpeedRlPhase = 'iteration' | 'rollout' | 'decode' | 'reward' | 'rows' | 'policy' | 'reference' | 'optimizer';

/** Why `onCheckpoint` is called: the periodic checkpoint, the end of the run, or a stop on the abort signal. */
export type CheckpointReason = 'every' | 'end' | 'abort';

/** Arguments of {@link runSpeedRl}. */
export interface SpeedRlRun {
  readonly policy: TrainablePolicy;
  /** The frozen base model; required when `config.klBeta` > 0. */
  readonly reference?: ReferencePolicy;
  readonly decoder: Decoder;
  /** R_quality (the caller combines and z-scores its components). */
  readonly reward: QualityRewardFn;
  /** R_speed(steps, nfe) (`createSpeedReward`); default `linear`, 1 − steps/T_max with T_max = max(stepChoices) (adaptive: rollout.maxSteps). */
  readonly speedReward?: SpeedRewardFn;
  readonly config?: Partial<SpeedRlConfig>;
  readonly rng: Rng;
  /** Iterations already done (resume): the loop runs startIteration … iterations − 1. */
  readonly startIteration?: number;
  /** Called after each iteration with its logged record and its per-sample arrays. */
  readonly onMetrics?: (metrics: SpeedRlMetrics, details: IterationDetails) => void | Promise<void>;
  /** Asked to save everything after `iteration` iterations (the caller writes it with `writeSpeedRlCheckpoint`). */
  readonly onCheckpoint?: (request: { iteration: number; reason: CheckpointReason }) => void | Promise<void>;
  /** Called with the iterations done (0 before training) every `gridEvery` iterations and at the end. */
  readonly onGrid?: (iteration: number, sample: GridSampler) => void | Promise<void>;
  /**
   * Profiling hook (tools/bench-rl.ts): called as each phase starts and ends, several times per iteration for the
   * per-micro-batch phases, never nested except inside `iteration`. Absent by default; the loop keeps no clock for it.
   */
  readonly onPhase?: (phase: SpeedRlPhase, edge: 'start' | 'end') => void;
  /** When aborted, the loop finishes the current iteration, asks for a checkpoint and returns. */
  readonly signal?: AbortSignal;
}

/** What {@link runSpeedRl} returns. */
export interface SpeedRlResult {
  /** Iterations done: resume from here. */
  readonly nextIteration: number;
  readonly aborted: boolean;
}

function policyLoss(config: SpeedRlConfig): (input: PolicyLossInput) => PolicyLossOutput {
  if (config.loss === 'reinforce') return reinforceLoss;
  if (config.loss === 'ppo') return (x) => ppoLoss(x, config.clipLow);
  return (x) => grpoLoss(x, { clipLow: config.clipLow, clipHigh: config.clipHigh });
}

function checkScores(scores: unknown, n: number, it: number, what: string): Float32Array {
  if (!(scores instanceof Float32Array) || scores.length !== n) {
    const got = scores instanceof Float32Array ? `${scores.length} scores` : Object.prototype.toString.call(scores);
    throw new RangeError(`${FILE}: iteration ${it}: ${what} returned ${got}; expected a Float32Array with one score per sample (${n})`);
  }
  const bad = scores.findIndex((v) => v === Infinity || v === -Infinity);
  if (bad >= 0) throw new RangeError(`${FILE}: iteration ${it}: ${what} scored sample ${bad} as ${scores[bad]}; scores must be finite or NaN (no score)`);
  return scores;
}

/** `fn()` bracketed by `onPhase(phase, 'start' | 'end')` (the end also when it throws); just `fn()` without a hook. */
async function inPhase<T>(onPhase: SpeedRlRun['onPhase'], phase: SpeedRlPhase, fn: () => Promise<T> | T): Promise<T> {
  if (onPhase === undefined) return fn();
  onPhase(phase, 'start');
  try {
    return await fn();
  } finally {
    onPhase(phase, 'end');
  }
}

/** Runs Speed-RL iterations `startIteration … config.iterations − 1` on `policy` (see the module doc). */
export async function runSpeedRl(run: SpeedRlRun): Promise<SpeedRlResult> {
  const cfg = resolveSpeedRlConfig(run.config);
  const { policy, decoder, rng, onPhase } = run;
  const { seqLen: L, vocabSize: K, maskId, numClasses } = policy;
  const start = run.startIteration ?? 0;
  if (!Number.isInteger(start) || start < 0 || start > cfg.iterations) {
    throw new RangeError(`${FILE}: field "startIteration" must be an integer in 0..${cfg.iterations} (config.iterations), got ${start}`);
  }
  const tooLong = cfg.rollout.kind === 'fixed' ? cfg.stepChoices.find((t) => t > L) : undefined;
  if (tooLong !== undefined) throw new RangeError(`${FILE}: config field "stepChoices" has T=${tooLong} > seqLen ${L}; a step commits ≥ 1 token`);
  if (cfg.klBeta > 0 && run.reference === undefined) throw new RangeError(`${FILE}: field "reference" is required when config.klBeta > 0 (got β = ${cfg.klBeta})`);
  const reference = run.reference;
  const speedRewardFn = run.speedReward ?? createSpeedReward('linear', maxRolloutSteps(cfg));
  const loss = policyLoss(cfg);
  const schedule = speedRlLrSchedule(cfg);
  const { height: H, width: W } = decoder;
  const logitsFn = (tokens: Int32Array, classes: Int32Array) => policy.logits(tokens, classes);
  const rolloutOptions = { seqLen: L, vocabSize: K, maskId, numClasses, sampler: cfg.sampler }; // grids: fixed T
  const rolloutMode = cfg.rollout;

  const decode = async (tokens: Int32Array, n: number, what: string): Promise<Float32Array> => {
    const images = await decoder.decode(tokens, n);
    if (!(images instanceof Float32Array) || images.length !== n * H * W) {
      throw new RangeError(`${FILE}: ${what}: decoder returned ${images?.length} values, expected batch·height·width = ${n}·${H}·${W}`);
    }
    return images;
  };
  const gridSampler: GridSampler = async ({ steps, perClass }) => {
    const classes = new Int32Array(numClasses * perClass).map((_, j) => Math.floor(j / perClass));
    const plan = { classes, budgets: new Int32Array(classes.length).fill(steps), groupSize: perClass };
    const r = await collectRollouts(logitsFn, plan, { ...rolloutOptions, rng: rng.fork(GRID_STREAM) });
    const images = await decode(r.tokens, classes.length, 'grid');
    return { images, tokens: r.tokens, classes, steps: r.stepsUsed, nfe: r.nfe, batch: classes.length, height: H, width: W };
  };

  let next = start;
  let lastCheckpoint = start;
  if (start === 0 && cfg.gridEvery > 0) await run.onGrid?.(0, gridSampler);
  while (next < cfg.iterations && run.signal?.aborted !== true) {
    const it = next;
    const iterRng = rng.fork(ITERATION_STREAM).fork(it);
    onPhase?.('iteration', 'start');

    // 1. Rollouts: G samples per class, T (or the adaptive threshold) drawn per sample; log-probs are the policy's own.
    let t0 = performance.now();
    const classes = chooseClasses(numClasses, cfg.classesPerIteration, iterRng.fork(0));
    const plan = rolloutMode.kind === 'fixed'
      ? planRollouts(classes, cfg.groupSize, cfg.stepChoices, iterRng.fork(1))
      : planAdaptiveRollouts(classes, cfg.groupSize, rolloutMode.thresholds, rolloutMode.maxSteps, iterRng.fork(1));
    const rollouts = await inPhase(onPhase, 'rollout', () => collectRollouts(logitsFn, plan, { ...rolloutOptions, sampler: rolloutSamplerConfig(cfg), rng: iterRng.fork(2) }));
    const n = plan.classes.length;
    const rolloutMs = performance.now() - t0;

    // 2. Rewards: quality (NaN = none), speed, low-quality filter, group advantages.
    t0 = performance.now();
    const images = await inPhase(onPhase, 'decode', () => decode(rollouts.tokens, n, `iteration ${it}`));
    onPhase?.('reward', 'start');
    const batch: RewardBatch = {
      images, tokens: rollouts.tokens, classes: plan.classes, steps: rollouts.stepsUsed, nfe: rollouts.nfe, batch: n, height: H, width: W,
    };
    const scored = await run.reward(batch);
    const quality = checkScores(scored instanceof Float32Array ? scored : scored?.total, n, it, 'the reward function');
    const components: Record<string, { mean: number; std: number }> = {};
    if (!(scored instanceof Float32Array)) {
      for (const [name, values] of Object.entries(scored.components ?? {})) {
        const { mean, std } = nanMeanStd(checkScores(values, n, it, `reward component "${name}"`));
        components[name] = { mean, std };
      }
    }
    const speed = Float32Array.from(rollouts.stepsUsed, (s, j) => speedRewardFn(s, rollouts.nfe[j] as number));
    const { reward, filtered } = filteredReward(quality, speed, cfg.speedWeight, cfg.qualityFloor);
    const adv = groupAdvantages(reward, cfg.groupSize, cfg.advantage);
    onPhase?.('reward', 'end');
    const rewardMs = performance.now() - t0;

    // 3. Train: μ updates; rows of samples without advantage only carry the KL term.
    t0 = performance.now();
    onPhase?.('rows', 'start');
    const klOn = cfg.klBeta > 0;
    const rows = collectStepRows(
      rollouts, L, K,
      (j) => klOn || adv.valid[j] === 1,
      (j, used) => chooseTrainedSteps(used, cfg.stepFraction, iterRng.fork(3).fork(j)),
    );
    const trainedTokens = rows.reduce((s, row) => s + (adv.valid[row.sample] === 1 ? row.positions.length : 0), 0);
    const maskedCount = klOn ? rows.reduce((s, row) => s + row.mask.reduce((a, m) => a + m, 0), 0) : 0;
    const settings: StepLossSettings = {
      seqLen: L, vocabSize: K, loss, advantages: adv.advantages, valid: adv.valid, klBeta: cfg.klBeta,
      tokenWeight: trainedTokens > 0 ? 1 / trainedTokens : 0, klPositionWeight: maskedCount > 0 ? 1 / maskedCount : 0,
    };
    onPhase?.('rows', 'end');
    const lr = learningRateAt(it, schedule);
    let updates = 0;
    let gradNormSum = 0;
    let clipped = 0;
    let tokensSeen = 0;
    let klMean = NaN;
    let lossValue = 0;
    const refCache: Float32Array[] = []; // the frozen reference's logits of each micro-batch: computed once, reused by every epoch
    for (let epoch = 0; epoch < cfg.innerEpochs && (trainedTokens > 0 || maskedCount > 0); epoch++) {
      let klSum = 0;
      lossValue = 0;
      for (let s = 0; s < rows.length; s += cfg.trainMicroBatch) {
        const chunk = rows.slice(s, s + cfg.trainMicroBatch);
        const { tokens, classes: chunkClasses } = await inPhase(onPhase, 'rows', () => stackRowInputs(chunk, L));
        const logits = epoch === 0 ? null : await inPhase(onPhase, 'policy', () => policy.logits(tokens, chunkClasses));
        let refLogits = refCache[s / cfg.trainMicroBatch] ?? null;
        if (refLogits === null && klOn && reference !== undefined) {
          refLogits = await inPhase(onPhase, 'reference', () => reference.logits(tokens, chunkClasses));
          if (cfg.innerEpochs > 1) refCache.push(refLogits);
        }
        const stepBatch = await inPhase(onPhase, 'rows', () => buildStepBatch(chunk, logits, refLogits, epoch === 0, settings));
        await inPhase(onPhase, 'policy', () => policy.accumulateGradients(stepBatch.engine));
        lossValue += stepBatch.policyLoss;
        klSum += stepBatch.klShare;
        clipped += stepBatch.clipped;
        tokensSeen += stepBatch.tokens;
      }
      if (epoch === 0 && klOn) klMean = klSum;
      const { gradNorm } = await inPhase(onPhase, 'optimizer', () => policy.applyGradients(lr));
      gradNormSum += gradNorm;
      updates++;
    }
    const trainMs = performance.now() - t0;

    // 4. Log, grid, checkpoint.
    const q = nanMeanStd(quality);
    const r = nanMeanStd(reward);
    let absAdv = 0;
    adv.valid.forEach((v, j) => { if (v === 1) absAdv += Math.abs(adv.advantages[j] as number); });
    const validCount = adv.valid.reduce((a, v) => a + v, 0);
    const metrics: SpeedRlMetrics = {
      iteration: it,
      rewardMean: r.mean, rewardStd: r.std, qualityMean: q.mean, qualityStd: q.std, components,
      speedRewardMean: nanMeanStd(speed).mean,
      stepsMean: nanMeanStd(rollouts.stepsUsed).mean, nfeMean: nanMeanStd(rollouts.nfe).mean,
      samples: n, nanRewards: n - q.count, filtered,
      droppedGroups: adv.droppedGroups, droppedGroupFraction: adv.droppedGroups / adv.numGroups,
      advantageAbsMean: validCount > 0 ? absAdv / validCount : NaN,
      klMean, policyLoss: lossValue, clipFraction: tokensSeen > 0 ? clipped / tokensSeen : 0,
      trainedRows: rows.length, trainedTokens, updates, gradNorm: updates > 0 ? gradNormSum / updates : NaN, learningRate: lr,
      meanBrightness: meanBrightness(images), tokenEntropy: tokenHistogramEntropy(rollouts.tokens, K),
      sampleDiversity: sampleDiversity(images, plan.classes, H * W),
      ...(rolloutMode.kind === 'adaptive' ? adaptiveStepMetrics(rollouts.stepsUsed, plan.classes, rolloutMode.maxSteps) : {}),
      timeMs: { rollout: rolloutMs, reward: rewardMs, train: trainMs },
    };
    onPhase?.('iteration', 'end');
    await run.onMetrics?.(metrics, {
      classes: plan.classes, steps: rollouts.stepsUsed, nfe: rollouts.nfe, quality, speed, reward, advantages: adv.advantages, valid: adv.valid,
      ...(plan.thresholds === undefined ? {} : { thresholds: plan.thresholds }),
    });
    next = it + 1;
    if (cfg.gridEvery > 0 && (next % cfg.gridEvery === 0 || next === cfg.iterations)) await run.onGrid?.(next, gridSampler);
    if (cfg.checkpointEvery > 0 && next % cfg.checkpointEvery === 0) {
      await run.onCheckpoint?.({ iteration: next, reason: 'every' });
      lastCheckpoint = next;
    }
  }
  const aborted = next < cfg.iterations;
  if (lastCheckpoint !== next) await run.onCheckpoint?.({ iteration: next, reason: aborted ? 'abort' : 'end' });
  return { nextIteration: next, aborted };
}
