/**
 * Learning-rate schedules, the one implementation every trainer uses (the VQ-VAE, both MaskGIT engines, Speed-RL):
 * a linear warm-up to the peak, then constant, a cosine decay to a floor (Loshchilov & Hutter 2017, SGDR, one cycle)
 * or an inverse square root with a floor (Vaswani et al. 2017) and an optional linear cool-down to zero (Hägele et al.
 * 2024, "Scaling Laws and Compute-Optimal Training Beyond Fixed Training Durations").
 */

/** Fields every schedule has. */
export interface LrScheduleBase {
  /** Peak learning rate, reached at the end of the warm-up. */
  readonly peak: number;
  /** Linear warm-up: step s < warmupSteps uses peak·(s + 1)/warmupSteps; 0 = no warm-up. */
  readonly warmupSteps: number;
}

/** The rsqrt schedule's optional last stretch: linear from its value at step `from` down to 0 at step `to`. */
export interface LrCooldown {
  /** First step of the cool-down (0-based); the rate there is the rsqrt value, so the schedule stays continuous. */
  readonly from: number;
  /** The step the rate reaches 0 (the run's total); steps at or past it use 0. */
  readonly to: number;
}

/** What follows the warm-up. */
export type LrDecay = LrSchedule['decay'];

/**
 * A learning-rate schedule over 0-based steps:
 * - `constant`: the peak for ever;
 * - `cosine`: from the peak at step warmupSteps down to peak·minRatio at step `totalSteps`, then flat;
 * - `rsqrt`: peak·√(warmupSteps / (s + 1)) floored at peak·minRatio, with no end: a run extended past its planned
 *   length keeps a continuous learning rate; with `cooldown`, linear from its value at `cooldown.from` to 0 at
 *   `cooldown.to` (docs/architecture.md, "Learning-rate schedules").
 */
export type LrSchedule =
  | (LrScheduleBase & { readonly decay: 'constant' })
  | (LrScheduleBase & { readonly decay: 'cosine'; readonly totalSteps: number; readonly minRatio: number })
  | (LrScheduleBase & { readonly decay: 'rsqrt'; readonly minRatio: number; readonly cooldown?: LrCooldown });

/** Learning rate of 0-based `step` under `schedule`. */
export function learningRateAt(step: number, schedule: LrSchedule): number {
  const { peak, warmupSteps } = schedule;
  if (step < warmupSteps) return (peak * (step + 1)) / warmupSteps;
  switch (schedule.decay) {
    case 'constant':
      return peak;
    case 'rsqrt': {
      const rsqrt = (s: number) => peak * Math.max(schedule.minRatio, Math.sqrt(warmupSteps / (s + 1)));
      const c = schedule.cooldown;
      if (c === undefined || step < c.from) return rsqrt(step);
      return step >= c.to ? 0 : (rsqrt(c.from) * (c.to - step)) / (c.to - c.from);
    }
    case 'cosine': {
      const span = Math.max(1, schedule.totalSteps - warmupSteps);
      const progress = Math.min(1, (step - warmupSteps) / span);
      const min = peak * schedule.minRatio;
      return min + 0.5 * (peak - min) * (1 + Math.cos(Math.PI * progress));
    }
  }
}
