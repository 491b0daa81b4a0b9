/**
 * The real-image side of the evaluation, loaded once per run (docs/architecture.md, "Evaluation protocol"): the
 * EVALUATION classifier, its features of the test set (reference of `speedrl eval` and `speedrl compare`), the floors,
 * and — for the schedule search only — the REWARD classifier and the held-out TRAIN images' Gaussian, so tuning never
 * sees the test set or the judge.
 */
import { Rng, UsageError } from '@speedrl/core';
import {
  imagesToFloat32, loadIdxDataset, type GaussianStats, type IdxDataset, type IdxDatasetOptions,
} from '@speedrl/tensor-utils';
import {
  computeSetMetrics, extractEvalOutputs, featureGaussian, featureModelOnEngine, predictChecked, prepareReference, type Classifier, type FeatureEngine,
  type FeatureModel, type FeatureSet, type ReferenceStats, type SetMetrics,
} from '@speedrl/rewards-clip-fid';
import { decode, encode, type VqModel } from '@speedrl/vq-tokenizer';
import { loadClassifierFor, type Generator } from '@speedrl/pipeline';

/** Loads IDX splits (injectable, so tests can check which split a command reads). */
export type DatasetLoader = (options: IdxDatasetOptions) => IdxDataset | Promise<IdxDataset>;

/**
 * Loads the evaluation classifier on `engine` (default `auto`: onnxruntime when installed, tfjs otherwise; the features
 * agree to float rounding); the reward classifier is refused, and n must exceed the feature dimension.
 */
export async function loadEvalClassifier(
  dir: string, n: number, flag = '--classifier', who = 'metrics need', engine: FeatureEngine = 'auto',
): Promise<FeatureModel> {
  const loaded = await loadClassifierFor(dir, flag);
  if (loaded.role !== 'eval') throw new UsageError(`${flag}: "${dir}" is the ${loaded.role} classifier; ${who} the evaluation classifier (role eval), never the one used as a reward`);
  if (n <= loaded.model.featureDim) {
    throw new UsageError(`--n: FCD needs more samples than the eval classifier's ${loaded.model.featureDim} feature dimensions (a covariance from n ≤ d samples is singular); got ${n}`);
  }
  return featureModelOnEngine(loaded.model, engine);
}

/**
 * Loads the reward classifier for choices made on held-out training images (schedule search, settings); the
 * evaluation classifier is refused: it judges and never chooses. n (when given) must exceed the feature dimension.
 */
export async function loadRewardClassifier(dir: string, n: number | undefined, flag = '--classifier', who = 'choices need'): Promise<Classifier> {
  const loaded = await loadClassifierFor(dir, flag);
  if (loaded.role !== 'reward') throw new UsageError(`${flag}: "${dir}" is the ${loaded.role} classifier; ${who} the reward classifier (the evaluation classifier only judges)`);
  if (n !== undefined && n <= loaded.model.featureDim) {
    throw new UsageError(`--n: a Fréchet distance needs more samples than the reward classifier's ${loaded.model.featureDim} feature dimensions; got ${n}`);
  }
  return loaded.model;
}

/** The test set as the reference of every metric, and its images (for the reconstruction floor). */
export interface TestReference {
  readonly reference: ReferenceStats;
  readonly images: Float32Array;
  readonly count: number;
}

/** Evaluation features of the test set (first `limit` images; 0 = all), prepared once. */
export async function loadTestReference(classifier: FeatureModel, data: string, limit: number, load: DatasetLoader = loadIdxDataset): Promise<TestReference> {
  if (limit > 0 && limit <= classifier.featureDim) {
    throw new UsageError(`--ref-limit: the reference needs more test images than the eval classifier's ${classifier.featureDim} feature dimensions (or 0 for all); got ${limit}`);
  }
  const test = await load({ dir: data, split: 'test', ...(limit > 0 ? { limit } : {}) });
  if (limit > test.count) throw new UsageError(`--ref-limit: ${limit} is more than the ${test.count} test images in ${data}; give at most ${test.count}, or 0 for all`);
  const images = imagesToFloat32(test.images);
  const reference = prepareReference((await extractEvalOutputs(classifier, images, test.count)).set);
  return { reference, images, count: test.count };
}

/** FCD floors vs the test set: the tokenizer's reconstructions of it, and as many held-out (last) train images. */
export interface Floors {
  readonly reconstruction: number;
  readonly trainHeldOut: number;
  readonly heldOutTrainImages: number;
}

/** Set metrics (FCD, KID, precision/recall) of both floors vs the test set. */
export interface FloorMetrics {
  readonly reconstruction: SetMetrics;
  readonly trainHeldOut: SetMetrics;
  readonly heldOutTrainImages: number;
}

/**
 * The floors' set metrics with tokenizer `vq` (docs/architecture.md, "Floors cache"): its reconstructions of the test
 * set, and as many held-out (last) train images, each against the test set; `seed` draws the KID subsets. `decodeTokens`
 * turns the tokens back into images (default: `vq`'s tfjs decoder; a generator passes its own engine's).
 */
export async function computeFloorMetrics(
  vq: VqModel, classifier: FeatureModel, test: TestReference, data: string, seed: number, kidSubsets: number, load: DatasetLoader = loadIdxDataset,
  decodeTokens: (tokens: Int32Array) => Promise<Float32Array> = async (tokens) => decode(vq, tokens),
): Promise<FloorMetrics> {
  const rng = Rng.fromSeed(seed);
  const train = await load({ dir: data, split: 'train' });
  const held = Math.min(test.count, train.count);
  if (held <= classifier.featureDim) { // the test reference is checked larger already: the train split is too small
    throw new UsageError(`--data: the train split of "${data}" holds ${train.count} images; the held-out-train floor needs more than the evaluation classifier's ${classifier.featureDim} feature dimensions (at least ${classifier.featureDim + 1})`);
  }
  const recon = await decodeTokens(encode(vq, test.images));
  const reconstruction = computeSetMetrics(await extractEvalOutputs(classifier, recon, test.count), test.reference, rng.fork(0), undefined, { kid: { numSubsets: kidSubsets } });
  const heldImages = imagesToFloat32(train.images.subarray((train.count - held) * 784));
  const trainHeldOut = computeSetMetrics(await extractEvalOutputs(classifier, heldImages, held), test.reference, rng.fork(1), undefined, { kid: { numSubsets: kidSubsets } });
  return { reconstruction, trainHeldOut, heldOutTrainImages: held };
}

/** Computes the floors' FCDs once, with `gen`'s tokenizer: reconstructions of the test set, and the last train images. */
export async function computeFloors(
  gen: Generator, classifier: FeatureModel, test: TestReference, data: string, seed: number, kidSubsets: number, load: DatasetLoader = loadIdxDataset,
): Promise<Floors> {
  const m = await computeFloorMetrics(gen.vq, classifier, test, data, seed, kidSubsets, load, (tokens) => gen.decode(tokens));
  return { reconstruction: m.reconstruction.fcd, trainHeldOut: m.trainHeldOut.fcd, heldOutTrainImages: m.heldOutTrainImages };
}

/** Reward-classifier features of `count` images `[count, 28, 28]` as a feature set (checked: finite, in range). */
export async function rewardFeatures(classifier: FeatureModel, images: Float32Array, count: number): Promise<FeatureSet> {
  const { features } = await predictChecked(classifier, images, count, 500, 'reward features');
  return { features, count, dim: classifier.featureDim };
}

/** The search reference: Gaussian of the reward-classifier features of the LAST `count` train images (never the test set). */
export interface TrainReference {
  readonly gaussian: GaussianStats;
  readonly split: 'train';
  readonly firstIndex: number;
  readonly count: number;
}

/** Loads the held-out train reference for `tune-schedule`; only the train split is read. */
export async function loadTrainReference(classifier: FeatureModel, data: string, count: number, load: DatasetLoader = loadIdxDataset): Promise<TrainReference> {
  const train = await load({ dir: data, split: 'train' });
  const held = Math.min(count, train.count);
  if (held <= classifier.featureDim) throw new UsageError(`--ref-count: the train split of "${data}" gives ${held} images, not more than the ${classifier.featureDim} feature dimensions`);
  const images = imagesToFloat32(train.images.subarray((train.count - held) * 784));
  return { gaussian: featureGaussian(await rewardFeatures(classifier, images, held), 'held-out train reference'), split: 'train', firstIndex: train.count - held, count: held };
}
