/**
 * Conv layers for ONNX graphs built with {@link GraphBuilder} from weights in the tfjs layout of `conv.ts`
 * (`[k, k, cIn, cOut]`, NHWC activations). ONNX's Conv works on NCHW activations with `[cOut, cIn, k, k]` weights, so
 * the weights are transposed once at export, and a dense layer that follows an NHWC flatten has its rows reordered
 * for the NCHW flatten. The ops: Conv (stride 1, SAME pads), SpaceToDepth / DepthToSpace (DCR) for {@link pixelUnshuffle}
 * / {@link pixelShuffle}, which use TensorFlow's channel order, the same as ONNX's.
 */
import type { GraphBuilder } from './onnx-builder';

/** tfjs conv weights `[k, k, cIn, cOut]` (HWIO) → ONNX Conv weights `[cOut, cIn, k, k]` (OIHW), a copy. */
export function hwioToOihw(data: Float32Array, shape: readonly number[]): Float32Array {
  const [kh, kw, cIn, cOut] = shape as [number, number, number, number];
  if (shape.length !== 4 || data.length !== kh * kw * cIn * cOut) throw new RangeError(`hwioToOihw: shape [${shape.join(', ')}] does not match ${data.length} values`);
  const out = new Float32Array(data.length);
  for (let y = 0; y < kh; y++) {
    for (let x = 0; x < kw; x++) {
      for (let i = 0; i < cIn; i++) {
        const from = ((y * kw + x) * cIn + i) * cOut;
        for (let o = 0; o < cOut; o++) out[((o * cIn + i) * kh + y) * kw + x] = data[from + o] as number;
      }
    }
  }
  return out;
}

/**
 * Rows of a dense weight `[h·w·c, m]` that follows an NHWC flatten (index (y·w + x)·c + ch), reordered for an NCHW
 * flatten (index (ch·h + y)·w + x): the same layer on NCHW activations.
 */
export function nhwcRowsToNchw(data: Float32Array, h: number, w: number, c: number): Float32Array {
  const rows = h * w * c;
  if (data.length % rows !== 0) throw new RangeError(`nhwcRowsToNchw: ${data.length} values are not ${rows} rows`);
  const m = data.length / rows;
  const out = new Float32Array(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let ch = 0; ch < c; ch++) out.set(data.subarray(((y * w + x) * c + ch) * m, ((y * w + x) * c + ch + 1) * m), ((ch * h + y) * w + x) * m);
    }
  }
  return out;
}

/** A conv layer's weights in tfjs layout: `weight` `[k, k, cIn, cOut]`, `bias` `[cOut]`. */
export interface TfConvWeights {
  readonly weight: Float32Array;
  readonly shape: readonly number[];
  readonly bias: Float32Array;
}

/**
 * Adds a stride-1 SAME convolution with bias (TensorFlow's padding: the odd pad after) on NCHW `x`
 * `[B, cIn, H, W]` → `[B, cOut, H, W]`; the weights are initializers named after `name`.
 */
export function convSame(g: GraphBuilder, x: string, name: string, conv: TfConvWeights): string {
  const [kh, kw, cIn, cOut] = conv.shape as [number, number, number, number];
  const w = g.float(`${name}.weight`, [cOut, cIn, kh, kw], hwioToOihw(conv.weight, conv.shape));
  const b = g.float(`${name}.bias`, [cOut], conv.bias);
  const [top, left] = [Math.floor((kh - 1) / 2), Math.floor((kw - 1) / 2)];
  const pads = [top, left, kh - 1 - top, kw - 1 - left];
  return g.op('Conv', [x, w, b], { kernel_shape: [kh, kw], pads, strides: [1, 1] }, name);
}

/** A dense layer `x` `[B, k]` · `weight` `[k, m]` + `bias` `[m]` → `[B, m]` through Gemm, weights named after `name`. */
export function denseLayer(g: GraphBuilder, x: string, name: string, weight: Float32Array, shape: readonly number[], bias: Float32Array): string {
  const w = g.float(`${name}.weight`, [...shape], weight);
  const b = g.float(`${name}.bias`, [shape[1] as number], bias);
  return g.gemm(x, w, name, { c: b });
}
