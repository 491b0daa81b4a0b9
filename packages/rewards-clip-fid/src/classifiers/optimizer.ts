/** AdamW (Loshchilov & Hutter 2019) for the classifiers: the shared tf.Variable AdamW of @speedrl/tensor-utils. */
import { TF_ADAM_DEFAULTS, createTfAdamState, disposeTfAdamState, tfAdamWUpdate, type TfAdamState } from '@speedrl/tensor-utils';

/** Adam hyper-parameters besides the learning rate (the paper's defaults). */
export const ADAMW_DEFAULTS = TF_ADAM_DEFAULTS;
/** First and second moments per parameter name, and the number of updates taken. */
export type AdamWState = TfAdamState;
/** Zero moments shaped like `params`. */
export const createAdamWState = createTfAdamState;
/** Frees the moment tensors. */
export const disposeAdamWState = disposeTfAdamState;
/** One bias-corrected Adam step plus decoupled decay of the parameters `decays(name)` selects. */
export const adamWUpdate = tfAdamWUpdate;
