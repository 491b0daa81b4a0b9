/**
 * Codebook initialisation by k-means on encoder outputs: k-means++ seeding (Arthur & Vassilvitskii 2007)
 * then Lloyd iterations (Lloyd 1982) on a seeded sample, as in SoundStream and Jukebox VQ codebooks.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@speedrl/core';
import { tokensPerImage } from './config';
import { encoderOutputs } from './codec';
import { imageCount, type VqImages } from './images';
import type { VqModel } from './model';
import { nearestCodesHost, quantizationMse } from './quantize';

/** Result of {@link kmeans}. */
export interface KMeansResult {
  /** Centroids `[k, dim]`. */
  readonly centroids: Float32Array;
  /** Points per centroid after the last assignment, `[k]`. */
  readonly counts: Int32Array;
  /** Mean squared distance per element, Σ||x − c(x)||² / (n·dim), after the last assignment. */
  readonly mse: number;
  /** Clusters that went empty in some iteration and were re-seeded from a random point. */
  readonly reseeded: number;
}

function sqDist(a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) {
    const diff = (a[i * dim + d] as number) - (b[j * dim + d] as number);
    s += diff * diff;
  }
  return s;
}

function copyRow(dst: Float32Array, i: number, src: Float32Array, j: number, dim: number): void {
  dst.set(src.subarray(j * dim, (j + 1) * dim), i * dim);
}

/** k-means++ seeding: each new centre drawn with probability ∝ squared distance to the nearest chosen one. */
function seedPlusPlus(points: Float32Array, n: number, dim: number, k: number, rng: Rng): Float32Array {
  const centroids = new Float32Array(k * dim);
  const best = new Float64Array(n).fill(Infinity);
  copyRow(centroids, 0, points, rng.int(n), dim);
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let j = 0; j < n; j++) {
      const d = Math.min(best[j] as number, sqDist(points, j, centroids, c - 1, dim));
      best[j] = d;
      total += d;
    }
    copyRow(centroids, c, points, total > 0 ? rng.categorical(best) : rng.int(n), dim);
  }
  return centroids;
}

/** Nearest-centroid ids of `points` `[n, dim]` for `centroids` `[k, dim]` (ties: lowest id). */
export type AssignFn = (points: Float32Array, centroids: Float32Array, dim: number) => Int32Array;

/** Plain-loop {@link AssignFn}. */
export function assignNearest(points: Float32Array, centroids: Float32Array, dim: number): Int32Array {
  const n = points.length / dim;
  const k = centroids.length / dim;
  const out = new Int32Array(n);
  for (let j = 0; j < n; j++) {
    let bestId = 0;
    let bestD = Infinity;
    for (let c = 0; c < k; c++) {
      const d = sqDist(points, j, centroids, c, dim);
      if (d < bestD) {
        bestD = d;
        bestId = c;
      }
    }
    out[j] = bestId;
  }
  return out;
}

/**
 * k-means of `points` `[n, dim]` into `k` clusters: k-means++ seeding, then `iterations` Lloyd steps
 * (assign, re-centre; an empty cluster is re-seeded from a random point), then a final assignment.
 * `assign` finds nearest centroids (default: plain loops; {@link initCodebookKMeans} uses a tf matMul).
 */
export function kmeans(points: Float32Array, dim: number, k: number, iterations: number, rng: Rng, assign: AssignFn = assignNearest): KMeansResult {
  const n = points.length / dim;
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`kmeans: points has ${points.length} values, not a positive multiple of dim ${dim}`);
  const centroids = seedPlusPlus(points, n, dim, k, rng);
  const counts = new Int32Array(k);
  let reseeded = 0;
  for (let it = 0; it < iterations; it++) {
    const ids = assign(points, centroids, dim);
    const sums = new Float64Array(k * dim);
    counts.fill(0);
    for (let j = 0; j < n; j++) {
      const c = ids[j] as number;
      counts[c] = (counts[c] as number) + 1;
      for (let d = 0; d < dim; d++) sums[c * dim + d] = (sums[c * dim + d] as number) + (points[j * dim + d] as number);
    }
    for (let c = 0; c < k; c++) {
      const m = counts[c] as number;
      if (m === 0) {
        copyRow(centroids, c, points, rng.int(n), dim);
        reseeded++;
        continue;
      }
      for (let d = 0; d < dim; d++) centroids[c * dim + d] = (sums[c * dim + d] as number) / m;
    }
  }
  const ids = assign(points, centroids, dim);
  counts.fill(0);
  for (const c of ids) counts[c] = (counts[c] as number) + 1;
  return { centroids, counts, mse: quantizationMse(points, centroids, ids, dim), reseeded };
}

/** Options of {@link initCodebookKMeans}; defaults come from the model's config. */
export interface KMeansInitOptions {
  /** Encoder outputs to cluster (whole images are sampled until at least this many). */
  readonly sampleSize?: number;
  /** Lloyd iterations. */
  readonly iterations?: number;
}

/**
 * Sets the codebook to k-means centroids of encoder outputs of a seeded sample of `images`
 * (`[count, 28, 28]`), and the EMA statistics to match: N_i = the centroid's share of a batch's
 * assignments, m_i = e_i·N_i. Returns the k-means result (its `mse` is the quantisation error).
 */
export function initCodebookKMeans(model: VqModel, images: VqImages, rng: Rng, options: KMeansInitOptions = {}): KMeansResult {
  const cfg = model.config;
  const count = imageCount(images, cfg.imageSize, 'initCodebookKMeans images');
  if (count === 0) throw new RangeError('initCodebookKMeans: no images given');
  const sampleSize = options.sampleSize ?? cfg.kmeansSampleSize;
  const iterations = options.iterations ?? cfg.kmeansIterations;
  const t = tokensPerImage(cfg);
  const take = Math.min(count, Math.ceil(sampleSize / t));
  const picked = rng.permutation(count).subarray(0, take);
  const vectors = encoderOutputs(model, images, picked);
  const result = kmeans(vectors, cfg.codeDim, cfg.codebookSize, iterations, rng, (p, c, d) => nearestCodesHost(p, c, d));
  const n = vectors.length / cfg.codeDim;
  const perBatch = cfg.batchSize * t;
  for (let i = 0; i < cfg.codebookSize; i++) {
    const size = ((result.counts[i] as number) / n) * perBatch;
    model.ema.clusterSize[i] = size;
    for (let d = 0; d < cfg.codeDim; d++) {
      model.ema.embedSum[i * cfg.codeDim + d] = (result.centroids[i * cfg.codeDim + d] as number) * size;
    }
  }
  tf.tidy(() => model.codebook.assign(tf.tensor2d(result.centroids, [cfg.codebookSize, cfg.codeDim])));
  model.codebookInit = 'kmeans';
  return result;
}

