/**
 * AdamW on tf.Variables (Loshchilov & Hutter 2019, arXiv:1711.05101, Algorithm 2: Adam of Kingma & Ba 2015 with
 * decoupled weight decay; weightDecay 0 is plain Adam), its moments in named tf.Variables so checkpoints hold them
 * and a resumed run continues exactly. The one tfjs AdamW: the tfjs-trained models (VQ-VAE, classifiers, the MaskGIT
 * tfjs trainer) all use it.
 */
import * as tf from '@tensorflow/tfjs';

/** Adam hyper-parameters besides the learning rate (the paper's defaults). */
export const TF_ADAM_DEFAULTS = Object.freeze({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8 });

/** Settings of one {@link tfAdamWUpdate} besides the learning rate. */
export interface TfAdamWOptions {
  /** Decoupled weight decay λ: p ← p·(1 − lr·λ) on the parameters `decays` selects (default 0, plain Adam). */
  readonly weightDecay?: number;
  /** Which parameters decay (default none; usually the weights, not the biases). */
  readonly decays?: (name: string) => boolean;
  /** Default {@link TF_ADAM_DEFAULTS}.beta1. */
  readonly beta1?: number;
  /** Default {@link TF_ADAM_DEFAULTS}.beta2. */
  readonly beta2?: number;
  /** Default {@link TF_ADAM_DEFAULTS}.epsilon. */
  readonly epsilon?: number;
  /**
   * Where ε goes. `false` (default): m / (√v + ε) with both bias corrections folded into the step size
   * lr·√(1 − β2^t)/(1 − β1^t) (Kingma & Ba 2015, end of §2; TensorFlow's Adam). `true`: m̂ / (√v̂ + ε) on the
   * bias-corrected moments m̂ = m/(1 − β1^t), v̂ = v/(1 − β2^t) (Algorithm 1 as written; PyTorch's AdamW, MaskGIT).
   * The two differ while √v is comparable to ε.
   */
  readonly epsilonOnCorrected?: boolean;
}

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
 * p ← p − lr·weightDecay·p for the parameters `options.decays(name)` selects (weights, not biases).
 */
export function tfAdamWUpdate(
  params: ReadonlyMap<string, tf.Variable>,
  grads: ReadonlyMap<string, tf.Tensor>,
  state: TfAdamState,
  learningRate: number,
  options: TfAdamWOptions = {},
): void {
  const beta1 = options.beta1 ?? TF_ADAM_DEFAULTS.beta1;
  const beta2 = options.beta2 ?? TF_ADAM_DEFAULTS.beta2;
  const epsilon = options.epsilon ?? TF_ADAM_DEFAULTS.epsilon;
  const weightDecay = options.weightDecay ?? 0;
  const decays = options.decays ?? (() => false);
  state.step += 1;
  const t = state.step;
  const bc1 = 1 - beta1 ** t;
  const bc2 = 1 - beta2 ** t;
  const stepSize = (learningRate * Math.sqrt(bc2)) / bc1;
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
      const step = options.epsilonOnCorrected === true
        ? tf.mul(tf.div(tf.div(m1, bc1), tf.add(tf.sqrt(tf.div(v1, bc2)), epsilon)), learningRate)
        : tf.mul(tf.div(m1, tf.add(tf.sqrt(v1), epsilon)), stepSize);
      p.assign(tf.sub(decayed, step));
    }
  });
}
