/** @speedrl/rl-trainer — Speed-RL: GRPO for masked generative models (arXiv 2512.01094). */
export type { QualityRewardFn, QualityScores, RewardBatch, SpeedRewardFn } from './types';
export { createSpeedReward } from './speed-reward';
export type { SpeedRewardKind } from './speed-reward';
export { DEFAULT_ADVANTAGE_CONFIG, groupAdvantages } from './advantages';
export type { AdvantageConfig, GroupAdvantages } from './advantages';
export { checkPolicyInput } from './losses/types';
export type { PolicyLossInput, PolicyLossOutput } from './losses/types';
export { DEFAULT_CLIP_CONFIG, grpoLoss, ppoLoss } from './losses/grpo';
export type { ClipConfig } from './losses/grpo';
export { reinforceLoss } from './losses/reinforce';
export { exactKl, logSoftmaxRows } from './kl';
export type { ExactKl } from './kl';
export { filteredReward, quantile } from './filter';
export type { QualityFloor } from './filter';
export type { Decoder, PolicyState, ReferencePolicy, TrainablePolicy, WeightedCeBatch } from './policy';
export { DEFAULT_SPEED_RL_CONFIG, resolveSpeedRlConfig, validateSpeedRlConfig } from './config';
export type { PolicyLossKind, SpeedRlConfig } from './config';
export { chooseClasses, collectRollouts, planRollouts } from './rollout';
export type { RolloutBucket, RolloutOptions, RolloutPlan, Rollouts } from './rollout';
export { buildStepBatch, chooseTrainedSteps, collectStepRows, stackRolloutLogits, stackRowInputs } from './step-batch';
export type { StepBatch, StepLossSettings, StepRow } from './step-batch';
export { GRID_STREAM, ITERATION_STREAM, runSpeedRl } from './speed-rl';
export type { CheckpointReason, GridSampler, IterationDetails, SpeedRlResult, SpeedRlRun } from './speed-rl';
export {
  POLICY_STATE_FILE, SPEED_RL_CHECKPOINT_FORMAT, TRAINER_STATE_FILE, checkPolicyState, readSpeedRlCheckpoint, restoreSpeedRlCheckpoint,
  writeSpeedRlCheckpoint,
} from './checkpoint';
export type { SpeedRlCheckpoint } from './checkpoint';
export { meanBrightness, nanMeanStd, sampleDiversity, tokenHistogramEntropy } from './metrics';
export type { SpeedRlMetrics } from './metrics';
