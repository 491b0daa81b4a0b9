/**
 * R_quality for Speed-RL from the shipped REWARD classifier (never the evaluation one): a weighted sum of the
 * z-scored classifier log-probability, realism (−Mahalanobis to the class's real-feature Gaussian, from the
 * classifier directory's FEATURE_STATS_FILE) and the MMD witness (near the TRAINING images of the class, far from the
 * class's other samples). Satisfies rl-trainer's `QualityRewardFn`; problems are UsageErrors naming the flag.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { imagesToFloat32, loadIdxDataset } from '@speedrl/tensor-utils';
import {
  FEATURE_STATS_FILE, combineRewards, createClassifierReward, createMmdWitnessReward, createRealismReward, loadFeatureStatistics, realClassFeatures,
  type CombinedReward, type NormaliserState, type RewardComponent, type RewardName,
} from '@speedrl/rewards-clip-fid';
import type { QualityRewardFn, QualityScores } from '@speedrl/rl-trainer';
import { UsageError } from '@speedrl/core';
import { loadClassifierFor } from './classifiers';

/** Weights of the quality components (0 drops one). */
export interface QualityWeights {
  readonly classifier: number;
  readonly realism: number;
  readonly mmd: number;
}

/** Where the `mmd` reward's real images come from: the TRAINING split (the test set is the evaluation's). */
export interface RealImagesSource {
  readonly dataDir: string;
  /** Training images read (the first ones); the reward keeps up to 1,000 per class. */
  readonly limit: number;
}

/** The combined reward and its normaliser state (checkpointed so a resumed run z-scores the same way). */
export interface QualityReward {
  readonly reward: QualityRewardFn;
  readonly combined: CombinedReward;
  /** The running z-score statistics, to save in a checkpoint. */
  normaliserState(): NormaliserState;
  /** Restores statistics saved by `normaliserState` (resume). */
  restoreNormaliser(state: NormaliserState): void;
}

/**
 * Loads `dir` (a reward classifier with feature statistics) and builds R_quality; `extra` components (user `--reward`
 * modules, see `loadRewardModules`) join the built-in ones, z-scored and checkpointed the same way.
 */
export async function createQualityReward(dir: string, weights: QualityWeights, real?: RealImagesSource, extra: readonly RewardComponent[] = []): Promise<QualityReward> {
  const loaded = await loadClassifierFor(dir, '--reward-classifier');
  if (loaded.role !== 'reward') {
    throw new UsageError(`--reward-classifier: "${dir}" is the ${loaded.role} classifier; Speed-RL trains only against the reward classifier`);
  }
  const components: RewardComponent[] = [];
  if (weights.classifier > 0) components.push({ name: 'classifier', fn: createClassifierReward(loaded.model), weight: weights.classifier });
  if (weights.realism > 0) {
    if (!existsSync(join(dir, FEATURE_STATS_FILE))) throw new UsageError(`--w-realism: ${join(dir, FEATURE_STATS_FILE)} is missing (train-classifier writes it beside the reward classifier)`);
    const stats = await loadFeatureStatistics(join(dir, FEATURE_STATS_FILE));
    if (stats.perClass === undefined) throw new UsageError(`--w-realism: ${join(dir, FEATURE_STATS_FILE)} has no per-class statistics (needed by the realism reward)`);
    components.push({ name: 'realism', fn: createRealismReward(loaded.model, stats.perClass), weight: weights.realism });
  }
  if (weights.mmd > 0) {
    if (real === undefined) throw new UsageError('--w-mmd: the mmd reward needs --data (the Fashion-MNIST IDX directory; its train split is the reference)');
    const train = loadIdxDataset({ dir: real.dataDir, split: 'train', limit: real.limit });
    const features = await realClassFeatures(loaded.model, imagesToFloat32(train.images), train.labels);
    components.push({ name: 'mmd', fn: createMmdWitnessReward(loaded.model, features), weight: weights.mmd });
  }
  components.push(...extra);
  if (!components.some((c) => c.weight > 0)) throw new UsageError('--w-classifier/--w-realism/--w-mmd/--reward: at least one quality reward needs a weight > 0');
  const combined = combineRewards(components, { zscore: 'running' });
  return {
    combined,
    reward: async (batch) => {
      const scores = await combined.evaluate(batch);
      return { total: scores.total, components: scores.raw } satisfies QualityScores;
    },
    normaliserState: () => combined.state(),
    restoreNormaliser: (state) => combined.loadState(state),
  };
}

/** The accelerate flag that weights each built-in reward; null: accelerate cannot use it (build it in code, or wrap it in a --reward module). */
export const ACCELERATE_REWARD_FLAGS: Readonly<Record<RewardName, string | null>> = Object.freeze({
  classifier: '--w-classifier', realism: '--w-realism', mmd: '--w-mmd', clip: null, speed: '--speed-weight',
});

/** How accelerate takes reward `name`, in words. */
export function accelerateRewardUse(name: RewardName): string {
  const flag = ACCELERATE_REWARD_FLAGS[name];
  return flag === null
    ? 'not a speedrl accelerate option: from code only (its factory in @speedrl/rewards-clip-fid), or a --reward module wrapping it'
    : `speedrl accelerate ${flag} WEIGHT`;
}
