/**
 * The evaluation protocol's set metrics in one place (docs/architecture.md, "Evaluation protocol"): the evaluation
 * classifier runs ONCE over a sample set, and its features / logits feed FCD, KID, precision/recall and class accuracy.
 * Reference statistics of the real test set (Gaussian, k-NN manifold) are prepared once and reused for every model and
 * step budget.
 */
import { mergeConfig, type Rng } from '@speedrl/core';
import type { GaussianStats } from '@speedrl/tensor-utils';
import { predictChecked, type FeatureModel } from '../rewards/types';
import { classAccuracy, type AccuracyResult } from './accuracy';
import { fcd, featureGaussian } from './fd';
import { checkFeatureSet, metricError, type FeatureSet } from './features';
import { kid, type KidConfig, type KidResult } from './kid';
import { prepareManifold, precisionRecall, type Manifold, type PrecisionRecallConfig } from './precision-recall';

/** Evaluation-classifier outputs of one sample set. */
export interface EvalOutputs {
  /** Penultimate features `[count, featureDim]`. */
  readonly set: FeatureSet;
  /** Logits `[count, numClasses]`. */
  readonly logits: Float32Array;
  readonly numClasses: number;
}

/** Real-set statistics reused across evaluations. */
export interface ReferenceStats {
  readonly set: FeatureSet;
  /** Mean and covariance for the FCD. */
  readonly gaussian: GaussianStats;
  /** k-NN manifold for precision / recall. */
  readonly manifold: Manifold;
}

/** Settings of {@link computeSetMetrics}. */
export interface SetMetricsConfig {
  readonly kid: Partial<KidConfig>;
  readonly precisionRecall: Partial<PrecisionRecallConfig>;
}

/** Defaults of {@link SetMetricsConfig}: each metric's own defaults. */
export const DEFAULT_SET_METRICS_CONFIG: Readonly<SetMetricsConfig> = Object.freeze({
  kid: Object.freeze({}), // DEFAULT_KID_CONFIG: 100 subsets of 1000 (torch-fidelity)
  precisionRecall: Object.freeze({}), // DEFAULT_PRECISION_RECALL_CONFIG: k = 3 (Kynkäänniemi et al. 2019)
});

/** All set metrics of one sample set. */
export interface SetMetrics {
  readonly fcd: number;
  readonly kid: KidResult;
  readonly precision: number;
  readonly recall: number;
  /** Present when the conditioning classes were given. */
  readonly accuracy?: AccuracyResult;
}

/** Options of {@link extractEvalOutputs}. */
export interface ExtractOptions {
  /** Images per `model.predict` call (default 256). */
  readonly batchSize?: number;
}

/**
 * Runs the EVALUATION classifier (role `eval`; the reward classifier is refused: it was optimised against) over
 * `count` images `[count, 28, 28]` in [0, 1]; returns features and logits for every metric.
 */
export async function extractEvalOutputs(model: FeatureModel, images: Float32Array, count: number, options: ExtractOptions = {}): Promise<EvalOutputs> {
  const where = 'set-metrics.ts extractEvalOutputs';
  if (model?.role !== 'eval') {
    metricError(where, `got a FeatureModel with role "${String(model?.role)}"; metrics need the evaluation classifier (role "eval"), never the reward classifier the policy was optimised against (docs/architecture.md, "Speed-RL objective" and "Evaluation protocol")`);
  }
  if (!Number.isInteger(count) || count < 1) metricError(where, `count must be a positive integer (the sample set is empty?), got ${count}`);
  const px = 784;
  for (let i = 0; i < images.length; i++) {
    const v = images[i] as number;
    if (v - v !== 0) metricError(where, `images row ${Math.floor(i / px)} (pixel ${i % px}) is ${v}; expected finite pixels`);
  }
  const { logits, features } = await predictChecked(model, images, count, options.batchSize ?? 256, where);
  return { set: { features, count, dim: model.featureDim }, logits, numClasses: model.numClasses };
}

/** Gaussian and k-NN manifold of the real set's evaluation features, computed once. */
export function prepareReference(set: FeatureSet, config: Partial<PrecisionRecallConfig> = {}): ReferenceStats {
  checkFeatureSet(set, 'reference', 'set-metrics.ts prepareReference');
  return { set, gaussian: featureGaussian(set, 'reference'), manifold: prepareManifold(set, config, 'reference') };
}

/** FCD, KID, precision/recall and (with `classes` `[count]`) class accuracy of `generated` against `reference`. */
export function computeSetMetrics(
  generated: EvalOutputs,
  reference: ReferenceStats,
  rng: Rng,
  classes?: Int32Array,
  config: Partial<SetMetricsConfig> = {},
): SetMetrics {
  const cfg = mergeConfig(DEFAULT_SET_METRICS_CONFIG, config, 'set-metrics.ts computeSetMetrics');
  const pr = precisionRecall(generated.set, reference.manifold, cfg.precisionRecall);
  return {
    fcd: fcd(generated.set, reference.gaussian),
    kid: kid(generated.set, reference.set, rng, cfg.kid),
    precision: pr.precision,
    recall: pr.recall,
    ...(classes === undefined ? {} : { accuracy: classAccuracy(generated.logits, classes, generated.set.count, generated.numClasses) }),
  };
}
