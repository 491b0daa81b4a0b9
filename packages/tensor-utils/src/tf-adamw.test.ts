import * as tf from '@tensorflow/tfjs';
import { initBackend } from './backend';
import { createTfAdamState, disposeTfAdamState, tfAdamWUpdate } from './tf-adamw';

describe('tfAdamWUpdate', () => {
  beforeAll(async () => {
    await initBackend({ prefer: 'wasm' });
  });

  it('first step moves each element by lr·sign(g); decay only where selected; no tensor leak', async () => {
    const params = new Map([['w', tf.variable(tf.tensor1d([1, -1]))], ['b', tf.variable(tf.tensor1d([1, 1]))]]);
    const state = createTfAdamState(params);
    const grads = new Map([['w', tf.tensor1d([0.5, -3])], ['b', tf.tensor1d([2, -2])]]);
    const before = tf.memory().numTensors;
    tfAdamWUpdate(params, grads, state, 0.1, { weightDecay: 0.5, decays: (name) => name === 'w' });
    expect(tf.memory().numTensors).toBe(before);
    expect(state.step).toBe(1);
    const w = Array.from(await params.get('w')!.data());
    const b = Array.from(await params.get('b')!.data());
    [1 * 0.95 - 0.1, -1 * 0.95 + 0.1].forEach((x, i) => expect(w[i]).toBeCloseTo(x, 5));
    [0.9, 1.1].forEach((x, i) => expect(b[i]).toBeCloseTo(x, 5));
    tfAdamWUpdate(params, new Map(), state, 0.1); // no gradients: nothing moves
    expect(Array.from(await params.get('b')!.data())[0]).toBeCloseTo(0.9, 5);
    disposeTfAdamState(state);
    tf.dispose([...params.values(), ...grads.values()]);
  });

  it('puts ε on the bias-corrected moments when asked (PyTorch AdamW), with its own betas', async () => {
    // With √v̂ ≈ ε the two placements differ: g = 1e-8 on the first step gives m̂ = g, √v̂ = g.
    const run = async (epsilonOnCorrected: boolean): Promise<number[]> => {
      const params = new Map([['w', tf.variable(tf.tensor1d([0, 0]))]]);
      const state = createTfAdamState(params);
      const grads = new Map([['w', tf.tensor1d([1e-8, 1])]]);
      tfAdamWUpdate(params, grads, state, 1, { beta1: 0.5, beta2: 0.96, epsilon: 1e-8, epsilonOnCorrected });
      tfAdamWUpdate(params, grads, state, 1, { beta1: 0.5, beta2: 0.96, epsilon: 1e-8, epsilonOnCorrected });
      const out = Array.from(await params.get('w')!.data());
      disposeTfAdamState(state);
      tf.dispose([...params.values(), ...grads.values()]);
      return out;
    };
    // The same g at every step: m̂ = g and √v̂ = |g|. Corrected: each step moves by g/(|g| + ε) = 0.5; raw: by
    // √(1 − β2^t)·g / (√(1 − β2^t)·|g| + ε).
    const corrected = await run(true);
    const raw = await run(false);
    expect(corrected[0]).toBeCloseTo(-1, 5);
    const rawStep = (t: number): number => (Math.sqrt(1 - 0.96 ** t) * 1e-8) / (1e-8 * Math.sqrt(1 - 0.96 ** t) + 1e-8);
    expect(raw[0]).toBeCloseTo(-(rawStep(1) + rawStep(2)), 5);
    for (const w of [corrected, raw]) expect(w[1]).toBeCloseTo(-2, 5); // √v ≫ ε: the same step, lr·sign(g)
  });
});
