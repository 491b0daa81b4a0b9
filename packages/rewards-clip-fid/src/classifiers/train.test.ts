import * as tf from '@tensorflow/tfjs';
import { join } from 'node:path';
import { Rng } from '@speedrl/core';
import { initBackend, loadIdxDataset, type IdxDataset } from '@speedrl/tensor-utils';
import { classifierPreset } from './config';
import { gatherBatch } from './data';
import { createClassifier } from './model';
import { classifierTrainStep, evaluateClassifier, trainClassifier } from './train';

const FIXTURE = join(__dirname, '../../../tensor-utils/test-fixtures/fashion-mnist');
let train: IdxDataset;
let test: IdxDataset;

beforeAll(async () => {
  await initBackend();
  train = loadIdxDataset({ dir: FIXTURE, split: 'train' });
  test = loadIdxDataset({ dir: FIXTURE, split: 'test' });
});

describe('trainClassifier', () => {
  it.each(['reward', 'eval'] as const)('%s (tiny): loss falls on the fixture and accuracy beats chance', async (role) => {
    const model = createClassifier(role, classifierPreset(role, 'tiny'), Rng.fromSeed(3));
    try {
      const before = evaluateClassifier(model, train.images, train.labels);
      const losses: number[] = [];
      const result = await trainClassifier({ model, images: train.images, labels: train.labels, epochs: 8, rng: Rng.fromSeed(4), onProgress: (p) => void losses.push(p.loss) });
      expect(result).toMatchObject({ stepsTaken: 8 * 12, finalStep: 96, stopped: false });
      expect(losses.length).toBe(96);
      const after = evaluateClassifier(model, train.images, train.labels);
      expect(after.loss).toBeLessThan(0.6 * before.loss);
      expect(after.accuracy).toBeGreaterThan(before.accuracy);
      expect(evaluateClassifier(model, test.images, test.labels).accuracy).toBeGreaterThan(0.4); // chance is 0.1
    } finally {
      model.dispose();
    }
  });

  it('is deterministic for a seed: same data order, augmentation, dropout and updates', async () => {
    const cfg = classifierPreset('eval', 'tiny'); // dropout, flips and shifts all on
    const run = async () => {
      const model = createClassifier('eval', cfg, Rng.fromSeed(8));
      await trainClassifier({ model, images: train.images, labels: train.labels, steps: 6, rng: Rng.fromSeed(9) });
      const weights = Array.from(model.params.get('fc.weight')!.dataSync());
      model.dispose();
      return weights;
    };
    expect(await run()).toEqual(await run());
  });

  it('stops cleanly on abort and resumes from startStep', async () => {
    const model = createClassifier('reward', classifierPreset('reward', 'tiny'), Rng.fromSeed(1));
    try {
      const controller = new AbortController();
      const first = await trainClassifier({
        model, images: train.images, labels: train.labels, steps: 10, rng: Rng.fromSeed(2), signal: controller.signal,
        onProgress: (p) => { if (p.step === 3) controller.abort(); },
      });
      expect(first).toMatchObject({ stepsTaken: 3, finalStep: 3, stopped: true });
      const rest = await trainClassifier({ model, images: train.images, labels: train.labels, steps: 10, rng: Rng.fromSeed(2) });
      expect(rest).toMatchObject({ stepsTaken: 7, finalStep: 10, stopped: false });
      expect(model.optimizer.step).toBe(10);
    } finally {
      model.dispose();
    }
  });

  it('rejects a batch larger than the data and mismatched labels', async () => {
    const model = createClassifier('reward', classifierPreset('reward', 'tiny'), Rng.fromSeed(1));
    try {
      await expect(trainClassifier({ model, images: train.images, labels: train.labels, steps: 1, batchSize: 201, rng: Rng.fromSeed(1) }))
        .rejects.toThrow('batchSize must be an integer in [1, 200] (the number of images), got 201');
      await expect(trainClassifier({ model, images: train.images, labels: train.labels.subarray(1), steps: 1, rng: Rng.fromSeed(1) }))
        .rejects.toThrow('trainClassifier: labels has 199 entries; expected one per image (200)');
    } finally {
      model.dispose();
    }
  });
});

describe('classifierTrainStep', () => {
  it.each(['reward', 'eval'] as const)('%s: leaks no tensors per step', (role) => {
    const cfg = classifierPreset(role, 'tiny');
    const model = createClassifier(role, cfg, Rng.fromSeed(1));
    try {
      const batch = gatherBatch(train.images, Int32Array.from({ length: 16 }, (_, i) => i), 28);
      const labels = Int32Array.from(train.labels.subarray(0, 16));
      classifierTrainStep(model, batch, labels, 1e-3, Rng.fromSeed(2));
      const before = tf.memory().numTensors;
      const { loss, accuracy } = classifierTrainStep(model, batch, labels, 1e-3, Rng.fromSeed(3));
      expect(tf.memory().numTensors).toBe(before);
      expect(Number.isFinite(loss)).toBe(true);
      expect(accuracy).toBeGreaterThanOrEqual(0);
      expect(accuracy).toBeLessThanOrEqual(1);
      expect(model.step).toBe(2);
    } finally {
      model.dispose();
    }
  });
});

describe('evaluateClassifier', () => {
  it('agrees with predict and reports the mean cross-entropy', async () => {
    const model = createClassifier('eval', classifierPreset('eval', 'tiny'), Rng.fromSeed(6));
    try {
      const n = 40;
      const images = gatherBatch(test.images, Int32Array.from({ length: n }, (_, i) => i), 28);
      const labels = test.labels.subarray(0, n);
      const { logits } = await model.predict(images, n);
      let correct = 0;
      let loss = 0;
      for (let i = 0; i < n; i++) {
        const row = Array.from(logits.subarray(i * 10, i * 10 + 10));
        const max = Math.max(...row);
        if (row.indexOf(max) === labels[i]) correct++;
        loss += Math.log(row.reduce((s, z) => s + Math.exp(z - max), 0)) + max - row[labels[i]!]!;
      }
      const ev = evaluateClassifier(model, test.images.subarray(0, n * 784), labels);
      expect(ev.count).toBe(n);
      expect(ev.accuracy).toBeCloseTo(correct / n, 10);
      expect(ev.loss).toBeCloseTo(loss / n, 4);
    } finally {
      model.dispose();
    }
  });
});
