/**
 * Convolution building blocks that train fast on every tfjs backend (moved here from
 * @speedrl/vq-tokenizer so every model package shares them). tfjs-backend-wasm 4.22 has no
 * `Conv2DBackpropFilter` kernel (so `tf.conv2d`'s weight gradient fails there) and a slow, naive
 * `Conv2DBackpropInput`; {@link conv2dSame} writes both gradients as forward convolutions (XNNPACK on
 * wasm), and the networks use stride 1 only, with space-to-depth / depth-to-space for resolution changes.
 */
import * as tf from '@tensorflow/tfjs';

/** TensorFlow "SAME" padding along one axis: output ceil(n/stride) and [before, after] pads. */
export function samePadding(size: number, kernel: number, stride: number): { out: number; before: number; after: number } {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + kernel - size, 0);
  const before = Math.floor(total / 2);
  return { out, before, after: total - before };
}

/** `weight` `[k, k, cIn, cOut]` rotated 180° with channels swapped, `[k, k, cOut, cIn]`: the kernel of ∂L/∂x. */
function flipKernel(weight: tf.Tensor4D): tf.Tensor4D {
  return tf.transpose(tf.reverse(weight, [0, 1]), [0, 1, 3, 2]);
}

/**
 * ∂L/∂W of a stride-1 SAME convolution as one more convolution: batch becomes the contracted channel axis,
 * dy the kernel, and the k×k kernel offsets the output grid. `x` `[batch, h, w, cIn]`,
 * `dy` `[batch, h, w, cOut]` → `[k, k, cIn, cOut]`.
 */
export function conv2dFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, kernel: number): tf.Tensor4D {
  return tf.tidy(() => {
    const ph = samePadding(x.shape[1], kernel, 1);
    const pw = samePadding(x.shape[2], kernel, 1);
    const xp = tf.pad(x, [[0, 0], [ph.before, ph.after], [pw.before, pw.after], [0, 0]]);
    const input = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D; // [cIn, hp, wp, batch]
    const filter = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [h, w, batch, cOut]
    return tf.transpose(tf.conv2d(input, filter, 1, 'valid'), [1, 2, 0, 3]); // [cIn, k, k, cOut] → [k, k, cIn, cOut]
  });
}

/**
 * ∂L/∂x of a stride-1 SAME convolution: the flipped kernel correlated with dy under mirrored padding
 * (k−1−before, k−1−after). `dy` `[batch, h, w, cOut]`, `weight` `[k, k, cIn, cOut]` → `[batch, h, w, cIn]`.
 */
export function conv2dInputGrad(dy: tf.Tensor4D, weight: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    const k = weight.shape[0];
    const ph = samePadding(dy.shape[1], k, 1);
    const pw = samePadding(dy.shape[2], k, 1);
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [
      [0, 0], [k - 1 - ph.before, k - 1 - ph.after], [k - 1 - pw.before, k - 1 - pw.after], [0, 0],
    ];
    return tf.conv2d(dy, flipKernel(weight), 1, pad);
  });
}

/**
 * Stride-1 SAME 2-D convolution plus bias, `x` `[batch, h, w, cIn]`, `weight` `[k, k, cIn, cOut]` (the
 * `tf.conv2d` layout), `bias` `[cOut]` → `[batch, h, w, cOut]`; both gradients are forward convolutions,
 * so it trains on wasm at forward-conv speed. Downsampling is done by {@link pixelUnshuffle} instead of strides.
 */
export function conv2dSame(x: tf.Tensor4D, weight: tf.Tensor4D, bias: tf.Tensor1D): tf.Tensor4D {
  const kernel = weight.shape[0];
  const conv = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [xi, fi, save] = args as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    save([xi, fi]);
    return {
      value: tf.conv2d(xi, fi, 1, 'same'),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [xs, fs] = saved as [tf.Tensor4D, tf.Tensor4D];
        const dy4 = dy as tf.Tensor4D;
        return [conv2dInputGrad(dy4, fs), conv2dFilterGrad(xs, dy4, kernel)];
      },
    };
  });
  return tf.add(conv(x, weight), bias);
}

/**
 * Space-to-depth ("pixel unshuffle"), the inverse of {@link pixelShuffle}: `[batch, f*h, f*w, c]` →
 * `[batch, h, w, f*f*c]` in TensorFlow's `space_to_depth` order; a stride-f downsampling without strides.
 */
export function pixelUnshuffle(x: tf.Tensor4D, factor: number): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  if (h % factor !== 0 || w % factor !== 0) {
    throw new RangeError(`pixelUnshuffle: height ${h} and width ${w} must be divisible by the factor ${factor}`);
  }
  const [oh, ow] = [h / factor, w / factor];
  return tf.tidy(() =>
    x.reshape([b, oh, factor, ow, factor, c]).transpose([0, 1, 3, 2, 4, 5]).reshape([b, oh, ow, factor * factor * c]),
  );
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
