/**
 * The reward contract of the RL trainer (it owns these types; concrete rewards plug in from outside and match them
 * structurally): what a reward sees, the quality reward `runSpeedRl` takes, and the speed reward.
 */

/** What a reward function sees for a batch of finished samples. */
export interface RewardBatch {
  /** Decoded images in [0, 1], `[batch, height, width]` flattened. */
  readonly images: Float32Array;
  /** Final tokens, `[batch, seqLen]` flattened. */
  readonly tokens: Int32Array;
  /** Conditioning class of each sample, `[batch]`. */
  readonly classes: Int32Array;
  /** Sampling steps each sample used, `[batch]`. */
  readonly steps: Int32Array;
  /** Transformer forward passes each sample used (CFG counts double), `[batch]`. */
  readonly nfe: Int32Array;
  readonly batch: number;
  readonly height: number;
  readonly width: number;
}

/** Quality scores with their named parts, for logging (e.g. `combineRewards(...).evaluate` as { total, components: raw }). */
export interface QualityScores {
  /** The quality reward R_quality `[B]` (NaN = no score). */
  readonly total: Float32Array;
  /** Named component scores `[B]` each, logged as mean/std; they do not enter the reward. */
  readonly components?: Readonly<Record<string, Float32Array>>;
}

/**
 * R_quality, the reward `runSpeedRl` takes: one score per sample (NaN = no score; docs/architecture.md, "Interfaces"),
 * or the scores with named components for logging. Any `(batch) => Promise<Float32Array>` is one.
 */
export type QualityRewardFn = (batch: RewardBatch) => Promise<Float32Array | QualityScores>;

/** R_speed of one sample from the steps and transformer passes it used (see `createSpeedReward`). */
export type SpeedRewardFn = (steps: number, nfe: number) => number;
