/** @speedrl/rl-trainer — Speed-RL: GRPO for masked generative models (arXiv 2512.01094). */
export type { RewardBatch, RewardFn } from './types';
export { DEFAULT_ADVANTAGE_CONFIG, groupAdvantages } from './advantages';
export type { AdvantageConfig, GroupAdvantages } from './advantages';
