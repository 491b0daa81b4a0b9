/**
 * Policy-gradient losses as coefficients at the log-probabilities: every loss we use is Σ_i f(logπ_θ(x_i)),
 * so its gradient is Σ_i (∂f/∂logπ_i)·∇logπ_i, and at the logits z of position i
 * ∂L/∂z = −(∂f/∂logπ_i)·(onehot(x_i) − softmax(z)) — a weighted cross-entropy
 * (docs/architecture.md, "Engines and parity"). A loss function returns the loss value and `coef[i] = ∂L/∂logπ_i`; the
 * engine turns coefficients into parameter gradients.
 */
import { checkConfigFields } from '@speedrl/core';

/** Per committed token: current and behaviour (rollout-time) log-probs and the sample's advantage, all `[N]`. */
export interface PolicyLossInput {
  /** log π_θ(x_i | s_t, c) under the current parameters. */
  readonly logProbs: Float32Array;
  /** log π_old(x_i | s_t, c) recorded when the rollout was sampled. */
  readonly oldLogProbs: Float32Array;
  /** Advantage of the sample the token belongs to. */
  readonly advantages: Float32Array;
  /** Weight of each token in the mean (e.g. 1/(tokens of its sample · samples)); default 1/N. */
  readonly weights?: Float32Array;
}

/** What a policy loss returns. */
export interface PolicyLossOutput {
  /** The loss value (to minimise). */
  readonly loss: number;
  /** ∂loss/∂logπ_i, `[N]`: the engine's per-token backward coefficient. */
  readonly coef: Float32Array;
  /** Fraction of tokens whose ratio was clipped (0 for losses without clipping). */
  readonly clipFraction: number;
  /** Mean of the ratio π_θ/π_old over tokens (1 on the first inner epoch). */
  readonly meanRatio: number;
}

const POLICY_INPUT_FIELDS: readonly (keyof PolicyLossInput)[] = ['logProbs', 'oldLogProbs', 'advantages', 'weights'];

/** Checks the inputs have one length and finite values, and the weights are ≥ 0 (a negative weight would reverse that token's update), naming the field and index otherwise. */
export function checkPolicyInput(input: PolicyLossInput, what: string): number {
  checkConfigFields(input, POLICY_INPUT_FIELDS, `${what}: input`); // a misspelt "weight" would silently weigh every token alike
  const n = input.logProbs.length;
  const fields: [string, Float32Array | undefined][] = [
    ['logProbs', input.logProbs], ['oldLogProbs', input.oldLogProbs], ['advantages', input.advantages], ['weights', input.weights],
  ];
  for (const [name, arr] of fields) {
    if (arr === undefined) continue;
    if (arr.length !== n) throw new RangeError(`${what}: field "${name}" has length ${arr.length}, expected ${n} (one per token)`);
    for (let i = 0; i < n; i++) {
      if (!Number.isFinite(arr[i] as number)) throw new RangeError(`${what}: field "${name}"[${i}] is ${arr[i]}; expected a finite number`);
      if (name === 'weights' && (arr[i] as number) < 0) throw new RangeError(`${what}: field "weights"[${i}] is ${arr[i]}; token weights must be ≥ 0`);
    }
  }
  return n;
}
