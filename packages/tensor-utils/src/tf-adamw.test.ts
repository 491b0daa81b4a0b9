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
    tfAdamWUpdate(params, grads, state, 0.1, 0.5, (name) => name === 'w');
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
});
