/**
 * Fake models for tests of anything that takes a {@link LogitsFn}: logits from a plain function of (class, position,
 * token). Exported on the `@speedrl/sampler/testing` subpath, not the main entry.
 */
import type { LogitsFn } from '../types';

/** Logit of token k at `position` for a row with class `cls`; `row` holds that row's current tokens `[L]`. */
export type FakeLogit = (cls: number, position: number, k: number, row: Int32Array) => number;

/** A LogitsFn `[B, L] → [B, L, K]` whose logits come from `logitAt`, row by row (rows are independent, as the sampler assumes). */
export function fakeLogitsFn(vocabSize: number, logitAt: FakeLogit): LogitsFn {
  return async (tokens, classes) => {
    const batch = classes.length;
    const seqLen = tokens.length / batch;
    const out = new Float32Array(batch * seqLen * vocabSize);
    for (let b = 0; b < batch; b++) {
      const row = tokens.subarray(b * seqLen, (b + 1) * seqLen);
      for (let p = 0; p < seqLen; p++) {
        for (let k = 0; k < vocabSize; k++) out[(b * seqLen + p) * vocabSize + k] = logitAt(classes[b] as number, p, k, row);
      }
    }
    return out;
  };
}

/** A LogitsFn giving log(probs) at every position whatever the input: the committed tokens should follow `probs`. */
export function fixedDistributionLogitsFn(probs: readonly number[]): LogitsFn {
  const logits = probs.map((p) => Math.log(p));
  return fakeLogitsFn(probs.length, (_c, _p, k) => logits[k] as number);
}
