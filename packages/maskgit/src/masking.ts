/**
 * MaskGIT training-time masking (Chang et al. 2022, §3.2): per sample r ~ U(0, 1), mask ratio γ(r) = cos(πr/2),
 * ⌈γ·L⌉ positions (at least 1) chosen uniformly at random are replaced by `[MASK]`; with probability
 * `classDropout` the class becomes the null class (classifier-free guidance, Ho & Salimans 2022).
 */
import type { Rng } from '@speedrl/core';
import type { MaskGitConfig } from './config';

/** A masked batch: model inputs and the per-position loss weights. */
export interface MaskedBatch {
  /** `[B, L]` inputs: original ids with masked positions set to K. */
  inputTokens: Int32Array;
  /** `[B]` classes, some replaced by the null class. */
  inputClasses: Int32Array;
  /** `[B, L]` 1 at masked positions (where the loss is taken), 0 elsewhere. */
  lossMask: Float32Array;
  /** Number of masked positions in the batch. */
  maskedCount: number;
}

/** The cosine schedule γ(r) = cos(πr/2) of MaskGIT. */
export function cosineMaskRatio(r: number): number {
  return Math.cos((Math.PI * r) / 2);
}

/** Number of masked positions for a draw r: ⌈γ(r)·L⌉ clamped to [1, L]. */
export function maskCountFor(r: number, seqLen: number): number {
  return Math.min(seqLen, Math.max(1, Math.ceil(cosineMaskRatio(r) * seqLen)));
}

/**
 * Masks a batch of clean tokens `[B, L]` (ids 0..K-1) with classes `[B]` (0..numClasses); draws, per sample in
 * order, r, the positions (partial Fisher–Yates) and the class-dropout coin from `rng`.
 */
export function maskBatch(
  tokens: Int32Array,
  classes: Int32Array,
  config: MaskGitConfig,
  rng: Rng,
  classDropout: number,
): MaskedBatch {
  const l = config.seqLen;
  const batch = classes.length;
  if (tokens.length !== batch * l) {
    throw new RangeError(`maskBatch: tokens has length ${tokens.length}, expected batch × seqLen = ${batch} × ${l} = ${batch * l}`);
  }
  if (!(classDropout >= 0 && classDropout <= 1)) throw new RangeError(`maskBatch: classDropout must be in [0, 1], got ${classDropout}`);
  const inputTokens = new Int32Array(tokens);
  const inputClasses = new Int32Array(classes);
  const lossMask = new Float32Array(batch * l);
  const order = new Int32Array(l);
  let maskedCount = 0;
  for (let b = 0; b < batch; b++) {
    const n = maskCountFor(rng.uniform(), l);
    for (let i = 0; i < l; i++) order[i] = i;
    for (let i = 0; i < n; i++) {
      const j = i + rng.int(l - i);
      const pos = order[j] as number;
      order[j] = order[i] as number;
      order[i] = pos;
      inputTokens[b * l + pos] = config.numCodes;
      lossMask[b * l + pos] = 1;
    }
    maskedCount += n;
    if (rng.uniform() < classDropout) inputClasses[b] = config.numClasses;
  }
  return { inputTokens, inputClasses, lossMask, maskedCount };
}
