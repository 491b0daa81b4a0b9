import { accelerationFactors, type AccelerationRow } from './acceleration';
import { accelerationSchema } from './acceleration-schema';

/** A row aggregated over `seeds` seeds (null: not recorded) with FCD mean ± std (and optionally recall). */
const row = (steps: number, mean: number | null, std: number | null, seeds: number | null = 3, recall?: number): AccelerationRow => ({
  steps, ...(seeds === null ? {} : { seeds }), fcd: { mean, std }, ...(recall === undefined ? {} : { recall: { mean: recall, std: 0.01 } }),
});

describe('accelerationFactors', () => {
  // the base: 35.8 ± 2.9 at T = 12; the accelerated model passes vs the base at T = 3 and vs itself at T = 4
  const base = { name: 'base.json', rows: [row(3, 60, 3), row(12, 35.8, 2.9, 3, 0.55)] };
  const accelerated = [row(2, 45, 1), row(3, 29.9, 0.5, 3, 0.52), row(4, 29, 0.4), row(12, 28.5, 0.3)];

  it('finds the smallest T beyond 2σ vs the base and within 2σ vs itself, with every number', () => {
    const a = accelerationFactors({ rows: accelerated, base });
    expect(a.base).toBe('base.json');
    expect(a.vsBase).toMatchObject({ steps: 3, factor: 4, reason: null, reference: { steps: 12, mean: 35.8, std: 2.9, seeds: 3 } });
    expect(a.vsBase?.test?.margin).toBeCloseTo(5.9, 10);
    expect(a.vsBase?.test?.threshold).toBeCloseTo(5.8, 10); // 2 × the base's 2.9, the larger std
    expect(a.vsItself).toMatchObject({ steps: 4, factor: 3, reason: null });
    expect(a.vsItself.test?.margin).toBeCloseTo(0.5, 10);
    expect(a.vsItself.test?.threshold).toBeCloseTo(0.8, 10);
    expect(a.noQualityTraded).toMatchObject({ holds: true, reason: null });
    expect(a.noQualityTraded?.difference).toBeCloseTo(-7.3, 10);
    expect(a.noQualityTraded?.threshold).toBeCloseTo(5.8, 10);
    expect(a.recall).toMatchObject({ steps: 3, recall: 0.52, baseRecall: 0.55, holds: true });
    expect(a.recall?.drop).toBeCloseTo(0.03 / 0.55, 10);
    expect(a.statement).toBe([
      "vs the base: 4× (T = 3: FCD 29.900 ± 0.500 vs the base's T = 12 35.800 ± 2.900; margin +5.900 > 2σ 5.800)",
      'vs itself: 3× (T = 4: FCD 29.000 ± 0.400 vs its own T = 12 28.500 ± 0.300; difference +0.500 ≤ 2σ 0.800)',
      "no quality traded: T = 12 FCD 28.500 ± 0.300 vs the base's 35.800 ± 2.900 (difference −7.300 ≤ 2σ 5.800)",
      "recall kept: 0.520 at T = 3 vs the base's 0.550 at T = 12 (−5.5%; limit −10%)",
    ].join('; '));
    expect(accelerationSchema.parse(JSON.parse(JSON.stringify(a)))).toEqual(a); // what eval.json holds reads back the same
  });

  it('compares with the base at equal steps at every other T both have: better, within noise or worse beyond 2σ', () => {
    const b = { name: 'b', rows: [row(2, 40, 1), row(3, 30, 1), row(4, 20, 1), row(6, 18, 1, 2), row(12, 15, 1)] };
    const a = accelerationFactors({ rows: [row(1, 80, 1), row(2, 35, 2), row(3, 29, 0.5), row(4, 23, 1), row(6, 10, 1), row(12, 16, 1)], base: b });
    expect(a.atEqualSteps).toEqual([
      { steps: 2, margin: 5, threshold: 4, verdict: 'better' }, // 40 − 35 > 2 × 2 (the larger std)
      { steps: 3, margin: 1, threshold: 2, verdict: 'within noise' },
      { steps: 4, margin: -3, threshold: 2, verdict: 'worse' },
    ]); // T = 1: no base row; T = 6: the base's has 2 seeds; T = 12 is the quality check's
    expect(accelerationFactors({ rows: [row(12, 16, 1)] }).atEqualSteps).toBeNull(); // no base, no comparison
    expect(accelerationSchema.parse(JSON.parse(JSON.stringify(a)))).toEqual(a);
  });

  it('uses the larger of the two stds: a margin beyond 2σ of the smaller one only is no claim', () => {
    const tightBase = { name: 'b', rows: [row(12, 30, 0.5)] };
    const noisy = accelerationFactors({ rows: [row(3, 25, 3)], base: tightBase }); // margin 5 ≤ 2 × 3
    expect(noisy.vsBase).toMatchObject({ factor: null, test: { steps: 3, margin: 5, threshold: 6, passes: false } });
    const noisyBase = accelerationFactors({ rows: [row(3, 25, 0.5)], base: { name: 'b', rows: [row(12, 30, 3)] } });
    expect(noisyBase.vsBase).toMatchObject({ factor: null, test: { steps: 3, threshold: 6 } });
    // vs itself: T = 3 is 1 above T = 12; 2 × its own 0.6 = 1.2 lets it in, the reference's 0.1 alone would not
    expect(accelerationFactors({ rows: [row(3, 25, 0.6), row(12, 24, 0.1)] }).vsItself).toMatchObject({ steps: 3, factor: 4, test: { threshold: 1.2 } });
  });

  it('gives no factor with fewer than 3 seeds, and says so', () => {
    const oneSeed = accelerated.map((r) => ({ ...r, seeds: 1 }));
    const a = accelerationFactors({ rows: oneSeed, base });
    expect(a.vsBase).toMatchObject({ steps: null, factor: null, reason: 'needs ≥ 3 seeds (no row has them)' });
    expect(a.vsBase?.skipped).toEqual([2, 3, 4, 12].map((steps) => ({ steps, reason: 'needs ≥ 3 seeds (has 1)' })));
    expect(a.vsItself).toMatchObject({ factor: null, reason: 'its own T = 12 needs ≥ 3 seeds (has 1)' });
    expect(a.noQualityTraded).toMatchObject({ holds: null, reason: 'its T = 12 needs ≥ 3 seeds (has 1)' });
    expect(a.recall).toMatchObject({ holds: null, reason: 'no accelerated T (no factor vs the base)' });
    expect(a.statement).toContain('vs the base: no factor — needs ≥ 3 seeds');
    const baseOneSeed = accelerationFactors({ rows: accelerated, base: { name: 'b', rows: [row(12, 35.8, 0, 1)] } });
    expect(baseOneSeed.vsBase).toMatchObject({ factor: null, reason: "the base's T = 12 needs ≥ 3 seeds (has 1)" });
    // a 1-seed row below a 3-seed one that passes is left out and named
    const mixed = accelerationFactors({ rows: [row(2, 20, 0, 1), row(4, 29, 0.4), row(12, 28.5, 0.3)], base });
    expect(mixed.vsBase).toMatchObject({ steps: 4, factor: 3, skipped: [{ steps: 2, reason: 'needs ≥ 3 seeds (has 1)' }] });
    expect(mixed.vsBase?.statement).toMatch(/; untested below it: T = 2$/);
  });

  it('with no qualifying T gives no factor and the closest row’s margin', () => {
    const a = accelerationFactors({ rows: [row(2, 40, 1), row(4, 33, 1), row(8, 34, 0.5)], base });
    expect(a.vsBase).toMatchObject({ steps: null, factor: null, reason: "no T has FCD below the base's T = 12 by more than 2σ", test: { steps: 4, passes: false } });
    expect(a.vsBase?.test?.margin).toBeCloseTo(2.8, 10);
    expect(a.vsBase?.statement).toMatch(/no factor — .*\(closest: T = 4, margin \+2\.800 ≤ 2σ 5\.800\)$/);
  });

  it('handles T = 12 missing on either side', () => {
    const a = accelerationFactors({ rows: accelerated.filter((r) => r.steps !== 12), base });
    expect(a.vsItself).toMatchObject({ factor: null, reference: null, reason: 'its own T = 12 row is missing' });
    expect(a.vsBase).toMatchObject({ steps: 3, factor: 4 }); // the base's T = 12 is all vs the base needs
    expect(a.noQualityTraded).toMatchObject({ holds: null, reason: 'the model has no T = 12 row' });
    const noBaseRef = accelerationFactors({ rows: accelerated, base: { name: 'b', rows: [row(4, 30, 1)] } });
    expect(noBaseRef.vsBase).toMatchObject({ factor: null, reason: "the base's T = 12 row is missing" });
    expect(noBaseRef.noQualityTraded).toMatchObject({ holds: null, reason: 'the base has no T = 12 row' });
  });

  it('with both stds zero: equal FCD is not beyond noise vs the base, but is within it vs itself', () => {
    const flatBase = { name: 'b', rows: [row(12, 10, 0)] };
    const equal = accelerationFactors({ rows: [row(4, 10, 0), row(12, 10, 0)], base: flatBase });
    expect(equal.vsBase).toMatchObject({ factor: null, test: { steps: 4, margin: 0, threshold: 0, passes: false } });
    expect(equal.vsItself).toMatchObject({ steps: 4, factor: 3, test: { margin: 0, threshold: 0, passes: true } });
    expect(equal.noQualityTraded).toMatchObject({ difference: 0, threshold: 0, holds: true });
    const better = accelerationFactors({ rows: [row(3, 9.5, 0), row(12, 10, 0)], base: flatBase });
    expect(better.vsBase).toMatchObject({ steps: 3, factor: 4 });
  });

  it('skips rows with null or NaN stats, or no recorded seed count, with the reason', () => {
    const a = accelerationFactors({ rows: [row(2, null, null), row(3, NaN, 1), row(4, 20, 0.5, null), row(6, 25, 0.5), row(12, 25, 0.5)], base });
    expect(a.vsBase?.skipped).toEqual([
      { steps: 2, reason: 'has no FCD (mean or std not a number)' },
      { steps: 3, reason: 'has no FCD (mean or std not a number)' },
      { steps: 4, reason: 'needs ≥ 3 seeds (seed count not recorded)' },
    ]);
    expect(a.vsBase).toMatchObject({ steps: 6, factor: 2 });
    const nullBase = accelerationFactors({ rows: accelerated, base: { name: 'b', rows: [row(12, null, null)] } });
    expect(nullBase.vsBase).toMatchObject({ factor: null, reason: "the base's T = 12 has no FCD (mean or std not a number)" });
    const allNull = accelerationFactors({ rows: [row(2, null, 1), row(12, 31, 1)], base });
    expect(allNull.vsBase).toMatchObject({ factor: null, reason: "no T has FCD below the base's T = 12 by more than 2σ" }); // T = 12 itself was tested
    expect(accelerationFactors({ rows: [row(2, null, 1)], base }).vsBase?.reason).toBe('no row to test (T = 2 has no FCD (mean or std not a number))');
  });

  it('judges quality traded and recall lost', () => {
    const worse = accelerationFactors({ rows: [row(3, 29, 0.5, 3, 0.45), row(12, 45, 1)], base });
    expect(worse.noQualityTraded).toMatchObject({ holds: false });
    expect(worse.noQualityTraded?.statement).toMatch(/^quality traded: .*difference \+9\.200 > 2σ 5\.800/);
    expect(worse.recall).toMatchObject({ steps: 3, holds: false });
    expect(worse.recall?.statement).toMatch(/recall lost: 0\.450 at T = 3 vs the base's 0\.550 at T = 12 \(−18\.2%; limit −10%\)/);
    const noRecall = accelerationFactors({ rows: [row(3, 29, 0.5), row(12, 28, 0.3)], base });
    expect(noRecall.recall).toMatchObject({ steps: 3, holds: null, reason: 'T = 3 has no recall' });
  });

  it('takes the reference step count as a parameter; without a base only vs itself', () => {
    const a = accelerationFactors({ rows: [row(2, 30, 0.1), row(4, 20.5, 0.3), row(8, 20, 0.2)] }, { referenceSteps: 8 });
    expect(a).toMatchObject({ base: null, vsBase: null, noQualityTraded: null, recall: null, vsItself: { steps: 4, factor: 2 } });
    expect(a.config.referenceSteps).toBe(8);
    expect(a.statement).toBe(a.vsItself.statement);
  });

  it('refuses rows it cannot judge as they stand, naming the row, instead of judging one of them', () => {
    const twice = [row(3, 29, 0.5), row(3, 50, 0.5), row(12, 28.5, 0.3)];
    expect(() => accelerationFactors({ rows: twice, base })).toThrow("accelerationFactors: the model's row 1: T = 3 appears twice; one row per T");
    expect(() => accelerationFactors({ rows: accelerated, base: { name: 'b', rows: [row(12, 35, 1), row(12, 20, 1)] } })).toThrow(/the base's row 1: T = 12 appears twice/);
    expect(() => accelerationFactors({ rows: [row(0, 29, 0.5), row(12, 28.5, 0.3)] })).toThrow(/the model's row 0 has steps 0; expected an integer T ≥ 1/);
    expect(() => accelerationFactors({ rows: [row(2.5, 29, 0.5), row(12, 28.5, 0.3)] })).toThrow(/row 0 has steps 2.5/);
    expect(() => accelerationFactors({ rows: [row(3, 29, -0.5), row(12, 28.5, 0.3)], base })).toThrow(/row 0 \(T = 3\): fcd.std is -0.5; a std is ≥ 0/);
    expect(() => accelerationFactors({ rows: [row(3, 29, 0.5, 2.5), row(12, 28.5, 0.3)] })).toThrow(/row 0 \(T = 3\) has seeds 2.5/);
    expect(() => accelerationFactors({ rows: [{ steps: 3, seeds: 3 } as never, row(12, 28.5, 0.3)] })).toThrow(/fcd must be \{ mean, std \}, got undefined/);
  });

  it('refuses a malformed judgement: unknown or out-of-range config fields', () => {
    expect(() => accelerationFactors({ rows: accelerated }, { sigma: 1 } as never)).toThrow(/accelerationFactors: unknown field "sigma"; expected only referenceSteps, minSeeds, sigmas, maxRecallDrop/);
    expect(() => accelerationFactors({ rows: accelerated }, { referenceSteps: 0 })).toThrow(/config.referenceSteps must be an integer ≥ 1, got 0/);
    expect(() => accelerationFactors({ rows: accelerated }, { minSeeds: 1 })).toThrow(/config.minSeeds must be an integer ≥ 2/);
    expect(() => accelerationFactors({ rows: accelerated }, { sigmas: -2 })).toThrow(/config.sigmas must be a finite number ≥ 0, got -2/);
    expect(() => accelerationFactors({ rows: accelerated }, { maxRecallDrop: 10 })).toThrow(/config.maxRecallDrop must be in \[0, 1\], got 10/);
  });
});
