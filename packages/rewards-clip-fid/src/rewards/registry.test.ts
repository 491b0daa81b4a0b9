import { createClassifierReward } from './classifier-reward';
import { combineRewards } from './combine';
import { listRewards } from './registry';
import type { FeatureModel } from './types';

/** Local copy of rl-trainer's RewardBatch / QualityRewardFn (not imported on purpose): our rewards must be assignable to it. */
interface TrainerRewardBatch {
  readonly images: Float32Array;
  readonly tokens: Int32Array;
  readonly classes: Int32Array;
  readonly steps: Int32Array;
  readonly nfe: Int32Array;
  readonly batch: number;
  readonly height: number;
  readonly width: number;
}
type TrainerQualityRewardFn = (batch: TrainerRewardBatch) => Promise<Float32Array | { total: Float32Array; components?: Record<string, Float32Array> }>;

const model: FeatureModel = {
  role: 'reward', featureDim: 2, numClasses: 10,
  predict: async (_images, batch) => ({ logits: new Float32Array(batch * 10), features: new Float32Array(batch * 2) }),
};

describe('reward list', () => {
  it('lists every reward with a one-line description', () => {
    const list = listRewards();
    expect(list.map((r) => r.name)).toEqual(['classifier', 'realism', 'mmd', 'clip', 'speed']);
    for (const r of list) expect(r.description).toMatch(/^[^\n]{10,120}$/);
  });

  it('gives functions assignable to the RL trainer QualityRewardFn, alone and combined', async () => {
    const classifier = createClassifierReward(model);
    const combined = combineRewards([{ name: 'classifier', fn: classifier, weight: 1 }], { zscore: 'none' });
    const asTrainer: TrainerQualityRewardFn[] = [classifier, combined];
    const b: TrainerRewardBatch = {
      images: new Float32Array(784), tokens: new Int32Array(49), classes: Int32Array.of(3), steps: Int32Array.of(6), nfe: Int32Array.of(6),
      batch: 1, height: 28, width: 28,
    };
    for (const fn of asTrainer) {
      const out = await fn(b);
      expect(out instanceof Float32Array ? out[0] : out.total[0]).toBeCloseTo(-Math.log(10), 6);
    }
  });
});
