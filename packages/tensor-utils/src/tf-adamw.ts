/**
 * AdamW on tf.Variables (Loshchilov & Hutter 2019, arXiv:1711.05101, Algorithm 2: Adam of Kingma & Ba 2015 with
 * decoupled weight decay; weightDecay 0 is plain Adam), its moments in named tf.Variables so checkpoints hold them
 * and a resumed run continues exactly. Shared by the tfjs-trained models (VQ-VAE, classifiers).
 */
import * as tf from '@tensorflow/tfjs';

/** Adam hyper-parameters besides the learning rate (the paper's defaults). */
export const TF_ADAM_DEFAULTS = Object.freeze({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });

/** First and second moments per parameter name, and the number of updates taken. */
export interface TfAdamState {
  readonly m: Map<string, tf.Variable>;
  readonly v: Map<string, tf.Variable>;
  step: number;
}

/** Zero moments shaped like `params`. */
export function createTfAdamState(params: ReadonlyMap<string, tf.Variable>): TfAdamState {
  const m = new Map<string, tf.Variable>();
  const v = new Map<string, tf.Variable>();
  for (const [name, p] of params) {
    m.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    v.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
  }
  return { m, v, step: 0 };
}

/** Frees the moment tensors. */
export function disposeTfAdamState(state: TfAdamState): void {
  for (const t of state.m.values()) t.dispose();
  for (const t of state.v.values()) t.dispose();
}

/**
 * One bias-corrected Adam step of every parameter with a gradient, plus decoupled decay
 * p ← p − lr·weightDecay·p for the parameters `decays(name)` selects (weights, not biases).
 */
export function tfAdamWUpdate(
  params: ReadonlyMap<string, tf.Variable>,
  grads: ReadonlyMap<string, tf.Tensor>,
  state: TfAdamState,
  learningRate: number,
  weightDecay = 0,
  decays: (name: string) => boolean = () => false,
): void {
  const { beta1, beta2, epsilon } = TF_ADAM_DEFAULTS;
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
      const decayed = weightDecay > 0 && decays(name) ? tf.mul(p, 1 - learningRate * weightDecay) : p;
      p.assign(tf.sub(decayed, tf.mul(tf.div(m1, tf.add(tf.sqrt(v1), epsilon)), stepSize)));
    }
  });
}
