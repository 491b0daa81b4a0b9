/**
 * A table-driven exp(d) for d ≤ 0 that is several times cheaper than `Math.exp` in V8's optimised code: only used
 * where an error bound is enough (the approximate draws of positions whose result is then checked against a margin
 * or recomputed with `Math.exp`), never where a recorded number comes from.
 *
 * exp(d) = 2^(t/256) with t = d·256/ln 2, split as t = 256·n + j + r (n = floor(i/256), j = i mod 256, i = trunc(t),
 * r ∈ (−1, 0]): 2^n and 2^(j/256) come from tables, e^(r·ln2/256) from a degree-4 Taylor polynomial (truncation
 * < 1.3e-15). Relative error ≤ {@link FAST_EXP_REL_ERROR} for d in [−700, 0] (measured max ≈ 5e-14, from the
 * rounding of t and of the table entries); below −700 it returns 0, an absolute error under 1e-304.
 */

/** A bound on the relative error of {@link fastExp} on [−700, 0], with a wide safety factor over the measured 5e-14. */
export const FAST_EXP_REL_ERROR = 1e-12;

const SCALE = 256 / Math.LN2;
const STEP = Math.LN2 / 256;
const FRACTION = Float64Array.from({ length: 256 }, (_, j) => 2 ** (j / 256));
// 2^−n for n = 0..1011 (t ≥ −700·256/ln 2 ≈ −258,536, so n = i >> 8 ≥ −1010).
const POWER = Float64Array.from({ length: 1012 }, (_, n) => 2 ** -n);

/** exp(d) for d ≤ 0 within {@link FAST_EXP_REL_ERROR} (0 below −700 or for −Infinity); d > 0 is not supported. */
export function fastExp(d: number): number {
  if (!(d > -700)) return 0;
  const t = d * SCALE;
  const i = t | 0;
  const s = (t - i) * STEP;
  return (POWER[-(i >> 8)] as number) * (FRACTION[i & 255] as number) * (1 + s * (1 + s * (0.5 + s * (1 / 6 + s * (1 / 24)))));
}
