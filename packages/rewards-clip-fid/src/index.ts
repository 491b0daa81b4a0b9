/** @speedrl/rewards-clip-fid — rewards for training and set metrics for judging (DESIGN §6–§7). */
export { DEFAULT_SPEED_REWARD_CONFIG, speedReward } from './speed';
export type { SpeedRewardConfig, SpeedRewardKind } from './speed';
