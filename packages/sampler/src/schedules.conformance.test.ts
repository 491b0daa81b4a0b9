import {
  SCHEDULE_NAMES,
  getSchedule,
  maskedCountsForSteps,
  maskedCountsFromRatios,
  nextMaskedCount,
  powSchedule,
} from './schedules';

const TOKEN_COUNTS = [1, 2, 7, 49, 196];

/** The one conformance suite every registered schedule must pass. */
describe.each(SCHEDULE_NAMES.map((name) => [name]))('schedule %s (conformance)', (name) => {
  const gamma = getSchedule(name);

  it.each(TOKEN_COUNTS)('has γ(0) = 1, γ(1) = 0 and stays in [0, 1] for N = %i', (n) => {
    expect(gamma(0, n)).toBe(1);
    expect(gamma(1, n)).toBe(0);
    for (let i = 0; i <= 200; i++) {
      const g = gamma(i / 200, n);
      expect(g).toBeGreaterThanOrEqual(0);
      expect(g).toBeLessThanOrEqual(1);
    }
  });

  it.each(TOKEN_COUNTS)('is monotone non-increasing for N = %i', (n) => {
    let prev = gamma(0, n);
    for (let i = 1; i <= 1000; i++) {
      const g = gamma(i / 1000, n);
      expect(g).toBeLessThanOrEqual(prev + 1e-12);
      prev = g;
    }
  });

  it.each(TOKEN_COUNTS.flatMap((n) => [1, 2, 3, 8, 12, n].filter((t) => t <= n).map((t) => [n, t])))(
    'N = %i, T = %i: ≥ 1 committed per step, ≥ 1 masked until the last step, all committed at the end',
    (n, t) => {
      const counts = maskedCountsForSteps(name, t, n);
      expect(counts).toHaveLength(t);
      let prev = n;
      counts.forEach((c, i) => {
        expect(c).toBeLessThanOrEqual(prev - 1);
        if (i < t - 1) expect(c).toBeGreaterThanOrEqual(1);
        prev = c;
      });
      expect(counts[t - 1]).toBe(0);
    },
  );

  it('T = 1 commits everything in one step', () => {
    expect(Array.from(maskedCountsForSteps(name, 1, 49))).toEqual([0]);
    expect(Array.from(maskedCountsForSteps(name, 1, 1))).toEqual([0]);
  });

  it('T = L commits exactly one token per step', () => {
    expect(Array.from(maskedCountsForSteps(name, 7, 7))).toEqual([6, 5, 4, 3, 2, 1, 0]);
  });

  it('rejects T > L and T < 1 with a clear message', () => {
    expect(() => maskedCountsForSteps(name, 8, 7)).toThrow(/steps T=8 exceeds the 7 masked tokens.*T ≤ L/);
    expect(() => maskedCountsForSteps(name, 0, 7)).toThrow(/steps T must be an integer ≥ 1, got 0/);
  });

  it('rejects progress outside [0, 1]', () => {
    expect(() => gamma(1.5, 49)).toThrow(/progress r must be in \[0, 1\], got 1.5/);
    expect(() => gamma(Number.NaN, 49)).toThrow(/got NaN/);
  });
});

describe('schedule formulas (MaskGIT mask_schedule.py)', () => {
  it.each([0.1, 0.25, 0.5, 0.8])('match the formulas at r = %f', (r) => {
    const n = 49;
    expect(getSchedule('cosine')(r, n)).toBeCloseTo(Math.cos((Math.PI * r) / 2), 12);
    expect(getSchedule('arccos')(r, n)).toBeCloseTo((2 / Math.PI) * Math.acos(r), 12);
    expect(getSchedule('linear')(r, n)).toBeCloseTo(1 - r, 12);
    expect(getSchedule('uniform')(r, n)).toBeCloseTo(1 - r, 12);
    expect(getSchedule('pow-2')(r, n)).toBeCloseTo(1 - r * r, 12);
    expect(getSchedule('pow2')(r, n)).toBeCloseTo(1 - r * r, 12);
    expect(getSchedule('pow-0.5')(r, n)).toBeCloseTo(1 - Math.sqrt(r), 12);
    expect(getSchedule('exp')(r, n)).toBeCloseTo(1 - Math.pow(2, -Math.log2(n) * (1 - r)), 12);
    expect(getSchedule('log')(r, n)).toBeCloseTo(Math.min(1, -Math.log2(r) / Math.log2(n)), 12);
  });

  it('names the known schedules for an unknown name and rejects bad pow exponents', () => {
    expect(() => getSchedule('quadratic')).toThrow(/unknown schedule "quadratic", expected one of cosine, arccos, linear, exp, log/);
    expect(() => getSchedule('pow-x')).toThrow(/unknown schedule "pow-x"/);
    expect(() => powSchedule(0)).toThrow(/exponent k must be finite and > 0, got 0/);
    expect(() => getSchedule('toString')).toThrow(/unknown schedule/);
  });

  it('reproduces MaskGIT parallel_decode counts for cosine, N = 49, T = 8', () => {
    // floor(49·cos(π/2·(t+1)/8)) = 48, 45, 40, 34, 27, 18, 9, then 0 at the last step.
    expect(Array.from(maskedCountsForSteps('cosine', 8, 49))).toEqual([48, 45, 40, 34, 27, 18, 9, 0]);
  });

  it('clamps so that later steps still have tokens to commit (log schedule drops fast)', () => {
    const counts = maskedCountsForSteps('log', 10, 12);
    expect(counts[8]).toBe(1);
    expect(Array.from(counts).every((c, i) => c >= 10 - 1 - i)).toBe(true);
  });

  it('derives counts from explicit ratios and lets a partially masked sample run out early', () => {
    expect(Array.from(maskedCountsFromRatios([0.5, 0.25, 0], 8))).toEqual([4, 2, 0]);
    expect(nextMaskedCount(0.9, 10, 2, 0, 5)).toBe(1);
    expect(nextMaskedCount(0.9, 10, 1, 1, 5)).toBe(0);
    expect(nextMaskedCount(0.9, 10, 0, 2, 5)).toBe(0);
  });
});
