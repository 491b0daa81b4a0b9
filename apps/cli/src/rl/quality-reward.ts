/**
 * R_quality for Speed-RL from the shipped REWARD classifier (never the evaluation one): a weighted sum of the
 * z-scored classifier log-probability and realism (−Mahalanobis to the class's real-feature Gaussian).
 */
import { join } from 'node:path';
import {
  combineRewards, createClassifierReward, createRealismReward, loadClassifier, loadFeatureStatistics,
  type CombinedReward, type NormaliserState,
} from '@speedrl/rewards-clip-fid';
import type { QualityRewardFn, QualityScores } from '@speedrl/rl-trainer';
import { UsageError } from '../errors';
import { FEATURE_STATS_FILE } from '../commands/train-classifier';

/** Weights of the quality components (0 drops one). */
export interface QualityWeights {
  readonly classifier: number;
  readonly realism: number;
}

/** The combined reward and its normaliser state (checkpointed so a resumed run z-scores the same way). */
export interface QualityReward {
  readonly reward: QualityRewardFn;
  readonly combined: CombinedReward;
  normaliserState(): NormaliserState;
  restoreNormaliser(state: NormaliserState): void;
}

/** Loads `dir` (a reward classifier with feature statistics) and builds R_quality. */
export async function createQualityReward(dir: string, weights: QualityWeights): Promise<QualityReward> {
  const loaded = await loadClassifier(dir);
  if (loaded.role !== 'reward') {
    throw new UsageError(`--reward-classifier: "${dir}" is the ${loaded.role} classifier; Speed-RL trains only against the reward classifier`);
  }
  const components = [];
  if (weights.classifier > 0) components.push({ name: 'classifier', fn: createClassifierReward(loaded.model), weight: weights.classifier });
  if (weights.realism > 0) {
    const stats = await loadFeatureStatistics(join(dir, FEATURE_STATS_FILE));
    if (stats.perClass === undefined) throw new Error(`${join(dir, FEATURE_STATS_FILE)}: per-class statistics are missing (needed by the realism reward)`);
    components.push({ name: 'realism', fn: createRealismReward(loaded.model, stats.perClass), weight: weights.realism });
  }
  if (components.length === 0) throw new UsageError('--w-classifier/--w-realism: at least one quality reward needs a weight > 0');
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
