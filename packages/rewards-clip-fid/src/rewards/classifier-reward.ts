/**
 * The `classifier` reward (docs/architecture.md, "Speed-RL objective"): log p(c | x) of the conditioning class under
 * the reward classifier.
 */
import { mergeConfig } from '@speedrl/core';
import {
  FEATURE_MODEL_IMAGE_SIZE, checkRewardInput, predictChecked, requireRewardModel, type FeatureModel, type RewardFn, type RewardInput,
} from './types';

/** Settings of {@link createClassifierReward}. */
export interface ClassifierRewardConfig {
  /** Images per `model.predict` call. */
  readonly batchSize: number;
}

/** Defaults of {@link ClassifierRewardConfig}. */
export const DEFAULT_CLASSIFIER_REWARD_CONFIG: Readonly<ClassifierRewardConfig> = Object.freeze({
  batchSize: 256, // a small CNN on 28×28 fits hundreds of images per call
});

/** log softmax(logits[row])[cls] = z_c − log Σ_j exp(z_j), computed stably (max subtracted); logits `[rows, numClasses]`. */
export function logSoftmaxAt(logits: ArrayLike<number>, row: number, numClasses: number, cls: number): number {
  const off = row * numClasses;
  let max = -Infinity;
  for (let j = 0; j < numClasses; j++) max = Math.max(max, logits[off + j] as number);
  let sum = 0;
  for (let j = 0; j < numClasses; j++) sum += Math.exp((logits[off + j] as number) - max);
  return (logits[off + cls] as number) - max - Math.log(sum);
}

/** Checks that images are `[batch, 28, 28]`, as a {@link FeatureModel} takes them. */
export function requireClassifierImages(input: RewardInput, where: string): void {
  if (input.height !== FEATURE_MODEL_IMAGE_SIZE || input.width !== FEATURE_MODEL_IMAGE_SIZE) {
    throw new RangeError(`${where}: the classifier takes 28 × 28 images; batch is ${input.height} × ${input.width}`);
  }
}

/** A reward giving each sample log p(c | x) (≤ 0) under `model`, which must have role `reward`. */
export function createClassifierReward(model: FeatureModel, config: Partial<ClassifierRewardConfig> = {}): RewardFn {
  const where = 'classifier reward';
  requireRewardModel(model, where);
  const { batchSize } = mergeConfig(DEFAULT_CLASSIFIER_REWARD_CONFIG, config, 'classifier-reward.ts createClassifierReward');
  return async (input) => {
    const batch = checkRewardInput(input, where, model.numClasses);
    requireClassifierImages(input, where);
    const out = new Float32Array(batch);
    if (batch === 0) return out;
    const { logits } = await predictChecked(model, input.images, batch, batchSize, where);
    for (let i = 0; i < batch; i++) out[i] = logSoftmaxAt(logits, i, model.numClasses, input.classes[i] as number);
    return out;
  };
}
