import { mergeConfig } from '@speedrl/core';

/**
 * Group-normalised advantages of GRPO (Shao et al. 2024, DeepSeekMath §4.1), as Speed-RL uses them
 * (docs/architecture.md, "Speed-RL objective").
 */

/** Settings of {@link groupAdvantages}. */
export interface AdvantageConfig {
  /** Added to the group std so near-constant groups do not explode (1e-4, "Speed-RL objective"). */
  readonly eps: number;
  /** Advantages are clipped to ±advClipMax to bound a single sample's pull. */
  readonly advClipMax: number;
  /** Groups whose reward std is at most this are dropped (no learning signal) and counted. */
  readonly minGroupStd: number;
}

/** Defaults of {@link AdvantageConfig}. */
export const DEFAULT_ADVANTAGE_CONFIG: Readonly<AdvantageConfig> = Object.freeze({
  eps: 1e-4,
  advClipMax: 5,
  minGroupStd: 1e-6,
});

/** Advantages and bookkeeping for a batch laid out as consecutive groups. */
export interface GroupAdvantages {
  /** A = clip((R − mean_group) / (std_group + eps)), 0 for dropped groups and for NaN rewards, `[numGroups · groupSize]`. */
  readonly advantages: Float32Array;
  /** 1 where the sample's group was kept and its reward was a number, `[numGroups · groupSize]`. */
  readonly valid: Uint8Array;
  /** Groups dropped because their reward std was ≈ 0 (or fewer than two scored samples). */
  readonly droppedGroups: number;
  readonly numGroups: number;
}

/**
 * Group-normalised advantages A_i = (R_i − mean_g) / (std_g + eps), clipped to ±advClipMax
 * (docs/architecture.md, "Speed-RL objective"). `rewards` is `[numGroups · groupSize]` with each group contiguous; NaN
 * rewards are left out of their group's statistics and get advantage 0.
 */
export function groupAdvantages(
  rewards: Float32Array | Float64Array,
  groupSize: number,
  config: Partial<AdvantageConfig> = {},
): GroupAdvantages {
  const { eps, advClipMax, minGroupStd } = mergeConfig(DEFAULT_ADVANTAGE_CONFIG, config, 'groupAdvantages');
  if (!(eps >= 0) || !Number.isFinite(eps)) throw new RangeError(`groupAdvantages: eps must be a finite number ≥ 0, got ${eps}`);
  if (!(advClipMax > 0)) throw new RangeError(`groupAdvantages: advClipMax must be > 0 (Infinity for no clipping), got ${advClipMax}`);
  if (!(minGroupStd >= 0) || !Number.isFinite(minGroupStd)) throw new RangeError(`groupAdvantages: minGroupStd must be a finite number ≥ 0, got ${minGroupStd}`);
  if (!Number.isInteger(groupSize) || groupSize < 2) throw new RangeError(`groupAdvantages: groupSize must be an integer ≥ 2, got ${groupSize}`);
  if (rewards.length % groupSize !== 0) {
    throw new RangeError(`groupAdvantages: ${rewards.length} rewards do not split into groups of ${groupSize}`);
  }
  const numGroups = rewards.length / groupSize;
  const advantages = new Float32Array(rewards.length);
  const valid = new Uint8Array(rewards.length);
  let droppedGroups = 0;
  for (let g = 0; g < numGroups; g++) {
    const start = g * groupSize;
    let n = 0;
    let sum = 0;
    for (let i = start; i < start + groupSize; i++) {
      const r = rewards[i] as number;
      if (Number.isNaN(r)) continue;
      if (!Number.isFinite(r)) throw new RangeError(`groupAdvantages: reward ${i} (group ${g}) is ${r}; rewards must be finite or NaN`);
      n++;
      sum += r;
    }
    const mean = n > 0 ? sum / n : 0;
    let sq = 0;
    for (let i = start; i < start + groupSize; i++) {
      const r = rewards[i] as number;
      if (!Number.isNaN(r)) sq += (r - mean) ** 2;
    }
    const std = n > 0 ? Math.sqrt(sq / n) : 0;
    if (n < 2 || std <= minGroupStd) {
      droppedGroups++;
      continue;
    }
    for (let i = start; i < start + groupSize; i++) {
      const r = rewards[i] as number;
      if (Number.isNaN(r)) continue;
      const a = (r - mean) / (std + eps);
      advantages[i] = Math.max(-advClipMax, Math.min(advClipMax, a));
      valid[i] = 1;
    }
  }
  return { advantages, valid, droppedGroups, numGroups };
}
