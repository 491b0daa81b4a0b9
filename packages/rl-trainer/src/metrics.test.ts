import { adaptiveStepMetrics, meanBrightness, nanMeanStd, sampleDiversity, tokenHistogramEntropy } from './metrics';

describe('non-reward batch statistics', () => {
  it('mean brightness is the mean pixel', () => {
    expect(meanBrightness(Float32Array.from([0, 1, 0.5, 0.5]))).toBeCloseTo(0.5, 7);
    expect(Number.isNaN(meanBrightness(new Float32Array(0)))).toBe(true);
  });

  it('token entropy is log K for uniform use and 0 for one code', () => {
    expect(tokenHistogramEntropy(Int32Array.from([0, 1, 2, 3, 3, 2, 1, 0]), 4)).toBeCloseTo(Math.log(4), 10);
    expect(tokenHistogramEntropy(Int32Array.from([2, 2, 2]), 4)).toBe(0);
    expect(tokenHistogramEntropy(Int32Array.from([0, 0, 0, 1]), 4)).toBeCloseTo(-(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25)), 10);
    expect(() => tokenHistogramEntropy(Int32Array.from([4]), 4)).toThrow(/token 4 is outside 0\.\.3/);
  });

  it('diversity is the mean over classes of the mean pairwise L2 distance within the class', () => {
    // class 0: three 2-pixel images (0,0), (3,4), (0,4) → distances 5, 4, 3 → mean 4
    // class 1: two identical images → 0; class 2: one image, skipped
    const images = Float32Array.from([0, 0, 3, 4, 1, 1, 0, 4, 1, 1, 9, 9]);
    const classes = Int32Array.from([0, 0, 1, 0, 1, 2]);
    expect(sampleDiversity(images, classes, 2)).toBeCloseTo((4 + 0) / 2, 6);
    expect(Number.isNaN(sampleDiversity(Float32Array.from([1, 2]), Int32Array.from([0, 1]), 1))).toBe(true);
    expect(() => sampleDiversity(new Float32Array(3), Int32Array.from([0, 0]), 2)).toThrow(/images has 3 values, expected batch·pixels = 2·2/);
  });

  it('nanMeanStd ignores NaN and reports how many values counted', () => {
    expect(nanMeanStd(Float32Array.from([1, NaN, 3]))).toEqual({ mean: 2, std: 1, count: 2 });
    const none = nanMeanStd([NaN]);
    expect(none.count).toBe(0);
    expect(Number.isNaN(none.mean)).toBe(true);
  });
});

describe('adaptive step metrics', () => {
  it('per-class means, the fraction at the cap and the histogram over 1..maxSteps', () => {
    const m = adaptiveStepMetrics(Int32Array.from([2, 4, 4, 1, 4, 3]), Int32Array.from([1, 1, 0, 0, 0, 2]), 4);
    expect(m.stepsMeanByClass).toEqual({ 0: 3, 1: 3, 2: 3 });
    expect(Object.keys(m.stepsMeanByClass)).toEqual(['0', '1', '2']);
    expect(m.maxStepsFraction).toBe(0.5);
    expect(m.stepsDistribution.histogram).toEqual([1, 1, 1, 3]);
    expect(m.stepsDistribution.byClass['0']?.histogram).toEqual([1, 0, 0, 2]);
  });
});
