/**
 * GRPO's token loss (Shao et al. 2024) with PPO-clip (Schulman et al. 2017) and decoupled clip ranges
 * (DAPO, Yu et al. 2025: clipLow 0.2, clipHigh 0.28), applied per committed token of a masked-model step.
 */
import { mergeConfig } from '@speedrl/core';
import { checkPolicyInput, type PolicyLossInput, type PolicyLossOutput } from './types';

/** Clip ranges of the PPO ratio. */
export interface ClipConfig {
  /** The ratio is clipped below at 1 − clipLow. */
  readonly clipLow: number;
  /** The ratio is clipped above at 1 + clipHigh (a wider upper range keeps exploration: DAPO "clip-higher"). */
  readonly clipHigh: number;
}

/** Defaults of docs/architecture.md, "Speed-RL objective". */
export const DEFAULT_CLIP_CONFIG: Readonly<ClipConfig> = Object.freeze({ clipLow: 0.2, clipHigh: 0.28 });

/**
 * L = −Σ_i w_i · min(r_i A_i, clip(r_i, 1 − clipLow, 1 + clipHigh) A_i), r_i = exp(logπ_θ − logπ_old).
 * ∂L/∂logπ_i = −w_i A_i r_i where the unclipped term is the minimum, else 0.
 */
export function grpoLoss(input: PolicyLossInput, config: Partial<ClipConfig> = {}): PolicyLossOutput {
  const { clipLow, clipHigh } = mergeConfig(DEFAULT_CLIP_CONFIG, config, 'grpoLoss');
  if (!(clipLow >= 0 && clipLow < 1) || !(clipHigh >= 0 && clipHigh < Infinity)) throw new RangeError(`grpoLoss: need 0 ≤ clipLow < 1 and clipHigh ≥ 0, got ${clipLow}, ${clipHigh}`);
  return clippedLoss(input, 1 - clipLow, 1 + clipHigh, 'grpoLoss');
}

/** Plain PPO-clip with one symmetric range ε (Schulman et al. 2017, eq. 7). */
export function ppoLoss(input: PolicyLossInput, epsilon = 0.2): PolicyLossOutput {
  if (!(epsilon >= 0 && epsilon < 1)) throw new RangeError(`ppoLoss: epsilon must be in [0, 1), got ${epsilon}`);
  return clippedLoss(input, 1 - epsilon, 1 + epsilon, 'ppoLoss');
}

function clippedLoss(input: PolicyLossInput, lo: number, hi: number, what: string): PolicyLossOutput {
  const n = checkPolicyInput(input, what);
  const coef = new Float32Array(n);
  let loss = 0;
  let clipped = 0;
  let ratioSum = 0;
  for (let i = 0; i < n; i++) {
    const w = input.weights?.[i] ?? 1 / n;
    const a = input.advantages[i] as number;
    const r = Math.exp((input.logProbs[i] as number) - (input.oldLogProbs[i] as number));
    const rc = Math.min(hi, Math.max(lo, r));
    const unclipped = r * a;
    const clippedTerm = rc * a;
    ratioSum += r;
    if (unclipped <= clippedTerm) {
      loss -= w * unclipped;
      coef[i] = -w * a * r;
    } else {
      loss -= w * clippedTerm;
      clipped++;
    }
  }
  return { loss, coef, clipFraction: n === 0 ? 0 : clipped / n, meanRatio: n === 0 ? 1 : ratioSum / n };
}
