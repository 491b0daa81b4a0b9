/**
 * Training batches: images gathered by index from u8 or f32 arrays, with light seeded augmentation
 * (random horizontal flips and integer shifts with zero fill).
 */
import { checkPixels } from '../pixels';
import type { Rng } from '@speedrl/core';

/** Images `[count, size, size]`: f32 in [0, 1], or u8 in 0..255 (scaled by 1/255 when gathered). */
export type ClassifierImages = Float32Array | Uint8Array;
/** Class labels `[count]`. */
export type ClassifierLabels = Uint8Array | Int32Array;

/** Augmentation of one batch; all zero means none. */
export interface AugmentOptions {
  /** Probability of mirroring an image left–right. */
  readonly flipProbability: number;
  /** Largest shift in pixels per axis (uniform in [−maxShift, maxShift]). */
  readonly maxShift: number;
}

/** Number of images in `images` after checking it holds whole `size`×`size` images in [0, 1] (f32) and matches `labels`. */
export function checkDataset(images: ClassifierImages, labels: ClassifierLabels, size: number, numClasses: number, fn: string): number {
  const pixels = size * size;
  if (images.length % pixels !== 0) throw new RangeError(`${fn}: images has length ${images.length}; expected a multiple of ${size}×${size} = ${pixels}`);
  const count = images.length / pixels;
  if (labels.length !== count) throw new RangeError(`${fn}: labels has ${labels.length} entries; expected one per image (${count})`);
  checkPixels(images, pixels, fn);
  for (let i = 0; i < count; i++) {
    const y = labels[i] as number;
    if (!Number.isInteger(y) || y < 0 || y >= numClasses) throw new RangeError(`${fn}: labels[${i}] is ${y}; expected an integer in [0, ${numClasses})`);
  }
  return count;
}

/**
 * Images `indices` of `images` as f32 `[indices.length, size, size]`, each independently flipped/shifted
 * by draws from `rng` (one stream for the whole batch, so a batch is a function of `rng`'s state).
 */
export function gatherBatch(
  images: ClassifierImages,
  indices: ArrayLike<number>,
  size: number,
  augment: AugmentOptions = { flipProbability: 0, maxShift: 0 },
  rng?: Rng,
): Float32Array {
  const pixels = size * size;
  const scale = images instanceof Uint8Array ? 1 / 255 : 1;
  const out = new Float32Array(indices.length * pixels);
  const augmenting = augment.flipProbability > 0 || augment.maxShift > 0;
  if (augmenting && rng === undefined) throw new Error('gatherBatch: augmentation needs an rng');
  for (let b = 0; b < indices.length; b++) {
    const src = (indices[b] as number) * pixels;
    const dst = b * pixels;
    let flip = false;
    let dy = 0;
    let dx = 0;
    if (augmenting && rng !== undefined) {
      flip = rng.uniform() < augment.flipProbability;
      dy = augment.maxShift > 0 ? rng.int(2 * augment.maxShift + 1) - augment.maxShift : 0;
      dx = augment.maxShift > 0 ? rng.int(2 * augment.maxShift + 1) - augment.maxShift : 0;
    }
    for (let y = 0; y < size; y++) {
      const sy = y - dy;
      if (sy < 0 || sy >= size) continue;
      for (let x = 0; x < size; x++) {
        const sx0 = x - dx;
        if (sx0 < 0 || sx0 >= size) continue;
        const sx = flip ? size - 1 - sx0 : sx0;
        out[dst + y * size + x] = (images[src + sy * size + sx] as number) * scale;
      }
    }
  }
  return out;
}
