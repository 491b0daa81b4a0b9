/**
 * Weighted sum of z-scored reward components (docs/architecture.md, "Speed-RL objective": the quality reward is a
 * weighted sum of named rewards, each z-scored).
 *
 * z-scoring modes:
 * - `running` (default): each component keeps the exact running count / mean / M2 (Welford 1962; Chan et al. 1979
 *   merge) of every finite score it has produced. A batch's finite scores enter the statistics first, then the batch is
 *   normalised with them (so the first batch is normalised by itself). The state is plain JSON: checkpoint it with
 *   `state()` and restore it with `loadState()` ("reward normalisers" in the RL checkpoint).
 * - `batch`: mean / std of the current batch's finite scores only (stateless; std is population, ddof = 0).
 * - `none`: raw scores.
 * z = (x − mean) / max(std, minStd); a component whose scores are all equal gets z = 0.
 *
 * NaN ("no score") rules:
 * - A NaN score never enters any statistics; its normalised value is NaN.
 * - A component with weight 0 is computed and logged but never touches the total (not even its NaNs).
 * - `nan: 'propagate'` (default): a sample's total is NaN if any weighted component has no score for it.
 * - `nan: 'skip'`: a missing component contributes 0, i.e. it counts as average (z = 0); the total is NaN only when
 *   every weighted component is NaN for that sample.
 * - ±Infinity is not "no score": it is an error naming the component and the row.
 */
import { mergeConfig } from '@speedrl/core';
import type { RewardFn, RewardInput } from './types';

/** One named, weighted reward. */
export interface RewardComponent {
  readonly name: string;
  readonly fn: RewardFn;
  readonly weight: number;
}

/** How component scores are normalised before weighting. */
export type ZScoreMode = 'running' | 'batch' | 'none';

/** What a NaN component score does to the total (see the module doc). */
export type NanPolicy = 'propagate' | 'skip';

/** Settings of {@link combineRewards}. */
export interface CombineConfig {
  readonly zscore: ZScoreMode;
  readonly nan: NanPolicy;
  /** Floor on the std divisor, so constant scores give z = 0 instead of ±Infinity. */
  readonly minStd: number;
}

/** Defaults of {@link CombineConfig}. */
export const DEFAULT_COMBINE_CONFIG: Readonly<CombineConfig> = Object.freeze({
  zscore: 'running', // comparable scales across batches, and resumable (state is checkpointed)
  nan: 'propagate', // never invent a score: a sample missing a component gets no reward
  minStd: 1e-6, // well below any real reward spread, far above round-off
});

/** Running statistics of one component's finite scores (population moments). */
export interface RunningStat {
  count: number;
  mean: number;
  /** Σ (x − mean)². */
  m2: number;
}

/** Serialisable normaliser state (JSON). */
export interface NormaliserState {
  readonly version: 1;
  readonly zscore: ZScoreMode;
  readonly components: Record<string, RunningStat>;
}

/** Everything one call computed, for logging. */
export interface CombinedScores {
  /** Weighted sum `[batch]` (the reward). */
  readonly total: Float32Array;
  /** Raw scores per component `[batch]`. */
  readonly raw: Record<string, Float32Array>;
  /** Normalised scores per component `[batch]`. */
  readonly normalised: Record<string, Float32Array>;
}

/** A {@link RewardFn} over several components, with its per-component scores and normaliser state. */
export type CombinedReward = RewardFn & {
  readonly componentNames: readonly string[];
  /** Computes and returns all scores (the call form returns `total` only). */
  evaluate(batch: RewardInput): Promise<CombinedScores>;
  /** Scores of the most recent call, or undefined before the first. */
  lastScores(): CombinedScores | undefined;
  /** A JSON-serialisable copy of the normaliser state. */
  state(): NormaliserState;
  /** Restores a state written by `state()`; throws naming the mismatch. */
  loadState(state: unknown): void;
};

const WHERE = 'combine.ts';

/** Batch moments of the finite values of `x`. */
function finiteMoments(x: Float32Array): RunningStat {
  let count = 0;
  let sum = 0;
  for (const v of x) if (v === v) { count++; sum += v; }
  const mean = count === 0 ? 0 : sum / count;
  let m2 = 0;
  for (const v of x) if (v === v) m2 += (v - mean) * (v - mean);
  return { count, mean, m2 };
}

/** Chan, Golub & LeVeque (1979) merge of two moment summaries. */
export function mergeRunningStat(a: RunningStat, b: RunningStat): RunningStat {
  const count = a.count + b.count;
  if (b.count === 0) return { ...a };
  if (a.count === 0) return { ...b };
  const delta = b.mean - a.mean;
  return { count, mean: a.mean + (delta * b.count) / count, m2: a.m2 + b.m2 + (delta * delta * a.count * b.count) / count };
}

function zScore(x: Float32Array, stat: RunningStat, minStd: number): Float32Array {
  const std = stat.count === 0 ? 0 : Math.sqrt(stat.m2 / stat.count);
  const div = Math.max(std, minStd);
  return x.map((v) => (v - stat.mean) / div);
}

function checkState(state: unknown, names: readonly string[], mode: ZScoreMode): Record<string, RunningStat> {
  const where = `${WHERE} loadState`;
  const s = state as Partial<NormaliserState> | null;
  if (s === null || typeof s !== 'object' || s.version !== 1) throw new Error(`${where}: expected { version: 1, zscore, components }, got version ${String(s?.version)}`);
  if (s.zscore !== mode) throw new Error(`${where}: state was written with zscore "${String(s.zscore)}"; this combiner uses "${mode}"`);
  const comps = s.components ?? {};
  const found = Object.keys(comps).sort();
  const expected = mode === 'running' ? [...names].sort() : [];
  if (found.join('\0') !== expected.join('\0')) {
    throw new Error(`${where}: state has components [${found.join(', ')}]; expected [${expected.join(', ')}]`);
  }
  const out: Record<string, RunningStat> = {};
  for (const name of found) {
    const st = comps[name] as Partial<RunningStat>;
    const { count, mean, m2 } = st;
    if (!Number.isInteger(count) || (count as number) < 0 || !Number.isFinite(mean) || !Number.isFinite(m2) || (m2 as number) < 0) {
      throw new Error(`${where}: components.${name} must be { count: integer ≥ 0, mean: finite, m2: finite ≥ 0 }, got ${JSON.stringify(st)}`);
    }
    out[name] = { count: count as number, mean: mean as number, m2: m2 as number };
  }
  return out;
}

/** Validates the components and the config; throws naming the bad field. */
function checkSetup(components: readonly RewardComponent[], cfg: CombineConfig): void {
  const where = `${WHERE} combineRewards`;
  if (!Array.isArray(components) || components.length === 0) throw new Error(`${where}: expected at least one component { name, fn, weight }`);
  const seen = new Set<string>();
  components.forEach((c, i) => {
    if (typeof c.name !== 'string' || c.name === '') throw new Error(`${where}: components[${i}].name must be a non-empty string`);
    if (seen.has(c.name)) throw new Error(`${where}: component name "${c.name}" is used twice`);
    seen.add(c.name);
    if (typeof c.fn !== 'function') throw new Error(`${where}: components[${i}] ("${c.name}").fn must be a RewardFn`);
    if (!Number.isFinite(c.weight)) throw new Error(`${where}: components[${i}] ("${c.name}").weight must be finite, got ${c.weight}`);
  });
  if (!['running', 'batch', 'none'].includes(cfg.zscore)) throw new Error(`${where}: zscore must be running, batch or none; got "${String(cfg.zscore)}"`);
  if (!['propagate', 'skip'].includes(cfg.nan)) throw new Error(`${where}: nan must be propagate or skip; got "${String(cfg.nan)}"`);
  if (!(cfg.minStd > 0)) throw new Error(`${where}: minStd must be > 0, got ${cfg.minStd}`);
}

/**
 * The weighted sum of z-scored components as one {@link RewardFn} (see the module doc for z-scoring and NaN rules).
 *
 * @example
 * ```ts
 * const reward = combineRewards([
 *   { name: 'classifier', fn: createClassifierReward(model), weight: 1 },
 *   { name: 'mmd', fn: createMmdWitnessReward(model, real), weight: 0.5 },
 * ]);
 * const scores = await reward(batch);                            // total [batch]
 * const { raw } = reward.lastScores()!;                          // each component's raw scores, by name
 * ```
 */
export function combineRewards(components: readonly RewardComponent[], config: Partial<CombineConfig> = {}): CombinedReward {
  const cfg: CombineConfig = mergeConfig(DEFAULT_COMBINE_CONFIG, config, 'combine.ts combineRewards');
  checkSetup(components, cfg);
  const names = components.map((c) => c.name);
  let stats: Record<string, RunningStat> = {};
  if (cfg.zscore === 'running') for (const n of names) stats[n] = { count: 0, mean: 0, m2: 0 };
  let last: CombinedScores | undefined;

  const evaluate = async (input: RewardInput): Promise<CombinedScores> => {
    const raw: Record<string, Float32Array> = {};
    for (const c of components) {
      const scores = await c.fn(input);
      if (!(scores instanceof Float32Array) || scores.length !== input.batch) {
        throw new Error(`${WHERE}: component "${c.name}" returned ${scores instanceof Float32Array ? `${scores.length} scores` : typeof scores}; expected a Float32Array of batch = ${input.batch}`);
      }
      const inf = scores.findIndex((v) => v === Infinity || v === -Infinity);
      if (inf >= 0) throw new Error(`${WHERE}: component "${c.name}" scored row ${inf} as ${scores[inf]}; use NaN for "no score"`);
      raw[c.name] = scores;
    }
    const next: Record<string, RunningStat> = { ...stats };
    const normalised: Record<string, Float32Array> = {};
    for (const c of components) {
      const x = raw[c.name] as Float32Array;
      if (cfg.zscore === 'none') normalised[c.name] = x.slice();
      else {
        const batchStat = finiteMoments(x);
        const stat = cfg.zscore === 'running' ? mergeRunningStat(stats[c.name] as RunningStat, batchStat) : batchStat;
        if (cfg.zscore === 'running') next[c.name] = stat;
        normalised[c.name] = zScore(x, stat, cfg.minStd);
      }
    }
    stats = next; // committed only after every component succeeded
    const total = new Float32Array(input.batch);
    for (let i = 0; i < input.batch; i++) {
      let sum = 0;
      let present = 0;
      let missing = 0;
      for (const c of components) {
        if (c.weight === 0) continue;
        const z = (normalised[c.name] as Float32Array)[i] as number;
        if (z !== z) missing++;
        else { present++; sum += c.weight * z; }
      }
      total[i] = (cfg.nan === 'propagate' && missing > 0) || (present === 0 && missing > 0) ? NaN : sum;
    }
    last = { total, raw, normalised };
    return last;
  };

  const fn = async (input: RewardInput): Promise<Float32Array> => (await evaluate(input)).total;
  return Object.assign(fn, {
    componentNames: names,
    evaluate,
    lastScores: () => last,
    state: (): NormaliserState => ({
      version: 1 as const,
      zscore: cfg.zscore,
      components: Object.fromEntries(Object.entries(stats).map(([k, v]) => [k, { ...v }])),
    }),
    loadState: (state: unknown): void => {
      stats = checkState(state, names, cfg.zscore);
    },
  });
}
