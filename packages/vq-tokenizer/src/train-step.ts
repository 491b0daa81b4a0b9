/**
 * One VQ-VAE training step (van den Oord et al. 2017, eq. 3 with the EMA codebook of appendix A.1):
 * L = ||x − D(z_q)||²  +  β·||z_e − sg(e)||², gradients to the decoder through the straight-through
 * estimator z_q = z_e + sg(e − z_e), then the EMA codebook update and dead-code restarts. An optional perceptual
 * term w·||φ(D(z_q)) − φ(x)||² on a frozen feature network φ (Johnson et al. 2016; VQGAN's LPIPS term, Esser et
 * al. 2021) sharpens reconstructions where plain MSE blurs them (docs/architecture.md, "Tokenizer losses").
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@speedrl/core';
import { tfAdamWUpdate } from '@speedrl/tensor-utils';
import { latentSide, tokensPerImage } from './config';
import { stopGradient } from './conv';
import { codeUsage, emaUpdate, restartDeadCodes } from './ema';
import { imageCount, imageBatch, range, type VqImages } from './images';
import { decodeLatents, encodeLatents, type VqModel } from './model';
import { nearestCodes } from './quantize';

/**
 * A frozen, differentiable feature network φ for the perceptual term: images `[B, 28, 28, 1]` in [0, 1] → features
 * `[B, F]`. The tokenizer owns this interface; the CLI plugs in the *reward* classifier (never the evaluation one).
 */
export type VqFeatureFn = (images: tf.Tensor4D) => tf.Tensor2D;

/** The perceptual term of a training step (`VqTrainOptions.perceptual`): φ and its weight w. */
export interface VqPerceptualLoss {
  readonly features: VqFeatureFn;
  /** Weight w of the mean squared feature difference (0 disables the term). */
  readonly weight: number;
}

/** What one training step measured (losses are the values before the update). */
export interface VqStepMetrics {
  /** reconMse + β·commitLoss (+ w·perceptualLoss), the minimised objective. */
  readonly loss: number;
  /** Mean squared reconstruction error per pixel. */
  readonly reconMse: number;
  /** Mean squared feature difference of the perceptual term (before its weight); 0 without one. */
  readonly perceptualLoss: number;
  /** Mean of (z_e − sg(e))² per element (before the β weight). */
  readonly commitLoss: number;
  /** exp(entropy) of this batch's code histogram (K when all codes are used evenly). */
  readonly perplexity: number;
  /** Codes re-seeded from the batch because their EMA count fell below the threshold. */
  readonly deadRestarted: number;
}

/**
 * One step on `images` `[B, 28, 28]` (Float32 in [0, 1], or u8): Adam (at `learningRate`, default the
 * config's) on the encoder and decoder, EMA on the codebook, dead codes re-seeded with `rng`.
 * `perceptual` adds w·mean((φ(x̂) − φ(x))²). Increments `model.step`; leaks no tensors.
 */
export function trainStep(model: VqModel, images: VqImages, rng: Rng, learningRate?: number, perceptual?: VqPerceptualLoss): VqStepMetrics {
  const cfg = model.config;
  const b = imageCount(images, cfg.imageSize, 'trainStep images');
  if (b === 0) throw new RangeError('trainStep: empty batch');
  const t = tokensPerImage(cfg);
  const side = latentSide(cfg);
  const n = b * t;
  let zeData: Float32Array = new Float32Array(0);
  let assignments: Int32Array = new Int32Array(0);
  let reconMse = 0;
  let commitLoss = 0;
  let perceptualLoss = 0;

  const x = imageBatch(images, cfg.imageSize, range(0, b));
  const usePerceptual = perceptual !== undefined && perceptual.weight > 0;
  const target = usePerceptual ? tf.tidy(() => perceptual.features(x)) : undefined;
  const varList = [...model.params.values()];
  const { value, grads } = tf.variableGrads(() => {
    const ze = encodeLatents(model, x);
    const zeFlat = ze.reshape([n, cfg.codeDim]) as tf.Tensor2D;
    // The argmin is not differentiable: ids leave the graph as plain integers (and are needed for the EMA).
    const zeConst = stopGradient(zeFlat);
    zeData = zeConst.dataSync() as Float32Array;
    const ids = nearestCodes(zeConst, model.codebook as tf.Tensor2D);
    assignments = ids.dataSync() as Int32Array;
    const e = tf.gather(model.codebook, tf.tensor1d(assignments, 'int32')); // [n, D], no path to the weights
    const zq = tf.add(zeFlat, stopGradient(tf.sub(e, zeFlat))); // straight-through estimator
    const recon = decodeLatents(model, zq.reshape([b, side, side, cfg.codeDim]) as tf.Tensor4D);
    const rec = tf.mean(tf.squaredDifference(recon, x));
    const commit = tf.mean(tf.squaredDifference(zeFlat, stopGradient(e)));
    reconMse = rec.dataSync()[0] as number;
    commitLoss = commit.dataSync()[0] as number;
    const loss = tf.add(rec, tf.mul(commit, cfg.beta)) as tf.Scalar;
    if (!usePerceptual || target === undefined) return loss;
    const feat = tf.mean(tf.squaredDifference(perceptual.features(recon), target));
    perceptualLoss = feat.dataSync()[0] as number;
    return tf.add(loss, tf.mul(feat, perceptual.weight)) as tf.Scalar;
  }, varList);
  x.dispose();
  target?.dispose();

  const byName = new Map<string, tf.Tensor>();
  for (const [name, v] of model.params) {
    const g = grads[v.name];
    if (g !== undefined) byName.set(name, g);
  }
  tfAdamWUpdate(model.params, byName, model.optimizer, learningRate ?? cfg.learningRate); // Adam: no weight decay
  const loss = value.dataSync()[0] as number;
  tf.dispose([value, ...Object.values(grads)]);

  const codebook = emaUpdate(model.ema, zeData, assignments, cfg.codeDim, cfg.emaDecay, cfg.emaEpsilon);
  const restarted = restartDeadCodes(model.ema, codebook, zeData, cfg.codeDim, cfg.deadCodeThreshold, rng);
  tf.tidy(() => model.codebook.assign(tf.tensor2d(codebook, [cfg.codebookSize, cfg.codeDim])));
  model.step += 1;
  return { loss, reconMse, perceptualLoss, commitLoss, perplexity: codeUsage(assignments, cfg.codebookSize).perplexity, deadRestarted: restarted.length };
}
