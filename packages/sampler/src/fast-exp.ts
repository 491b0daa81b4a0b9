/**
 * A table-driven exp(d) that is several times cheaper than `Math.exp` in V8's optimised code: only used where an
 * error bound is enough (the approximate draws of positions whose result is then checked against a margin or
 * recomputed with `Math.exp`), never where a recorded number comes from.
 *
 * exp(d) = 2^(t/256) with t = d·256/ln 2, split as t = 256·n + j + r (n = floor(i/256), j = i mod 256, i = trunc(t),
 * |r| < 1): 2^n and 2^(j/256) come from tables, e^(r·ln2/256) from a degree-4 Taylor polynomial (truncation
 * < 1.3e-15). Relative error ≤ {@link FAST_EXP_REL_ERROR} for d in (−700, 700) (measured max ≈ 5e-14, from the
 * rounding of t and of the table entries); at or below −700 it returns 0, at or above 700 +Infinity, for NaN NaN
 * (so a sum of fastExps is NaN or +Infinity when a term's argument is).
 */

/** A bound on the relative error of {@link fastExp} on (−700, 700), with a wide safety factor over the measured 5e-14. */
export const FAST_EXP_REL_ERROR = 1e-12;

/** |d| below which {@link fastExp} is accurate; callers treat sums that reach it as "cannot tell". */
export const FAST_EXP_LIMIT = 700;

const SCALE = 256 / Math.LN2;
const STEP = Math.LN2 / 256;
const FRACTION = Float64Array.from({ length: 256 }, (_, j) => 2 ** (j / 256));
// 2^n for n = −1011..1011 at index n + 1011 (|t| < 700·256/ln 2 ≈ 258,536, so |i >> 8| ≤ 1010).
const OFFSET = 1011;
const POWER = Float64Array.from({ length: 2 * OFFSET + 1 }, (_, i) => 2 ** (i - OFFSET));

/** exp(d) within {@link FAST_EXP_REL_ERROR} on (−700, 700); 0 at or below −700, +Infinity at or above 700, NaN for NaN. */
export function fastExp(d: number): number {
  // The common case first, under one test: V8 runs the draws' loops over K logits ~1.6× faster than with an early
  // return per bound before it (same values: the bounds and NaN are handled below as they were).
  if (d > -FAST_EXP_LIMIT && d < FAST_EXP_LIMIT) {
    const t = d * SCALE;
    const i = t | 0;
    const s = (t - i) * STEP;
    return (POWER[(i >> 8) + OFFSET] as number) * (FRACTION[i & 255] as number) * (1 + s * (1 + s * (0.5 + s * (1 / 6 + s * (1 / 24)))));
  }
  return d <= -FAST_EXP_LIMIT ? 0 : d >= FAST_EXP_LIMIT ? Infinity : NaN;
}
