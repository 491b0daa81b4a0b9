import { Rng } from '@speedrl/core';
import { checkDataset, gatherBatch } from './data';

const SIZE = 4;
/** Two 4×4 images: image k has pixel (y, x) = 16k + 4y + x + 1. */
const IMAGES = Uint8Array.from({ length: 32 }, (_, i) => i + 1);

describe('gatherBatch', () => {
  it('gathers by index and scales u8 by 1/255; f32 passes through', () => {
    const out = gatherBatch(IMAGES, [1, 0], SIZE);
    expect(out.length).toBe(32);
    expect(out[0]).toBeCloseTo(17 / 255, 7);
    expect(out[16]).toBeCloseTo(1 / 255, 7);
    expect(Array.from(gatherBatch(Float32Array.from(IMAGES), [1], SIZE))).toEqual(Array.from(IMAGES.subarray(16)));
  });

  it('flips left-right with probability 1 and shifts with zero fill', () => {
    const flipped = gatherBatch(Float32Array.from(IMAGES), [0], SIZE, { flipProbability: 1, maxShift: 0 }, Rng.fromSeed(1));
    expect(Array.from(flipped.subarray(0, 4))).toEqual([4, 3, 2, 1]);
    // with maxShift 1 each image moves by dy, dx in {−1, 0, 1}: its values are the source's, or 0 where shifted in
    const rng = Rng.fromSeed(5);
    const shifted = gatherBatch(Float32Array.from(IMAGES), [0, 0, 0, 0, 0, 0], SIZE, { flipProbability: 0, maxShift: 1 }, rng);
    let moved = 0;
    for (let b = 0; b < 6; b++) {
      const img = Array.from(shifted.subarray(b * 16, (b + 1) * 16));
      if (img.some((v, i) => v !== i + 1)) moved++;
      for (const v of img) expect(v === 0 || (v >= 1 && v <= 16)).toBe(true);
    }
    expect(moved).toBeGreaterThan(0);
  });

  it('is a function of the rng state (same seed, same batch) and needs an rng to augment', () => {
    const a = gatherBatch(IMAGES, [0, 1, 0, 1], SIZE, { flipProbability: 0.5, maxShift: 1 }, Rng.fromSeed(9));
    const b = gatherBatch(IMAGES, [0, 1, 0, 1], SIZE, { flipProbability: 0.5, maxShift: 1 }, Rng.fromSeed(9));
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(() => gatherBatch(IMAGES, [0], SIZE, { flipProbability: 0.5, maxShift: 0 })).toThrow('augmentation needs an rng');
  });
});

describe('checkDataset', () => {
  it('counts images and checks labels', () => {
    expect(checkDataset(IMAGES, Uint8Array.of(3, 9), SIZE, 10, 'f')).toBe(2);
    expect(() => checkDataset(IMAGES.subarray(1), Uint8Array.of(3, 9), SIZE, 10, 'f')).toThrow('f: images has length 31; expected a multiple of 4×4 = 16');
    expect(() => checkDataset(IMAGES, Uint8Array.of(3), SIZE, 10, 'f')).toThrow('labels has 1 entries; expected one per image (2)');
    expect(() => checkDataset(IMAGES, Uint8Array.of(3, 10), SIZE, 10, 'f')).toThrow('labels[1] is 10; expected an integer in [0, 10)');
  });
});
