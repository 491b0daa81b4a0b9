import { createMmdWitnessReward, medianSquaredDistance, mmdWitnessScores, realClassFeatures, type RealClassFeatures } from './mmd-witness';
import type { FeatureModel, RewardInput } from './types';

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

function imagesOf(rows: number[][]): Float32Array {
  const images = new Float32Array(rows.length * 784);
  rows.forEach((r, i) => images.set(r.map((v) => v / 8), i * 784)); // exact in float32 for these small values
  return images;
}

function batchOf(rows: number[][], classes: number[]): RewardInput {
  return { images: imagesOf(rows), classes: Int32Array.from(classes), batch: rows.length, height: 28, width: 28 };
}

/** Biased MMD² between generated rows `x` and real rows `y` with the RBF kernel of bandwidth σ². */
function mmd2(x: number[][], y: number[][], sigma2: number): number {
  const k = (a: number[], b: number[]) => Math.exp(-((a[0]! - b[0]!) ** 2 + (a[1]! - b[1]!) ** 2) / (2 * sigma2));
  const mean = (a: number[][], b: number[][]) => a.reduce((s, p) => s + b.reduce((t, q) => t + k(p, q), 0), 0) / (a.length * b.length);
  return mean(x, x) + mean(y, y) - 2 * mean(x, y);
}

// Real class 0 has two modes, at (0, 0) and (4, 0); class 1 sits at (0, 4).
const realRows = [[0, 0], [4, 0], [0, 0.2], [4, 0.2], [0, 4], [0.2, 4]];
const realLabels = [0, 0, 0, 0, 1, 1];
const real: RealClassFeatures = {
  dim: 2,
  perClass: [Float32Array.from([0, 0, 4, 0, 0, 0.2, 4, 0.2]), Float32Array.from([0, 4, 0.2, 4])],
  bandwidths: Float64Array.from([1, 1]),
};

describe('mmd reward (MMD witness)', () => {
  it('computes the median squared distance of the real features', () => {
    expect(medianSquaredDistance(Float32Array.from([0, 0, 1, 0, 3, 0]), 3, 2)).toBe(4); // 1, 4, 9
  });

  it('scores a sample on the real data above one far from it', () => {
    const r = mmdWitnessScores(Float32Array.from([0, 0, 2, 2]), Int32Array.from([0, 1]), real);
    expect(r[0]).toBeGreaterThan(0.4);
    expect(r[1]).toBeLessThan(0.05);
  });

  it('penalises collapse: of two samples on one mode, moving one to the other mode raises its reward and lowers the MMD', () => {
    const collapsed = [[0, 0.1], [0, 0.1]];
    const spread = [[0, 0.1], [4, 0.1]];
    const rc = mmdWitnessScores(Float32Array.from(collapsed.flat()), Int32Array.from([0, 0]), real);
    const rs = mmdWitnessScores(Float32Array.from(spread.flat()), Int32Array.from([0, 0]), real);
    expect(rs[1]).toBeGreaterThan((rc[1] as number) + 0.5);
    const reals = [[0, 0], [4, 0], [0, 0.2], [4, 0.2]];
    expect(mmd2(spread, reals, 1)).toBeLessThan(mmd2(collapsed, reals, 1));
    // the classifier-style view would not see it: both samples of the collapsed pair are on real data
    expect(rc[0]).toBeCloseTo(rc[1] as number, 6);
  });

  it('uses only the other generated samples of the same class', () => {
    const alone = mmdWitnessScores(Float32Array.from([0, 0]), Int32Array.from([0]), real);
    const withOtherClass = mmdWitnessScores(Float32Array.from([0, 0, 0, 0]), Int32Array.from([0, 1]), real);
    expect(withOtherClass[0]).toBeCloseTo(alone[0] as number, 6);
  });

  it('builds the real reference per class from labelled images, with median-heuristic bandwidths', async () => {
    const ref = await realClassFeatures(fakeModel(), imagesOf(realRows), realLabels, { realPerClass: 2 });
    expect(ref.perClass.map((f) => f.length / 2)).toEqual([2, 2]);
    expect(Array.from(ref.perClass[0]!)).toEqual([0, 0, 4, 0]);
    expect(ref.bandwidths[0]).toBeCloseTo(16, 6);
    const reward = createMmdWitnessReward(fakeModel(), ref);
    const scores = await reward(batchOf([[0, 0], [4, 0], [0, 4]], [0, 0, 1]));
    expect(scores).toHaveLength(3);
    expect(Array.from(scores).every(Number.isFinite)).toBe(true);
  });

  it('refuses the evaluation classifier, a class without real images and mismatched dims', async () => {
    expect(() => createMmdWitnessReward(fakeModel('eval'), real)).toThrow(/role "eval"/);
    await expect(realClassFeatures(fakeModel(), imagesOf([[0, 0], [1, 1]]), [0, 0])).rejects.toThrow(/class 1 has 0 real image\(s\)/);
    expect(() => createMmdWitnessReward(fakeModel(), { ...real, dim: 3 })).toThrow(/dim 3; model.featureDim is 2/);
    expect(() => createMmdWitnessReward(fakeModel(), { ...real, bandwidths: Float64Array.from([0, 1]) })).toThrow(/class 0 has bandwidth/);
  });
});
