/**
 * Named rewards (docs/architecture.md, "Speed-RL objective"): what `speedrl rewards list` prints and how a config's
 * reward names become functions.
 */
import { FASHION_MNIST_CLASSES } from '@speedrl/tensor-utils';
import { loadClipModel, type ClipOnnxOptions } from '../clip/clip-onnx';
import { createClipReward, type ClipEncoder, type ClipRewardConfig } from '../clip/clip-reward';
import { speedReward, type SpeedRewardConfig } from '../speed';
import { createClassifierReward, type ClassifierRewardConfig } from './classifier-reward';
import { createMmdWitnessReward, type MmdWitnessConfig, type RealClassFeatures } from './mmd-witness';
import { createRealismReward, type ClassGaussian, type RealismConfig } from './realism';
import { checkRewardInput, type DisposableRewardFn, type FeatureModel, type RewardFn } from './types';

/** Names of the built-in rewards. */
export type RewardName = 'classifier' | 'realism' | 'mmd' | 'clip' | 'speed';

/** One line of `speedrl rewards list`. */
export interface RewardInfo {
  readonly name: RewardName;
  readonly description: string;
  /** Fields of {@link RewardDeps} the reward requires. */
  readonly needs: readonly string[];
}

/** The built-in rewards, in listing order. */
export const REWARDS: readonly RewardInfo[] = Object.freeze([
  { name: 'classifier', description: 'log p(c | x) of the conditioning class under the reward classifier', needs: ['rewardModel'] },
  { name: 'realism', description: "−Mahalanobis distance of reward-classifier features to the class's real-feature Gaussian", needs: ['rewardModel', 'classGaussians'] },
  { name: 'mmd', description: 'MMD witness on reward-classifier features: near real images of the class, far from its other samples', needs: ['rewardModel', 'realFeatures'] },
  { name: 'clip', description: '100 × max(cos(CLIP image, CLIP "a photo of a {class}"), 0) from an ONNX CLIP directory', needs: ['clip or clipModelDir'] },
  { name: 'speed', description: 'speed reward of the steps used: 1 − T/Tmax (or −log T, or 1 − NFE/NFEmax)', needs: [] },
] as const satisfies readonly RewardInfo[]);

/** What the rewards are built from; each reward reads only the fields it needs. */
export interface RewardDeps {
  /** The REWARD classifier (role `reward`; the evaluation classifier is refused). */
  readonly rewardModel?: FeatureModel;
  /** Real-feature Gaussian per class, from the reward classifier's features of the training set (see `classGaussiansFromFeatures`). */
  readonly classGaussians?: readonly ClassGaussian[];
  readonly classifier?: Partial<ClassifierRewardConfig>;
  readonly realism?: Partial<RealismConfig>;
  /** Reward-classifier features of real images per class (see `realClassFeatures`), for the `mmd` reward. */
  readonly realFeatures?: RealClassFeatures;
  readonly mmd?: Partial<MmdWitnessConfig>;
  /** A loaded CLIP encoder; wins over `clipModelDir`. */
  readonly clip?: ClipEncoder;
  /** A CLIP ONNX directory (layout in `clip-onnx.ts`), opened by `createReward`; dispose the reward to release it. */
  readonly clipModelDir?: string;
  readonly clipOptions?: ClipOnnxOptions;
  readonly clipReward?: Partial<ClipRewardConfig>;
  /** Class names for CLIP prompts (default: the Fashion-MNIST names). */
  readonly classNames?: readonly string[];
  readonly speed?: Partial<SpeedRewardConfig>;
}

/** Names and one-line descriptions of the built-in rewards. */
export function listRewards(): RewardInfo[] {
  return REWARDS.map((r) => ({ ...r }));
}

/** The speed reward as a {@link RewardFn}: `speedReward(steps[i], config, nfe[i])` per sample (needs `batch.steps`). */
export function createSpeedRewardFn(config: Partial<SpeedRewardConfig> = {}): RewardFn {
  const where = 'speed reward';
  speedReward(1, config); // validates the config now, not at the first batch
  return async (input) => {
    const batch = checkRewardInput(input, where);
    const { steps, nfe } = input;
    if (!(steps instanceof Int32Array) || steps.length !== batch) throw new RangeError(`${where}: batch.steps must be an Int32Array of length batch = ${batch}`);
    if (nfe !== undefined && nfe.length !== batch) throw new RangeError(`${where}: batch.nfe has length ${nfe.length}; expected batch = ${batch}`);
    const useNfe = config.kind === 'nfe' && nfe !== undefined;
    return Float32Array.from({ length: batch }, (_, i) => speedReward(steps[i] as number, config, useNfe ? nfe[i] : undefined));
  };
}

function need<T>(value: T | undefined, name: RewardName, field: string): T {
  if (value === undefined) throw new Error(`createReward("${name}"): needs deps.${field}`);
  return value;
}

/** Builds the reward called `name` from `deps`; throws naming the known rewards or the missing dependency. */
export async function createReward(name: string, deps: RewardDeps = {}): Promise<DisposableRewardFn> {
  switch (name) {
    case 'classifier':
      return createClassifierReward(need(deps.rewardModel, name, 'rewardModel (the reward classifier)'), deps.classifier);
    case 'realism':
      return createRealismReward(
        need(deps.rewardModel, name, 'rewardModel (the reward classifier)'),
        need(deps.classGaussians, name, 'classGaussians (one real-feature Gaussian per class)'),
        deps.realism,
      );
    case 'mmd':
      return createMmdWitnessReward(
        need(deps.rewardModel, name, 'rewardModel (the reward classifier)'),
        need(deps.realFeatures, name, 'realFeatures (reward-classifier features of real images per class)'),
        deps.mmd,
      );
    case 'clip': {
      const classNames = deps.classNames ?? FASHION_MNIST_CLASSES;
      if (deps.clip !== undefined) return createClipReward(deps.clip, classNames, deps.clipReward);
      const dir = need(deps.clipModelDir, name, 'clip (a ClipEncoder) or deps.clipModelDir (a CLIP ONNX directory)');
      const model = await loadClipModel(dir, deps.clipOptions);
      try {
        return Object.assign(createClipReward(model, classNames, deps.clipReward), { dispose: () => model.dispose() });
      } catch (error) {
        await model.dispose();
        throw error;
      }
    }
    case 'speed':
      return createSpeedRewardFn(deps.speed);
    default:
      throw new Error(`createReward: unknown reward "${name}"; known rewards: ${REWARDS.map((r) => r.name).join(', ')}`);
  }
}
