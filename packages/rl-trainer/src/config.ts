/**
 * Settings of the Speed-RL loop (docs/architecture.md, "Speed-RL objective"): frozen defaults, merging of partial
 * configs and validation naming the field.
 */
import { checkConfigFields, mergeConfig, type LrSchedule } from '@speedrl/core';
import { resolveSamplerConfig, type AdaptiveMinPerStep, type SamplerConfig } from '@speedrl/sampler';
import { DEFAULT_ADVANTAGE_CONFIG, type AdvantageConfig } from './advantages';
import type { QualityFloor } from './filter';

const FILE = '@speedrl/rl-trainer config.ts';

/** Which policy-gradient loss trains the committed tokens. */
export type PolicyLossKind = 'grpo' | 'ppo' | 'reinforce';

/**
 * How rollouts decide their steps: `fixed` draws a budget T per sample from `stepChoices` (the policy never decides it);
 * `adaptive` draws a commit threshold per sample from `thresholds` and decodes with the adaptive sampler up to
 * `maxSteps`, so the steps used depend on the policy's confidence and the speed reward acts on them
 * (docs/architecture.md, "Adaptive rollouts"). `minPerStep` is the hybrid's floor: at least that many tokens per step,
 * or `'schedule'`, the confidence schedule's count at step t of `maxSteps` (default 0: plain threshold decoding), or
 * `'exit'`: exactly that count, or the whole rest at once when every remaining draw passes the threshold (an early exit).
 * `choiceNoise` ranks the top-up by the confidence sampler's Gumbel-noised confidence (`adaptiveChoiceNoise`; absent: false).
 */
export type RolloutConfig =
  | { readonly kind: 'fixed' }
  | { readonly kind: 'adaptive'; readonly thresholds: readonly number[]; readonly maxSteps: number; readonly minPerStep?: AdaptiveMinPerStep; readonly choiceNoise?: boolean };

/** Defaults of adaptive rollouts (`speedrl accelerate --rollout adaptive`: `--thresholds`, `--max-steps`, `--min-per-step`). */
export const DEFAULT_ADAPTIVE_ROLLOUT = Object.freeze({
  kind: 'adaptive',
  thresholds: Object.freeze([0.5, 0.7, 0.9]), // from loose and fast to the sampler's own default 0.9
  maxSteps: 12, // T_ref of the base: no rollout is slower than the base's sampler
  minPerStep: 0, // plain threshold decoding (at least the most probable draw per step)
} as const);

/** Everything that decides a Speed-RL run except the models, the reward and the seed. JSON-serialisable. */
export interface SpeedRlConfig {
  /** Iterations (rollout → reward → update) to run in total. */
  readonly iterations: number;
  /** Classes sampled per iteration, drawn without replacement each iteration (0 = every class every iteration). */
  readonly classesPerIteration: number;
  /** G: rollouts per class; advantages are normalised within each group. */
  readonly groupSize: number;
  /** Step budgets T drawn uniformly per rollout, so a group mixes fast and slow trajectories (fixed rollouts). */
  readonly stepChoices: readonly number[];
  /** Fixed budgets from `stepChoices`, or adaptive decoding whose step count the policy's confidence decides. */
  readonly rollout: RolloutConfig;
  /** Overrides of the sampler's defaults; must keep temperature 1, no top-k and no CFG (the log-probs are the policy's own). */
  readonly sampler: Partial<SamplerConfig>;
  /** λ of R = R_quality + λ·R_speed. */
  readonly speedWeight: number;
  /** Quality floor under which a sample gets no speed credit. */
  readonly qualityFloor: QualityFloor;
  /** Group-advantage settings (eps, clip, std under which a group is dropped). */
  readonly advantage: AdvantageConfig;
  /** Policy loss: GRPO (asymmetric clip), PPO (symmetric clip = clipLow) or REINFORCE (no ratio). */
  readonly loss: PolicyLossKind;
  /** The ratio is clipped below at 1 − clipLow (PPO: both sides). */
  readonly clipLow: number;
  /** The ratio is clipped above at 1 + clipHigh (GRPO only). */
  readonly clipHigh: number;
  /** β of the exact KL(p_ref ‖ p_θ) term; 0 = no KL (ablation), and the reference model is never called. */
  readonly klBeta: number;
  /** Fraction of each trajectory's steps trained on (a random subset, at least one step). */
  readonly stepFraction: number;
  /** μ: optimizer updates per rollout batch; the first sees ratio 1, later ones use the rollout's log-probs as π_old. */
  readonly innerEpochs: number;
  /** Peak learning rate handed to `applyGradients`. */
  readonly learningRate: number;
  /** Linear warm-up from lr/warmup to lr over this many iterations (0 = none). */
  readonly warmupIterations: number;
  /** (sample, step) rows per `accumulateGradients` call; bounds the engine's memory, not the maths. */
  readonly trainMicroBatch: number;
  /** Call `onCheckpoint` every this many iterations (0 = only when the loop ends). */
  readonly checkpointEvery: number;
  /** Call `onGrid` every this many iterations and at the start (0 = never). */
  readonly gridEvery: number;
}

/** Defaults of docs/architecture.md, "Speed-RL objective". */
export const DEFAULT_SPEED_RL_CONFIG: Readonly<SpeedRlConfig> = Object.freeze({
  iterations: 200, // a few thousand rollouts per class: enough to move the step budget on Fashion-MNIST
  classesPerIteration: 0, // all 10 classes: every update sees every prompt, as Speed-RL trains on all prompts
  groupSize: 8, // GRPO group size used by Mask-GRPO; std over 8 rewards is stable enough
  stepChoices: Object.freeze([2, 3, 4, 6]), // the budgets to accelerate (T_ref = 12 is the base's own; slow rollouts only cost time)
  rollout: Object.freeze({ kind: 'fixed' }) as RolloutConfig, // the paper's setting: T drawn per rollout, as before adaptive rollouts
  sampler: Object.freeze({}), // confidence sampler, cosine schedule, temperature 1, no top-k, no CFG
  speedWeight: 0.5, // quality is z-scored (≈ unit std): the fastest-vs-slowest gap is about half a quality std
  qualityFloor: Object.freeze({ kind: 'absolute', value: -1 }) as QualityFloor, // z-scored: ≈ the 16th percentile
  advantage: DEFAULT_ADVANTAGE_CONFIG, // eps 1e-4, clip ±5 ("Speed-RL objective")
  loss: 'grpo', // PPO-clip with DAPO's decoupled range ("Speed-RL objective")
  clipLow: 0.2, // "Speed-RL objective"
  clipHigh: 0.28, // DAPO clip-higher ("Speed-RL objective")
  klBeta: 0.04, // DeepSeekMath GRPO's β
  stepFraction: 1, // train on every step: a 49-token trajectory has at most 12 steps
  innerEpochs: 1, // on-policy, one update per rollout batch, as Mask-GRPO and DeepSeekMath (μ = 1)
  learningRate: 2e-5, // fine-tuning a pretrained model: 1/15 of the fmnist pretraining lr; 1e-5 barely moved in 25 iterations
  warmupIterations: 5, // first updates on fresh advantages are noisy
  trainMicroBatch: 64, // ≈ 6 MB of soft targets at L = 49, K = 512
  checkpointEvery: 25, // ≤ 25 iterations lost on a crash
  gridEvery: 25, // a grid per checkpoint shows reward hacking early
} as const);

function integer(value: number, min: number, field: string): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${FILE}: field "${field}" must be an integer ≥ ${min}, got ${value}`);
}

function finite(value: number, min: number, field: string): void {
  if (!Number.isFinite(value) || value < min) throw new RangeError(`${FILE}: field "${field}" must be a finite number ≥ ${min}, got ${value}`);
}

/** A full config from a partial one (missing fields from {@link DEFAULT_SPEED_RL_CONFIG}), validated. */
export function resolveSpeedRlConfig(partial: Partial<SpeedRlConfig> = {}): SpeedRlConfig {
  const merged = mergeConfig(DEFAULT_SPEED_RL_CONFIG, partial, FILE);
  const config: SpeedRlConfig = { ...merged, advantage: mergeConfig(DEFAULT_ADVANTAGE_CONFIG, partial.advantage, `${FILE}: field "advantage"`) };
  validateSpeedRlConfig(config);
  return config;
}

/** Throws a RangeError naming the field when a value is out of range or the sampler is not the policy's own distribution. */
export function validateSpeedRlConfig(config: SpeedRlConfig): void {
  integer(config.iterations, 0, 'iterations');
  integer(config.classesPerIteration, 0, 'classesPerIteration');
  integer(config.groupSize, 2, 'groupSize');
  if (!Array.isArray(config.stepChoices) || config.stepChoices.length === 0) {
    throw new RangeError(`${FILE}: field "stepChoices" must be a non-empty array of integers ≥ 1, got ${JSON.stringify(config.stepChoices)}`);
  }
  config.stepChoices.forEach((t, i) => integer(t, 1, `stepChoices[${i}]`));
  validateRollout(config.rollout, config.sampler);
  const sampler = resolveSamplerConfig(config.sampler);
  if (sampler.temperature !== 1 || sampler.topK !== 0 || sampler.guidance !== null || sampler.stepArrays?.temperatures !== undefined) {
    throw new RangeError(
      `${FILE}: field "sampler" must sample from the policy itself (temperature 1, topK 0, guidance null, no stepArrays.temperatures), ` +
        `got temperature ${sampler.temperature}, topK ${sampler.topK}, guidance ${JSON.stringify(sampler.guidance)}; ` +
        'the loss gradients are those of log softmax(logits)',
    );
  }
  finite(config.speedWeight, 0, 'speedWeight');
  const floor = config.qualityFloor;
  const kind: unknown = (floor as { kind?: unknown } | null)?.kind;
  if (kind !== 'none' && kind !== 'absolute') {
    throw new RangeError(`${FILE}: field "qualityFloor.kind" must be "none" or "absolute", got ${JSON.stringify(kind)}`);
  }
  checkConfigFields(floor, kind === 'none' ? ['kind'] : ['kind', 'value'], `${FILE}: field "qualityFloor" (kind "${kind}")`);
  if (floor.kind === 'absolute' && !Number.isFinite(floor.value)) {
    throw new RangeError(`${FILE}: field "qualityFloor.value" must be finite, got ${floor.value}`);
  }
  finite(config.advantage.eps, 0, 'advantage.eps');
  finite(config.advantage.advClipMax, 0, 'advantage.advClipMax');
  if (config.advantage.advClipMax === 0) throw new RangeError(`${FILE}: field "advantage.advClipMax" must be > 0 (0 would zero every advantage)`);
  finite(config.advantage.minGroupStd, 0, 'advantage.minGroupStd');
  if (config.loss !== 'grpo' && config.loss !== 'ppo' && config.loss !== 'reinforce') {
    throw new RangeError(`${FILE}: field "loss" must be "grpo", "ppo" or "reinforce", got ${JSON.stringify(config.loss)}`);
  }
  if (!(config.clipLow >= 0 && config.clipLow < 1)) throw new RangeError(`${FILE}: field "clipLow" must be in [0, 1), got ${config.clipLow}`);
  finite(config.clipHigh, 0, 'clipHigh');
  finite(config.klBeta, 0, 'klBeta');
  if (!(config.stepFraction > 0 && config.stepFraction <= 1)) {
    throw new RangeError(`${FILE}: field "stepFraction" must be in (0, 1], got ${config.stepFraction}`);
  }
  integer(config.innerEpochs, 1, 'innerEpochs');
  finite(config.learningRate, 0, 'learningRate');
  integer(config.warmupIterations, 0, 'warmupIterations');
  integer(config.trainMicroBatch, 1, 'trainMicroBatch');
  integer(config.checkpointEvery, 0, 'checkpointEvery');
  integer(config.gridEvery, 0, 'gridEvery');
}

function validateRollout(rollout: RolloutConfig, sampler: Partial<SamplerConfig>): void {
  const kind: unknown = (rollout as { kind?: unknown } | null)?.kind;
  // each kind has its own fields: a misspelt one (minPerstep) or one of the other kind would be ignored
  if (kind === 'fixed' || kind === 'adaptive') checkConfigFields(rollout, kind === 'fixed' ? ['kind'] : ['kind', 'thresholds', 'maxSteps', 'minPerStep', 'choiceNoise'], `${FILE}: field "rollout" (kind "${kind}")`);
  if (kind === 'fixed') return;
  if (kind !== 'adaptive') throw new RangeError(`${FILE}: field "rollout.kind" must be "fixed" or "adaptive", got ${JSON.stringify(kind)}`);
  const r = rollout as Extract<RolloutConfig, { kind: 'adaptive' }>;
  if (!Array.isArray(r.thresholds) || r.thresholds.length === 0) {
    throw new RangeError(`${FILE}: field "rollout.thresholds" must be a non-empty array of probabilities in (0, 1], got ${JSON.stringify(r.thresholds)}`);
  }
  r.thresholds.forEach((p, i) => {
    if (!(p > 0 && p <= 1)) throw new RangeError(`${FILE}: field "rollout.thresholds[${i}]" must be in (0, 1], got ${p}`);
  });
  integer(r.maxSteps, 1, 'rollout.maxSteps');
  const floor = r.minPerStep ?? 0;
  if (floor !== 'schedule' && floor !== 'exit') integer(floor, 0, 'rollout.minPerStep (an integer ≥ 0, "schedule" or "exit")');
  if (r.choiceNoise !== undefined && typeof r.choiceNoise !== 'boolean') throw new TypeError(`${FILE}: field "rollout.choiceNoise" must be a boolean, got ${JSON.stringify(r.choiceNoise)}`);
  for (const field of ['method', 'adaptiveThreshold', 'adaptiveMinPerStep', 'adaptiveChoiceNoise'] as const) {
    if (sampler[field] !== undefined) {
      throw new RangeError(`${FILE}: field "sampler.${field}" must be left unset with adaptive rollouts (field "rollout" decides it), got ${JSON.stringify(sampler[field])}`);
    }
  }
}

/** The sampler settings rollouts use: `config.sampler`, with the adaptive method, the hybrid's floor and the choice noise for adaptive rollouts (thresholds per sample). */
export function rolloutSamplerConfig(config: Pick<SpeedRlConfig, 'sampler' | 'rollout'>): Partial<SamplerConfig> {
  const r = config.rollout;
  return r.kind === 'fixed' ? config.sampler : { ...config.sampler, method: 'adaptive', adaptiveMinPerStep: r.minPerStep ?? 0, adaptiveChoiceNoise: r.choiceNoise ?? false };
}

/** T_max of the default speed reward 1 − T/T_max: max(stepChoices), or `rollout.maxSteps` for adaptive rollouts. */
export function maxRolloutSteps(config: Pick<SpeedRlConfig, 'stepChoices' | 'rollout'>): number {
  return config.rollout.kind === 'fixed' ? Math.max(...config.stepChoices) : config.rollout.maxSteps;
}

/** Learning-rate schedule of the run (for `learningRateAt` of @speedrl/core): linear warm-up lr·(it+1)/warmup, then constant lr. */
export function speedRlLrSchedule(config: Pick<SpeedRlConfig, 'learningRate' | 'warmupIterations'>): LrSchedule {
  return { peak: config.learningRate, warmupSteps: config.warmupIterations, decay: 'constant' };
}
