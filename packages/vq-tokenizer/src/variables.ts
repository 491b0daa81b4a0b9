/** tf.Variable construction without leaking the initial-value tensor. */
import * as tf from '@tensorflow/tfjs';

/** A variable holding `make()`'s value; the temporary tensor is freed (tf.variable would keep it alive). */
export function newVariable(make: () => tf.Tensor, trainable: boolean): tf.Variable {
  return tf.tidy(() => tf.variable(make(), trainable));
}
