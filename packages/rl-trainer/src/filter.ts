/**
 * The low-quality filter of Speed-RL (docs/architecture.md, "Speed-RL objective"): a sample whose quality reward is
 * under a floor gets no speed credit, so the policy is never paid for being fast and bad.
 */
import { checkConfigFields } from '@speedrl/core';

/**
 * The quality floor: none, or an absolute value of R_quality (for a floor at a quantile of the base model's quality
 * rewards, measure them first and pass `{ kind: 'absolute', value: quantile(scores, q) }`).
 */
export type QualityFloor = { readonly kind: 'none' } | { readonly kind: 'absolute'; readonly value: number };

/** Total reward R = R_quality + λ·R_speed·1[R_quality ≥ floor]; NaN quality stays NaN (no score). */
export function filteredReward(quality: Float32Array, speed: Float32Array, lambda: number, floor: QualityFloor): { reward: Float32Array; filtered: number } {
  if (quality.length !== speed.length) throw new RangeError(`filteredReward: ${quality.length} quality vs ${speed.length} speed rewards`);
  if (!Number.isFinite(lambda) || lambda < 0) throw new RangeError(`filteredReward: lambda must be finite and ≥ 0, got ${lambda}`);
  const kind: unknown = (floor as { kind?: unknown } | null)?.kind;
  if (kind !== 'none' && kind !== 'absolute') throw new RangeError(`filteredReward: floor.kind must be "none" or "absolute", got ${JSON.stringify(kind)}`);
  checkConfigFields(floor, kind === 'none' ? ['kind'] : ['kind', 'value'], `filteredReward: floor (kind "${kind}")`);
  const threshold = floor.kind === 'none' ? -Infinity : floor.value;
  if (kind === 'absolute' && (typeof threshold !== 'number' || !Number.isFinite(threshold))) {
    throw new RangeError(`filteredReward: floor.value must be a finite number, got ${JSON.stringify(threshold) ?? String(threshold)}`);
  }
  const reward = new Float32Array(quality.length);
  let filtered = 0;
  for (let i = 0; i < quality.length; i++) {
    const q = quality[i] as number;
    const s = speed[i] as number;
    if (!Number.isFinite(s)) throw new RangeError(`filteredReward: speed reward ${i} is ${s}`);
    if (Number.isNaN(q)) {
      reward[i] = NaN;
      continue;
    }
    const credited = q >= threshold;
    if (!credited) filtered++;
    reward[i] = q + (credited ? lambda * s : 0);
  }
  return { reward, filtered };
}

/** The q-quantile (linear interpolation, NaNs ignored) of `values`, e.g. to set an absolute floor from the base model's scores. */
export function quantile(values: ArrayLike<number>, q: number): number {
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be in [0, 1], got ${q}`);
  const sorted = Array.from(values).filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) throw new RangeError('quantile: no values (all NaN or empty)');
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] as number) + (pos - lo) * ((sorted[hi] as number) - (sorted[lo] as number));
}
