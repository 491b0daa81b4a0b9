/**
 * Inference with a trained tokenizer: images → token ids (encode), token ids → images (decode), and
 * reconstruction quality on a set (evaluate). All work runs in bounded chunks, inside tf.tidy.
 */
import * as tf from '@tensorflow/tfjs';
import { latentSide, tokensPerImage } from './config';
import { codeUsage } from './ema';
import { gatherImages, imageBatch, imageCount, range, type VqImages } from './images';
import { decodeLatents, encodeLatents, type VqModel } from './model';
import { nearestCodes, quantizationMse } from './quantize';

/** Images per chunk in encode/decode/evaluate (bounds memory, not results). */
export const CODEC_CHUNK = 256;

/** Encoder outputs z_e of the chosen images, `[indices.length · tokens, codeDim]` row-major. */
export function encoderOutputs(model: VqModel, images: VqImages, indices: ArrayLike<number>): Float32Array {
  const { imageSize, codeDim } = model.config;
  const t = tokensPerImage(model.config);
  const out = new Float32Array(indices.length * t * codeDim);
  for (let start = 0; start < indices.length; start += CODEC_CHUNK) {
    const chunk = Array.from({ length: Math.min(CODEC_CHUNK, indices.length - start) }, (_, i) => indices[start + i] as number);
    const ze = tf.tidy(() => encodeLatents(model, imageBatch(images, imageSize, chunk)));
    out.set(ze.dataSync() as Float32Array, start * t * codeDim);
    ze.dispose();
  }
  return out;
}

/** Token ids of each image: `images` `[B, 28, 28]` → Int32Array `[B, tokens]` (49 for 7×7), ids in [0, K). */
export function encode(model: VqModel, images: VqImages): Int32Array {
  const { imageSize, codeDim } = model.config;
  const count = imageCount(images, imageSize, 'encode images');
  const t = tokensPerImage(model.config);
  const out = new Int32Array(count * t);
  for (let start = 0; start < count; start += CODEC_CHUNK) {
    const n = Math.min(CODEC_CHUNK, count - start);
    const ids = tf.tidy(() => {
      const ze = encodeLatents(model, imageBatch(images, imageSize, range(start, n)));
      return nearestCodes(ze.reshape([n * t, codeDim]), model.codebook as tf.Tensor2D);
    });
    out.set(ids.dataSync() as Int32Array, start * t);
    ids.dispose();
  }
  return out;
}

/** Checks token ids: length a multiple of tokens per image, every id an integer in [0, K). */
export function checkTokens(model: Pick<VqModel, 'config'>, tokens: Int32Array): number {
  const t = tokensPerImage(model.config);
  const k = model.config.codebookSize;
  if (!(tokens instanceof Int32Array)) throw new TypeError(`decode: tokens must be an Int32Array, got ${(tokens as object)?.constructor?.name}`);
  if (tokens.length % t !== 0) throw new RangeError(`decode: tokens length ${tokens.length} is not a multiple of ${t} tokens per image`);
  for (let i = 0; i < tokens.length; i++) {
    const id = tokens[i] as number;
    if (id < 0 || id >= k) throw new RangeError(`decode: token ${i} is ${id}, expected an id in [0, ${k}) (the codebook size)`);
  }
  return tokens.length / t;
}

/** Images from token ids: Int32Array `[B, tokens]` → Float32Array `[B, 28, 28]` in (0, 1). */
export function decode(model: VqModel, tokens: Int32Array): Float32Array {
  const count = checkTokens(model, tokens);
  const { imageSize, codeDim } = model.config;
  const side = latentSide(model.config);
  const t = side * side;
  const pixels = imageSize * imageSize;
  const out = new Float32Array(count * pixels);
  for (let start = 0; start < count; start += CODEC_CHUNK) {
    const n = Math.min(CODEC_CHUNK, count - start);
    const x = tf.tidy(() => {
      const ids = tf.tensor1d(tokens.subarray(start * t, (start + n) * t), 'int32');
      return decodeLatents(model, tf.gather(model.codebook, ids).reshape([n, side, side, codeDim]));
    });
    out.set(x.dataSync() as Float32Array, start * pixels);
    x.dispose();
  }
  return out;
}

/** Reconstruction quality of a set (see {@link evaluate}). */
export interface VqEvaluation {
  /** Mean squared error per pixel over the whole set (images in [0, 1]). */
  readonly mse: number;
  /** 10·log10(1 / mse): PSNR in dB of the set-level MSE, peak 1. */
  readonly psnr: number;
  /** exp(entropy) of the code histogram over all tokens of the set. */
  readonly perplexity: number;
  /** Fraction of the K codes used at least once. */
  readonly usage: number;
  /** Per-element quantisation error ||z_e − e||² / D, averaged over tokens. */
  readonly quantizationMse: number;
  /** Images evaluated. */
  readonly count: number;
}

/** Encodes, quantises and decodes `images` `[B, 28, 28]` and reports MSE, PSNR, perplexity and code usage. */
export function evaluate(model: VqModel, images: VqImages): VqEvaluation {
  const { imageSize, codeDim, codebookSize } = model.config;
  const count = imageCount(images, imageSize, 'evaluate images');
  if (count === 0) throw new RangeError('evaluate: no images given');
  const t = tokensPerImage(model.config);
  const side = latentSide(model.config);
  const codebook = model.codebook.dataSync() as Float32Array;
  const allIds = new Int32Array(count * t);
  let sqErr = 0;
  let quantSum = 0;
  for (let start = 0; start < count; start += CODEC_CHUNK) {
    const n = Math.min(CODEC_CHUNK, count - start);
    const target = gatherImages(images, imageSize, range(start, n));
    const [ze, ids, recon] = tf.tidy(() => {
      const z = encodeLatents(model, tf.tensor4d(target, [n, imageSize, imageSize, 1]));
      const a = nearestCodes(z.reshape([n * t, codeDim]), model.codebook as tf.Tensor2D);
      const zq = tf.gather(model.codebook, a).reshape([n, side, side, codeDim]) as tf.Tensor4D;
      return [z, a, decodeLatents(model, zq)];
    });
    const idData = ids.dataSync() as Int32Array;
    const reconData = recon.dataSync() as Float32Array;
    for (let i = 0; i < target.length; i++) {
      const d = (reconData[i] as number) - (target[i] as number);
      sqErr += d * d;
    }
    quantSum += quantizationMse(ze.dataSync() as Float32Array, codebook, idData, codeDim) * n * t;
    allIds.set(idData, start * t);
    tf.dispose([ze, ids, recon]);
  }
  const mse = sqErr / (count * imageSize * imageSize);
  const { perplexity, usage } = codeUsage(allIds, codebookSize);
  return { mse, psnr: 10 * Math.log10(1 / mse), perplexity, usage, quantizationMse: quantSum / (count * t), count };
}
