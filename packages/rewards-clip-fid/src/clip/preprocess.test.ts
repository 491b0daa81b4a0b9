import { CLIP_IMAGE_MEAN, CLIP_IMAGE_STD, resizeBilinear, toClipPixels } from './preprocess';

describe('resizeBilinear (half-pixel centres, as torch align_corners=False)', () => {
  it('upsamples 2 → 4 with weights ¾/¼ and clamped edges', () => {
    const out = resizeBilinear(Float32Array.of(0, 1, 0, 1), 1, 2, 2, 4, 4);
    for (let r = 0; r < 4; r++) expect(Array.from(out.subarray(r * 4, r * 4 + 4))).toEqual([0, 0.25, 0.75, 1]);
  });

  it('downsamples 4 → 2 by averaging pixel pairs, per image', () => {
    const img = Float32Array.from({ length: 32 }, (_, i) => i % 16); // two identical 4×4 ramps 0..15
    const out = resizeBilinear(img, 2, 4, 4, 2, 2);
    expect(Array.from(out)).toEqual([2.5, 4.5, 10.5, 12.5, 2.5, 4.5, 10.5, 12.5]);
  });

  it('rejects a wrongly sized input', () => {
    expect(() => resizeBilinear(new Float32Array(5), 1, 2, 2, 4, 4)).toThrow(/images has length 5; expected 1 × 2 × 2 = 4/);
  });
});

describe('toClipPixels', () => {
  it('replicates grey to 3 channels and applies the CLIP mean/std per channel', () => {
    const spec = { height: 2, width: 2, mean: CLIP_IMAGE_MEAN, std: CLIP_IMAGE_STD };
    const out = toClipPixels(Float32Array.of(0, 1, 0.5, 1), 1, 2, 2, spec);
    expect(out.length).toBe(12);
    for (let c = 0; c < 3; c++) {
      expect(out[c * 4 + 1]).toBeCloseTo((1 - (CLIP_IMAGE_MEAN[c] as number)) / (CLIP_IMAGE_STD[c] as number), 6);
      expect(out[c * 4 + 2]).toBeCloseTo((0.5 - (CLIP_IMAGE_MEAN[c] as number)) / (CLIP_IMAGE_STD[c] as number), 6);
    }
  });

  it('resizes 28 → 14 before normalising', () => {
    const spec = { height: 14, width: 14, mean: [0, 0, 0] as const, std: [1, 1, 1] as const };
    const img = new Float32Array(784).fill(0.25);
    const out = toClipPixels(img, 1, 28, 28, spec);
    expect(out.length).toBe(3 * 196);
    expect(out.every((v) => Math.abs(v - 0.25) < 1e-7)).toBe(true);
  });
});
