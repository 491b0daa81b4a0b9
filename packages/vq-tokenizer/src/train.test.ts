import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@speedrl/core';
import { initBackend, loadIdxDataset } from '@speedrl/tensor-utils';
import { evaluate } from './codec';
import { resolveVqConfig, VQ_PRESETS } from './config';
import { gatherImages, range } from './images';
import { createVqModel, disposeVqModel, type VqModel } from './model';
import { train, type VqTrainProgress } from './train';
import { trainStep } from './train-step';

const FIXTURE = join(__dirname, '../../tensor-utils/test-fixtures/fashion-mnist');
let images: Uint8Array;

beforeAll(async () => {
  await initBackend();
  images = loadIdxDataset({ dir: FIXTURE, split: 'test' }).images;
});

function weights(model: VqModel): Float32Array[] {
  return [...model.params.values(), model.codebook].map((v) => Float32Array.from(v.dataSync() as Float32Array));
}

describe('train', () => {
  it('lowers the reconstruction MSE clearly within a few dozen steps', async () => {
    const model = createVqModel(VQ_PRESETS.tiny, Rng.fromSeed(1));
    const before = evaluate(model, images);
    const seen: VqTrainProgress[] = [];
    const result = await train({ model, images, steps: 40, rng: Rng.fromSeed(2), progressEvery: 10, onProgress: (p) => void seen.push(p) });
    const after = evaluate(model, images);
    expect(result).toMatchObject({ stepsTaken: 40, finalStep: 40, stopped: false });
    expect(result.kmeansMse).toBeGreaterThan(0); // k-means ran before the first step
    expect(seen.map((p) => p.step)).toEqual([10, 20, 30, 40]);
    expect(seen.map((p) => p.epoch)).toEqual([0, 1, 1, 2]); // 300 images / 16 = 18 steps per epoch
    expect(after.mse).toBeLessThan(0.5 * before.mse);
    expect(after.psnr).toBeGreaterThan(before.psnr + 3);
    expect(after.usage).toBeGreaterThan(0.5);
    for (const p of seen) expect(p.loss).toBeCloseTo(p.reconMse + 0.25 * p.commitLoss, 5);
    expect(seen[3]!.learningRate).toBeCloseTo(VQ_PRESETS.tiny.learningRate * VQ_PRESETS.tiny.learningRateFloor, 10);
    disposeVqModel(model);
  });

  it('is deterministic for a seed, and resuming from a step count reproduces the uninterrupted run', async () => {
    const run = async (stops: number[]) => {
      const model = createVqModel(VQ_PRESETS.tiny, Rng.fromSeed(3));
      const losses: number[] = [];
      for (const untilStep of stops) {
        await train({ model, images, steps: 20, untilStep, rng: Rng.fromSeed(4), onProgress: (p) => void losses.push(p.loss) });
      }
      const w = weights(model);
      disposeVqModel(model);
      return { losses, w };
    };
    const a = await run([20]);
    const b = await run([20]);
    const c = await run([7, 20]); // stop after 7 steps (mid-epoch), then continue from model.step
    expect(b.losses).toEqual(a.losses);
    expect(c.losses).toEqual(a.losses);
    for (let i = 0; i < a.w.length; i++) expect(Array.from(c.w[i]!)).toEqual(Array.from(a.w[i]!));
    const other = createVqModel(VQ_PRESETS.tiny, Rng.fromSeed(3));
    const losses: number[] = [];
    await train({ model: other, images, steps: 3, rng: Rng.fromSeed(5), onProgress: (p) => void losses.push(p.loss) });
    expect(losses).not.toEqual(a.losses.slice(0, 3));
    disposeVqModel(other);
  });

  it('stops cleanly when aborted and validates its options', async () => {
    const model = createVqModel(VQ_PRESETS.tiny, Rng.fromSeed(1));
    const controller = new AbortController();
    const result = await train({
      model, images, steps: 50, rng: Rng.fromSeed(1), initKMeans: false,
      onProgress: (p) => { if (p.step === 3) controller.abort(); }, signal: controller.signal,
    });
    expect(result).toMatchObject({ stepsTaken: 3, finalStep: 3, stopped: true, kmeansMse: undefined });
    await expect(train({ model, images, rng: Rng.fromSeed(1) })).rejects.toThrow('give "steps" or "epochs"');
    await expect(train({ model, images, steps: 1, batchSize: 301, rng: Rng.fromSeed(1) })).rejects.toThrow(
      'batchSize must be an integer in [1, 300] (the number of images), got 301',
    );
    disposeVqModel(model);
  });
});

describe('trainStep', () => {
  it('leaks no tensors', () => {
    const model = createVqModel(VQ_PRESETS.tiny, Rng.fromSeed(1));
    const batch = gatherImages(images, 28, range(0, 16));
    trainStep(model, batch, Rng.fromSeed(1)); // first step creates nothing lasting either, but warm up anyway
    const before = tf.memory().numTensors;
    trainStep(model, batch, Rng.fromSeed(2));
    expect(tf.memory().numTensors).toBe(before);
    expect(model.step).toBe(2);
    expect(model.optimizer.step).toBe(2);
    disposeVqModel(model);
  });

  it('passes reconstruction gradients to the encoder through the straight-through estimator (β = 0)', () => {
    const model = createVqModel(resolveVqConfig({ beta: 0 }, VQ_PRESETS.tiny), Rng.fromSeed(1));
    const w0 = Float32Array.from(model.params.get('encoder.down0.weight')!.dataSync() as Float32Array);
    const m = trainStep(model, gatherImages(images, 28, range(0, 16)), Rng.fromSeed(1));
    const w1 = model.params.get('encoder.down0.weight')!.dataSync();
    expect(m.loss).toBeCloseTo(m.reconMse, 6);
    expect(w1.some((v, i) => Math.abs(v - w0[i]!) > 1e-5)).toBe(true);
    disposeVqModel(model);
  });

  it('re-seeds a dead code from an encoder output of the batch', () => {
    const cfg = VQ_PRESETS.tiny;
    const model = createVqModel(cfg, Rng.fromSeed(1));
    const d = cfg.codeDim;
    const far = new Float32Array(cfg.codebookSize * d).fill(0);
    far.set(model.codebook.dataSync() as Float32Array);
    far.fill(1000, 3 * d, 4 * d); // code 3: far from every encoder output, so never chosen
    tf.tidy(() => model.codebook.assign(tf.tensor2d(far, [cfg.codebookSize, d])));
    model.ema.clusterSize[3] = 0;
    model.ema.embedSum.fill(0, 3 * d, 4 * d);
    const m = trainStep(model, gatherImages(images, 28, range(0, 16)), Rng.fromSeed(9));
    expect(m.deadRestarted).toBeGreaterThanOrEqual(1);
    const code3 = Array.from(model.codebook.dataSync().subarray(3 * d, 4 * d));
    expect(code3.every((v) => Math.abs(v) < 50)).toBe(true);
    expect(code3.some((v) => v !== 0)).toBe(true);
    expect(model.ema.clusterSize[3]).toBeGreaterThanOrEqual(cfg.deadCodeThreshold);
    disposeVqModel(model);
  });

  it('rejects a batch that is not whole images', () => {
    const model = createVqModel(VQ_PRESETS.tiny, Rng.fromSeed(1));
    expect(() => trainStep(model, new Float32Array(800), Rng.fromSeed(1))).toThrow('trainStep images: length 800 is not a multiple of 28×28');
    disposeVqModel(model);
  });
});
