/** @speedrl/rl-trainer — Speed-RL: GRPO for masked generative models (arXiv 2512.01094). */
export type { RewardBatch, RewardFn } from './types';
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
