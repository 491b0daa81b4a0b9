/**
 * Statistics of a batch that are not rewards, logged beside them to expose reward hacking (honesty rule,
 * docs/architecture.md, "Speed-RL objective"): images drifting to all-dark or all-bright, collapse onto a few codes, or
 * every sample of a class becoming the same.
 */
import { stepDistribution, type StepDistribution } from '@speedrl/sampler';

/** Mean and population std of the non-NaN values (NaN when there is none). */
export function nanMeanStd(values: ArrayLike<number>): { mean: number; std: number; count: number } {
  let count = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isNaN(v)) {
      count++;
      sum += v;
    }
  }
  if (count === 0) return { mean: NaN, std: NaN, count };
  const mean = sum / count;
  let sq = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isNaN(v)) sq += (v - mean) ** 2;
  }
  return { mean, std: Math.sqrt(sq / count), count };
}

/** Mean pixel value of images in [0, 1] (any layout). */
export function meanBrightness(images: Float32Array): number {
  if (images.length === 0) return NaN;
  let sum = 0;
  for (const v of images) sum += v;
  return sum / images.length;
}

/** Entropy in nats of the histogram of every token in `tokens` over ids 0..vocabSize−1 (log K = uniform use, 0 = one code). */
export function tokenHistogramEntropy(tokens: Int32Array, vocabSize: number): number {
  if (tokens.length === 0) return NaN;
  const counts = new Float64Array(vocabSize);
  for (const t of tokens) {
    if (t < 0 || t >= vocabSize) throw new RangeError(`metrics.ts tokenHistogramEntropy: token ${t} is outside 0..${vocabSize - 1}`);
    counts[t] = (counts[t] as number) + 1;
  }
  let h = 0;
  for (const c of counts) {
    if (c > 0) {
      const p = c / tokens.length;
      h -= p * Math.log(p);
    }
  }
  return h;
}

/**
 * Sample diversity: the mean over classes of the mean pairwise L2 distance between that class's images
 * (`images` `[B, pixels]`, `classes` `[B]`); classes with fewer than two images are skipped (NaN if none has two).
 */
export function sampleDiversity(images: Float32Array, classes: Int32Array, pixels: number): number {
  const batch = classes.length;
  if (images.length !== batch * pixels) {
    throw new RangeError(`metrics.ts sampleDiversity: images has ${images.length} values, expected batch·pixels = ${batch}·${pixels}`);
  }
  const byClass = new Map<number, number[]>();
  classes.forEach((c, b) => byClass.set(c, [...(byClass.get(c) ?? []), b]));
  let sum = 0;
  let groups = 0;
  for (const members of byClass.values()) {
    if (members.length < 2) continue;
    let pairSum = 0;
    let pairs = 0;
    for (let i = 0; i < members.length; i++) {
      for (let j = i + 1; j < members.length; j++) {
        const a = (members[i] as number) * pixels;
        const b = (members[j] as number) * pixels;
        let sq = 0;
        for (let p = 0; p < pixels; p++) sq += ((images[a + p] as number) - (images[b + p] as number)) ** 2;
        pairSum += Math.sqrt(sq);
        pairs++;
      }
    }
    sum += pairSum / pairs;
    groups++;
  }
  return groups === 0 ? NaN : sum / groups;
}

/**
 * The log fields of adaptive rollouts from the steps each sample used (`steps` `[B]`, `classes` `[B]`): their
 * distribution over 1..`maxSteps`, its mean per class (keyed by class id) and the fraction that hit the cap.
 */
export function adaptiveStepMetrics(steps: Int32Array, classes: Int32Array, maxSteps: number): Required<Pick<SpeedRlMetrics, 'stepsMeanByClass' | 'stepsDistribution' | 'maxStepsFraction'>> {
  const distribution = stepDistribution(steps, classes, maxSteps);
  return {
    stepsMeanByClass: Object.fromEntries(Object.entries(distribution.byClass).map(([c, d]) => [c, d.mean])),
    stepsDistribution: distribution,
    maxStepsFraction: steps.filter((t) => t >= maxSteps).length / steps.length,
  };
}

/** One iteration's log record (`onMetrics`); NaN marks a value that was not computed (JSON writes it as null). */
export interface SpeedRlMetrics {
  /** 0-based iteration index. */
  readonly iteration: number;
  /** Total reward R used for the advantages: mean/std over scored samples. */
  readonly rewardMean: number;
  readonly rewardStd: number;
  /** Quality reward R_quality: mean/std over scored samples. */
  readonly qualityMean: number;
  readonly qualityStd: number;
  /** Mean/std of each named quality component (when the reward reports components). */
  readonly components: Readonly<Record<string, { readonly mean: number; readonly std: number }>>;
  /** Mean speed reward R_speed (before λ and the filter). */
  readonly speedRewardMean: number;
  /** Mean sampling steps and transformer passes per sample. */
  readonly stepsMean: number;
  readonly nfeMean: number;
  /** Samples in the iteration. */
  readonly samples: number;
  /** Samples whose quality reward was NaN (no score, no advantage). */
  readonly nanRewards: number;
  /** Samples under the quality floor (no speed credit). */
  readonly filtered: number;
  /** Groups dropped for ≈ 0 reward std, and their fraction of all groups. */
  readonly droppedGroups: number;
  readonly droppedGroupFraction: number;
  /** Mean |A| over samples with a valid advantage. */
  readonly advantageAbsMean: number;
  /** Exact KL(p_ref ‖ p_θ) at the rollout parameters, mean over trained masked positions (NaN when β = 0). */
  readonly klMean: number;
  /** Policy loss of the last inner epoch. */
  readonly policyLoss: number;
  /** Fraction of trained tokens whose ratio was clipped, over all inner epochs. */
  readonly clipFraction: number;
  /** Rows (sample, step) and committed tokens trained per epoch. */
  readonly trainedRows: number;
  readonly trainedTokens: number;
  /** Optimizer updates made (0 when there was nothing to train). */
  readonly updates: number;
  /** Mean pre-clip gradient norm over the updates (NaN without update). */
  readonly gradNorm: number;
  readonly learningRate: number;
  /** Non-reward statistics of the decoded batch. */
  readonly meanBrightness: number;
  readonly tokenEntropy: number;
  readonly sampleDiversity: number;
  /** Adaptive rollouts only: mean steps used per class, keyed by class id. */
  readonly stepsMeanByClass?: Readonly<Record<string, number>>;
  /** Adaptive rollouts only: the steps the samples used, histogram over 1..`rollout.maxSteps` (overall and per class). */
  readonly stepsDistribution?: StepDistribution;
  /** Adaptive rollouts only: fraction of samples that used all `rollout.maxSteps` steps (the cap decided, not the policy). */
  readonly maxStepsFraction?: number;
  /** Wall-clock per phase in milliseconds (the only fields that differ between identical runs). */
  readonly timeMs: { readonly rollout: number; readonly reward: number; readonly train: number };
}
