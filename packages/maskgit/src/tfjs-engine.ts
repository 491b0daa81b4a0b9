/** tfjs inference engine: a {@link LogitsFn} over the reference forward of `model.ts`. */
import * as tf from '@tensorflow/tfjs';
import { validateMaskGitConfig, type MaskGitConfig } from './config';
import { checkLogitsInputs, inputDims, type DisposableLogitsFn } from './inputs';
import { disposeTfParams, forward, paramsToTf } from './model';
import { checkParams, type MaskGitParams } from './params';

/**
 * Uploads `params` once and returns a {@link LogitsFn} computing logits `[B, L, K]` with tfjs on the current
 * backend (call `initBackend()` first). `dispose()` frees the uploaded weights.
 */
export function createTfjsLogitsFn(params: MaskGitParams, config: MaskGitConfig): DisposableLogitsFn {
  const cfg = validateMaskGitConfig(config, 'createTfjsLogitsFn: config');
  checkParams(params, cfg, 'createTfjsLogitsFn');
  const tfParams = paramsToTf(params, false);
  const dims = inputDims(cfg);
  let disposed = false;
  const fn = async (tokens: Int32Array, classes: Int32Array): Promise<Float32Array> => {
    if (disposed) throw new Error('tfjs logits fn: already disposed');
    const batch = checkLogitsInputs(tokens, classes, dims, 'tfjs logits fn');
    const logits = tf.tidy(() =>
      forward(tfParams, tf.tensor2d(tokens, [batch, cfg.seqLen], 'int32'), tf.tensor1d(classes, 'int32'), cfg),
    );
    try {
      return new Float32Array((await logits.data()) as Float32Array);
    } finally {
      logits.dispose();
    }
  };
  return Object.assign(fn, {
    dispose: async (): Promise<void> => {
      if (!disposed) disposeTfParams(tfParams);
      disposed = true;
    },
  });
}
