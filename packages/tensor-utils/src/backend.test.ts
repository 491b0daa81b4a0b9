import * as tf from '@tensorflow/tfjs';
import { initBackend, registerMissingWasmKernels, loadTfjsNode } from './backend';

describe('initBackend', () => {
  it('picks wasm here (tfjs-node is not installed) and says why tensorflow was skipped', async () => {
    expect(await loadTfjsNode()).toEqual({ ok: false, detail: expect.stringMatching(/is installed$/) });
    const report = await initBackend();
    expect(report.backend).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(report.tried[0]).toEqual({ name: 'tensorflow', ok: false, detail: expect.stringMatching(/tfjs-node-gpu nor @tensorflow\/tfjs-node is installed/) });
    expect(report.reason).toMatch(/^wasm: fell back after tensorflow/);
  });

  it('honours an explicit preference and is idempotent for the same options', async () => {
    const cpu = await initBackend({ prefer: 'cpu' });
    expect(cpu.backend).toBe('cpu');
    expect(cpu.reason).toMatch(/requested/);
    expect(tf.getBackend()).toBe('cpu');
    expect(await initBackend({ prefer: 'cpu' })).toBe(cpu);
    await initBackend({ prefer: 'wasm' });
    expect(tf.getBackend()).toBe('wasm');
  });

  it('rejects an unknown backend name and a strict preference that cannot start', async () => {
    await expect(initBackend({ prefer: 'webgpu' as never })).rejects.toThrow(/expected one of auto, tensorflow, wasm, cpu; got "webgpu"/);
    await expect(initBackend({ prefer: 'tensorflow', strict: true })).rejects.toThrow(/backend "tensorflow" could not start/);
  });

  it('registers UnsortedSegmentSum on wasm so gather has a gradient (embedding lookups train)', async () => {
    await initBackend({ prefer: 'wasm' });
    registerMissingWasmKernels(); // idempotent
    const x = tf.tensor2d([[1, 2], [3, 4], [5, 6]]);
    const sums = tf.unsortedSegmentSum(x, tf.tensor1d([2, 0, 2], 'int32'), 3);
    expect(Array.from(await sums.data())).toEqual([3, 4, 0, 0, 6, 8]);
    const table = tf.variable(tf.tensor2d([[1, 1], [2, 2], [3, 3]]));
    const ids = tf.tensor1d([0, 2, 2], 'int32');
    const grads = tf.grads((t: tf.Tensor) => tf.sum(tf.gather(t, ids)))([table]);
    expect(Array.from(await grads[0]!.data())).toEqual([1, 1, 0, 0, 2, 2]);
    tf.dispose([x, sums, table, ids, ...grads]);
  });
});
