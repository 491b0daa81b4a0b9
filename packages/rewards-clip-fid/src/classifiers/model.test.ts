import * as tf from '@tensorflow/tfjs';
import { Rng } from '@speedrl/core';
import { initBackend } from '@speedrl/tensor-utils';
import { classifierPreset } from './config';
import { matMulFast } from './layers';
import { createClassifier, PREDICT_CHUNK } from './model';

beforeAll(async () => {
  await initBackend();
});

function images(n: number, seed: number): Float32Array {
  return Rng.fromSeed(seed).fillUniform(new Float32Array(n * 28 * 28));
}

describe('createClassifier / predict', () => {
  it.each(['reward', 'eval'] as const)('%s: logits [B, 10] and features [B, D], logits = features·W + b', async (role) => {
    const model = createClassifier(role, classifierPreset(role, 'tiny'), Rng.fromSeed(1));
    try {
      expect(model.role).toBe(role);
      expect(model.numClasses).toBe(10);
      expect(model.featureDim).toBe(classifierPreset(role, 'tiny').featureDim);
      const { logits, features } = await model.predict(images(3, 2), 3);
      expect(logits.length).toBe(3 * 10);
      expect(features.length).toBe(3 * model.featureDim);
      expect(features.every((v) => v >= 0 && Number.isFinite(v))).toBe(true); // post-ReLU
      const w = model.params.get('head.weight')!.dataSync();
      const b = model.params.get('head.bias')!.dataSync();
      for (const [row, cls] of [[0, 0], [2, 7]] as const) {
        let z = b[cls]!;
        for (let j = 0; j < model.featureDim; j++) z += features[row * model.featureDim + j]! * w[j * 10 + cls]!;
        expect(logits[row * 10 + cls]).toBeCloseTo(z, 4);
      }
    } finally {
      model.dispose();
    }
  });

  it('is deterministic for a seed, differs across seeds, and predicts the same across chunk boundaries', async () => {
    const cfg = classifierPreset('reward', 'tiny');
    const a = createClassifier('reward', cfg, Rng.fromSeed(4));
    const b = createClassifier('reward', cfg, Rng.fromSeed(4));
    const c = createClassifier('reward', cfg, Rng.fromSeed(5));
    try {
      const n = PREDICT_CHUNK + 2;
      const x = images(n, 3);
      const all = await a.predict(x, n);
      expect(Array.from((await b.predict(x, n)).logits)).toEqual(Array.from(all.logits));
      expect(Array.from((await c.predict(x.subarray(0, 784), 1)).logits)).not.toEqual(Array.from(all.logits.subarray(0, 10)));
      const last = await a.predict(x.subarray((n - 1) * 784), 1);
      for (let k = 0; k < 10; k++) expect(last.logits[k]).toBeCloseTo(all.logits[(n - 1) * 10 + k]!, 5);
    } finally {
      for (const m of [a, b, c]) m.dispose();
    }
  });

  it('rejects images of the wrong length and unknown roles; dispose frees every tensor', async () => {
    const before = tf.memory().numTensors;
    const model = createClassifier('eval', classifierPreset('eval', 'tiny'), Rng.fromSeed(1));
    await expect(model.predict(new Float32Array(100), 1)).rejects.toThrow('classifier (eval) predict: images has length 100; expected batch × 28 × 28 = 784');
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => createClassifier('judge' as never, classifierPreset('eval', 'tiny'), Rng.fromSeed(1))).toThrow('role must be "reward" or "eval"');
  });
});

describe('matMulFast', () => {
  it('has the gradients of tf.matMul', () => {
    const rng = Rng.fromSeed(7);
    tf.tidy(() => {
      const x = tf.tensor2d(rng.fillNormal(new Float32Array(15)), [3, 5]);
      const w = tf.tensor2d(rng.fillNormal(new Float32Array(20)), [5, 4]);
      const dy = tf.tensor2d(rng.fillNormal(new Float32Array(12)), [3, 4]);
      const ours = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(matMulFast(a as tf.Tensor2D, b as tf.Tensor2D), dy)))([x, w]);
      const ref = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D), dy)))([x, w]);
      for (let k = 0; k < 2; k++) {
        const [o, r] = [ours[k]!.dataSync(), ref[k]!.dataSync()];
        for (let i = 0; i < r.length; i++) expect(o[i]).toBeCloseTo(r[i]!, 5);
      }
      expect(Array.from(matMulFast(x, w).dataSync())).toEqual(Array.from(tf.matMul(x, w).dataSync()));
    });
  });
});
