import { createClassifierReward, logSoftmaxAt } from './classifier-reward';
import type { FeatureModel, RewardInput } from './types';

/** A fake classifier: logits are 4 × pixels 0..2 of each image, features pixels 3..4 (pixels stay in [0, 1]). */
function fakeModel(role: 'reward' | 'eval' = 'reward', calls: number[] = []): FeatureModel {
  return {
    role, featureDim: 2, numClasses: 3,
    predict: async (images, batch) => {
      calls.push(batch);
      const logits = new Float32Array(batch * 3);
      const features = new Float32Array(batch * 2);
      for (let i = 0; i < batch; i++) {
        for (let k = 0; k < 3; k++) logits[i * 3 + k] = 4 * (images[i * 784 + k] as number);
        features.set(images.subarray(i * 784 + 3, i * 784 + 5), i * 2);
      }
      return { logits, features };
    },
  };
}

/** A batch of 28×28 images whose first pixels are `rows[i]`. */
function batchOf(rows: number[][], classes: number[]): RewardInput {
  const images = new Float32Array(rows.length * 784);
  rows.forEach((r, i) => images.set(r, i * 784));
  return { images, classes: Int32Array.from(classes), batch: rows.length, height: 28, width: 28 };
}

describe('classifier reward', () => {
  it('is log-softmax of the conditioning class (hand cases)', async () => {
    const reward = createClassifierReward(fakeModel());
    const out = await reward(batchOf([[0.25, 0.5, 0.75], [0, 0, 0], [0.125, 0, 0]], [2, 0, 1]));
    expect(out[0]).toBeCloseTo(3 - Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)), 6);
    expect(out[1]).toBeCloseTo(-Math.log(3), 6);
    expect(out[2]).toBeCloseTo(-Math.log(Math.exp(0.5) + 2), 6);
  });

  it('logSoftmaxAt is stable for large logits', () => {
    expect(logSoftmaxAt([1000, 0, 0], 0, 3, 1)).toBeCloseTo(-1000, 9);
    expect(logSoftmaxAt([0, 0, 1000, 0, 0, 0], 0, 3, 2)).toBeCloseTo(0, 9);
  });

  it('refuses the evaluation classifier with a clear error', () => {
    expect(() => createClassifierReward(fakeModel('eval'))).toThrow(/role "eval"; rewards need role "reward".*never used as a reward/);
  });

  it('predicts in chunks of batchSize and handles an empty batch', async () => {
    const calls: number[] = [];
    const reward = createClassifierReward(fakeModel('reward', calls), { batchSize: 2 });
    const out = await reward(batchOf([[0.25, 0, 0], [0, 0.25, 0], [0, 0, 0.25], [0.25, 0, 0], [0, 0.25, 0]], [0, 1, 2, 0, 0])); // logits 1 where 0.25
    expect(calls).toEqual([2, 2, 1]);
    expect(out[3]).toBeCloseTo(out[0] as number, 6);
    expect(out[4]).toBeCloseTo(-Math.log(Math.E + 2), 6);
    expect((await reward(batchOf([], []))).length).toBe(0);
  });

  it('rejects bad images, classes and model outputs with the row named', async () => {
    const reward = createClassifierReward(fakeModel());
    const nan = batchOf([[0, 0, 0], [0, 0, 0]], [0, 1]);
    nan.images[784 + 10] = NaN;
    await expect(reward(nan)).rejects.toThrow('classifier reward: batch.images: image 1 pixel 10 is NaN; pixels must be finite and in [0, 1]');
    const scaled = batchOf([[0, 0, 0], [0, 0, 0]], [0, 1]);
    scaled.images[784 + 5] = 255; // a ×255 image would otherwise get the reward's maximum
    await expect(reward(scaled)).rejects.toThrow('image 1 pixel 5 is 255; pixels must be finite and in [0, 1] (images scaled to 0–255? divide by 255)');
    const negative = batchOf([[0, -0.5, 0]], [0]);
    await expect(reward(negative)).rejects.toThrow('image 0 pixel 1 is -0.5;');
    await expect(reward(batchOf([[0]], [3]))).rejects.toThrow(/batch.classes\[0\] = 3; expected a class id in \[0, 3\)/);
    await expect(reward({ ...batchOf([], []), height: 14, width: 14 })).rejects.toThrow(/takes 28 × 28 images; batch is 14 × 14/);
    await expect(reward(batchOf([[Infinity]], [0]))).rejects.toThrow(/image 0 pixel 0 is Infinity; pixels must be finite/);
    const broken: FeatureModel = { ...fakeModel(), predict: async () => ({ logits: new Float32Array(2), features: new Float32Array(2) }) };
    await expect(createClassifierReward(broken)(batchOf([[0]], [0]))).rejects.toThrow(/returned logits of length 2; expected 1 × 3 = 3/);
    const nanModel: FeatureModel = { ...fakeModel(), predict: async () => ({ logits: Float32Array.of(0, NaN, 0), features: new Float32Array(2) }) };
    await expect(createClassifierReward(nanModel)(batchOf([[0]], [0]))).rejects.toThrow(/model logits row 0, column 1 is NaN/);
  });
});
