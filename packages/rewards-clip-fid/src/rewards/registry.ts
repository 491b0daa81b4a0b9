/**
 * The built-in rewards (docs/architecture.md, "Speed-RL objective"): what `speedrl rewards list` prints (the CLI says
 * which of them `speedrl accelerate` takes, and by which flag; clip is built in code only). Each reward is built by its own factory (`createClassifierReward`,
 * `createRealismReward`, `createMmdWitnessReward`, `createClipReward`; the speed reward is `createSpeedReward` of
 * `@speedrl/rl-trainer`).
 */

/** Names of the built-in rewards. */
export type RewardName = 'classifier' | 'realism' | 'mmd' | 'clip' | 'speed';

/** One line of `speedrl rewards list`. */
export interface RewardInfo {
  readonly name: RewardName;
  readonly description: string;
  /** What the reward is built from, besides its settings. */
  readonly needs: readonly string[];
}

/** The built-in rewards, in listing order. */
export const REWARDS: readonly RewardInfo[] = Object.freeze([
  { name: 'classifier', description: 'log p(c | x) of the conditioning class under the reward classifier', needs: ['reward classifier'] },
  { name: 'realism', description: "−Mahalanobis distance of reward-classifier features to the class's real-feature Gaussian", needs: ['reward classifier', 'class Gaussians of real features'] },
  { name: 'mmd', description: 'MMD witness on reward-classifier features: near real images of the class, far from its other samples', needs: ['reward classifier', 'real features per class'] },
  { name: 'clip', description: '100 × max(cos(CLIP image, CLIP "a photo of a {class}"), 0) from an ONNX CLIP directory', needs: ['CLIP ONNX directory'] },
  { name: 'speed', description: 'speed reward of the steps used (rl-trainer): 1 − T/Tmax (or −log T, or 1 − NFE/NFEmax)', needs: [] },
] as const satisfies readonly RewardInfo[]);

/** Names and one-line descriptions of the built-in rewards. */
export function listRewards(): RewardInfo[] {
  return REWARDS.map((r) => ({ ...r }));
}
