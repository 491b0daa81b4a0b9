import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, writeSafetensors } from '@speedrl/core';
import { initBackend, loadIdxDataset, type IdxDataset } from '@speedrl/tensor-utils';
import { classifierPreset } from './config';
import { featureStatistics, loadFeatureStatistics, saveFeatureStatistics } from './feature-stats';
import { createClassifier } from './model';
import type { FeatureModel } from './types';

const FIXTURE = join(__dirname, '../../../tensor-utils/test-fixtures/fashion-mnist');
let test: IdxDataset;

beforeAll(async () => {
  await initBackend();
  test = loadIdxDataset({ dir: FIXTURE, split: 'test' });
});

/** A structural FeatureModel: features = [mean of top half, mean of bottom half, first pixel]. */
const fake: FeatureModel = {
  role: 'eval',
  featureDim: 3,
  numClasses: 10,
  predict(images: Float32Array, batch: number) {
    const features = new Float32Array(batch * 3);
    for (let b = 0; b < batch; b++) {
      let top = 0;
      let bottom = 0;
      for (let i = 0; i < 392; i++) top += images[b * 784 + i]!;
      for (let i = 392; i < 784; i++) bottom += images[b * 784 + i]!;
      features.set([top / 392, bottom / 392, images[b * 784]!], b * 3);
    }
    return Promise.resolve({ logits: new Float32Array(batch * 10), features });
  },
};

/** Mean and sample covariance (ddof 1) of the rows of `x` `[n, d]` selected by `keep`. */
function direct(x: Float32Array, d: number, keep: (row: number) => boolean): { mean: number[]; cov: number[]; count: number } {
  const rows = Array.from({ length: x.length / d }, (_, r) => r).filter(keep);
  const mean = Array.from({ length: d }, (_, j) => rows.reduce((s, r) => s + x[r * d + j]!, 0) / rows.length);
  const cov = Array.from({ length: d * d }, (_, k) => {
    const [i, j] = [Math.floor(k / d), k % d];
    return rows.reduce((s, r) => s + (x[r * d + i]! - mean[i]!) * (x[r * d + j]! - mean[j]!), 0) / (rows.length - 1);
  });
  return { mean, cov, count: rows.length };
}

describe('featureStatistics', () => {
  it('overall and per-class Gaussians equal a direct two-pass computation, across chunks', async () => {
    const n = 90;
    const f32 = Float32Array.from(test.images.subarray(0, n * 784), (v) => v / 255);
    const labels = test.labels.subarray(0, n);
    const stats = await featureStatistics(fake, test.images.subarray(0, n * 784), labels, { chunk: 25 });
    const { features } = await fake.predict(f32, n);
    expect(stats.role).toBe('eval');
    expect(stats.featureDim).toBe(3);
    const all = direct(features, 3, () => true);
    expect(stats.overall.count).toBe(n);
    for (let k = 0; k < 3; k++) expect(stats.overall.mean[k]).toBeCloseTo(all.mean[k]!, 10);
    for (let k = 0; k < 9; k++) expect(stats.overall.cov[k]).toBeCloseTo(all.cov[k]!, 10);
    expect(stats.perClass).toHaveLength(10);
    expect(stats.perClass!.reduce((s, g) => s + g.count, 0)).toBe(n);
    for (const c of [0, 7]) {
      const ref = direct(features, 3, (r) => labels[r] === c);
      expect(stats.perClass![c]!.count).toBe(ref.count);
      for (let k = 0; k < 3; k++) expect(stats.perClass![c]!.mean[k]).toBeCloseTo(ref.mean[k]!, 10);
      for (let k = 0; k < 9; k++) expect(stats.perClass![c]!.cov[k]).toBeCloseTo(ref.cov[k]!, 10);
    }
  });

  it('works on a real (untrained) classifier of the reward role, without labels', async () => {
    const model = createClassifier('reward', classifierPreset('reward', 'tiny'), Rng.fromSeed(1));
    try {
      const stats = await featureStatistics(model, test.images.subarray(0, 20 * 784));
      expect(stats.role).toBe('reward');
      expect(stats.overall.mean.length).toBe(model.featureDim);
      expect(stats.overall.cov.length).toBe(model.featureDim ** 2);
      expect(stats.perClass).toBeUndefined();
    } finally {
      model.dispose();
    }
  });

  it('rejects classes with fewer than 2 images and bad lengths', async () => {
    await expect(featureStatistics(fake, test.images.subarray(0, 5 * 784), test.labels.subarray(0, 5))).rejects.toThrow(/class \d has [01] image\(s\); per-class statistics need at least 2/);
    await expect(featureStatistics(fake, test.images.subarray(0, 100))).rejects.toThrow('images has length 100; expected a positive multiple of 28×28 = 784');
    await expect(featureStatistics(fake, test.images.subarray(0, 784), Uint8Array.of(1, 2))).rejects.toThrow('labels has 2 entries; expected one per image (1)');
  });
});

describe('saveFeatureStatistics / loadFeatureStatistics', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'feature-stats-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('round-trips exactly (float64) with the role, and rejects other files', async () => {
    const stats = await featureStatistics(fake, test.images, test.labels);
    const path = join(dir, 'stats.safetensors');
    await saveFeatureStatistics(path, stats, { split: 'test' });
    const back = await loadFeatureStatistics(path);
    expect(back.role).toBe('eval');
    expect(back.featureDim).toBe(3);
    expect(Array.from(back.overall.cov)).toEqual(Array.from(stats.overall.cov));
    expect(back.perClass!.map((g) => Array.from(g.mean))).toEqual(stats.perClass!.map((g) => Array.from(g.mean)));
    const other = join(dir, 'other.safetensors');
    await writeSafetensors(other, { x: { dtype: 'F32', shape: [1], data: Float32Array.of(1) } });
    await expect(loadFeatureStatistics(other)).rejects.toThrow(`feature statistics ${other}: metadata "format" must be "speedrl-feature-stats"`);
  });
});
