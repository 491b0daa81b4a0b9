/**
 * Convolution building blocks that train on every tfjs backend. tfjs-backend-wasm 4.22 has no
 * `Conv2DBackpropFilter` kernel, so `tf.conv2d`'s weight gradient (and `conv2dTranspose`'s) fails there;
 * {@link conv2dSame} keeps the native forward and input gradient and computes the weight gradient as an
 * im2col matrix product (Chellapilla et al. 2006) from slices, pads and matMul, which every backend has.
 */
import * as tf from '@tensorflow/tfjs';

/** TensorFlow "SAME" padding along one axis: output ceil(n/stride) and [before, after] pads. */
export function samePadding(size: number, kernel: number, stride: number): { out: number; before: number; after: number } {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}

/**
 * ∂L/∂W of a SAME-padded 2-D convolution: Σ over batch and output positions of input patch ⊗ dy.
 * `x` `[batch, h, w, cIn]`, `dy` `[batch, outH, outW, cOut]` → `[k, k, cIn, cOut]`.
 */
export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, kernel: number, stride: number): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, h, w, cIn] = x.shape;
    const cOut = dy.shape[3];
    const ph = samePadding(h, kernel, stride);
    const pw = samePadding(w, kernel, stride);
    // Extra zeros at the far side so every tap's strided window fits: kernel-1 + stride*out ≤ padded size.
    const extraH = Math.max(0, kernel - 1 + stride * ph.out - (h + ph.before + ph.after));
    const extraW = Math.max(0, kernel - 1 + stride * pw.out - (w + pw.before + pw.after));
    const xp = tf.pad(x, [[0, 0], [ph.before, ph.after + extraH], [pw.before, pw.after + extraW], [0, 0]]);
    const n = b * ph.out * pw.out;
    const taps: tf.Tensor2D[] = [];
    for (let i = 0; i < kernel; i++) {
      for (let j = 0; j < kernel; j++) {
        let tap: tf.Tensor = tf.slice(xp, [0, i, j, 0], [b, stride * ph.out, stride * pw.out, cIn]);
        if (stride > 1) {
          tap = tf.slice(tap.reshape([b, ph.out, stride, pw.out, stride, cIn]), [0, 0, 0, 0, 0, 0], [b, ph.out, 1, pw.out, 1, cIn]);
        }
        taps.push(tap.reshape([n, cIn]));
      }
    }
    const patches = taps.length === 1 ? (taps[0] as tf.Tensor2D) : tf.concat(taps, 1); // [n, k*k*cIn], (i, j, c) order
    return tf.matMul(patches, dy.reshape([n, cOut]), true, false).reshape([kernel, kernel, cIn, cOut]);
  });
}

/**
 * SAME-padded 2-D convolution plus bias, `x` `[batch, h, w, cIn]`, `weight` `[k, k, cIn, cOut]` (the
 * `tf.conv2d` layout), `bias` `[cOut]` → `[batch, ceil(h/s), ceil(w/s), cOut]`; differentiable on wasm.
 */
export function conv2dSame(x: tf.Tensor4D, weight: tf.Tensor4D, bias: tf.Tensor1D, stride: number): tf.Tensor4D {
  const kernel = weight.shape[0];
  const conv = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, fi, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([xi, fi]);
    return {
      value: tf.conv2d(xi, fi, stride, 'same'),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, fs] = saved as [tf.Tensor4D, tf.Tensor4D];
        const dy4 = dy as tf.Tensor4D;
        return [tf.conv2dTranspose(dy4, fs, xs.shape, stride, 'same'), conv2dFilterGrad(xs, dy4, kernel, stride)];
      },
    };
  });
  return tf.add(conv(x, weight), bias);
}

/**
 * Sub-pixel upsampling ("pixel shuffle", Shi et al. 2016, arXiv:1609.05158), TensorFlow's
 * `depth_to_space` order: `[batch, h, w, f*f*c]` → `[batch, f*h, f*w, c]`, built from reshape and
 * transpose so it has a gradient on every backend.
 */
export function pixelShuffle(x: tf.Tensor4D, factor: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  if (c % (factor * factor) !== 0) {
    throw new RangeError(`pixelShuffle: channels (${c}) must be divisible by factor² (${factor * factor})`);
  }
  const out = c / (factor * factor);
  return tf.tidy(() =>
    x.reshape([b, h, w, factor, factor, out]).transpose([0, 1, 3, 2, 4, 5]).reshape([b, h * factor, w * factor, out]),
  );
}

/** Identity in the forward pass, zero gradient in the backward pass: the paper's sg[·] operator. */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const sg = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => ({
    value: (args[0] as tf.Tensor).clone(),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  }));
  return sg(x) as T;
}
