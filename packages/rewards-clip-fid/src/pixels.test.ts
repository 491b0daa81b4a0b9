import { Rng } from '@speedrl/core';
import { initBackend } from '@speedrl/tensor-utils';
import { CLASSIFIER_PRESETS } from './classifiers/config';
import { featureStatistics } from './classifiers/feature-stats';
import { createClassifier } from './classifiers/model';
import { evaluateClassifier } from './classifiers/train';
import { checkPixels } from './pixels';
import { medianSquaredDistance, realClassFeatures } from './rewards/mmd-witness';

beforeAll(async () => {
  await initBackend({ prefer: 'wasm' });
});

/** Two 28×28 grey images with one bad pixel (image 1, pixel 17) set to `value`. */
function withBadPixel(value: number): Float32Array {
  const images = new Float32Array(2 * 784).fill(0.5);
  images[784 + 17] = value;
  return images;
}

describe('every pixel entry point refuses NaN, infinite and out-of-range pixels, naming the function, image and value', () => {
  const model = createClassifier('reward', CLASSIFIER_PRESETS.reward.tiny, Rng.fromSeed(0));
  afterAll(() => model.dispose());

  it('checkPixels: [0, 1] passes, anything else names image, pixel and value; u8 counts are not pixels', () => {
    expect(() => checkPixels(Float32Array.of(0, 0.5, 1), 3, 'f')).not.toThrow();
    expect(() => checkPixels(Float32Array.of(0, 0.5, 1, NaN), 2, 'f')).toThrow('f: image 1 pixel 1 is NaN; pixels must be finite and in [0, 1]');
    expect(() => checkPixels(Float32Array.of(-Infinity), 1, 'f')).toThrow('f: image 0 pixel 0 is -Infinity');
    expect(() => checkPixels(Float32Array.of(0, 200), 1, 'f')).toThrow('f: image 1 pixel 0 is 200; pixels must be finite and in [0, 1] (images scaled to 0–255? divide by 255)');
    expect(() => checkPixels(Uint8Array.of(0, 255), 1, 'f')).not.toThrow();
  });

  it.each([NaN, Infinity, 255, -0.25])('pixel %p: predict, featureStatistics, evaluateClassifier and realClassFeatures all refuse it', async (bad) => {
    const images = withBadPixel(bad);
    await expect(model.predict(images, 2)).rejects.toThrow(`classifier (reward) predict: image 1 pixel 17 is ${bad}`);
    await expect(featureStatistics(model, images)).rejects.toThrow(`featureStatistics: image 1 pixel 17 is ${bad}`);
    expect(() => evaluateClassifier(model, images, Uint8Array.of(0, 1))).toThrow(`evaluateClassifier: image 1 pixel 17 is ${bad}`);
    await expect(realClassFeatures(model, images, [0, 1])).rejects.toThrow(`image 1 pixel 17 is ${bad}`);
  });

  it('the pairwise median refuses non-finite features instead of returning a number', () => {
    expect(() => medianSquaredDistance(Float32Array.of(0, 0, NaN, 1, 2, 2), 3, 2)).toThrow(/medianSquaredDistance: features row 1, column 0 is NaN/);
  });
});
