/**
 * Adam (Kingma & Ba 2015, arXiv:1412.6980, Algorithm 1) with its moments in named tf.Variables, so the
 * optimizer state is saved in checkpoints and a resumed run continues exactly.
 */
import * as tf from '@tensorflow/tfjs';
import { newVariable } from './variables';

/** Adam hyper-parameters besides the learning rate (the paper's defaults). */
export const ADAM_DEFAULTS = Object.freeze({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });

/** First and second moments per parameter name, and the number of updates taken. */
export interface AdamState {
  readonly m: Map<string, tf.Variable>;
  readonly v: Map<string, tf.Variable>;
  step: number;
}

/** Zero moments shaped like `params`. */
export function createAdamState(params: ReadonlyMap<string, tf.Variable>): AdamState {
  const m = new Map<string, tf.Variable>();
  const v = new Map<string, tf.Variable>();
  for (const [name, p] of params) {
    m.set(name, newVariable(() => tf.zerosLike(p), false));
    v.set(name, newVariable(() => tf.zerosLike(p), false));
  }
  return { m, v, step: 0 };
}

/** Frees the moment tensors. */
export function disposeAdamState(state: AdamState): void {
  for (const t of state.m.values()) t.dispose();
  for (const t of state.v.values()) t.dispose();
}

/** One bias-corrected Adam update of every parameter that has a gradient in `grads`. */
export function adamUpdate(
  params: ReadonlyMap<string, tf.Variable>,
  grads: ReadonlyMap<string, tf.Tensor>,
  state: AdamState,
  learningRate: number,
): void {
  const { beta1, beta2, epsilon } = ADAM_DEFAULTS;
  state.step += 1;
  const t = state.step;
  const stepSize = (learningRate * Math.sqrt(1 - beta2 ** t)) / (1 - beta1 ** t);
  tf.tidy(() => {
    for (const [name, p] of params) {
      const g = grads.get(name);
      const m = state.m.get(name);
      const v = state.v.get(name);
      if (g === undefined || m === undefined || v === undefined) continue;
      const m1 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
      const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
      m.assign(m1);
      v.assign(v1);
      p.assign(tf.sub(p, tf.mul(tf.div(m1, tf.add(tf.sqrt(v1), epsilon)), stepSize)));
    }
  });
}
