/**
 * The decoder's last conv moved below its pixel shuffle, for the ONNX export: a stride-1 SAME 3×3 conv with one output
 * channel on `depthToSpace(x, 2)` (x `[B, 4c, s, s]`, DCR order: channel `(a·2 + b)·c + ch` is sub-pixel (a, b) of
 * channel ch) equals a 3×3 SAME conv on x itself with 4 output channels, one per sub-pixel, followed by the shuffle.
 * Output pixel (2y + a, 2x + b) reads full-resolution pixels (2y + a + dy, 2x + b + dx) for dy, dx ∈ {−1, 0, 1}; pixel
 * 2y + a + dy is sub-pixel r = (a + dy) mod 2 of low-resolution row y + q, q = ⌊(a + dy) / 2⌋ ∈ {−1, 0, 1}, and the zero
 * border maps to the zero border. Every output sums the same products (and zeros), so only float rounding differs;
 * onnxruntime's blocked conv kernels pad one output channel to 8 and the shuffled tensor is 16× larger than the
 * output, which is why the low-resolution form is faster (docs: tools/README.md, bench-features).
 */

/** tfjs conv weights `[3, 3, c, 1]` on the shuffled tensor → tfjs conv weights `[3, 3, 4c, 4]` on the unshuffled one. */
export function subpixelConvWeights(weight: Float32Array, shape: readonly number[]): { weight: Float32Array; shape: number[] } {
  const [kh, kw, c, cOut] = shape as [number, number, number, number];
  if (shape.length !== 4 || kh !== 3 || kw !== 3 || cOut !== 1 || weight.length !== 9 * c) {
    throw new RangeError(`subpixelConvWeights: expected weights [3, 3, c, 1], got [${shape.join(', ')}] with ${weight.length} values`);
  }
  const cIn = 4 * c;
  const out = new Float32Array(9 * cIn * 4);
  for (let a = 0; a < 2; a++) {
    for (let b = 0; b < 2; b++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const [qy, ry] = [Math.floor((a + dy) / 2), (((a + dy) % 2) + 2) % 2];
          const [qx, rx] = [Math.floor((b + dx) / 2), (((b + dx) % 2) + 2) % 2];
          for (let ch = 0; ch < c; ch++) {
            const from = ((dy + 1) * 3 + (dx + 1)) * c + ch;
            const inCh = (ry * 2 + rx) * c + ch;
            out[(((qy + 1) * 3 + (qx + 1)) * cIn + inCh) * 4 + (a * 2 + b)] = weight[from] as number;
          }
        }
      }
    }
  }
  return { weight: out, shape: [3, 3, cIn, 4] };
}
