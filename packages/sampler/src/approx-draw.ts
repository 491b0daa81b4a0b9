/**
 * The approximate token draw of one position: the same draw as `drawTokenWithUniform` (full softmax, no top-k), with
 * {@link fastExp} in place of `Math.exp` and a margin check, so it either returns the token the exact draw returns or
 * says it cannot tell. Its model log-probability comes with an error bound; steps use it to rank or threshold the
 * draws and recompute exactly what they record (and anything within the bound of a decision).
 *
 * Why the token is the exact one: the exact draw picks the first k with u·Σw − (w_0 + … + w_k) < 0, where
 * w_k = exp(z_k − lse) ≈ e_k/S, e_k = exp(z_k − max), S = Σe. Here the scan runs on ẽ_k = fastExp(z_k − max) (as running sums, bisected)
 * against u·S̃. The two running sums, normalised, differ by less than 4·(K·ε + ε·|max| + FAST_EXP_REL_ERROR) ≈ 1e-10 for
 * K ≤ 10^5 and |max| ≤ 10^5 (rounding of the sums, of lse, of z − lse and of the exps); a draw is accepted only when
 * the running sum is more than {@link SCAN_MARGIN} (relative) away from zero on both sides of the crossing.
 */
import { FAST_EXP_REL_ERROR, fastExp } from './fast-exp';

const { abs, log } = Math; // bound once: global lookups are slow inside jest's vm context

/** Relative margin of the scan: 100× the worst difference between the approximate and the exact running sums. */
export const SCAN_MARGIN = 1e-8;

/** Largest |max logit / temperature| the error analysis covers; beyond it the exact draw is used. */
export const MAX_MAGNITUDE = 1e5;

/** Error bound of an approximate model log-probability m: log of the sum's relative error plus rounding, generously. */
export function modelLogProbError(m: number): number {
  return 1e-9 * (1 + abs(m));
}

/**
 * Draws position `offset` approximately (temperature ≥ 0, no top-k) with the given uniform (unused at temperature 0).
 * Returns the token, or −1 where the exact draw must decide (a crossing within the margin, logits/temperature beyond
 * ±1e5, all logits −Infinity). On success `out[0]` = the model log-probability log softmax(logits)[token] within
 * {@link modelLogProbError}. `prefix` is scratch of ≥ K entries.
 */
export function approxDraw(
  logits: Float32Array, offset: number, vocabSize: number, temperature: number, uniform: number, prefix: Float64Array, out: Float64Array,
): number {
  let rawMax = -Infinity;
  let argmax = 0;
  for (let k = 0; k < vocabSize; k++) {
    const x = logits[offset + k] as number;
    if (x > rawMax) {
      rawMax = x;
      argmax = k;
    }
  }
  if (!(rawMax > -Infinity) || abs(rawMax) > MAX_MAGNITUDE) return -1;
  if (temperature === 1) {
    let sum = 0;
    for (let k = 0; k < vocabSize; k++) {
      sum += fastExp((logits[offset + k] as number) - rawMax);
      prefix[k] = sum;
    }
    const token = searchPrefix(prefix, vocabSize, uniform, sum);
    if (token >= 0) out[0] = (logits[offset + token] as number) - rawMax - log(sum);
    return token;
  }
  let modelSum = 0;
  for (let k = 0; k < vocabSize; k++) modelSum += fastExp((logits[offset + k] as number) - rawMax);
  const token = temperature > 0 ? temperedToken(logits, offset, vocabSize, temperature, uniform, prefix) : argmax;
  if (token >= 0) out[0] = (logits[offset + token] as number) - rawMax - log(modelSum);
  return token;
}

/** The draw from softmax(logits/temperature) for temperature ∉ {0, 1}, or −1 (see {@link approxDraw}). */
function temperedToken(logits: Float32Array, offset: number, vocabSize: number, temperature: number, uniform: number, prefix: Float64Array): number {
  let max = -Infinity;
  for (let k = 0; k < vocabSize; k++) {
    const z = (logits[offset + k] as number) / temperature;
    if (z > max) max = z;
  }
  if (!(abs(max) <= MAX_MAGNITUDE)) return -1;
  let sum = 0;
  for (let k = 0; k < vocabSize; k++) {
    sum += fastExp((logits[offset + k] as number) / temperature - max);
    prefix[k] = sum;
  }
  return searchPrefix(prefix, vocabSize, uniform, sum);
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
