/**
 * The token policy of one position: guided logits → temperature → optional top-k → softmax, plus logit checks and the
 * classifier-free guidance combination logits_u + w·(logits_c − logits_u) (Ho & Salimans 2022).
 */
import type { Rng } from '@speedrl/core';
import { MAX_MAGNITUDE, approxDrawCovers, searchPrefix } from './approx-draw';

// Bound once: a global `Math` lookup per element is ~30x slower inside jest's vm context.
const { abs: fabs, exp, log, max: fmax } = Math;

const FILE = '@speedrl/sampler policy.ts';

export { validateLogits } from './logits-check';

/**
 * A position none of whose logits exceeds −Infinity: no token can be drawn. `row` = offset / K = b·L + p locates it;
 * the steps, which know L and t, rethrow it naming [sample b, position p] and the step ({@link locateDrawError}).
 */
export class NoDrawableTokenError extends RangeError {
  /** The row b·L + p of the logits `[B·L, K]`. */
  readonly row: number;

  constructor(offset: number, vocabSize: number) {
    const row = Math.floor(offset / vocabSize);
    super(`${FILE}: every logit of this position is -Infinity; no token can be drawn (logits row ${row}, offset ${offset})`);
    this.name = 'RangeError';
    this.row = row;
  }
}

/** `error` as a step of L positions at step t reports it: a {@link NoDrawableTokenError} with its sample, position and step named. */
export function locateDrawError(error: unknown, seqLen: number, step: number): unknown {
  if (!(error instanceof NoDrawableTokenError)) return error;
  const b = Math.floor(error.row / seqLen);
  const p = error.row % seqLen;
  return new RangeError(`${FILE}: every logit of [sample ${b}, position ${p}] is -Infinity at step ${step}; no token can be drawn`, { cause: error });
}

/** One drawn token with its log-probabilities. */
export interface TokenDraw {
  /** Drawn id in 0..K−1. */
  readonly token: number;
  /** log π(token) under the temperature-scaled, top-k-truncated softmax it was drawn from (0 for argmax at temperature 0). */
  readonly logProb: number;
  /** log softmax(logits)[token]: the guided model's own (untempered, untruncated) log-probability, used as confidence. */
  readonly modelLogProb: number;
}

/** CFG logits `[B, L, K]`: u + w·(c − u); w = 0 returns u and w = 1 returns c exactly. */
export function combineGuidance(conditional: Float32Array, unconditional: Float32Array, weight: number): Float32Array {
  if (conditional.length !== unconditional.length) {
    throw new RangeError(`${FILE}: guidance needs logits of equal length, got conditional ${conditional.length} vs unconditional ${unconditional.length}`);
  }
  if (weight === 0) return unconditional.slice();
  if (weight === 1) return conditional.slice();
  const out = new Float32Array(conditional.length);
  for (let i = 0; i < out.length; i++) {
    const c = conditional[i] as number;
    const u = unconditional[i] as number;
    out[i] = c === u ? c : u + weight * (c - u);
  }
  return out;
}

/**
 * {@link combineGuidance} for the sampling loop, on LogitsFn outputs already checked: w = 1 and w = 0 return the checked
 * buffer itself (the values combineGuidance would copy), other weights write into `out` (reused across steps).
 * `checked` says whether every returned value is below +Infinity and not NaN (u + w·(c − u) can overflow float32).
 */
export function guidedLogits(conditional: Float32Array, unconditional: Float32Array, weight: number, out: Float32Array): { logits: Float32Array; checked: boolean } {
  if (conditional.length !== unconditional.length || out.length !== conditional.length || weight === 0 || weight === 1) {
    return { logits: weight === 0 ? unconditional : weight === 1 ? conditional : combineGuidance(conditional, unconditional, weight), checked: weight === 0 || weight === 1 };
  }
  let ok = true;
  for (let i = 0; i < out.length; i++) {
    const c = conditional[i] as number;
    const u = unconditional[i] as number;
    out[i] = c === u ? c : u + weight * (c - u);
    if (!((out[i] as number) < Infinity)) ok = false;
  }
  return { logits: out, checked: ok };
}

function argmax(logits: ArrayLike<number>, offset: number, vocabSize: number): number {
  let best = 0;
  for (let k = 1; k < vocabSize; k++) if ((logits[offset + k] as number) > (logits[offset + best] as number)) best = k;
  return best;
}

function topKMask(logits: ArrayLike<number>, offset: number, vocabSize: number, topK: number): Uint8Array | null {
  if (topK <= 0 || topK >= vocabSize) return null;
  const sorted = new Float64Array(vocabSize);
  for (let k = 0; k < vocabSize; k++) sorted[k] = logits[offset + k] as number;
  sorted.sort();
  const cut = sorted[vocabSize - topK] as number; // the k-th largest logit
  const keep = new Uint8Array(vocabSize);
  let kept = 0;
  for (let k = 0; k < vocabSize; k++) {
    if ((logits[offset + k] as number) > cut) {
      keep[k] = 1;
      kept += 1;
    }
  }
  for (let k = 0; k < vocabSize && kept < topK; k++) {
    if (logits[offset + k] === cut) {
      keep[k] = 1; // ties at the cut: lower ids first, so exactly k are kept
      kept += 1;
    }
  }
  return keep;
}

/**
 * log π over the K tokens of one position (logits at `offset`): softmax(logits/temperature) restricted to the top-k
 * logits (ties → lower id), −Infinity outside; temperature 0 gives the argmax (log π = 0 there, −Infinity elsewhere).
 */
export function policyLogProbs(logits: ArrayLike<number>, offset: number, vocabSize: number, temperature: number, topK: number): Float64Array {
  const out = new Float64Array(vocabSize).fill(-Infinity);
  const keep = topKMask(logits, offset, vocabSize, topK);
  let max = -Infinity;
  if (temperature > 0) {
    for (let k = 0; k < vocabSize; k++) {
      if (keep !== null && keep[k] === 0) continue;
      const z = (logits[offset + k] as number) / temperature;
      out[k] = z;
      if (z > max) max = z;
    }
  }
  let rawMax = -Infinity;
  for (let k = 0; k < vocabSize; k++) rawMax = fmax(rawMax, logits[offset + k] as number);
  if (rawMax === -Infinity) throw new NoDrawableTokenError(offset, vocabSize);
  if (!(temperature > 0) || !Number.isFinite(max)) {
    out.fill(-Infinity);
    out[argmax(logits, offset, vocabSize)] = 0; // temperature 0 (or overflow of logits/temperature): greedy
    return out;
  }
  let sum = 0;
  for (let k = 0; k < vocabSize; k++) sum += exp((out[k] as number) - max);
  const lse = max + log(sum);
  for (let k = 0; k < vocabSize; k++) out[k] = (out[k] as number) - lse;
  return out;
}

/** log softmax(logits)[token] of one position: the untempered model log-probability (MaskGIT's confidence). */
export function modelLogProb(logits: ArrayLike<number>, offset: number, vocabSize: number, token: number): number {
  let max = -Infinity;
  for (let k = 0; k < vocabSize; k++) max = fmax(max, logits[offset + k] as number);
  let sum = 0;
  for (let k = 0; k < vocabSize; k++) sum += exp((logits[offset + k] as number) - max);
  return (logits[offset + token] as number) - max - log(sum);
}

// Scratch of the fused path below: grown on demand; drawToken is synchronous, so no call can see another's values.
let scratch = new Float64Array(0);

/**
 * {@link drawToken} for a full softmax at temperature > 0 (no top-k) with no allocation and one exp per logit: the
 * same max, sum and lse as policyLogProbs → exp → `rng.categorical` → modelLogProb, so the log-probabilities are
 * bit for bit the same; the token is found on the running sums of exp(z − max) (`searchPrefix`), which the
 * categorical's weights exp(z − lse) match to ~1e-10 of the total, and where the draw falls within the margin of a
 * crossing the categorical's own weights and scan decide (the golden-sample tests hold this). Returns undefined
 * where the general path's special cases apply (logits/temperature overflowing to ±∞).
 */
function drawFromFullSoftmax(logits: ArrayLike<number>, offset: number, vocabSize: number, temperature: number, uniform: number): TokenDraw | undefined {
  if (scratch.length < vocabSize) scratch = new Float64Array(vocabSize);
  const prefix = scratch;
  const unit = temperature === 1; // x / 1 is x exactly: skip the divisions
  let max = -Infinity;
  let rawMax = -Infinity;
  for (let k = 0; k < vocabSize; k++) {
    const x = logits[offset + k] as number;
    const v = unit ? x : x / temperature;
    if (v > max) max = v;
    rawMax = fmax(rawMax, x);
  }
  if (rawMax === -Infinity) throw new NoDrawableTokenError(offset, vocabSize);
  if (!Number.isFinite(max)) return undefined;
  let sum = 0;
  if (unit) {
    for (let k = 0; k < vocabSize; k++) {
      sum += exp((logits[offset + k] as number) - max);
      prefix[k] = sum;
    }
  } else {
    for (let k = 0; k < vocabSize; k++) {
      sum += exp((logits[offset + k] as number) / temperature - max);
      prefix[k] = sum;
    }
  }
  const lse = max + log(sum);
  let token = fabs(max) <= MAX_MAGNITUDE && approxDrawCovers(vocabSize) ? searchPrefix(prefix, vocabSize, uniform, sum) : -1;
  if (token < 0) token = scanExactWeights(logits, offset, vocabSize, temperature, lse, uniform, prefix);
  const x = logits[offset + token] as number;
  const logProb = x / temperature - lse;
  if (temperature === 1) return { token, logProb, modelLogProb: x - rawMax - log(sum) }; // the same max and sum as modelLogProb
  return { token, logProb, modelLogProb: modelLogProb(logits, offset, vocabSize, token) };
}

/** The categorical draw on the weights exp(z − lse) themselves, as `Rng.categorical` scans them (`w` is scratch). */
function scanExactWeights(logits: ArrayLike<number>, offset: number, vocabSize: number, temperature: number, lse: number, uniform: number, w: Float64Array): number {
  let total = 0;
  for (let k = 0; k < vocabSize; k++) {
    const v = exp((logits[offset + k] as number) / temperature - lse); // exp(log π_k), as drawToken's weights
    w[k] = v;
    total += v;
  }
  if (!(total > 0)) throw new RangeError('categorical: weights sum to 0');
  let r = uniform * total;
  for (let k = 0; k < vocabSize; k++) {
    r -= w[k] as number;
    if (r < 0) return k;
  }
  for (let k = vocabSize - 1; k >= 0; k--) if ((w[k] as number) > 0) return k; // round-off at the top end, as Rng.categorical
  return vocabSize - 1;
}

/** `Rng.categorical` with its one uniform given: the same checks, the same scan and the same round-off rule. */
function categoricalFromUniform(weights: Float64Array, uniform: number): number {
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    const w = weights[i] as number;
    if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`categorical: weight ${i} is ${w}; weights must be finite and ≥ 0`);
    total += w;
  }
  if (!(total > 0)) throw new RangeError('categorical: weights sum to 0');
  let r = uniform * total;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i] as number;
    if (r < 0) return i;
  }
  for (let i = weights.length - 1; i >= 0; i--) if ((weights[i] as number) > 0) return i;
  return weights.length - 1;
}

/**
 * {@link drawToken} with its random number drawn beforehand: `uniform` is the one `rng.uniform()` a draw at
 * temperature > 0 uses (ignored at temperature 0, which draws nothing), so a step can draw a sample's uniforms first.
 */
export function drawTokenWithUniform(logits: ArrayLike<number>, offset: number, vocabSize: number, temperature: number, topK: number, uniform: number): TokenDraw {
  if (temperature > 0 && !(topK > 0 && topK < vocabSize)) {
    const fast = drawFromFullSoftmax(logits, offset, vocabSize, temperature, uniform);
    if (fast !== undefined) return fast;
  }
  const logp = policyLogProbs(logits, offset, vocabSize, temperature, topK);
  let token: number;
  if (temperature > 0) {
    const weights = new Float64Array(vocabSize);
    for (let k = 0; k < vocabSize; k++) weights[k] = exp(logp[k] as number);
    token = categoricalFromUniform(weights, uniform);
  } else {
    token = argmax(logits, offset, vocabSize);
  }
  return { token, logProb: logp[token] as number, modelLogProb: modelLogProb(logits, offset, vocabSize, token) };
}

/** Draws one token of one position from {@link policyLogProbs} with one uniform of `rng` (none at temperature 0). */
export function drawToken(logits: ArrayLike<number>, offset: number, vocabSize: number, temperature: number, topK: number, rng: Rng): TokenDraw {
  return drawTokenWithUniform(logits, offset, vocabSize, temperature, topK, temperature > 0 ? rng.uniform() : 0);
}
