import { classGaussiansFromFeatures, createRealismReward, mahalanobisDistance, prepareMahalanobis } from './realism';
import type { FeatureModel, RewardInput } from './types';

const exact = { absoluteEpsilon: 0, relativeEpsilon: 0 };

/** A fake reward classifier whose features are 8 × pixels 0..1 of each image (test rows are stored ÷ 8, so pixels stay in [0, 1]). */
function fakeModel(role: 'reward' | 'eval' = 'reward', numClasses = 2): FeatureModel {
  return {
    role, featureDim: 2, numClasses,
    predict: async (images, batch) => {
      const features = new Float32Array(batch * 2);
      for (let i = 0; i < batch; i++) for (let k = 0; k < 2; k++) features[i * 2 + k] = 8 * (images[i * 784 + k] as number);
      return { logits: new Float32Array(batch * numClasses), features };
    },
  };
}

function batchOf(rows: number[][], classes: number[]): RewardInput {
  const images = new Float32Array(rows.length * 784);
  rows.forEach((r, i) => images.set(r.map((v) => v / 8), i * 784)); // exact in float32 for these small values
  return { images, classes: Int32Array.from(classes), batch: rows.length, height: 28, width: 28 };
}

// Class 0: μ = (1, 2), Σ = diag(4, 9). Class 1: μ = (0, 0), Σ = [[2, 1], [1, 2]], Σ⁻¹ = [[2, −1], [−1, 2]] / 3.
const classes = [
  { mean: [1, 2], cov: [4, 0, 0, 9] },
  { mean: [0, 0], cov: [2, 1, 1, 2] },
].map((g) => ({ mean: Float64Array.from(g.mean), cov: Float64Array.from(g.cov) }));

describe('Mahalanobis distance', () => {
  it('matches hand computations (ε = 0)', () => {
    const m = prepareMahalanobis(classes, exact);
    expect(mahalanobisDistance(m, 0, [3, 5])).toBeCloseTo(Math.sqrt(4 / 4 + 9 / 9), 12); // √2
    expect(mahalanobisDistance(m, 1, [1, 1])).toBeCloseTo(Math.sqrt(2 / 3), 12); // (2 − 1 − 1 + 2)/3
    expect(mahalanobisDistance(m, 1, [0, 0])).toBe(0);
  });

  it('adds ε = absolute + relative · tr Σ / d to the diagonal', () => {
    const m = prepareMahalanobis(classes, { absoluteEpsilon: 0.05, relativeEpsilon: 0.1 });
    expect(m.epsilons[0]).toBeCloseTo(0.05 + 0.1 * 6.5, 12);
    expect(mahalanobisDistance(m, 0, [3, 5])).toBeCloseTo(Math.sqrt(4 / 4.7 + 9 / 9.7), 10);
  });

  it('rejects singular covariances without a ridge, naming the class, and malformed Gaussians', () => {
    const singular = [{ mean: Float64Array.of(0, 0), cov: Float64Array.of(1, 1, 1, 1) }];
    expect(() => prepareMahalanobis(singular, exact)).toThrow(/class 0 covariance \+ εI.*not positive definite \(pivot 1/);
    expect(() => prepareMahalanobis(singular)).not.toThrow();
    expect(() => prepareMahalanobis([classes[0]!, { mean: Float64Array.of(0), cov: Float64Array.of(1) }])).toThrow(/class 1 mean has length 1; expected dim 2/);
    expect(() => prepareMahalanobis([{ mean: Float64Array.of(0, NaN), cov: Float64Array.of(1, 0, 0, 1) }])).toThrow(/class 0 mean\[1\] is not finite/);
  });
});

describe('realism reward', () => {
  it('is −Mahalanobis distance of the features to the conditioning class (hand case)', async () => {
    const reward = createRealismReward(fakeModel(), classes, exact);
    const out = await reward(batchOf([[3, 5], [1, 1], [1, 2]], [0, 1, 0]));
    expect(out[0]).toBeCloseTo(-Math.SQRT2, 6);
    expect(out[1]).toBeCloseTo(-Math.sqrt(2 / 3), 6);
    expect(out[2]).toBeCloseTo(0, 6);
  });

  it('refuses the evaluation classifier and mismatched Gaussians', () => {
    expect(() => createRealismReward(fakeModel('eval'), classes)).toThrow(/role "eval".*never used as a reward/);
    expect(() => createRealismReward(fakeModel('reward', 3), classes)).toThrow(/2 class Gaussians given; model.numClasses is 3/);
  });

  it('classGaussiansFromFeatures groups rows by label', () => {
    const features = Float32Array.of(0, 0, 2, 2, 10, 10, 12, 14);
    const [g0, g1] = classGaussiansFromFeatures(features, [0, 0, 1, 1], 4, 2, 2);
    expect(Array.from(g0!.mean)).toEqual([1, 1]);
    expect(Array.from(g1!.mean)).toEqual([11, 12]);
    expect(Array.from(g1!.cov)).toEqual([2, 4, 4, 8]);
    expect(() => classGaussiansFromFeatures(features, [0, 0, 0, 1], 4, 2, 2)).toThrow(/class 1 has 1 samples; a covariance needs at least 2/);
    expect(() => classGaussiansFromFeatures(features, [0, 0, 5, 1], 4, 2, 2)).toThrow(/labels\[2\] = 5/);
  });
});
