import { Rng } from '@speedrl/core';
import type { FeatureModel } from '../rewards/types';
import { fcd } from './fd';
import { kid } from './kid';
import { precisionRecall, prepareManifold } from './precision-recall';
import { computeSetMetrics, extractEvalOutputs, prepareReference } from './set-metrics';

/** A fake classifier: features = pixels 0..2 (+ pixel 3 as a class-1 logit), counting its calls. */
function fakeModel(role: 'reward' | 'eval', calls: number[] = []): FeatureModel {
  return {
    role, featureDim: 3, numClasses: 2,
    predict: async (images, batch) => {
      calls.push(batch);
      const features = new Float32Array(batch * 3);
      const logits = new Float32Array(batch * 2);
      for (let i = 0; i < batch; i++) {
        features.set(images.subarray(i * 784, i * 784 + 3), i * 3);
        logits[i * 2 + 1] = images[i * 784 + 3] as number;
      }
      return { logits, features };
    },
  };
}

function imagesOf(rng: Rng, count: number, shift: number): Float32Array {
  const img = new Float32Array(count * 784);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < 3; j++) img[i * 784 + j] = rng.normal(shift, 1);
    img[i * 784 + 3] = i % 2 === 0 ? 1 : -1; // argmax class 1 for even rows, 0 for odd rows
  }
  return img;
}

describe('set metrics', () => {
  it('runs the evaluation classifier once and reuses its features for every metric', async () => {
    const rng = Rng.fromSeed(1);
    const calls: number[] = [];
    const model = fakeModel('eval', calls);
    const gen = await extractEvalOutputs(model, imagesOf(rng, 60, 0.5), 60, { batchSize: 25 });
    expect(calls).toEqual([25, 25, 10]);
    const real = await extractEvalOutputs(model, imagesOf(rng, 80, 0), 80);
    const ref = prepareReference(real.set);
    const classes = Int32Array.from({ length: 60 }, (_, i) => (i % 4 === 0 ? 1 : 0)); // argmax 1, 0, 1, 0 → right for i % 4 ∈ {0, 1, 3}
    const m = computeSetMetrics(gen, ref, Rng.fromSeed(9), classes, { kid: { subsetSize: 30, numSubsets: 5 } });
    expect(calls.length).toBe(4);
    expect(m.fcd).toBeCloseTo(fcd(gen.set, real.set), 10);
    expect(m.kid.mean).toBeCloseTo(kid(gen.set, real.set, Rng.fromSeed(9), { subsetSize: 30, numSubsets: 5 }).mean, 12);
    const pr = precisionRecall(gen.set, real.set);
    expect([m.precision, m.recall]).toEqual([pr.precision, pr.recall]);
    expect(m.accuracy?.accuracy).toBe(0.75);
    expect(m.fcd).toBeGreaterThan(0.1);
  });

  it('refuses the reward classifier, empty sets and NaN images', async () => {
    await expect(extractEvalOutputs(fakeModel('reward'), new Float32Array(784), 1)).rejects.toThrow(/role "reward"; metrics need the evaluation classifier/);
    await expect(extractEvalOutputs(fakeModel('eval'), new Float32Array(0), 0)).rejects.toThrow(/count must be a positive integer \(the sample set is empty\?\), got 0/);
    const img = new Float32Array(2 * 784);
    img[784 + 5] = NaN;
    await expect(extractEvalOutputs(fakeModel('eval'), img, 2)).rejects.toThrow(/images row 1 \(pixel 5\) is NaN/);
  });

  it('rejects a prepared manifold built with another k', () => {
    const set = { features: Rng.fromSeed(2).fillNormal(new Float32Array(30)), count: 10, dim: 3 };
    expect(() => precisionRecall(set, prepareManifold(set, { k: 5 }))).toThrow(/real manifold was built with k = 5; this call uses k = 3/);
    expect(() => prepareReference({ ...set, count: 3, features: set.features.subarray(0, 9) })).toThrow(/n = 3 rows of dim d = 3/);
  });
});
