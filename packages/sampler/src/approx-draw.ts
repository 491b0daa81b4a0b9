/**
 * The approximate token draw of one position: the same draw as `drawTokenWithUniform` (full softmax, no top-k), with
 * {@link fastExp} in place of `Math.exp` and a margin check, so it either returns the token the exact draw returns or
 * says it cannot tell. Its model log-probability comes with an error bound; steps use it to rank or threshold the
 * draws and recompute exactly what they record (and anything within the bound of a decision).
 *
 * Why the token is the exact one: the exact draw picks the first k with u·Σw − (w_0 + … + w_k) < 0, where
 * w_k = exp(z_k − lse) ≈ e_k/S, e_k = exp(z_k − max), S = Σe. Here the running sums of ẽ_k = fastExp(z_k) ≈ e^max·e_k
 * are bisected against u·S̃. Normalised, the two running sums differ by less than 4·(K·ε + ε·|max| + FAST_EXP_REL_ERROR)
 * ≈ 1e-10 for K ≤ 10^5 and |max| ≤ 700 (rounding of the sums, of lse, of z − lse and of the exps); a draw is accepted
 * only when u·S̃ is more than {@link SCAN_MARGIN}·S̃ away from the running sums on both sides of the crossing.
 *
 * The draw's log π = z_token − log S̃ is recorded as a float32 (`StepRecord.committedLogProbs`): {@link float32IfCertain}
 * gives the float32 the exact draw's double would round to, or says that its error bound straddles a rounding boundary.
 */
import { FAST_EXP_REL_ERROR, fastExp } from './fast-exp';

const { abs, fround, log } = Math; // bound once: global lookups are slow inside jest's vm context

/** Relative margin of the scan: 100× the worst difference between the approximate and the exact running sums. */
export const SCAN_MARGIN = 1e-8;

/** Largest |max logit / temperature| the error analysis covers; beyond it the exact draw is used. */
export const MAX_MAGNITUDE = 1e5;

/**
 * Smallest Σ exp(z) the one-pass draw accepts: then max z > −576 − ln K, so the terms fastExp flushes to 0 (z ≤ −700)
 * are below 1e-50 of the sum; a sum beyond fastExp's range (+Infinity) is refused too.
 */
const MIN_SUM = 1e-250;

/** Error bound of an approximate model log-probability m: log of the sum's relative error plus rounding, generously. */
export function modelLogProbError(m: number): number {
  return 1e-9 * (1 + abs(m));
}

/**
 * Bound on |v − e|, v = z − log S̃ the approximate log π of a draw and e the exact draw's z − (max + log S) (z = logit /
 * temperature of the token): the sums' relative errors (fastExp ≤ 1e-12, K·2^−53 ≈ 1.1e-13 at K = 1025, Math.exp
 * < 1 ulp) give < 1.5e-12 in log S̃ and log S, the roundings of z − max, max + log S and the subtractions < 2^−51·(|z| +
 * |log S̃|); this is ~6× the first and ~20× the second.
 */
export function policyLogProbError(z: number, v: number): number {
  return 1e-11 + 1e-14 * (2 * abs(z) + abs(v));
}

/**
 * The float32 that every value within `error` of v rounds to — so the exact value, when |exact − v| ≤ error, rounds to
 * it too (rounding is monotonic) — or NaN when v ± error round differently (or to 0, whose sign would be unknown).
 */
export function float32IfCertain(v: number, error: number): number {
  const lo = fround(v - error);
  return lo === fround(v + error) && lo !== 0 ? lo : NaN;
}

/**
 * Draws position `offset` approximately (temperature ≥ 0, no top-k) with the given uniform (unused at temperature 0),
 * in one pass over the K logits: exps are taken of the logits themselves (no max shift; fastExp covers |z| < 700).
 * Returns the token, or −1 where the exact draw must decide (a crossing within the margin, logits/temperature out of
 * (−576, 700), all logits −Infinity, a NaN or +Infinity logit: so a row drawn here holds neither). On success `out[0]` = the model log-probability log softmax(logits)[token]
 * within {@link modelLogProbError} and, at temperature > 0, `out[1]` = log π(token) = z_token − log Σ exp(z) within
 * {@link policyLogProbError} (z = logits / temperature). `prefix` is scratch of ≥ K entries, `out` of 2.
 */
export function approxDraw(
  logits: Float32Array, offset: number, vocabSize: number, temperature: number, uniform: number, prefix: Float64Array, out: Float64Array,
): number {
  if (temperature === 1) {
    let sum = 0;
    for (let k = 0; k < vocabSize; k++) {
      sum += fastExp(logits[offset + k] as number);
      prefix[k] = sum;
    }
    if (!(sum > MIN_SUM && sum < Infinity)) return -1;
    const token = searchPrefix(prefix, vocabSize, uniform, sum);
    if (token >= 0) {
      out[0] = (logits[offset + token] as number) - log(sum);
      out[1] = out[0] as number;
    }
    return token;
  }
  let modelSum = 0;
  let sum = 0;
  let argmax = 0;
  let rawMax = -Infinity;
  for (let k = 0; k < vocabSize; k++) {
    const x = logits[offset + k] as number;
    modelSum += fastExp(x);
    if (temperature > 0) {
      sum += fastExp(x / temperature);
      prefix[k] = sum;
    } else if (x > rawMax) {
      rawMax = x;
      argmax = k;
    }
  }
  if (!(modelSum > MIN_SUM && modelSum < Infinity) || (temperature > 0 && !(sum > MIN_SUM && sum < Infinity))) return -1;
  const token = temperature > 0 ? searchPrefix(prefix, vocabSize, uniform, sum) : argmax;
  if (token >= 0) {
    out[0] = (logits[offset + token] as number) - log(modelSum);
    out[1] = temperature > 0 ? (logits[offset + token] as number) / temperature - log(sum) : 0;
  }
  return token;
}

/**
 * The token of a categorical draw given running sums `prefix[k]` = w_0 + … + w_k of the weights (`sum` = the last):
 * the first k with prefix[k] > u·sum, found by bisection; −1 when u·sum lies within {@link SCAN_MARGIN}·sum of
 * prefix[k−1] or prefix[k] (or beyond the last), where rounding could move the crossing.
 */
export function searchPrefix(prefix: Float64Array, vocabSize: number, uniform: number, sum: number): number {
  const target = uniform * sum;
  const margin = SCAN_MARGIN * sum;
  let lo = 0;
  let hi = vocabSize - 1;
  if (!((prefix[hi] as number) > target)) return -1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((prefix[mid] as number) > target) hi = mid;
    else lo = mid + 1;
  }
  const below = lo === 0 ? 0 : (prefix[lo - 1] as number);
  return (prefix[lo] as number) - target >= margin && target - below >= margin ? lo : -1;
}

/** Whether the analysis behind {@link SCAN_MARGIN} covers K logits (it assumes K·ε ≪ the margin). */
export function approxDrawCovers(vocabSize: number): boolean {
  return vocabSize * 1.2e-16 * 4 + FAST_EXP_REL_ERROR * 4 < SCAN_MARGIN / 100;
}
