/**
 * The classifier CNN: a lossless 2× pixel-unshuffle of the input, then stages of stride-1 SAME convolutions
 * (optionally with residual blocks) separated by 2×2 pooling, a dense layer whose ReLU output is the
 * penultimate feature vector, and a linear head (logits = features·W + b).
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@speedrl/core';
import { conv2dSame, createTfAdamState, disposeTfAdamState, pixelUnshuffle, type TfAdamState } from '@speedrl/tensor-utils';
import { checkRole, validateClassifierConfig, type ClassifierConfig } from './config';
import { checkPixels } from '../pixels';
import { dense, pool2x2 } from './layers';
import type { ClassifierRole, FeatureModel } from './types';

/** A trainable classifier: tfjs variables by name, AdamW state and the step count, usable as a FeatureModel. */
export interface Classifier extends FeatureModel {
  readonly config: Readonly<ClassifierConfig>;
  readonly params: ReadonlyMap<string, tf.Variable>;
  readonly optimizer: TfAdamState;
  /** Training steps taken so far. */
  step: number;
  /** Frees every tensor (parameters and optimizer state). */
  dispose(): void;
}

/** Images per forward pass inside `predict` (bounds memory for 10k-image calls). */
export const PREDICT_CHUNK = 500;

/** Parameter names and shapes implied by `config`, in a fixed order (the checkpoint's tensor names). */
export function classifierParamShapes(config: Readonly<ClassifierConfig>): Map<string, number[]> {
  const k = config.kernelSize;
  const shapes = new Map<string, number[]>();
  let inChannels = 4; // 1 grey channel after a 2× pixel-unshuffle
  config.stageChannels.forEach((c, s) => {
    shapes.set(`stage${s}.conv.weight`, [k, k, inChannels, c]).set(`stage${s}.conv.bias`, [c]);
    for (let r = 0; r < (config.stageResBlocks[s] ?? 0); r++) {
      for (const j of [1, 2]) shapes.set(`stage${s}.res${r}.conv${j}.weight`, [k, k, c, c]).set(`stage${s}.res${r}.conv${j}.bias`, [c]);
    }
    inChannels = c;
  });
  const side = config.imageSize / 2 ** config.stageChannels.length;
  shapes.set('fc.weight', [side * side * inChannels, config.featureDim]).set('fc.bias', [config.featureDim]);
  shapes.set('head.weight', [config.featureDim, config.numClasses]).set('head.bias', [config.numClasses]);
  return shapes;
}

/** Whether parameter `name` is a weight (He-initialised, weight-decayed) rather than a bias. */
export function isWeight(name: string): boolean {
  return name.endsWith('.weight');
}

/**
 * Initial value of parameter `name`: He-normal weights (He et al. 2015, arXiv:1502.01852), zero biases,
 * a zero second conv in every residual branch (blocks start as the identity, as Fixup / SkipInit), and
 * a 1/√fanIn head so initial logits are O(1).
 */
export function initialValue(name: string, shape: readonly number[], rng: Rng): Float32Array {
  const size = shape.reduce((a, b) => a * b, 1);
  if (!isWeight(name) || /\.res\d+\.conv2\./.test(name)) return new Float32Array(size);
  const fanIn = size / (shape[shape.length - 1] as number);
  const gain = name.startsWith('head.') ? 1 : 2;
  return rng.fillNormal(new Float32Array(size), 0, Math.sqrt(gain / fanIn));
}

/** Logits `[batch, classes]` and features `[batch, featureDim]` of a forward pass. */
export interface ClassifierOutput {
  readonly logits: tf.Tensor2D;
  readonly features: tf.Tensor2D;
}

/**
 * Forward pass of `images` `[batch, size, size]` or `[batch, size, size, 1]`; `dropout` (a `[batch, featureDim]`
 * mask of 0 or 1/(1−rate)) is applied to the features before the head when given (training only).
 */
export function classifierForward(
  config: Readonly<ClassifierConfig>,
  params: ReadonlyMap<string, tf.Tensor>,
  images: tf.Tensor,
  dropout?: tf.Tensor2D,
): { logits: tf.Tensor2D; features: tf.Tensor2D } {
  const p = (name: string): tf.Tensor => {
    const t = params.get(name);
    if (t === undefined) throw new Error(`classifier forward: parameter "${name}" is missing`);
    return t;
  };
  const conv = (h: tf.Tensor4D, name: string): tf.Tensor4D =>
    conv2dSame(h, p(`${name}.weight`) as tf.Tensor4D, p(`${name}.bias`) as tf.Tensor1D);
  const batch = images.shape[0] as number;
  const size = config.imageSize;
  const normalised = tf.div(tf.sub(images.reshape([batch, size, size, 1]), config.inputMean), config.inputStd) as tf.Tensor4D;
  let h = pixelUnshuffle(normalised, 2);
  config.stageChannels.forEach((_, s) => {
    if (s > 0) h = pool2x2(h, config.pooling);
    h = tf.relu(conv(h, `stage${s}.conv`));
    for (let r = 0; r < (config.stageResBlocks[s] ?? 0); r++) {
      const branch = conv(tf.relu(conv(h, `stage${s}.res${r}.conv1`)), `stage${s}.res${r}.conv2`);
      h = tf.relu(tf.add(h, branch)) as tf.Tensor4D;
    }
  });
  const flat = h.reshape([batch, -1]) as tf.Tensor2D;
  const features = tf.relu<tf.Tensor2D>(dense(flat, p('fc.weight') as tf.Tensor2D, p('fc.bias') as tf.Tensor1D));
  const headInput = dropout === undefined ? features : (tf.mul(features, dropout) as tf.Tensor2D);
  const logits = dense(headInput, p('head.weight') as tf.Tensor2D, p('head.bias') as tf.Tensor1D);
  return { logits, features };
}

/**
 * The classifier's penultimate features as a differentiable function of images `[B, size, size, 1]` in [0, 1] →
 * `[B, featureDim]`, for perceptual losses (Johnson et al. 2016). The caller disposes the returned tensor.
 */
export function classifierFeatureFn(classifier: Pick<Classifier, 'config' | 'params'>): (images: tf.Tensor4D) => tf.Tensor2D {
  return (images) => tf.tidy(() => classifierForward(classifier.config, classifier.params, images).features);
}

/** Checks `images` holds `batch` images of `size`×`size` pixels; errors name `fn`. */
export function checkImages(images: ArrayLike<number>, batch: number, size: number, fn: string): void {
  if (!Number.isSafeInteger(batch) || batch < 0) throw new RangeError(`${fn}: batch must be a non-negative integer, got ${batch}`);
  if (images.length !== batch * size * size) {
    throw new RangeError(`${fn}: images has length ${images.length}; expected batch × ${size} × ${size} = ${batch * size * size}`);
  }
}

/** Wraps parameters, optimizer state and step into a {@link Classifier}. */
export function buildClassifier(
  role: ClassifierRole,
  config: Readonly<ClassifierConfig>,
  params: ReadonlyMap<string, tf.Variable>,
  optimizer: TfAdamState,
  step: number,
): Classifier {
  const pixels = config.imageSize * config.imageSize;
  return {
    role,
    config,
    params,
    optimizer,
    step,
    featureDim: config.featureDim,
    numClasses: config.numClasses,
    async predict(images: Float32Array, batch: number) {
      checkImages(images, batch, config.imageSize, `classifier (${role}) predict`);
      checkPixels(images, config.imageSize * config.imageSize, `classifier (${role}) predict`);
      const logits = new Float32Array(batch * config.numClasses);
      const features = new Float32Array(batch * config.featureDim);
      for (let start = 0; start < batch; start += PREDICT_CHUNK) {
        const n = Math.min(PREDICT_CHUNK, batch - start);
        tf.tidy(() => {
          const x = tf.tensor3d(images.subarray(start * pixels, (start + n) * pixels), [n, config.imageSize, config.imageSize]);
          const out = classifierForward(config, params, x);
          logits.set(out.logits.dataSync(), start * config.numClasses);
          features.set(out.features.dataSync(), start * config.featureDim);
        });
      }
      return { logits, features };
    },
    dispose() {
      for (const v of params.values()) v.dispose();
      disposeTfAdamState(optimizer);
    },
  };
}

/** A freshly initialised classifier for `role` (weights drawn from `rng`), at step 0 with zero AdamW moments. */
export function createClassifier(role: ClassifierRole, config: Readonly<ClassifierConfig>, rng: Rng): Classifier {
  const cfg = validateClassifierConfig(config, `createClassifier(${checkRole(role, 'createClassifier')})`);
  const params = new Map<string, tf.Variable>();
  for (const [name, shape] of classifierParamShapes(cfg)) {
    const value = initialValue(name, shape, rng);
    params.set(name, tf.tidy(() => tf.variable(tf.tensor(value, shape), true)));
  }
  return buildClassifier(role, cfg, params, createTfAdamState(params), 0);
}
