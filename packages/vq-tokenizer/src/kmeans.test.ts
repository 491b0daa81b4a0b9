import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@speedrl/core';
import { initBackend, loadIdxDataset } from '@speedrl/tensor-utils';
import { evaluate } from './codec';
import { tokensPerImage, VQ_PRESETS } from './config';
import { assignNearest, initCodebookKMeans, kmeans } from './kmeans';
import { nearestCodesHost } from './quantize';
import { createVqModel, disposeVqModel } from './model';

const FIXTURE = join(__dirname, '../../tensor-utils/test-fixtures/fashion-mnist');

beforeAll(async () => {
  await initBackend();
});

/** `perBlob` points around each centre with N(0, 0.1²) noise. */
function blobs(centres: number[][], perBlob: number, rng: Rng): Float32Array {
  const out: number[] = [];
  for (let i = 0; i < perBlob; i++) for (const c of centres) for (const v of c) out.push(v + rng.normal(0, 0.1));
  return Float32Array.from(out);
}

describe('kmeans', () => {
  it('finds three well-separated blobs', () => {
    const centres = [[0, 0], [10, 0], [0, 10]];
    const result = kmeans(blobs(centres, 50, Rng.fromSeed(1)), 2, 3, 5, Rng.fromSeed(2));
    const found = Array.from({ length: 3 }, (_, i) => [result.centroids[2 * i]!, result.centroids[2 * i + 1]!]);
    for (const c of centres) {
      const nearest = Math.min(...found.map((f) => Math.hypot(f[0]! - c[0]!, f[1]! - c[1]!)));
      expect(nearest).toBeLessThan(0.1);
    }
    expect(Array.from(result.counts).sort()).toEqual([50, 50, 50]);
    expect(result.mse).toBeLessThan(0.02); // ≈ noise variance 0.01
  });

  it('is deterministic for a seed and re-seeds clusters that go empty', () => {
    const points = Float32Array.from([0, 0, 0, 0, 0, 0, 1, 1]); // 4 points, only 2 distinct
    const a = kmeans(points, 2, 3, 2, Rng.fromSeed(5));
    const b = kmeans(points, 2, 3, 2, Rng.fromSeed(5));
    expect(Array.from(a.centroids)).toEqual(Array.from(b.centroids));
    expect(a.reseeded).toBeGreaterThan(0);
    expect(a.mse).toBe(0);
  });

  it('gets the same assignments from the tf matMul search as from plain loops', () => {
    const rng = Rng.fromSeed(11);
    const points = rng.fillNormal(new Float32Array(500 * 4));
    const centroids = rng.fillNormal(new Float32Array(7 * 4));
    const before = tf.memory().numTensors;
    expect(Array.from(nearestCodesHost(points, centroids, 4, 128))).toEqual(Array.from(assignNearest(points, centroids, 4)));
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects a point array that is not a multiple of dim', () => {
    expect(() => kmeans(new Float32Array(5), 2, 2, 1, Rng.fromSeed(1))).toThrow('points has 5 values, not a positive multiple of dim 2');
  });
});

describe('initCodebookKMeans', () => {
  it('gives a lower quantisation error than the random initial codebook, and consistent EMA state', () => {
    const images = loadIdxDataset({ dir: FIXTURE, split: 'test' }).images;
    const cfg = VQ_PRESETS.tiny;
    const model = createVqModel(cfg, Rng.fromSeed(7));
    const before = tf.memory().numTensors;
    const random = evaluate(model, images);
    const result = initCodebookKMeans(model, images, Rng.fromSeed(8));
    const fitted = evaluate(model, images);
    expect(tf.memory().numTensors).toBe(before);
    expect(model.codebookInit).toBe('kmeans');
    expect(fitted.quantizationMse).toBeLessThan(0.5 * random.quantizationMse);
    expect(fitted.usage).toBeGreaterThan(random.usage);
    // The k-means sample's error is close to the whole set's (the sample is representative).
    expect(result.mse).toBeLessThan(1.5 * fitted.quantizationMse);
    // EMA counts are the expected assignments per training batch: they sum to batchSize · tokens.
    const total = model.ema.clusterSize.reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(cfg.batchSize * tokensPerImage(cfg), 2);
    // m_i = e_i · N_i, so the EMA codebook equals the k-means centroids.
    const codebook = model.codebook.dataSync();
    for (let i = 0; i < cfg.codeDim; i++) {
      expect(model.ema.embedSum[i]).toBeCloseTo(codebook[i]! * model.ema.clusterSize[0]!, 3);
    }
    disposeVqModel(model);
  });

  it('rejects images that are not whole 28×28 frames', () => {
    const model = createVqModel(VQ_PRESETS.tiny, Rng.fromSeed(1));
    expect(() => initCodebookKMeans(model, new Float32Array(100), Rng.fromSeed(1))).toThrow(
      'initCodebookKMeans images: length 100 is not a multiple of 28×28 = 784 pixels',
    );
    disposeVqModel(model);
  });
});
