/**
 * tfjs reference of the onnxruntime engine (parity tests; docs/architecture.md, "Engines and parity"): the same
 * weighted soft-target cross-entropy over the `model.ts` forward, differentiated by tfjs autodiff (`tf.variableGrads`).
 * Slow; for tests and checks.
 */
import * as tf from '@tensorflow/tfjs';
import { validateMaskGitConfig, type MaskGitConfig } from '../config';
import { disposeTfParams, forward, paramsToTf } from '../model';
import { checkParams, type MaskGitParams } from '../params';
import type { GradientInputs } from './engine';

/**
 * L = −Σ w·log p(target) − Σ u·Σ_k q_k·log p_k over logits `[B, L, K]`, targets `[B, L]` int32, weights `[B, L]`
 * (+ soft targets `[B, L, K]`, soft weights `[B, L]`) → scalar. Call inside `tf.tidy`.
 */
export function weightedSoftCrossEntropyTf(
  logits: tf.Tensor3D,
  targets: tf.Tensor2D,
  weights: tf.Tensor2D,
  soft?: { targets: tf.Tensor3D; weights: tf.Tensor2D },
): tf.Scalar {
  const k = logits.shape[2];
  const logp = tf.logSoftmax(logits, -1);
  const hard = tf.neg(tf.sum(tf.mul(tf.sum(tf.mul(tf.oneHot(targets, k), logp), -1), weights)));
  if (soft === undefined) return hard as tf.Scalar;
  return tf.sub(hard, tf.sum(tf.mul(tf.sum(tf.mul(soft.targets, logp), -1), soft.weights))) as tf.Scalar;
}

/** Loss, gradients and logits of the reference. */
export interface ReferenceResult {
  loss: number;
  grads: MaskGitParams;
  /** `[B, L, K]`. */
  logits: Float32Array;
}

/** tfjs autodiff gradients of {@link weightedSoftCrossEntropyTf} at `params`; disposes every tensor it makes. */
export function tfReferenceGradients(config: MaskGitConfig, params: MaskGitParams, inputs: GradientInputs): ReferenceResult {
  const cfg = validateMaskGitConfig(config, 'tfReferenceGradients: config');
  checkParams(params, cfg, 'tfReferenceGradients');
  const { seqLen: l, numCodes: k } = cfg;
  const b = inputs.classes.length;
  const vars = paramsToTf(params, true) as Map<string, tf.Variable>;
  let result: ReferenceResult | undefined;
  try {
    tf.tidy(() => {
      const tokens = tf.tensor2d(inputs.tokens, [b, l], 'int32');
      const classes = tf.tensor1d(inputs.classes, 'int32');
      const targets = tf.tensor2d(inputs.targets, [b, l], 'int32');
      const weights = tf.tensor2d(inputs.weights, [b, l], 'float32');
      const soft = inputs.softTargets !== undefined && inputs.softWeights !== undefined
        ? { targets: tf.tensor3d(inputs.softTargets, [b, l, k], 'float32'), weights: tf.tensor2d(inputs.softWeights, [b, l], 'float32') }
        : undefined;
      let logitsData = new Float32Array(0);
      const { value, grads } = tf.variableGrads(() => {
        const logits = forward(vars, tokens, classes, cfg);
        logitsData = new Float32Array(logits.dataSync() as Float32Array);
        return weightedSoftCrossEntropyTf(logits, targets, weights, soft);
      }, [...vars.values()]);
      const out: MaskGitParams = new Map();
      for (const [name, v] of vars) {
        const g = grads[v.name];
        out.set(name, { shape: [...v.shape], data: g === undefined ? new Float32Array(v.size) : new Float32Array(g.dataSync() as Float32Array) });
      }
      result = { loss: (value.dataSync() as Float32Array)[0] as number, grads: out, logits: logitsData };
    });
  } finally {
    disposeTfParams(vars);
  }
  if (result === undefined) throw new Error('tfReferenceGradients: tfjs returned no result');
  return result;
}
