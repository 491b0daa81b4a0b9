import type { ClipEncoder } from '../clip/clip-reward';
import { combineRewards } from './combine';
import { createReward, listRewards } from './registry';
import type { FeatureModel, RewardInput } from './types';

/** Local copy of rl-trainer's RewardBatch / RewardFn (not imported on purpose): our rewards must be assignable to it. */
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
type TrainerRewardFn = (batch: TrainerRewardBatch) => Promise<Float32Array>;

const model = (role: 'reward' | 'eval'): FeatureModel => ({
  role, featureDim: 2, numClasses: 10,
  predict: async (_images, batch) => ({ logits: new Float32Array(batch * 10), features: new Float32Array(batch * 2) }),
});

const batch = (steps: number[], nfe?: number[]): RewardInput => ({
  images: new Float32Array(steps.length * 784), classes: new Int32Array(steps.length), batch: steps.length, height: 28, width: 28,
  steps: Int32Array.from(steps), ...(nfe === undefined ? {} : { nfe: Int32Array.from(nfe) }),
});

describe('reward registry', () => {
  it('lists every reward with a one-line description', () => {
    const list = listRewards();
    expect(list.map((r) => r.name)).toEqual(['classifier', 'realism', 'mmd', 'clip', 'speed']);
    for (const r of list) expect(r.description).toMatch(/^[^\n]{10,120}$/);
  });

  it('builds the speed reward from steps (and NFE for kind "nfe")', async () => {
    const speed = await createReward('speed');
    expect(Array.from(await speed(batch([3, 12, 6])))).toEqual([0.75, 0, 0.5]);
    const nfe = await createReward('speed', { speed: { kind: 'nfe', passesPerStep: 2 } });
    expect(Array.from(await nfe(batch([6, 6], [12, 6])))).toEqual([0.5, 0.75]);
    await expect(speed({ ...batch([1]), steps: undefined })).rejects.toThrow(/batch.steps must be an Int32Array of length batch = 1/);
  });

  it('builds the classifier reward and refuses the evaluation classifier', async () => {
    const r = await createReward('classifier', { rewardModel: model('reward') });
    const out = await r(batch([1, 1]));
    expect(out[0]).toBeCloseTo(-Math.log(10), 6);
    await expect(createReward('classifier', { rewardModel: model('eval') })).rejects.toThrow(/role "eval".*never used as a reward/);
    await expect(createReward('realism', { rewardModel: model('eval'), classGaussians: [] })).rejects.toThrow(/role "eval"/);
  });

  it('builds the CLIP reward from an encoder with prompts of the class names', async () => {
    const seen: string[] = [];
    const encoder: ClipEncoder = {
      image: { height: 2, width: 2, mean: [0, 0, 0], std: [1, 1, 1] }, embedDim: 2,
      embedImages: async (_p, n) => Float32Array.from({ length: 2 * n }, (_, i) => (i % 2 === 0 ? 1 : 0)),
      embedTexts: async (texts) => {
        seen.push(...texts);
        return Float32Array.from(texts.flatMap((_, i) => (i === 0 ? [1, 1] : [0, 1])));
      },
    };
    const r = await createReward('clip', { clip: encoder, classNames: ['cat', 'dog'] });
    const input = { ...batch([1, 1]), classes: Int32Array.of(0, 1) };
    near(await r(input), [100 / Math.SQRT2, 0]);
    expect(seen).toEqual(['a photo of a cat', 'a photo of a dog']);
  });

  it('names unknown rewards and missing dependencies', async () => {
    await expect(createReward('fid')).rejects.toThrow(/unknown reward "fid"; known rewards: classifier, realism, mmd, clip, speed/);
    await expect(createReward('realism', { rewardModel: model('reward') })).rejects.toThrow(/createReward\("realism"\): needs deps.classGaussians/);
    await expect(createReward('clip')).rejects.toThrow(/needs deps.clip \(a ClipEncoder\) or deps.clipModelDir/);
    await expect(createReward('mmd', { rewardModel: model('reward') })).rejects.toThrow(/createReward\("mmd"\): needs deps.realFeatures/);
  });

  it('gives functions assignable to the RL trainer RewardFn, alone and combined', async () => {
    const speed = await createReward('speed');
    const combined = combineRewards([{ name: 'speed', fn: speed, weight: 1 }], { zscore: 'none' });
    const asTrainer: TrainerRewardFn[] = [speed, combined];
    const b: TrainerRewardBatch = { ...batch([6]), tokens: new Int32Array(49), steps: Int32Array.of(6), nfe: Int32Array.of(6) };
    expect(Array.from(await asTrainer[1]!(b))).toEqual([0.5]);
  });
});

function near(actual: Float32Array, expected: number[]): void {
  expected.forEach((e, i) => expect(actual[i]).toBeCloseTo(e, 4));
}
