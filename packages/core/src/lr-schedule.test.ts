import { learningRateAt, type LrSchedule } from './lr-schedule';

describe('learningRateAt', () => {
  it('warms up linearly to the peak, then stays there (constant)', () => {
    const s: LrSchedule = { peak: 1e-3, warmupSteps: 4, decay: 'constant' };
    expect([0, 1, 2, 3, 4, 1000].map((step) => learningRateAt(step, s))).toEqual([2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3, 1e-3]);
    expect(learningRateAt(0, { peak: 1e-3, warmupSteps: 0, decay: 'constant' })).toBe(1e-3);
  });

  it('cosine: from the peak at the end of the warm-up to peak·minRatio at totalSteps, then flat', () => {
    const s: LrSchedule = { peak: 1, warmupSteps: 10, decay: 'cosine', totalSteps: 110, minRatio: 0.1 };
    expect(learningRateAt(0, s)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(9, s)).toBeCloseTo(1, 12);
    expect(learningRateAt(10, s)).toBe(1);
    expect(learningRateAt(60, s)).toBeCloseTo(0.55, 12);
    expect(learningRateAt(110, s)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(10_000, s)).toBeCloseTo(0.1, 12);
    for (let step = 10; step < 120; step++) expect(learningRateAt(step + 1, s)).toBeLessThanOrEqual(learningRateAt(step, s));
  });

  it('cosine without warm-up over a whole run: step 0 at the peak, the last step (totalSteps) at the floor', () => {
    const s: LrSchedule = { peak: 1e-3, warmupSteps: 0, decay: 'cosine', totalSteps: 100, minRatio: 0.1 };
    expect(learningRateAt(0, s)).toBe(1e-3);
    expect(learningRateAt(50, s)).toBeCloseTo(0.55e-3, 15);
    expect(learningRateAt(100, s)).toBeCloseTo(1e-4, 15);
    expect(learningRateAt(0, { ...s, totalSteps: 0 })).toBe(1e-3);
    expect(learningRateAt(37, { ...s, minRatio: 1 })).toBe(1e-3);
  });

  it('rsqrt: peak·√(warmup/(step+1)) down to its floor, with no end', () => {
    const s: LrSchedule = { peak: 1, warmupSteps: 100, decay: 'rsqrt', minRatio: 0.1 };
    expect(learningRateAt(49, s)).toBeCloseTo(0.5, 12);
    expect(learningRateAt(99, s)).toBeCloseTo(1, 12);
    expect(learningRateAt(399, s)).toBeCloseTo(0.5, 12);
    expect(learningRateAt(2499, s)).toBeCloseTo(0.2, 12);
    expect(learningRateAt(100_000, s)).toBeCloseTo(0.1, 12);
    for (let step = 100; step < 20_000; step += 37) expect(learningRateAt(step + 1, s)).toBeLessThanOrEqual(learningRateAt(step, s));
  });

  it('rsqrt with a cool-down: the rsqrt value up to `from`, then linear to 0 at `to`, continuous at the joint', () => {
    const plain: LrSchedule = { peak: 1, warmupSteps: 100, decay: 'rsqrt', minRatio: 0.1 };
    const s: LrSchedule = { ...plain, cooldown: { from: 2499, to: 3499 } };
    for (let step = 0; step <= 2499; step += 7) expect(learningRateAt(step, s)).toBe(learningRateAt(step, plain));
    expect(learningRateAt(2499, s)).toBeCloseTo(0.2, 12);
    expect(learningRateAt(2999, s)).toBeCloseTo(0.1, 12);
    expect(learningRateAt(3498, s)).toBeCloseTo(0.2 / 1000, 12);
    expect(learningRateAt(3499, s)).toBe(0);
    expect(learningRateAt(5000, s)).toBe(0);
    for (let step = 2499; step < 3499; step += 13) expect(learningRateAt(step + 1, s)).toBeLessThan(learningRateAt(step, s));
  });

  it('refuses malformed schedules from plain JavaScript, naming the field (was: undefined, NaN, a negative rate or a silently ignored field)', () => {
    const rsqrt = { peak: 1, warmupSteps: 100, decay: 'rsqrt', minRatio: 0.1 } as const;
    const at = (step: number, schedule: unknown) => () => learningRateAt(step, schedule as LrSchedule);
    expect(at(5, { peak: 1, warmupSteps: 0, decay: 'linear' })).toThrow(/learningRateAt: schedule field "decay" must be "constant", "cosine" or "rsqrt", got "linear"/);
    expect(at(5, { peak: 1, warmupSteps: 0 })).toThrow(TypeError);
    expect(at(5, { peak: 1, warmupSteps: 0, decay: 'cosine', minRatio: 0.1 })).toThrow(/cosine schedule field "totalSteps" must be an integer ≥ 0, got undefined/);
    expect(at(500, { peak: 1, warmupSteps: 100, decay: 'rsqrt' })).toThrow(/rsqrt schedule field "minRatio" must be a number in \[0, 1\], got undefined/);
    expect(at(5, { peak: 1, warmupsteps: 10, warmupSteps: 0, decay: 'constant' })).toThrow(
      /learningRateAt: constant schedule: unknown field "warmupsteps"; expected only peak, warmupSteps, decay/,
    );
    expect(at(5, { ...rsqrt, totalSteps: 1000 })).toThrow(/rsqrt schedule: unknown field "totalSteps"/);
    expect(at(5, { ...rsqrt, peak: '1' })).toThrow(/rsqrt schedule field "peak" must be a finite number ≥ 0, got "1"/);
    expect(at(5, { ...rsqrt, warmupSteps: 2.5 })).toThrow(/field "warmupSteps" must be an integer ≥ 0, got 2.5/);
    expect(at(-5, rsqrt)).toThrow(/learningRateAt: step must be an integer ≥ 0 \(0-based\), got -5/);
    expect(at(1.5, rsqrt)).toThrow(RangeError);
    expect(at(Number.NaN, rsqrt)).toThrow(/step must be an integer ≥ 0/);
    expect(at(3000, { ...rsqrt, cooldown: { from: 3499, to: 2499 } })).toThrow(/field "cooldown.to" must be an integer > cooldown.from \(3499\), got 2499/);
    expect(at(3000, { ...rsqrt, cooldown: { from: 50, to: 3499 } })).toThrow(/field "cooldown.from" must be an integer ≥ warmupSteps \(100\)/);
    expect(at(3000, { ...rsqrt, cooldown: { from: 2499, too: 3499 } })).toThrow(/field "cooldown": unknown field "too"; expected only from, to/);
    expect(at(3000, { ...rsqrt, cooldown: { from: 2499 } })).toThrow(/field "cooldown.to" must be an integer > cooldown.from \(2499\), got undefined/);
    expect(at(3000, null)).toThrow(/learningRateAt: the schedule must be an object/);
    // valid edge cases still give their values
    expect(learningRateAt(3000, { ...rsqrt, cooldown: undefined })).toBe(learningRateAt(3000, rsqrt));
    expect(learningRateAt(3000, { ...rsqrt, warmupSteps: 0, cooldown: { from: 0, to: 1 } })).toBe(0);
  });
});
