import type { FeatureModel } from '../classifiers/types';
import { checkPixels } from '../pixels';

export type { FeatureModel };

/**
 * Types shared by the rewards (docs/architecture.md, "Speed-RL objective" and "Interfaces"): the batch a reward sees,
 * the reward function, and the classifier interface ({@link FeatureModel}) through which rewards and metrics reach a
 * CNN without depending on its code.
 */

/**
 * What a reward sees: structurally a subset of `RewardBatch` of `@speedrl/rl-trainer`, so every reward here is
 * assignable to its `QualityRewardFn` (that package is not imported on purpose).
 */
export interface RewardInput {
  /** Decoded images in [0, 1], `[batch, height, width]` flattened. */
  readonly images: Float32Array;
  /** Conditioning class of each sample, `[batch]`. */
  readonly classes: Int32Array;
  readonly batch: number;
  readonly height: number;
  readonly width: number;
}

/** One score per sample `[batch]`; NaN means "no score" (docs/architecture.md, "Interfaces"). */
export type RewardFn = (batch: RewardInput) => Promise<Float32Array>;

/** A reward that holds resources (an onnxruntime session): call `dispose` when done. */
export type DisposableRewardFn = RewardFn & { dispose?: () => Promise<void> };

/** What a {@link FeatureModel} returns for a batch. */
export interface FeatureOutput {
  /** Class logits `[batch, numClasses]`. */
  readonly logits: Float32Array;
  /** Penultimate features `[batch, featureDim]`. */
  readonly features: Float32Array;
}

/** Side length of the images a {@link FeatureModel} takes (Fashion-MNIST). */
export const FEATURE_MODEL_IMAGE_SIZE = 28;

/** Throws unless `model` is a reward classifier: the evaluation classifier must never shape training. */
export function requireRewardModel(model: FeatureModel, where: string): void {
  if (model === null || typeof model !== 'object' || typeof model.predict !== 'function') {
    throw new TypeError(`${where}: expected a FeatureModel { role, featureDim, numClasses, predict }, got ${String(model)}`);
  }
  if (model.role !== 'reward') {
    throw new Error(
      `${where}: got a FeatureModel with role "${String(model.role)}"; rewards need role "reward". The evaluation ` +
        'classifier is never used as a reward (docs/architecture.md, "Speed-RL objective"): a reward on the judge would ' +
        'hide reward hacking.',
    );
  }
}

/** Checks `batch` (sizes, class ids in [0, numClasses), finite images; bad rows named) and returns its size. */
export function checkRewardInput(input: RewardInput, where: string, numClasses?: number): number {
  if (input === null || typeof input !== 'object') throw new TypeError(`${where}: expected a reward batch object, got ${String(input)}`);
  const { batch, height, width, images, classes } = input;
  if (!Number.isInteger(batch) || batch < 0) throw new RangeError(`${where}: batch.batch must be a non-negative integer, got ${batch}`);
  if (!Number.isInteger(height) || height < 1 || !Number.isInteger(width) || width < 1) {
    throw new RangeError(`${where}: batch.height and batch.width must be positive integers, got ${height} × ${width}`);
  }
  if (!(images instanceof Float32Array) || images.length !== batch * height * width) {
    throw new RangeError(
      `${where}: batch.images must be a Float32Array of batch × height × width = ${batch} × ${height} × ${width} = ` +
        `${batch * height * width} values, got ${images instanceof Float32Array ? images.length : typeof images}`,
    );
  }
  if (!(classes instanceof Int32Array) || classes.length !== batch) {
    throw new RangeError(`${where}: batch.classes must be an Int32Array of length batch = ${batch}`);
  }
  checkPixels(images, height * width, `${where}: batch.images`);
  if (numClasses !== undefined) {
    for (let i = 0; i < batch; i++) {
      const c = classes[i] as number;
      if (c < 0 || c >= numClasses) throw new RangeError(`${where}: batch.classes[${i}] = ${c}; expected a class id in [0, ${numClasses})`);
    }
  }
  return batch;
}

/**
 * Runs `model` over `count` images `[count, 28, 28]` in chunks of `batchSize` and checks its outputs (sizes, finite
 * values; the bad row is named). Returns logits `[count, numClasses]` and features `[count, featureDim]`.
 */
export async function predictChecked(
  model: FeatureModel,
  images: Float32Array,
  count: number,
  batchSize: number,
  where: string,
): Promise<FeatureOutput> {
  const { numClasses: c, featureDim: d } = model;
  const px = FEATURE_MODEL_IMAGE_SIZE * FEATURE_MODEL_IMAGE_SIZE;
  if (!Number.isInteger(c) || c < 1 || !Number.isInteger(d) || d < 1) {
    throw new RangeError(`${where}: model.numClasses and model.featureDim must be positive integers, got ${c} and ${d}`);
  }
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`${where}: batchSize must be a positive integer, got ${batchSize}`);
  if (images.length !== count * px) {
    throw new RangeError(`${where}: images must hold count × 28 × 28 = ${count * px} values, got ${images.length}`);
  }
  const logits = new Float32Array(count * c);
  const features = new Float32Array(count * d);
  for (let start = 0; start < count; start += batchSize) {
    const n = Math.min(batchSize, count - start);
    const out = await model.predict(images.subarray(start * px, (start + n) * px), n);
    for (const [name, data, width, target] of [['logits', out.logits, c, logits], ['features', out.features, d, features]] as const) {
      if (!(data instanceof Float32Array) || data.length !== n * width) {
        throw new RangeError(`${where}: model.predict returned ${name} of length ${data?.length}; expected ${n} × ${width} = ${n * width}`);
      }
      for (let i = 0; i < data.length; i++) {
        const v = data[i] as number;
        if (v - v !== 0) throw new RangeError(`${where}: model ${name} row ${start + Math.floor(i / width)}, column ${i % width} is ${v}; expected finite values`);
      }
      target.set(data, start * width);
    }
  }
  return { logits, features };
}
