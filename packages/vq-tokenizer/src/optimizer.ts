/** Adam (Kingma & Ba 2015) for the VQ-VAE: the shared tf.Variable AdamW of @speedrl/tensor-utils without weight decay. */
import type * as tf from '@tensorflow/tfjs';
import { TF_ADAM_DEFAULTS, createTfAdamState, disposeTfAdamState, tfAdamWUpdate, type TfAdamState } from '@speedrl/tensor-utils';

/** Adam hyper-parameters besides the learning rate (the paper's defaults). */
export const ADAM_DEFAULTS = TF_ADAM_DEFAULTS;
/** First and second moments per parameter name, and the number of updates taken. */
export type AdamState = TfAdamState;
/** Zero moments shaped like `params`. */
export const createAdamState = createTfAdamState;
/** Frees the moment tensors. */
export const disposeAdamState = disposeTfAdamState;

/** One bias-corrected Adam update of every parameter that has a gradient in `grads`. */
export function adamUpdate(params: ReadonlyMap<string, tf.Variable>, grads: ReadonlyMap<string, tf.Tensor>, state: AdamState, learningRate: number): void {
  tfAdamWUpdate(params, grads, state, learningRate);
}
