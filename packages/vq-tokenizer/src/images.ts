/**
 * Image batches: Float32 in [0, 1] or raw u8 (0..255, as `loadIdxDataset` returns them), row-major
 * `[count, size, size]`, turned into `[batch, size, size, 1]` float tensors.
 */
import * as tf from '@tensorflow/tfjs';

/** Grey images `[count, size, size]`: Float32Array in [0, 1] or Uint8Array in 0..255. */
export type VqImages = Float32Array | Uint8Array;

/** Number of `size`×`size` images in `images`; errors when the length is not a multiple of size². */
export function imageCount(images: VqImages, size: number, what = 'images'): number {
  const pixels = size * size;
  if (!(images instanceof Float32Array || images instanceof Uint8Array)) {
    throw new TypeError(`${what}: expected a Float32Array in [0, 1] or a Uint8Array, got ${(images as object)?.constructor?.name ?? typeof images}`);
  }
  if (images.length % pixels !== 0) {
    throw new RangeError(`${what}: length ${images.length} is not a multiple of ${size}×${size} = ${pixels} pixels`);
  }
  return images.length / pixels;
}

/** Images `indices` as Float32 in [0, 1] (u8 is scaled by 1/255), `[indices.length·size·size]`. */
export function gatherImages(images: VqImages, size: number, indices: ArrayLike<number>): Float32Array {
  const pixels = size * size;
  const out = new Float32Array(indices.length * pixels);
  const scale = images instanceof Uint8Array ? 1 / 255 : 1;
  for (let b = 0; b < indices.length; b++) {
    const src = (indices[b] as number) * pixels;
    for (let p = 0; p < pixels; p++) out[b * pixels + p] = (images[src + p] as number) * scale;
  }
  return out;
}

/** Consecutive indices start..start+count−1. */
export function range(start: number, count: number): Int32Array {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = start + i;
  return out;
}

/** A `[batch, size, size, 1]` tensor of the chosen images. */
export function imageBatch(images: VqImages, size: number, indices: ArrayLike<number>): tf.Tensor4D {
  return tf.tensor4d(gatherImages(images, size, indices), [indices.length, size, size, 1]);
}
