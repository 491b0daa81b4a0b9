/**
 * The `realism` reward (docs/architecture.md, "Speed-RL objective"): minus the Mahalanobis distance (Mahalanobis 1936)
 * of a sample's reward-classifier features to the real-feature Gaussian of its conditioning class,
 * −sqrt((f − μ_c)ᵀ (Σ_c + εI)⁻¹ (f − μ_c)). The regularised covariance is Cholesky-factorised once per class; each
 * score is one triangular solve.
 */
import { mergeConfig } from '@speedrl/core';
import { gaussianFromFeatures, type GaussianStats } from '@speedrl/tensor-utils';
import { requireClassifierImages } from './classifier-reward';
import { checkRewardInput, predictChecked, requireRewardModel, type FeatureModel, type RewardFn } from './types';

/** Per-class Gaussian of real features: mean `[dim]`, covariance `[dim, dim]` row-major. */
export type ClassGaussian = Pick<GaussianStats, 'mean' | 'cov'>;

/** Settings of the regularised inverse and of {@link createRealismReward}. */
export interface RealismConfig {
  /** Absolute ridge added to the diagonal of every class covariance. */
  readonly absoluteEpsilon: number;
  /** Ridge relative to the class covariance's mean variance (tr Σ / d); the two ridges add up. */
  readonly relativeEpsilon: number;
  /** Images per `model.predict` call. */
  readonly batchSize: number;
}

/** Defaults of {@link RealismConfig}. */
export const DEFAULT_REALISM_CONFIG: Readonly<RealismConfig> = Object.freeze({
  absoluteEpsilon: 1e-6, // keeps an all-zero covariance (dead ReLU units only) invertible
  relativeEpsilon: 1e-3, // scale-free ridge: dead or near-constant features cannot blow the distance up
  batchSize: 256, // a small CNN on 28×28 fits hundreds of images per call
});

/** Per-class means and Cholesky factors L (lower, `[dim, dim]`) with L Lᵀ = Σ_c + ε_c I. */
export interface MahalanobisModel {
  readonly dim: number;
  readonly numClasses: number;
  readonly means: readonly Float64Array[];
  readonly cholesky: readonly Float64Array[];
  /** The ridge ε_c actually added per class. */
  readonly epsilons: Float64Array;
}

const WHERE = 'realism.ts';

/** Lower Cholesky factor of a symmetric positive-definite `[n, n]` matrix (in float64); throws naming the failing pivot. */
export function cholesky(a: ArrayLike<number>, n: number, what: string): Float64Array {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let diag = a[j * n + j] as number;
    for (let k = 0; k < j; k++) diag -= (l[j * n + k] as number) ** 2;
    if (!(diag > 0)) {
      throw new RangeError(`${WHERE} cholesky: ${what} is not positive definite (pivot ${j} = ${diag}); increase the epsilon ridge`);
    }
    const ljj = Math.sqrt(diag);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = 0.5 * ((a[i * n + j] as number) + (a[j * n + i] as number)); // symmetrised
      for (let k = 0; k < j; k++) s -= (l[i * n + k] as number) * (l[j * n + k] as number);
      l[i * n + j] = s / ljj;
    }
  }
  return l;
}

/** Validates the per-class Gaussians and factorises Σ_c + ε_c I once (ε_c = absolute + relative · tr Σ_c / d). */
export function prepareMahalanobis(classes: readonly ClassGaussian[], config: Partial<RealismConfig> = {}): MahalanobisModel {
  const where = `${WHERE} prepareMahalanobis`;
  const cfg = mergeConfig(DEFAULT_REALISM_CONFIG, config, 'realism.ts prepareMahalanobis');
  if (!(cfg.absoluteEpsilon >= 0) || !(cfg.relativeEpsilon >= 0)) {
    throw new RangeError(`${where}: absoluteEpsilon and relativeEpsilon must be ≥ 0, got ${cfg.absoluteEpsilon} and ${cfg.relativeEpsilon}`);
  }
  if (!Array.isArray(classes) || classes.length === 0) throw new RangeError(`${where}: expected one Gaussian per class, got none`);
  const dim = classes[0]?.mean.length ?? 0;
  if (dim === 0) throw new RangeError(`${where}: class 0 mean is empty`);
  const means: Float64Array[] = [];
  const factors: Float64Array[] = [];
  const epsilons = new Float64Array(classes.length);
  classes.forEach((g, c) => {
    if (g.mean.length !== dim) throw new RangeError(`${where}: class ${c} mean has length ${g.mean.length}; expected dim ${dim} (class 0)`);
    if (g.cov.length !== dim * dim) throw new RangeError(`${where}: class ${c} cov has length ${g.cov.length}; expected dim² = ${dim * dim}`);
    const cov = Float64Array.from(g.cov);
    const mean = Float64Array.from(g.mean);
    const bad = [...mean, ...cov].findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new RangeError(`${where}: class ${c} ${bad < dim ? `mean[${bad}]` : `cov entry ${bad - dim}`} is not finite`);
    let trace = 0;
    for (let i = 0; i < dim; i++) trace += cov[i * dim + i] as number;
    const eps = cfg.absoluteEpsilon + (cfg.relativeEpsilon * trace) / dim;
    for (let i = 0; i < dim; i++) cov[i * dim + i] = (cov[i * dim + i] as number) + eps;
    epsilons[c] = eps;
    means.push(mean);
    factors.push(cholesky(cov, dim, `class ${c} covariance + εI (ε = ${eps})`));
  });
  return { dim, numClasses: classes.length, means, cholesky: factors, epsilons };
}

/** Mahalanobis distance of `x[offset .. offset + dim)` to class `cls`: ||L⁻¹(x − μ)|| by forward substitution. */
export function mahalanobisDistance(model: MahalanobisModel, cls: number, x: ArrayLike<number>, offset = 0): number {
  const { dim } = model;
  const l = model.cholesky[cls];
  const mu = model.means[cls];
  if (l === undefined || mu === undefined) throw new RangeError(`${WHERE} mahalanobisDistance: class ${cls} not in [0, ${model.numClasses})`);
  const z = new Float64Array(dim);
  let sq = 0;
  for (let i = 0; i < dim; i++) {
    let s = (x[offset + i] as number) - (mu[i] as number);
    for (let k = 0; k < i; k++) s -= (l[i * dim + k] as number) * (z[k] as number);
    const zi = s / (l[i * dim + i] as number);
    z[i] = zi;
    sq += zi * zi;
  }
  return Math.sqrt(sq);
}

/** Per-class Gaussians (sample covariance) of real features `[count, dim]` with labels `[count]` in [0, numClasses). */
export function classGaussiansFromFeatures(
  features: Float32Array | Float64Array,
  labels: ArrayLike<number>,
  count: number,
  dim: number,
  numClasses: number,
): GaussianStats[] {
  const where = `${WHERE} classGaussiansFromFeatures`;
  if (features.length !== count * dim || labels.length !== count) {
    throw new RangeError(`${where}: features must be count × dim = ${count * dim} values and labels count = ${count}; got ${features.length} and ${labels.length}`);
  }
  const rows: number[][] = Array.from({ length: numClasses }, () => []);
  for (let i = 0; i < count; i++) {
    const c = labels[i] as number;
    const list = rows[c];
    if (list === undefined) throw new RangeError(`${where}: labels[${i}] = ${c}; expected a class id in [0, ${numClasses})`);
    list.push(i);
  }
  return rows.map((list, c) => {
    if (list.length < 2) throw new RangeError(`${where}: class ${c} has ${list.length} samples; a covariance needs at least 2`);
    const sub = new Float64Array(list.length * dim);
    list.forEach((row, r) => sub.set(features.subarray(row * dim, (row + 1) * dim), r * dim));
    return gaussianFromFeatures(sub, list.length, dim);
  });
}

/** A reward giving each sample −Mahalanobis(features(x), class Gaussian) under `model` (role `reward` required). */
export function createRealismReward(model: FeatureModel, classes: readonly ClassGaussian[], config: Partial<RealismConfig> = {}): RewardFn {
  const where = 'realism reward';
  requireRewardModel(model, where);
  const maha = prepareMahalanobis(classes, config);
  if (maha.dim !== model.featureDim) throw new RangeError(`${where}: class Gaussians have dim ${maha.dim}; model.featureDim is ${model.featureDim}`);
  if (maha.numClasses !== model.numClasses) {
    throw new RangeError(`${where}: ${maha.numClasses} class Gaussians given; model.numClasses is ${model.numClasses}`);
  }
  const batchSize = config.batchSize ?? DEFAULT_REALISM_CONFIG.batchSize;
  return async (input) => {
    const batch = checkRewardInput(input, where, maha.numClasses);
    requireClassifierImages(input, where);
    const out = new Float32Array(batch);
    if (batch === 0) return out;
    const { features } = await predictChecked(model, input.images, batch, batchSize, where);
    for (let i = 0; i < batch; i++) out[i] = -mahalanobisDistance(maha, input.classes[i] as number, features, i * maha.dim);
    return out;
  };
}
