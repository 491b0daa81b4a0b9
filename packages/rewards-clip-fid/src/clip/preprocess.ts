/**
 * CLIP image preprocessing for 28×28 grey samples (Radford et al. 2021; the `CLIPImageProcessor` constants):
 * bilinear resize to the vision model's input size, grey copied to 3 channels, per-channel (x − mean) / std.
 * The resize uses half-pixel centres without antialiasing (torch `interpolate(mode='bilinear', align_corners=False)`),
 * and images are already square, so no centre crop is needed.
 */

/** CLIP's per-channel RGB mean (OpenAI CLIP / `CLIPImageProcessor.image_mean`). */
export const CLIP_IMAGE_MEAN: readonly [number, number, number] = Object.freeze([0.48145466, 0.4578275, 0.40821073]) as readonly [number, number, number];
/** CLIP's per-channel RGB std (OpenAI CLIP / `CLIPImageProcessor.image_std`). */
export const CLIP_IMAGE_STD: readonly [number, number, number] = Object.freeze([0.26862954, 0.26130258, 0.27577711]) as readonly [number, number, number];

/** Size and normalisation of a CLIP vision model's input. */
export interface ClipImageSpec {
  readonly height: number;
  readonly width: number;
  readonly mean: readonly [number, number, number];
  readonly std: readonly [number, number, number];
}

/** Source index pair and weight of each output coordinate for a half-pixel-centre bilinear resize of `inSize` → `outSize`. */
function axisWeights(inSize: number, outSize: number): { lo: Int32Array; hi: Int32Array; t: Float64Array } {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const t = new Float64Array(outSize);
  const scale = inSize / outSize;
  for (let o = 0; o < outSize; o++) {
    const src = Math.min(Math.max((o + 0.5) * scale - 0.5, 0), inSize - 1); // edge pixels clamp
    const l = Math.floor(src);
    lo[o] = l;
    hi[o] = Math.min(l + 1, inSize - 1);
    t[o] = src - l;
  }
  return { lo, hi, t };
}

/** Bilinear resize of `count` images `[count, h, w]` to `[count, outH, outW]` (half-pixel centres, clamped edges). */
export function resizeBilinear(images: Float32Array, count: number, h: number, w: number, outH: number, outW: number): Float32Array {
  if (images.length !== count * h * w) {
    throw new RangeError(`preprocess.ts resizeBilinear: images has length ${images.length}; expected ${count} × ${h} × ${w} = ${count * h * w}`);
  }
  const ys = axisWeights(h, outH);
  const xs = axisWeights(w, outW);
  const out = new Float32Array(count * outH * outW);
  for (let n = 0; n < count; n++) {
    const base = n * h * w;
    for (let oy = 0; oy < outH; oy++) {
      const r0 = base + (ys.lo[oy] as number) * w;
      const r1 = base + (ys.hi[oy] as number) * w;
      const ty = ys.t[oy] as number;
      for (let ox = 0; ox < outW; ox++) {
        const x0 = xs.lo[ox] as number;
        const x1 = xs.hi[ox] as number;
        const tx = xs.t[ox] as number;
        const top = (images[r0 + x0] as number) * (1 - tx) + (images[r0 + x1] as number) * tx;
        const bottom = (images[r1 + x0] as number) * (1 - tx) + (images[r1 + x1] as number) * tx;
        out[(n * outH + oy) * outW + ox] = top * (1 - ty) + bottom * ty;
      }
    }
  }
  return out;
}

/** Grey images `[count, h, w]` in [0, 1] → CLIP `pixel_values` `[count, 3, H, W]` (resized, replicated, normalised). */
export function toClipPixels(images: Float32Array, count: number, h: number, w: number, spec: ClipImageSpec): Float32Array {
  const { height: H, width: W, mean, std } = spec;
  if (images.length !== count * h * w) {
    throw new RangeError(`preprocess.ts toClipPixels: images has length ${images.length}; expected ${count} × ${h} × ${w} = ${count * h * w}`);
  }
  const grey = h === H && w === W ? images : resizeBilinear(images, count, h, w, H, W);
  const plane = H * W;
  const out = new Float32Array(count * 3 * plane);
  for (let n = 0; n < count; n++) {
    for (let ch = 0; ch < 3; ch++) {
      const m = mean[ch] as number;
      const s = std[ch] as number;
      const dst = (n * 3 + ch) * plane;
      for (let p = 0; p < plane; p++) out[dst + p] = ((grey[n * plane + p] as number) - m) / s;
    }
  }
  return out;
}
