/**
 * Learning-rate schedules, the one implementation every trainer uses (the VQ-VAE, both MaskGIT engines, Speed-RL):
 * a linear warm-up to the peak, then constant, a cosine decay to a floor (Loshchilov & Hutter 2017, SGDR, one cycle)
 * or an inverse square root with a floor (Vaswani et al. 2017) and an optional linear cool-down to zero (Hägele et al.
 * 2024, "Scaling Laws and Compute-Optimal Training Beyond Fixed Training Durations").
 */
import { checkConfigFields } from './config-merge';
import { showValue } from './show-value';

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

const SOURCE = 'learningRateAt';

/** The fields of each schedule shape: any other (a misspelt `warmupsteps`) is refused rather than ignored. */
const SCHEDULE_FIELDS: Readonly<Record<LrDecay, readonly string[]>> = Object.freeze({
  constant: ['peak', 'warmupSteps', 'decay'],
  cosine: ['peak', 'warmupSteps', 'decay', 'totalSteps', 'minRatio'],
  rsqrt: ['peak', 'warmupSteps', 'decay', 'minRatio', 'cooldown'],
});


/** Throws (TypeError for a non-number, else RangeError) unless `ok(value)` holds for a number `value`. */
function checkNumber(value: unknown, ok: (v: number) => boolean, what: string, expected: string): void {
  if (typeof value !== 'number') throw new TypeError(`${SOURCE}: ${what} must be ${expected}, got ${showValue(value)}`);
  if (!ok(value)) throw new RangeError(`${SOURCE}: ${what} must be ${expected}, got ${value}`);
}

const isCount = (v: number): boolean => Number.isSafeInteger(v) && v >= 0;

/**
 * Throws, naming the field, unless `schedule` is one of the {@link LrSchedule} shapes with only its own fields, each in
 * range (peak finite ≥ 0, step counts integers ≥ 0, minRatio in [0, 1], a cool-down warmupSteps ≤ from < to).
 */
function checkSchedule(schedule: unknown): asserts schedule is LrSchedule {
  if (schedule === null || typeof schedule !== 'object' || Array.isArray(schedule)) {
    throw new TypeError(`${SOURCE}: the schedule must be an object { peak, warmupSteps, decay, … }, got ${showValue(schedule)}`);
  }
  const s = schedule as Record<string, unknown>;
  const decay = s.decay;
  if (decay !== 'constant' && decay !== 'cosine' && decay !== 'rsqrt') {
    const Err = typeof decay === 'string' ? RangeError : TypeError;
    throw new Err(`${SOURCE}: schedule field "decay" must be "constant", "cosine" or "rsqrt", got ${showValue(decay)}`);
  }
  const where = `${decay} schedule field`;
  checkConfigFields(s, SCHEDULE_FIELDS[decay], `${SOURCE}: ${decay} schedule`);
  checkNumber(s.peak, (v) => Number.isFinite(v) && v >= 0, `${where} "peak"`, 'a finite number ≥ 0');
  checkNumber(s.warmupSteps, isCount, `${where} "warmupSteps"`, 'an integer ≥ 0');
  if (decay === 'constant') return;
  if (decay === 'cosine') checkNumber(s.totalSteps, isCount, `${where} "totalSteps"`, 'an integer ≥ 0');
  checkNumber(s.minRatio, (v) => v >= 0 && v <= 1, `${where} "minRatio"`, 'a number in [0, 1]');
  if (decay !== 'rsqrt' || s.cooldown === undefined) return;
  const c = s.cooldown;
  if (c === null || typeof c !== 'object' || Array.isArray(c)) {
    throw new TypeError(`${SOURCE}: ${where} "cooldown" must be an object { from, to } (or absent), got ${showValue(c)}`);
  }
  checkConfigFields(c, ['from', 'to'], `${SOURCE}: ${where} "cooldown"`);
  const { from, to } = c as Record<string, unknown>;
  const warmupSteps = s.warmupSteps as number;
  checkNumber(from, (v) => isCount(v) && v >= warmupSteps, `${where} "cooldown.from"`, `an integer ≥ warmupSteps (${warmupSteps}): the cool-down starts after the warm-up`);
  checkNumber(to, (v) => isCount(v) && v > (from as number), `${where} "cooldown.to"`, `an integer > cooldown.from (${from as number})`);
}

/**
 * Learning rate of 0-based `step` (an integer ≥ 0) under `schedule`; a malformed schedule — an unknown `decay`, a
 * missing, misspelt or out-of-range field, a cool-down that does not end after it starts — throws, naming the field.
 */
export function learningRateAt(step: number, schedule: LrSchedule): number {
  checkNumber(step, isCount, 'step', 'an integer ≥ 0 (0-based)');
  checkSchedule(schedule);
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
