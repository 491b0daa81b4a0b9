/**
 * The `mmd` reward: the witness function of the kernel MMD (Gretton et al. 2012, JMLR 13, eq. 3) between the
 * generated samples of a class and its real images, in reward-classifier feature space:
 *   r_i = mean_{y ∈ real_c} k(f_i, y) − mean_{j ≠ i, c_j = c_i} k(f_i, f_j),   k(a, b) = exp(−‖a − b‖² / (2σ_c²)).
 * Σ_i r_i is −MMD²/2 up to a constant, so raising it moves samples towards the real images of their class AND away
 * from each other: unlike `classifier` or `realism`, which are maximised by the single most typical image, it does
 * not reward mode collapse. σ_c² = `bandwidthScale` × the median squared distance between real features of class c.
 */
import { mergeConfig } from '@speedrl/core';
import { checkRewardInput, predictChecked, requireRewardModel, type FeatureModel, type RewardFn } from './types';
import { requireClassifierImages } from './classifier-reward';
import { checkFeatureSet } from '../metrics/features';

/** Settings of {@link createMmdWitnessReward}. */
export interface MmdWitnessConfig {
  /** σ_c² = bandwidthScale × median squared distance between real features of class c. */
  readonly bandwidthScale: number;
  /** Real images per class kept as the kernel's reference (the first ones of each class). */
  readonly realPerClass: number;
  /** Images per `model.predict` call. */
  readonly batchSize: number;
}

/** Defaults of {@link MmdWitnessConfig}. */
export const DEFAULT_MMD_WITNESS_CONFIG: Readonly<MmdWitnessConfig> = Object.freeze({
  bandwidthScale: 1, // the median heuristic (Gretton et al. 2012, §8)
  realPerClass: 1000, // 1,000 reference images per class: the real term's standard error is far below the generated term's
  batchSize: 256, // a small CNN on 28×28 fits hundreds of images per call
});

/** Reward-classifier features of real images, grouped by class. */
export interface RealClassFeatures {
  readonly dim: number;
  /** Per class, `[count_c, dim]` row-major. */
  readonly perClass: readonly Float32Array[];
  /** σ_c² per class. */
  readonly bandwidths: Float64Array;
}

const WHERE = 'mmd reward';

function squaredDistance(a: Float32Array, ai: number, b: Float32Array, bi: number, dim: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) {
    const diff = (a[ai + d] as number) - (b[bi + d] as number);
    s += diff * diff;
  }
  return s;
}

/** Median of the squared distances between (up to 300) real features of one class. */
export function medianSquaredDistance(features: Float32Array, count: number, dim: number): number {
  checkFeatureSet({ features, count, dim }, 'features', 'medianSquaredDistance');
  const m = Math.min(count, 300);
  const d: number[] = [];
  for (let i = 0; i < m; i++) for (let j = i + 1; j < m; j++) d.push(squaredDistance(features, i * dim, features, j * dim, dim));
  if (d.length === 0) return NaN;
  d.sort((x, y) => x - y);
  return d[Math.floor(d.length / 2)] as number;
}

/** Features of labelled real images `[n, 28, 28]` grouped per class (first `realPerClass` of each), with bandwidths. */
export async function realClassFeatures(
  model: FeatureModel, images: Float32Array, labels: ArrayLike<number>, config: Partial<MmdWitnessConfig> = {},
): Promise<RealClassFeatures> {
  const cfg = mergeConfig(DEFAULT_MMD_WITNESS_CONFIG, config, `${WHERE} realClassFeatures`);
  requireRewardModel(model, WHERE);
  const n = labels.length;
  if (images.length !== n * 28 * 28) throw new RangeError(`${WHERE}: real images hold ${images.length} values; expected ${n} × 28 × 28`);
  const { features } = await predictChecked(model, images, n, cfg.batchSize, WHERE);
  const dim = model.featureDim;
  const rows: number[][] = Array.from({ length: model.numClasses }, () => []);
  for (let i = 0; i < n; i++) {
    const c = labels[i] as number;
    const list = rows[c];
    if (list === undefined) throw new RangeError(`${WHERE}: real label ${c} at index ${i} is outside 0..${model.numClasses - 1}`);
    if (list.length < cfg.realPerClass) list.push(i);
  }
  const perClass = rows.map((list, c) => {
    if (list.length < 2) throw new RangeError(`${WHERE}: class ${c} has ${list.length} real image(s); the kernel reference needs at least 2 per class`);
    const out = new Float32Array(list.length * dim);
    list.forEach((i, r) => out.set(features.subarray(i * dim, (i + 1) * dim), r * dim));
    return out;
  });
  const bandwidths = Float64Array.from(perClass, (f) => cfg.bandwidthScale * medianSquaredDistance(f, f.length / dim, dim));
  return { dim, perClass, bandwidths };
}

/**
 * Per-sample MMD witness scores of features `[batch, dim]` (see the module doc). A sample alone in its class within
 * the batch has no generated term and scores only its closeness to the real images.
 */
export function mmdWitnessScores(features: Float32Array, classes: Int32Array, real: RealClassFeatures): Float32Array {
  const { dim } = real;
  const batch = classes.length;
  const out = new Float32Array(batch);
  for (let i = 0; i < batch; i++) {
    const c = classes[i] as number;
    const ref = real.perClass[c] as Float32Array;
    const inv = -1 / (2 * (real.bandwidths[c] as number));
    const count = ref.length / dim;
    let realTerm = 0;
    for (let r = 0; r < count; r++) realTerm += Math.exp(inv * squaredDistance(features, i * dim, ref, r * dim, dim));
    let genTerm = 0;
    let others = 0;
    for (let j = 0; j < batch; j++) {
      if (j === i || classes[j] !== c) continue;
      genTerm += Math.exp(inv * squaredDistance(features, i * dim, features, j * dim, dim));
      others++;
    }
    out[i] = realTerm / count - (others > 0 ? genTerm / others : 0);
  }
  return out;
}

/** The `mmd` reward on the REWARD classifier's features (see the module doc); `real` from {@link realClassFeatures}. */
export function createMmdWitnessReward(model: FeatureModel, real: RealClassFeatures, config: Partial<MmdWitnessConfig> = {}): RewardFn {
  requireRewardModel(model, WHERE);
  if (real.dim !== model.featureDim) throw new RangeError(`${WHERE}: real features have dim ${real.dim}; model.featureDim is ${model.featureDim}`);
  if (real.perClass.length !== model.numClasses) {
    throw new RangeError(`${WHERE}: real features for ${real.perClass.length} classes; model.numClasses is ${model.numClasses}`);
  }
  const bad = real.bandwidths.findIndex((b) => !(b > 0) || !Number.isFinite(b));
  if (bad >= 0) throw new RangeError(`${WHERE}: class ${bad} has bandwidth σ² = ${real.bandwidths[bad]}; expected a finite value > 0 (identical real features?)`);
  const batchSize = mergeConfig(DEFAULT_MMD_WITNESS_CONFIG, config, WHERE).batchSize;
  return async (input) => {
    const batch = checkRewardInput(input, WHERE, model.numClasses);
    requireClassifierImages(input, WHERE);
    if (batch === 0) return new Float32Array(0);
    const { features } = await predictChecked(model, input.images, batch, batchSize, WHERE);
    return mmdWitnessScores(features, input.classes, real);
  };
}
