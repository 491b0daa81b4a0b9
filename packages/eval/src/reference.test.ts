import type { FeatureModel } from '@speedrl/rewards-clip-fid';
import type { IdxDataset } from '@speedrl/tensor-utils';
import type { VqModel } from '@speedrl/vq-tokenizer';
import { computeFloorMetrics, type TestReference } from './reference';

describe('computeFloorMetrics', () => {
  it('refuses a train split with no more images than the feature dimensions, naming --data, before any work (was: an internal error about "generated" rows, exit 1)', async () => {
    const classifier = { featureDim: 256 } as FeatureModel; // never called: the check comes first
    const test = { count: 300, images: new Float32Array(300 * 784) } as TestReference;
    const load = async () => ({ count: 200, images: new Uint8Array(200 * 784), labels: new Uint8Array(200) }) as unknown as IdxDataset;
    let decoded = false;
    await expect(computeFloorMetrics({} as VqModel, classifier, test, 'fixtures/fmnist', 0, 3, load, async () => {
      decoded = true;
      return new Float32Array(0);
    })).rejects.toThrow('--data: the train split of "fixtures/fmnist" holds 200 images; the held-out-train floor needs more than the evaluation classifier\'s 256 feature dimensions (at least 257)');
    expect(decoded).toBe(false);
  });
});
