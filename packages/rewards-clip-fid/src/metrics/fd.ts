/**
 * Fréchet Classifier Distance (FCD; docs/architecture.md, "Evaluation protocol"): the Fréchet distance (Heusel et al.
 * 2017, eq. 6) between Gaussians fitted to penultimate features of the evaluation classifier. Either side may be raw
 * features or a stored Gaussian (e.g. the test set's statistics, precomputed once with {@link featureGaussian}).
 */
import {
  checkGaussian, frechetDistance, gaussianFromFeatures, type FrechetOptions, type GaussianStats,
} from '@speedrl/tensor-utils';
import { checkFeatureSet, metricError, type FeatureSet } from './features';

/** A side of the FCD: feature rows `[count, dim]` or their Gaussian (mean `[dim]`, covariance `[dim, dim]`). */
export type FcdInput = FeatureSet | Pick<GaussianStats, 'mean' | 'cov'>;

const WHERE = 'fd.ts';

function isFeatureSet(x: FcdInput): x is FeatureSet {
  return typeof x === 'object' && x !== null && 'features' in x;
}

/**
 * Mean and sample covariance (ddof = 1) of `set`. Requires count > dim: a covariance of n ≤ d rows has rank ≤ n − 1 < d,
 * singular by construction, and the FCD would measure the sample size rather than the distributions.
 */
export function featureGaussian(set: FeatureSet, name = 'features'): GaussianStats {
  const where = `${WHERE} featureGaussian`;
  const dim = checkFeatureSet(set, name, where);
  if (set.count <= dim) {
    metricError(
      where,
      `${name} has n = ${set.count} rows of dim d = ${dim}; with n ≤ d the sample covariance has rank ≤ n − 1 < d ` +
        `(singular by construction): use at least d + 1 = ${dim + 1} samples (in practice n ≫ d, e.g. 10,000)`,
    );
  }
  return gaussianFromFeatures(set.features, set.count, dim);
}

function toGaussian(x: FcdInput, name: string): Pick<GaussianStats, 'mean' | 'cov'> {
  if (isFeatureSet(x)) return featureGaussian(x, name);
  if (typeof x !== 'object' || x === null || !('mean' in x) || !('cov' in x)) {
    metricError(`${WHERE} fcd`, `${name} must be a FeatureSet { features, count, dim } or a Gaussian { mean, cov }`);
  }
  checkGaussian({ mean: Float64Array.from(x.mean), cov: Float64Array.from(x.cov), count: 0 }, name, `${WHERE} fcd`);
  return x;
}

/**
 * FCD = ||μg − μr||² + Tr(Σg + Σr − 2(Σg Σr)^{1/2}) between `generated` and `reference` (features or Gaussians).
 *
 * @example
 * ```ts
 * const { model } = await loadClassifier('models/fashion-mnist/classifiers/eval');
 * const { features: gen } = await model.predict(images, n);       // penultimate features [n, dim]
 * const { features: real } = await model.predict(realImages, m);
 * const score = fcd({ features: gen, count: n, dim: model.featureDim }, { features: real, count: m, dim: model.featureDim });
 * ```
 */
export function fcd(generated: FcdInput, reference: FcdInput, options: FrechetOptions = {}): number {
  const g = toGaussian(generated, 'generated');
  const r = toGaussian(reference, 'reference');
  if (g.mean.length !== r.mean.length) {
    metricError(`${WHERE} fcd`, `feature dims differ: generated has dim ${g.mean.length}, reference has dim ${r.mean.length}`);
  }
  return frechetDistance(g, r, options);
}
