/**
 * Speed rewards of Speed-RL (arXiv 2512.01094 §3; docs/architecture.md, "Speed-RL objective"): functions of the steps a
 * sample took.
 */

/** Which function of the step count to reward. */
export type SpeedRewardKind = 'linear' | 'neg-log' | 'nfe';

/** Settings of {@link speedReward}. */
export interface SpeedRewardConfig {
  /**
   * `linear`: 1 − T/Tmax (the default, "Speed-RL objective"); `neg-log`: −log T; `nfe`: 1 − NFE/NFEmax (CFG counts
   * double).
   */
  readonly kind: SpeedRewardKind;
  /** The largest step budget in training; `linear` and `nfe` reach 0 there. */
  readonly maxSteps: number;
  /** Forward passes per step (2 with classifier-free guidance); only `nfe` uses it. */
  readonly passesPerStep: number;
}

/** Defaults of {@link SpeedRewardConfig}: the linear form over the 12-step default budget, no CFG. */
export const DEFAULT_SPEED_REWARD_CONFIG: Readonly<SpeedRewardConfig> = Object.freeze({
  kind: 'linear',
  maxSteps: 12,
  passesPerStep: 1,
});

/** The speed reward of one sample that used `steps` sampling steps (and `nfe` forward passes, if known). */
export function speedReward(steps: number, config: Partial<SpeedRewardConfig> = {}, nfe?: number): number {
  const { kind, maxSteps, passesPerStep } = { ...DEFAULT_SPEED_REWARD_CONFIG, ...config };
  if (!Number.isInteger(steps) || steps < 1) throw new RangeError(`speedReward: steps must be an integer ≥ 1, got ${steps}`);
  if (!Number.isInteger(maxSteps) || maxSteps < 1) throw new RangeError(`speedReward: maxSteps must be an integer ≥ 1, got ${maxSteps}`);
  switch (kind) {
    case 'linear':
      return 1 - steps / maxSteps;
    case 'neg-log':
      return -Math.log(steps);
    case 'nfe': {
      if (!(passesPerStep > 0)) throw new RangeError(`speedReward: passesPerStep must be > 0, got ${passesPerStep}`);
      const used = nfe ?? steps * passesPerStep;
      if (!(used > 0)) throw new RangeError(`speedReward: nfe must be > 0, got ${used}`);
      return 1 - used / (maxSteps * passesPerStep);
    }
    default:
      throw new RangeError(`speedReward: kind must be one of linear, neg-log, nfe; got "${String(kind)}"`);
  }
}
