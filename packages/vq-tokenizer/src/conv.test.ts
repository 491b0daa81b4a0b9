import * as tf from '@tensorflow/tfjs';
import { initBackend, Rng } from '@speedrl/tensor-utils';
import { conv2dFilterGrad, conv2dSame, pixelShuffle, samePadding, stopGradient } from './conv';

beforeAll(async () => {
  await initBackend();
});

function randomTensor(shape: number[], rng: Rng): tf.Tensor {
  return tf.tensor(rng.fillNormal(new Float32Array(shape.reduce((a, b) => a * b, 1))), shape);
}

/** Direct-loop reference of ∂(Σ dy·conv(x, W))/∂W for SAME padding. */
function naiveFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, k: number, s: number): Float32Array {
  const [b, h, w, ci] = x.shape;
  const [, oh, ow, co] = dy.shape;
  const xs = x.dataSync();
  const ds = dy.dataSync();
  const top = samePadding(h, k, s).before;
  const left = samePadding(w, k, s).before;
  const out = new Float32Array(k * k * ci * co);
  for (let n = 0; n < b; n++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let i = 0; i < k; i++)
          for (let j = 0; j < k; j++) {
            const y = oy * s + i - top;
            const xx = ox * s + j - left;
            if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
            for (let c = 0; c < ci; c++)
              for (let o = 0; o < co; o++) {
                out[((i * k + j) * ci + c) * co + o]! += xs[((n * h + y) * w + xx) * ci + c]! * ds[((n * oh + oy) * ow + ox) * co + o]!;
              }
          }
  return out;
}

/** Direct-loop reference of ∂(Σ dy·conv(x, W))/∂x for SAME padding. */
function naiveInputGrad(xShape: number[], w: tf.Tensor4D, dy: tf.Tensor4D, s: number): Float32Array {
  const [b, h, wd, ci] = xShape as [number, number, number, number];
  const [k, , , co] = w.shape;
  const [, oh, ow] = dy.shape;
  const ws = w.dataSync();
  const ds = dy.dataSync();
  const top = samePadding(h, k, s).before;
  const left = samePadding(wd, k, s).before;
  const out = new Float32Array(b * h * wd * ci);
  for (let n = 0; n < b; n++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let i = 0; i < k; i++)
          for (let j = 0; j < k; j++) {
            const y = oy * s + i - top;
            const xx = ox * s + j - left;
            if (y < 0 || y >= h || xx < 0 || xx >= wd) continue;
            for (let c = 0; c < ci; c++)
              for (let o = 0; o < co; o++) {
                out[((n * h + y) * wd + xx) * ci + c]! += ws[((i * k + j) * ci + c) * co + o]! * ds[((n * oh + oy) * ow + ox) * co + o]!;
              }
          }
  return out;
}

describe('samePadding', () => {
  it('matches TensorFlow SAME rules for the model layers', () => {
    expect(samePadding(28, 4, 2)).toEqual({ out: 14, before: 1, after: 1 });
    expect(samePadding(7, 3, 1)).toEqual({ out: 7, before: 1, after: 1 });
    expect(samePadding(7, 4, 2)).toEqual({ out: 4, before: 1, after: 2 });
    expect(samePadding(5, 1, 1)).toEqual({ out: 5, before: 0, after: 0 });
  });
});

describe('conv2dSame', () => {
  it.each([
    [4, 2, 8],
    [3, 1, 7],
    [1, 1, 5],
    [4, 2, 7],
  ])('kernel %i stride %i size %i: forward equals tf.conv2d and both gradients equal direct loops', (k, s, size) => {
    const rng = Rng.fromSeed(k * 100 + s * 10 + size);
    tf.tidy(() => {
      const x = randomTensor([2, size, size, 3], rng) as tf.Tensor4D;
      const w = randomTensor([k, k, 3, 5], rng) as tf.Tensor4D;
      const bias = randomTensor([5], rng) as tf.Tensor1D;
      const y = conv2dSame(x, w, bias, s);
      const ref = tf.add(tf.conv2d(x, w, s, 'same'), bias);
      expect(y.shape).toEqual(ref.shape);
      expect(tf.max(tf.abs(tf.sub(y, ref))).dataSync()[0]).toBeLessThan(1e-4);

      const dy = randomTensor(y.shape, rng) as tf.Tensor4D;
      const direct = conv2dFilterGrad(x, dy, k, s).dataSync();
      const naive = naiveFilterGrad(x, dy, k, s);
      for (let i = 0; i < naive.length; i++) expect(direct[i]).toBeCloseTo(naive[i]!, 3);

      // Through tf.grads: weight gradient of Σ dy·y is the same, input gradient is finite and shaped like x.
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv2dSame(a as tf.Tensor4D, b as tf.Tensor4D, bias, s), dy)))([x, w]);
      const gwData = gw!.dataSync();
      for (let i = 0; i < naive.length; i++) expect(gwData[i]).toBeCloseTo(naive[i]!, 3);
      expect(gx!.shape).toEqual(x.shape);
      const gxData = gx!.dataSync();
      const naiveX = naiveInputGrad(x.shape, w, dy, s);
      for (let i = 0; i < naiveX.length; i++) expect(gxData[i]).toBeCloseTo(naiveX[i]!, 3);
    });
  });
});

describe('pixelShuffle', () => {
  it('equals tf.depthToSpace (TensorFlow channel order)', () => {
    tf.tidy(() => {
      const x = randomTensor([2, 3, 3, 8], Rng.fromSeed(1)) as tf.Tensor4D;
      const y = pixelShuffle(x, 2);
      expect(y.shape).toEqual([2, 6, 6, 2]);
      expect(Array.from(y.dataSync())).toEqual(Array.from(tf.depthToSpace(x, 2).dataSync()));
    });
  });

  it('rejects channels not divisible by factor²', () => {
    const x = tf.zeros([1, 2, 2, 6]) as tf.Tensor4D;
    expect(() => pixelShuffle(x, 2)).toThrow('channels (6) must be divisible by factor² (4)');
    x.dispose();
  });
});

describe('stopGradient', () => {
  it('passes values and blocks gradients', () => {
    tf.tidy(() => {
      const x = tf.tensor1d([1, 2, 3]);
      const g = tf.grad((a: tf.Tensor) => tf.sum(tf.add(tf.mul(a, 2), tf.mul(stopGradient(a), 5))))(x);
      expect(Array.from(g.dataSync())).toEqual([2, 2, 2]);
      expect(Array.from(stopGradient(x).dataSync())).toEqual([1, 2, 3]);
    });
  });
});
