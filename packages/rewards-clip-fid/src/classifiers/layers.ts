/**
 * Layers with gradients that are fast on tfjs-backend-wasm: a matMul whose backward pass transposes
 * explicitly (wasm's BatchMatMul with a transpose flag is ~8× slower than transpose + plain matMul),
 * 2×2 pooling, and dropout with a mask drawn from a seeded Rng.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@speedrl/core';
import type { ClassifierPooling } from './config';

/** `x` `[n, k]` · `w` `[k, m]` → `[n, m]`; backward: dx = dy·wᵀ, dw = xᵀ·dy with explicit transposes. */
export function matMulFast(x: tf.Tensor2D, w: tf.Tensor2D): tf.Tensor2D {
  const mm = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [a, b, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
    save([a, b]);
    return {
      value: tf.matMul(a, b),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
        return [tf.matMul(dy as tf.Tensor2D, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy as tf.Tensor2D)];
      },
    };
  });
  return mm(x, w) as tf.Tensor2D;
}

/** Fully connected layer: `x` `[n, k]`, `w` `[k, m]`, `b` `[m]` → `[n, m]`. */
export function dense(x: tf.Tensor2D, w: tf.Tensor2D, b: tf.Tensor1D): tf.Tensor2D {
  return tf.add(matMulFast(x, w), b);
}

/** 2×2 stride-2 average or max pooling, `[batch, 2h, 2w, c]` → `[batch, h, w, c]`. */
export function pool2x2(x: tf.Tensor4D, kind: ClassifierPooling): tf.Tensor4D {
  return kind === 'max' ? tf.maxPool(x, 2, 2, 'valid') : tf.avgPool(x, 2, 2, 'valid');
}

/**
 * Inverted-dropout mask (Srivastava et al. 2014, JMLR 15): each entry is 0 with probability `rate`,
 * else 1/(1 − rate), drawn from `rng`; `[count]` values for a `[rows, cols]` activation.
 */
export function dropoutMask(count: number, rate: number, rng: Rng): Float32Array {
  const mask = rng.fillUniform(new Float32Array(count));
  const keep = 1 / (1 - rate);
  for (let i = 0; i < count; i++) mask[i] = (mask[i] as number) < rate ? 0 : keep;
  return mask;
}

/** Mean softmax cross-entropy of `logits` `[n, classes]` against integer `labels` `[n]` (log-sum-exp form). */
export function softmaxCrossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const logProbs = tf.sub(logits, tf.logSumExp(logits, 1, true));
    const onehot = tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]);
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, logProbs), 1))) as tf.Scalar;
  });
}
