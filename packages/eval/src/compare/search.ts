/**
 * A seeded, budgeted minimiser over the unit cube: the default point first, then uniform random points (half the
 * budget), then coordinate descent from the best (±step per coordinate, step halved after a sweep without gain).
 * Deterministic for a seed and a scoring function; scores are memoised by point, so a replay with stored scores
 * (`--resume`) proposes the same points and recomputes nothing.
 */
import { Rng } from '@speedrl/core';

/** Settings of {@link minimise}. */
export interface SearchOptions {
  /** Points evaluated in all (≥ 1), the default point included. */
  readonly budget: number;
  /** Seed of the random phase. */
  readonly seed: number;
  /** The first point (the sampler defaults). */
  readonly start: readonly number[];
  /** Share of the budget spent on random points before coordinate descent. */
  readonly randomShare?: number;
  /** First coordinate-descent step in u. */
  readonly initialStep?: number;
}

/** Defaults: half random (global view), then local refinement starting at quarter-cube steps. */
export const DEFAULT_SEARCH = Object.freeze({
  randomShare: 0.5, // half global exploration, half local refinement
  initialStep: 0.25, // a quarter of each coordinate's range
  minStep: 1 / 64, // below this the noise of a small-n FCD dominates: stop refining, spend the rest randomly
});

/** A point and its score. */
export interface Evaluated {
  readonly u: readonly number[];
  readonly score: number;
}

const clip = (v: number): number => Math.min(1, Math.max(0, v));
/** Rounded so that JSON round trips and memo keys agree. */
const snap = (v: number): number => Math.round(clip(v) * 1e6) / 1e6;

/** Key of a point for memoisation. */
export function pointKey(u: readonly number[]): string {
  return u.map((v) => snap(v).toFixed(6)).join(',');
}

/** Minimises `score` within `budget` evaluations; returns every evaluated point in order and the best. */
export async function minimise(
  score: (u: readonly number[]) => Promise<number>, options: SearchOptions,
): Promise<{ trials: Evaluated[]; best: Evaluated }> {
  const budget = Math.max(1, Math.floor(options.budget));
  const rng = Rng.fromSeed(options.seed);
  const dim = options.start.length;
  const seen = new Map<string, Evaluated>();
  const trials: Evaluated[] = [];
  let best: Evaluated | undefined;
  const evaluate = async (raw: readonly number[]): Promise<Evaluated | undefined> => {
    if (trials.length >= budget) return undefined;
    const u = raw.map(snap);
    const key = pointKey(u);
    const known = seen.get(key);
    if (known !== undefined) return known;
    const s = await score(u);
    const e = { u, score: Number.isFinite(s) ? s : Infinity };
    seen.set(key, e);
    trials.push(e);
    if (best === undefined || e.score < best.score) best = e;
    return e;
  };
  const randomPoint = (): number[] => Array.from({ length: dim }, () => rng.uniform());
  await evaluate(options.start);
  const randomCount = Math.floor(budget * (options.randomShare ?? DEFAULT_SEARCH.randomShare));
  while (trials.length < randomCount) await evaluate(randomPoint());
  let step = options.initialStep ?? DEFAULT_SEARCH.initialStep;
  while (trials.length < budget) {
    let improved = false;
    for (let i = 0; i < dim && trials.length < budget; i++) {
      for (const sign of [1, -1]) {
        const from = best as Evaluated;
        const next = from.u.map((v, j) => (j === i ? v + sign * step : v));
        const before = trials.length;
        const e = await evaluate(next);
        if (e !== undefined && trials.length > before && e === best) {
          improved = true;
          break;
        }
      }
    }
    if (!improved) step /= 2;
    if (step < DEFAULT_SEARCH.minStep) {
      while (trials.length < budget) await evaluate(randomPoint());
    }
  }
  return { trials, best: best as Evaluated };
}
