/**
 * `@speedrl/rl-trainer` — Speed-RL: GRPO for masked generative models (arXiv 2512.01094).
 *
 * @packageDocumentation
 */
export type { QualityRewardFn, QualityScores, RewardBatch, SpeedRewardFn } from './types';
export { createSpeedReward } from './speed-reward';
export type { SpeedRewardKind } from './speed-reward';
export { DEFAULT_ADVANTAGE_CONFIG, groupAdvantages } from './advantages';
export type { AdvantageConfig, GroupAdvantages } from './advantages';
export type { PolicyLossInput, PolicyLossOutput } from './losses/types';
export { DEFAULT_CLIP_CONFIG, grpoLoss, ppoLoss } from './losses/grpo';
export type { ClipConfig } from './losses/grpo';
export { reinforceLoss } from './losses/reinforce';
export { exactKl } from './kl';
export type { ExactKl } from './kl';
export { filteredReward } from './filter';
export type { QualityFloor } from './filter';
export type { Decoder, PolicyState, ReferencePolicy, TrainablePolicy, WeightedCeBatch } from './policy';
export { DEFAULT_ADAPTIVE_ROLLOUT, DEFAULT_SPEED_RL_CONFIG, resolveSpeedRlConfig } from './config';
export type { PolicyLossKind, RolloutConfig, SpeedRlConfig } from './config';
export { runSpeedRl } from './speed-rl';
export type { CheckpointReason, GridSampler, IterationDetails, SpeedRlPhase, SpeedRlResult, SpeedRlRun } from './speed-rl';
export { TRAINER_STATE_FILE, restoreSpeedRlCheckpoint, writeSpeedRlCheckpoint } from './checkpoint';
export type { SpeedRlCheckpoint } from './checkpoint';
export type { SpeedRlMetrics } from './metrics';
