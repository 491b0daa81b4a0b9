import { describeStepDistribution, mergeStepDistributions, stepDistribution } from './step-distribution';

describe('stepDistribution', () => {
  it('counts, summarises and splits by class known step counts', () => {
    // class 0 uses 2, 2, 4; class 1 uses 1, 3, 3, 3, 12; the cap is 12
    const d = stepDistribution([2, 1, 2, 3, 4, 3, 3, 12], [0, 1, 0, 1, 0, 1, 1, 1], 12);
    expect(d.count).toBe(8);
    expect(d.histogram).toEqual([1, 2, 3, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(d.mean).toBeCloseTo(30 / 8, 12);
    const variance = [2, 1, 2, 3, 4, 3, 3, 12].reduce((a, s) => a + (s - 30 / 8) ** 2, 0) / 8;
    expect(d.std).toBeCloseTo(Math.sqrt(variance), 12);
    expect([d.min, d.max]).toEqual([1, 12]);
    // sorted: 1 2 2 3 3 3 4 12 — nearest rank ⌈q·8⌉: 1st, 4th, 8th
    expect([d.p10, d.p50, d.p90]).toEqual([1, 3, 12]);
    expect(Object.keys(d.byClass)).toEqual(['0', '1']);
    expect(d.byClass['0']).toEqual({ count: 3, mean: 8 / 3, histogram: [0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0] });
    expect(d.byClass['1']).toEqual({ count: 5, mean: 22 / 5, histogram: [1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 1] });
  });

  it('sorts classes numerically, extends past the cap and has no classes without them', () => {
    const d = stepDistribution([5, 1, 1], [10, 2, 2], 3);
    expect(Object.keys(d.byClass)).toEqual(['2', '10']);
    expect(d.histogram).toEqual([2, 0, 0, 0, 1]);
    expect(d.byClass['2']?.histogram).toEqual([2, 0, 0, 0, 0]);
    expect(stepDistribution([4, 4]).byClass).toEqual({});
    expect(stepDistribution([4, 4])).toMatchObject({ histogram: [0, 0, 0, 2], mean: 4, std: 0, p10: 4, p50: 4, p90: 4 });
  });

  it('is empty (NaN statistics) without images and refuses impossible input', () => {
    const empty = stepDistribution([], [], 4);
    expect(empty).toMatchObject({ count: 0, histogram: [0, 0, 0, 0], byClass: {} });
    expect(empty.mean).toBeNaN();
    expect(empty.p50).toBeNaN();
    expect(() => stepDistribution([1, 0])).toThrow('steps[1] must be an integer ≥ 1, got 0');
    expect(() => stepDistribution([1.5])).toThrow('steps[0]');
    expect(() => stepDistribution([1, 2], [0])).toThrow('classes has 1 entries, steps 2');
  });
});

describe('mergeStepDistributions', () => {
  it('adds counts (overall and per class) and equals the distribution of the union', () => {
    const a = { steps: [1, 2, 2, 6], classes: [0, 0, 1, 1] };
    const b = { steps: [3, 3, 8], classes: [1, 2, 2] };
    const merged = mergeStepDistributions([stepDistribution(a.steps, a.classes, 6), stepDistribution(b.steps, b.classes, 8)]);
    expect(merged).toEqual(stepDistribution([...a.steps, ...b.steps], [...a.classes, ...b.classes], 8));
    expect(merged.count).toBe(7);
    expect(merged.byClass['1']?.histogram).toEqual([0, 1, 1, 0, 0, 1, 0, 0]);
    expect(mergeStepDistributions([]).count).toBe(0);
  });
});

describe('describeStepDistribution', () => {
  it('states mean ± std, quantiles, range and the mean per class', () => {
    expect(describeStepDistribution(stepDistribution([2, 4, 4, 6], undefined, 12))).toBe('mean 4.00 ± 1.41, p10/p50/p90 2/4/6, range 2–6 of 12');
    expect(describeStepDistribution(stepDistribution([2, 4, 4, 6], [1, 0, 0, 1], 8))).toBe('mean 4.00 ± 1.41, p10/p50/p90 2/4/6, range 2–6 of 8; mean per class: 0 4.00, 1 4.00');
    expect(describeStepDistribution(stepDistribution([]))).toBe('no images');
  });
});
