/**
 * Gaussian summaries of classifier features (docs/architecture.md, "Speed-RL objective" and "Evaluation protocol"): the
 * overall mean/covariance (for FCD, the Fréchet distance of Heusel et al. 2017, arXiv:1706.08500, on classifier
 * features) and per-class Gaussians (for the realism reward's Mahalanobis distance), accumulated in float64 with
 * streaming moments.
 */
import { checkPixels } from '../pixels';
import { readSafetensors, requireTensor, writeSafetensors, type SafeTensorMap } from '@speedrl/core';
import {
  createMoments, finalizeMoments, gaussianFromTensors, gaussianToTensors, updateMoments, type GaussianStats,
  type Moments,
} from '@speedrl/tensor-utils';
import type { ClassifierImages, ClassifierLabels } from './data';
import type { ClassifierRole, FeatureModel } from './types';

/** Feature statistics of one image set under one classifier. */
export interface FeatureStatistics {
  readonly role: ClassifierRole;
  readonly featureDim: number;
  /** Gaussian of all images' features: mean `[D]`, covariance `[D, D]` (ddof 1). */
  readonly overall: GaussianStats;
  /** One Gaussian per class (index = label) when labels were given. */
  readonly perClass?: readonly GaussianStats[];
}

/** Options of {@link featureStatistics}. */
export interface FeatureStatisticsOptions {
  /** Side of the square images (default 28). */
  readonly imageSize?: number;
  /** Images per `predict` call (default 1000; bounds memory). */
  readonly chunk?: number;
}

const FORMAT = 'speedrl-feature-stats';

/**
 * File name of a classifier's feature statistics inside its directory (`classifier/feature-stats.safetensors`, beside
 * `model.safetensors` and `config.json`): the realism reward and the FCD reference read it from there.
 */
export const FEATURE_STATS_FILE = 'feature-stats.safetensors';

/**
 * Overall and (with `labels`) per-class feature Gaussians of `images` `[n, size, size]` (f32 in [0, 1]
 * or u8) under `model`. Every class in [0, numClasses) needs ≥ 2 images when labels are given.
 */
export async function featureStatistics(
  model: FeatureModel,
  images: ClassifierImages,
  labels?: ClassifierLabels,
  options: FeatureStatisticsOptions = {},
): Promise<FeatureStatistics> {
  const size = options.imageSize ?? 28;
  const chunk = options.chunk ?? 1000;
  const pixels = size * size;
  const fn = 'featureStatistics';
  if (images.length === 0 || images.length % pixels !== 0) {
    throw new RangeError(`${fn}: images has length ${images.length}; expected a positive multiple of ${size}×${size} = ${pixels}`);
  }
  const n = images.length / pixels;
  checkPixels(images, pixels, fn);
  if (labels !== undefined && labels.length !== n) throw new RangeError(`${fn}: labels has ${labels.length} entries; expected one per image (${n})`);
  const d = model.featureDim;
  let overall = createMoments(d);
  const perClass: Moments[] | undefined = labels === undefined ? undefined : Array.from({ length: model.numClasses }, () => createMoments(d));
  for (let start = 0; start < n; start += chunk) {
    const count = Math.min(chunk, n - start);
    const slice = images.subarray(start * pixels, (start + count) * pixels);
    const batch = slice instanceof Float32Array ? slice : Float32Array.from(slice, (v) => v / 255);
    const { features } = await model.predict(batch, count);
    overall = updateMoments(overall, features, count);
    if (perClass !== undefined && labels !== undefined) {
      for (let c = 0; c < perClass.length; c++) {
        const rows: number[] = [];
        for (let i = 0; i < count; i++) if (labels[start + i] === c) rows.push(i);
        if (rows.length === 0) continue;
        const sub = new Float32Array(rows.length * d);
        rows.forEach((r, j) => sub.set(features.subarray(r * d, (r + 1) * d), j * d));
        perClass[c] = updateMoments(perClass[c] as Moments, sub, rows.length);
      }
    }
  }
  const classStats = perClass?.map((m, c) => {
    if (m.count < 2) throw new RangeError(`${fn}: class ${c} has ${m.count} image(s); per-class statistics need at least 2`);
    return finalizeMoments(m);
  });
  return { role: model.role, featureDim: d, overall: finalizeMoments(overall), ...(classStats === undefined ? {} : { perClass: classStats }) };
}

/** Tensors `overall.{mean,cov,count}` and `class<c>.{mean,cov,count}` (F64) for a safetensors file. */
export function featureStatisticsTensors(stats: FeatureStatistics): SafeTensorMap {
  const out: SafeTensorMap = { ...gaussianToTensors(stats.overall, 'overall.') };
  stats.perClass?.forEach((g, c) => Object.assign(out, gaussianToTensors(g, `class${c}.`)));
  return out;
}

/** Writes `stats` to the safetensors file `path` (atomically), with role and sizes in its metadata. */
export async function saveFeatureStatistics(path: string, stats: FeatureStatistics, metadata: Record<string, string> = {}): Promise<void> {
  const header = { ...metadata, format: FORMAT, role: stats.role, featureDim: String(stats.featureDim), numClasses: String(stats.perClass?.length ?? 0) };
  await writeSafetensors(path, featureStatisticsTensors(stats), header);
}

/** Reads statistics written by {@link saveFeatureStatistics}; errors name the file and what is wrong. */
export async function loadFeatureStatistics(path: string): Promise<FeatureStatistics> {
  const contents = await readSafetensors(path);
  const metadata = contents.metadata;
  if (metadata?.format !== FORMAT) throw new Error(`feature statistics ${path}: metadata "format" must be "${FORMAT}", got ${JSON.stringify(metadata?.format)}`);
  const role = metadata.role;
  if (role !== 'reward' && role !== 'eval') throw new Error(`feature statistics ${path}: metadata "role" must be "reward" or "eval", got ${JSON.stringify(role)}`);
  const d = Number(metadata.featureDim);
  const numClasses = Number(metadata.numClasses ?? '0');
  if (!Number.isSafeInteger(d) || d < 1 || !Number.isSafeInteger(numClasses) || numClasses < 0) {
    throw new Error(`feature statistics ${path}: metadata featureDim ${JSON.stringify(metadata.featureDim)} / numClasses ${JSON.stringify(metadata.numClasses)} must be integers`);
  }
  const read = (prefix: string): GaussianStats => {
    const get = (name: string, shape: number[]) => requireTensor(contents, `${prefix}${name}`, 'F64', shape, path);
    return gaussianFromTensors({ [`${prefix}mean`]: get('mean', [d]), [`${prefix}cov`]: get('cov', [d, d]), [`${prefix}count`]: get('count', [1]) }, prefix);
  };
  const overall = read('overall.');
  const perClass = Array.from({ length: numClasses }, (_, c) => read(`class${c}.`));
  return { role, featureDim: d, overall, ...(numClasses > 0 ? { perClass } : {}) };
}
