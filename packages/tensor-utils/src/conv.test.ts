import * as tf from '@tensorflow/tfjs';
import { Rng } from '@speedrl/core';
import { initBackend } from './backend';
import { conv2dFilterGrad, conv2dInputGrad, conv2dSame, pixelShuffle, pixelUnshuffle, samePadding, stopGradient } from './conv';

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
    [1, 5],
    [2, 7],
    [2, 4],
    [3, 7],
    [3, 6],
  ])('kernel %i size %i: forward equals tf.conv2d, both gradients equal direct loops', (k, size) => {
    const rng = Rng.fromSeed(k * 100 + size);
    tf.tidy(() => {
      const x = randomTensor([2, size, size, 3], rng) as tf.Tensor4D;
      const w = randomTensor([k, k, 3, 5], rng) as tf.Tensor4D;
      const bias = randomTensor([5], rng) as tf.Tensor1D;
      const y = conv2dSame(x, w, bias);
      const ref = tf.add(tf.conv2d(x, w, 1, 'same'), bias);
      expect(y.shape).toEqual([2, size, size, 5]);
      expect(tf.max(tf.abs(tf.sub(y, ref))).dataSync()[0]).toBeLessThan(1e-4);

      const dy = randomTensor(y.shape, rng) as tf.Tensor4D;
      const naiveW = naiveFilterGrad(x, dy, k, 1);
      const naiveX = naiveInputGrad(x.shape, w, dy, 1);
      const direct = conv2dFilterGrad(x, dy, k).dataSync();
      const directX = conv2dInputGrad(dy, w).dataSync();
      for (let i = 0; i < naiveW.length; i++) expect(direct[i]).toBeCloseTo(naiveW[i]!, 3);
      for (let i = 0; i < naiveX.length; i++) expect(directX[i]).toBeCloseTo(naiveX[i]!, 3);

      // Through tf.grads of Σ dy·conv(x, W): the custom gradients are the ones used.
      const [gx, gw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv2dSame(a as tf.Tensor4D, b as tf.Tensor4D, bias), dy)))([x, w]);
      const gwData = gw!.dataSync();
      const gxData = gx!.dataSync();
      for (let i = 0; i < naiveW.length; i++) expect(gwData[i]).toBeCloseTo(naiveW[i]!, 3);
      for (let i = 0; i < naiveX.length; i++) expect(gxData[i]).toBeCloseTo(naiveX[i]!, 3);
    });
  });
});

/** Σ dy·conv2dSame(x, W, b) as a plain number. */
function objective(x: tf.Tensor4D, w: tf.Tensor4D, bias: tf.Tensor1D, dy: tf.Tensor): number {
  return tf.tidy(() => tf.sum(tf.mul(conv2dSame(x, w, bias), dy)).dataSync()[0] as number);
}

describe('conv2dSame gradients', () => {
  it('match a central finite difference along random directions (the objective is bilinear)', () => {
    const rng = Rng.fromSeed(11);
    tf.tidy(() => {
      const x = randomTensor([2, 5, 6, 2], rng) as tf.Tensor4D;
      const w = randomTensor([3, 3, 2, 4], rng) as tf.Tensor4D;
      const bias = randomTensor([4], rng) as tf.Tensor1D;
      const dy = randomTensor([2, 5, 6, 4], rng);
      const [gx, gw, gb] = tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.mul(conv2dSame(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor1D), dy)))([x, w, bias]);
      const dx = randomTensor(x.shape, rng) as tf.Tensor4D;
      const dw = randomTensor(w.shape, rng) as tf.Tensor4D;
      const eps = 0.05;
      const numX = (objective(tf.add(x, tf.mul(dx, eps)), w, bias, dy) - objective(tf.sub(x, tf.mul(dx, eps)), w, bias, dy)) / (2 * eps);
      const numW = (objective(x, tf.add(w, tf.mul(dw, eps)), bias, dy) - objective(x, tf.sub(w, tf.mul(dw, eps)), bias, dy)) / (2 * eps);
      expect(tf.sum(tf.mul(gx!, dx)).dataSync()[0]).toBeCloseTo(numX, 2);
      expect(tf.sum(tf.mul(gw!, dw)).dataSync()[0]).toBeCloseTo(numW, 2);
      expect(Array.from(gb!.dataSync())).toEqual(Array.from(tf.sum(dy, [0, 1, 2]).dataSync()));
    });
  });

  it('equal tf.conv2d autodiff on the cpu backend (which has Conv2DBackpropFilter)', async () => {
    const rng = Rng.fromSeed(12);
    const shapes = { x: [3, 7, 5, 3], w: [3, 3, 3, 6], dy: [3, 7, 5, 6] };
    const data = { x: rng.fillNormal(new Float32Array(105 * 3)), w: rng.fillNormal(new Float32Array(162)), dy: rng.fillNormal(new Float32Array(630)) };
    const grads = (useCustom: boolean): Float32Array[] =>
      tf.tidy(() => {
        const dy = tf.tensor(data.dy, shapes.dy);
        const bias = tf.zeros([6]) as tf.Tensor1D;
        const f = (a: tf.Tensor, b: tf.Tensor) => {
          const y = useCustom ? conv2dSame(a as tf.Tensor4D, b as tf.Tensor4D, bias) : tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same');
          return tf.sum(tf.mul(y, dy));
        };
        return tf.grads(f)([tf.tensor(data.x, shapes.x), tf.tensor(data.w, shapes.w)]).map((g) => g.dataSync() as Float32Array);
      });
    const ours = grads(true);
    const previous = tf.getBackend();
    const quiet = jest.spyOn(console, 'warn').mockImplementation(() => undefined); // tfjs' "install tfjs-node" notice
    await tf.setBackend('cpu');
    try {
      const reference = grads(false);
      for (let k = 0; k < 2; k++) {
        const [a, b] = [ours[k]!, reference[k]!];
        expect(a.length).toBe(b.length);
        for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i]!, 3);
      }
    } finally {
      await tf.setBackend(previous);
      quiet.mockRestore();
    }
  });
});

describe('pixelUnshuffle', () => {
  it('is space-to-depth in TensorFlow order and the inverse of pixelShuffle', () => {
    tf.tidy(() => {
      const x = randomTensor([2, 4, 6, 3], Rng.fromSeed(2)) as tf.Tensor4D;
      const y = pixelUnshuffle(x, 2);
      expect(y.shape).toEqual([2, 2, 3, 12]);
      const xs = x.dataSync();
      const ys = y.dataSync();
      // out[b, h, w, (i*2 + j)*C + c] = in[b, 2h + i, 2w + j, c]
      for (const [b, h, w, i, j, c] of [[0, 0, 0, 0, 0, 0], [1, 1, 2, 1, 0, 2], [0, 1, 1, 1, 1, 1]] as const) {
        expect(ys[((b * 2 + h) * 3 + w) * 12 + (i * 2 + j) * 3 + c]).toBe(xs[((b * 4 + 2 * h + i) * 6 + 2 * w + j) * 3 + c]);
      }
      expect(Array.from(pixelShuffle(y, 2).dataSync())).toEqual(Array.from(xs));
    });
  });

  it('rejects sizes not divisible by the factor', () => {
    const x = tf.zeros([1, 3, 4, 1]) as tf.Tensor4D;
    expect(() => pixelUnshuffle(x, 2)).toThrow('height 3 and width 4 must be divisible by the factor 2');
    x.dispose();
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
