/**
 * Rollouts of Speed-RL (docs/architecture.md, "Speed-RL objective"): per class a group of G samples, each with its own
 * step budget T drawn from `stepChoices` — or, for adaptive rollouts ("Adaptive rollouts"), its own commit threshold
 * with the step cap `maxSteps`; samples that share T (and threshold) are decoded by one `sample()` call. Each sample
 * keeps its own random stream (`sampleIds` = its index in the iteration), so how the batch is split never changes a sample.
 */
import { sample, type LogitsFn, type SamplerConfig, type Trajectory } from '@speedrl/sampler';
import type { Rng } from '@speedrl/core';

const FILE = '@speedrl/rl-trainer rollout.ts';

/** Who is sampled this iteration: sample j has class `classes[j]` and budget `budgets[j]`; groups are contiguous. */
export interface RolloutPlan {
  /** Class of each sample `[N]`, N = classes × G, group g = samples g·G … g·G + G − 1. */
  readonly classes: Int32Array;
  /** Step budget T of each sample `[N]` (adaptive rollouts: the step cap). */
  readonly budgets: Int32Array;
  readonly groupSize: number;
  /** Adaptive rollouts: the commit threshold of each sample `[N]` (the sampler's `adaptiveThreshold`); absent for fixed T. */
  readonly thresholds?: Float64Array;
}

/** Samples that shared one step budget and one `sample()` call. */
export interface RolloutBucket {
  /** T of this bucket. */
  readonly steps: number;
  /** Commit threshold of this bucket (adaptive rollouts), else null. */
  readonly threshold: number | null;
  /** Iteration-level index of each row of the bucket `[B_T]`. */
  readonly sampleIndex: Int32Array;
  /** The sampler's trajectory of the bucket (rows in `sampleIndex` order). */
  readonly trajectory: Trajectory;
  /** Policy logits `[B_T, L, K]` of each step's call (the rollout parameters), aligned with `trajectory.records`. */
  readonly stepLogits: readonly Float32Array[];
}

/** Everything sampled in one iteration. */
export interface Rollouts {
  readonly plan: RolloutPlan;
  /** Final tokens `[N, L]`. */
  readonly tokens: Int32Array;
  /** Steps each sample actually used `[N]`. */
  readonly stepsUsed: Int32Array;
  /** Transformer passes each sample used `[N]`. */
  readonly nfe: Int32Array;
  readonly buckets: readonly RolloutBucket[];
}

/** The classes of this iteration: all of 0..numClasses−1, or `perIteration` of them drawn without replacement (ascending). */
export function chooseClasses(numClasses: number, perIteration: number, rng: Rng): number[] {
  if (perIteration === 0 || perIteration >= numClasses) return Array.from({ length: numClasses }, (_, c) => c);
  return Array.from(rng.permutation(numClasses).slice(0, perIteration)).sort((a, b) => a - b);
}

/** G samples per class, each with a step budget drawn uniformly from `stepChoices` with `rng`. */
export function planRollouts(classes: readonly number[], groupSize: number, stepChoices: readonly number[], rng: Rng): RolloutPlan {
  const n = classes.length * groupSize;
  const planClasses = new Int32Array(n);
  const budgets = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    planClasses[j] = classes[Math.floor(j / groupSize)] as number;
    budgets[j] = stepChoices[rng.int(stepChoices.length)] as number;
  }
  return { classes: planClasses, budgets, groupSize };
}

/** G samples per class with the step cap `maxSteps`, each with a commit threshold drawn uniformly from `thresholds` with `rng`. */
export function planAdaptiveRollouts(classes: readonly number[], groupSize: number, thresholds: readonly number[], maxSteps: number, rng: Rng): RolloutPlan {
  const n = classes.length * groupSize;
  const planClasses = Int32Array.from({ length: n }, (_, j) => classes[Math.floor(j / groupSize)] as number);
  const drawn = Float64Array.from({ length: n }, () => thresholds[rng.int(thresholds.length)] as number);
  return { classes: planClasses, budgets: new Int32Array(n).fill(maxSteps), groupSize, thresholds: drawn };
}

/** Model dimensions and sampler settings of {@link collectRollouts}. */
export interface RolloutOptions {
  readonly seqLen: number;
  readonly vocabSize: number;
  readonly maskId: number;
  readonly numClasses: number;
  readonly sampler: Partial<SamplerConfig>;
  /** Sample j draws from `rng.fork(j)` (the sampler's per-sample streams). */
  readonly rng: Rng;
}

/**
 * Runs the plan: one `sample()` call per distinct T (ascending; adaptive plans: per distinct (T, threshold), with that
 * `adaptiveThreshold`), recording each step's logits for the loss.
 */
export async function collectRollouts(logitsFn: LogitsFn, plan: RolloutPlan, options: RolloutOptions): Promise<Rollouts> {
  const { seqLen, vocabSize } = options;
  const n = plan.classes.length;
  const tokens = new Int32Array(n * seqLen);
  const stepsUsed = new Int32Array(n);
  const nfe = new Int32Array(n);
  const buckets: RolloutBucket[] = [];
  const thresholdOf = (j: number): number | null => plan.thresholds?.[j] ?? null;
  const kinds = new Map<string, { steps: number; threshold: number | null }>();
  plan.budgets.forEach((steps, j) => kinds.set(`${steps} ${thresholdOf(j)}`, { steps, threshold: thresholdOf(j) }));
  const distinct = Array.from(kinds.values()).sort((a, b) => a.steps - b.steps || (a.threshold ?? 0) - (b.threshold ?? 0));
  for (const { steps, threshold } of distinct) {
    const sampleIndex = Int32Array.from(plan.budgets.keys()).filter((j) => plan.budgets[j] === steps && thresholdOf(j) === threshold);
    const config = threshold === null ? options.sampler : { ...options.sampler, adaptiveThreshold: threshold };
    const stepLogits: Float32Array[] = [];
    const recording: LogitsFn = async (t, c) => {
      const z = await logitsFn(t, c);
      stepLogits.push(z);
      return z;
    };
    const result = await sample(recording, {
      classes: sampleIndex.map((j) => plan.classes[j] as number),
      steps,
      config,
      rng: options.rng,
      maskId: options.maskId,
      seqLen,
      vocabSize,
      numClasses: options.numClasses,
      sampleIds: sampleIndex,
    });
    const { trajectory } = result;
    if (stepLogits.length !== trajectory.records.length) {
      throw new Error(`${FILE}: ${stepLogits.length} logits calls for ${trajectory.records.length} steps at T=${steps}; rollouts need one call per step (no CFG)`);
    }
    sampleIndex.forEach((j, b) => {
      tokens.set(result.tokens.subarray(b * seqLen, (b + 1) * seqLen), j * seqLen);
      const used = trajectory.stepsUsed[b] as number;
      stepsUsed[j] = used;
      let passes = 0;
      for (let t = 0; t < used; t++) passes += trajectory.records[t]?.nfe ?? 0;
      nfe[j] = passes;
    });
    buckets.push({ steps, threshold, sampleIndex, trajectory, stepLogits });
  }
  return { plan, tokens, stepsUsed, nfe, buckets };
}
