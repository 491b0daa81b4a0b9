import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { Rng } from '@speedrl/core';
import { imagesToFloat32, initBackend, loadIdxDataset } from '@speedrl/tensor-utils';
import { decode, encode, evaluate } from './codec';
import { resolveVqConfig, VQ_PRESETS } from './config';
import { initCodebookKMeans } from './kmeans';
import { createVqModel, disposeVqModel, vqParamShapes, type VqModel } from './model';

const FIXTURE = join(__dirname, '../../tensor-utils/test-fixtures/fashion-mnist');
let images: Uint8Array;
let model: VqModel;

beforeAll(async () => {
  await initBackend();
  images = loadIdxDataset({ dir: FIXTURE, split: 'test' }).images;
  model = createVqModel(VQ_PRESETS.tiny, Rng.fromSeed(1));
  initCodebookKMeans(model, images, Rng.fromSeed(2));
});

afterAll(() => disposeVqModel(model));

describe('encode / decode', () => {
  it('maps images to 49 token ids in [0, K) and back to [B, 28, 28] images in (0, 1)', () => {
    const before = tf.memory().numTensors;
    const tokens = encode(model, images.subarray(0, 10 * 784));
    expect(tokens).toBeInstanceOf(Int32Array);
    expect(tokens.length).toBe(10 * 49);
    expect(tokens.every((t) => t >= 0 && t < 16)).toBe(true);
    expect(new Set(tokens).size).toBeGreaterThan(1);
    const recon = decode(model, tokens);
    expect(recon).toBeInstanceOf(Float32Array);
    expect(recon.length).toBe(10 * 28 * 28);
    expect(recon.every((v) => v > 0 && v < 1)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gives the same tokens for u8 and [0, 1] float input, and the same tokens per image in any batch', () => {
    const first = images.subarray(0, 3 * 784);
    const a = encode(model, first);
    expect(Array.from(encode(model, imagesToFloat32(first)))).toEqual(Array.from(a));
    expect(Array.from(encode(model, images.subarray(784, 2 * 784)))).toEqual(Array.from(a.subarray(49, 98)));
  });

  it('encodes to a 14×14 grid with downsample 2', () => {
    const fine = createVqModel(resolveVqConfig({ downsample: 2 }, VQ_PRESETS.tiny), Rng.fromSeed(1));
    const tokens = encode(fine, images.subarray(0, 2 * 784));
    expect(tokens.length).toBe(2 * 196);
    expect(decode(fine, tokens).length).toBe(2 * 784);
    expect([...vqParamShapes(fine.config).keys()].filter((n) => n.startsWith('encoder.down'))).toEqual(['encoder.down0.weight', 'encoder.down0.bias']);
    disposeVqModel(fine);
  });

  it('rejects out-of-range ids and partial grids with clear errors', () => {
    const bad = new Int32Array(49);
    bad[5] = 16;
    expect(() => decode(model, bad)).toThrow('token 5 is 16, expected an id in [0, 16) (the codebook size)');
    expect(() => decode(model, new Int32Array(50))).toThrow('tokens length 50 is not a multiple of 49 tokens per image');
    expect(() => encode(model, new Float32Array(783))).toThrow('encode images: length 783 is not a multiple of 28×28 = 784 pixels');
  });
});

describe('evaluate', () => {
  it('reports the MSE of decode(encode(x)), its PSNR, perplexity and usage', () => {
    const subset = images.subarray(0, 20 * 784);
    const result = evaluate(model, subset);
    const recon = decode(model, encode(model, subset));
    let sq = 0;
    for (let i = 0; i < recon.length; i++) sq += (recon[i]! - subset[i]! / 255) ** 2;
    expect(result.mse).toBeCloseTo(sq / recon.length, 6);
    expect(result.psnr).toBeCloseTo(10 * Math.log10(1 / result.mse), 10);
    expect(result.perplexity).toBeGreaterThan(1);
    expect(result.perplexity).toBeLessThanOrEqual(16);
    expect(result.usage).toBeGreaterThan(0);
    expect(result.usage).toBeLessThanOrEqual(1);
    expect(result.count).toBe(20);
  });
});
