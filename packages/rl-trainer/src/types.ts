/** Interfaces that the RL trainer consumes (it owns them; concrete rewards and models plug in from outside). */

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

/** One score per sample; NaN means "no score" (docs/architecture.md, "Interfaces"). */
export type RewardFn = (batch: RewardBatch) => Promise<Float32Array>;
