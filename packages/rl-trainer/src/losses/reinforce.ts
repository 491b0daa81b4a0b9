/** REINFORCE with a baseline (Williams 1992): L = −Σ_i w_i A_i logπ_θ(x_i), A already baseline-subtracted. */
import { checkPolicyInput, type PolicyLossInput, type PolicyLossOutput } from './types';

/** ∂L/∂logπ_i = −w_i A_i; no ratio, no clipping (the ablation against GRPO). */
export function reinforceLoss(input: PolicyLossInput): PolicyLossOutput {
  const n = checkPolicyInput(input, 'reinforceLoss');
  const coef = new Float32Array(n);
  let loss = 0;
  let ratioSum = 0;
  for (let i = 0; i < n; i++) {
    const w = input.weights?.[i] ?? 1 / n;
    const a = input.advantages[i] as number;
    loss -= w * a * (input.logProbs[i] as number);
    coef[i] = -w * a;
    ratioSum += Math.exp((input.logProbs[i] as number) - (input.oldLogProbs[i] as number));
  }
  return { loss, coef, clipFraction: 0, meanRatio: n === 0 ? 1 : ratioSum / n };
}
