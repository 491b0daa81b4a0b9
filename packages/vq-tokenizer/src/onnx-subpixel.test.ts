import { Rng } from '@speedrl/core';
import { subpixelConvWeights } from './onnx-subpixel';

/** Stride-1 SAME 3×3 conv in float64, NCHW input `[c, s, s]`, tfjs weights `[3, 3, c, cOut]` → `[cOut, s, s]`. */
function convSame3(x: Float32Array, c: number, s: number, w: Float32Array, cOut: number): Float64Array {
  const y = new Float64Array(cOut * s * s);
  for (let o = 0; o < cOut; o++) {
    for (let i = 0; i < s; i++) {
      for (let j = 0; j < s; j++) {
        let sum = 0;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            if (i + dy < 0 || i + dy >= s || j + dx < 0 || j + dx >= s) continue;
            for (let ch = 0; ch < c; ch++) sum += (w[(((dy + 1) * 3 + dx + 1) * c + ch) * cOut + o] as number) * (x[(ch * s + i + dy) * s + j + dx] as number);
          }
        }
        y[(o * s + i) * s + j] = sum;
      }
    }
  }
  return y;
}

/** ONNX DepthToSpace, blocksize 2, DCR: `[4c, s, s]` → `[c, 2s, 2s]`. */
function depthToSpace(x: ArrayLike<number>, c: number, s: number): Float64Array {
  const y = new Float64Array(x.length);
  for (let a = 0; a < 2; a++) {
    for (let b = 0; b < 2; b++) {
      for (let ch = 0; ch < c; ch++) {
        for (let i = 0; i < s; i++) {
          for (let j = 0; j < s; j++) y[(ch * 2 * s + 2 * i + a) * 2 * s + 2 * j + b] = x[(((a * 2 + b) * c + ch) * s + i) * s + j] as number;
        }
      }
    }
  }
  return y;
}

describe('subpixelConvWeights', () => {
  test('conv after the shuffle equals the sub-pixel conv before it, borders included', () => {
    const [c, s] = [3, 5];
    const rng = Rng.fromSeed(7);
    const x = rng.fillNormal(new Float32Array(4 * c * s * s), 0, 1);
    const w = rng.fillNormal(new Float32Array(9 * c), 0, 1);
    const direct = convSame3(Float32Array.from(depthToSpace(x, c, s)), c, 2 * s, w, 1);
    const sub = subpixelConvWeights(w, [3, 3, c, 1]);
    expect(sub.shape).toEqual([3, 3, 4 * c, 4]);
    const moved = depthToSpace(convSame3(x, 4 * c, s, sub.weight, 4), 1, s);
    let diff = 0;
    for (let i = 0; i < direct.length; i++) diff = Math.max(diff, Math.abs((direct[i] as number) - (moved[i] as number)));
    expect(diff).toBeLessThan(1e-9);
    expect(sub.weight.filter((v) => v !== 0).length).toBe(4 * 9 * c); // each weight once per sub-pixel
  });

  test('refuses weights that are not [3, 3, c, 1]', () => {
    expect(() => subpixelConvWeights(new Float32Array(18), [3, 3, 1, 2])).toThrow('expected weights [3, 3, c, 1]');
    expect(() => subpixelConvWeights(new Float32Array(8), [3, 3, 1, 1])).toThrow('with 8 values');
  });
});
