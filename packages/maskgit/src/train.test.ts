import * as tf from '@tensorflow/tfjs';
import { learningRateAt, Rng } from '@speedrl/core';
import { initBackend } from '@speedrl/tensor-utils';
import { maskGitPreset } from './config';
import { cosineMaskRatio, maskBatch, maskCountFor } from './masking';
import { createAdamW } from './adamw';
import { cloneParams, initParams, paramSpecs, type MaskGitParams } from './params';
import { createTrainer, maskedCrossEntropy, trainerLrSchedule, type TrainerOptions } from './train';

type ScheduleOptions = Pick<TrainerOptions, 'lr' | 'warmupSteps' | 'totalSteps' | 'minLrRatio'> & { lrSchedule?: 'cosine' | 'rsqrt' };

/** The schedule as the trainers computed it before the schedules moved to @speedrl/core: the oracle of the test below. */
function legacyLearningRateAt(step: number, o: ScheduleOptions): number {
  if (step < o.warmupSteps) return (o.lr * (step + 1)) / o.warmupSteps;
  if (o.lrSchedule === 'rsqrt') return o.lr * Math.max(o.minLrRatio, Math.sqrt(o.warmupSteps / (step + 1)));
  if (o.totalSteps === undefined) return o.lr;
  const span = Math.max(1, o.totalSteps - o.warmupSteps);
  const progress = Math.min(1, (step - o.warmupSteps) / span);
  const min = o.lr * o.minLrRatio;
  return min + 0.5 * (o.lr - min) * (1 + Math.cos(Math.PI * progress));
}

const learningRateAtOptions = (step: number, o: ScheduleOptions): number => learningRateAt(step, trainerLrSchedule({ lrSchedule: 'cosine', ...o }));

beforeAll(async () => {
  await initBackend();
});

const config = maskGitPreset('tiny');

function cleanBatch(batch: number, rng: Rng): { tokens: Int32Array; classes: Int32Array } {
  const tokens = new Int32Array(batch * config.seqLen);
  for (let i = 0; i < tokens.length; i++) tokens[i] = rng.int(config.numCodes);
  const classes = new Int32Array(batch);
  for (let i = 0; i < batch; i++) classes[i] = rng.int(config.numClasses);
  return { tokens, classes };
}

describe('masking', () => {
  test('cosine schedule and counts: γ(0) = 1 masks all, γ→0 still masks one', () => {
    expect(cosineMaskRatio(0)).toBe(1);
    expect(cosineMaskRatio(0.5)).toBeCloseTo(Math.SQRT1_2, 12);
    expect(maskCountFor(0, 49)).toBe(49);
    expect(maskCountFor(0.999999, 49)).toBe(1);
    expect(maskCountFor(0.5, 49)).toBe(Math.ceil(49 * Math.SQRT1_2));
  });

  test('masked fraction ≈ E[cos(πr/2)] = 2/π, class dropout ≈ 10%, mask marks exactly the [MASK] inputs', () => {
    const n = 2000;
    const { tokens, classes } = cleanBatch(n, Rng.fromSeed(1));
    const m = maskBatch(tokens, classes, config, Rng.fromSeed(2), 0.1);
    let masked = 0;
    let minPerRow = Infinity;
    let inconsistent = 0;
    for (let b = 0; b < n; b++) {
      let row = 0;
      for (let i = 0; i < config.seqLen; i++) {
        const j = b * config.seqLen + i;
        const isMasked = m.lossMask[j] === 1;
        if ((m.inputTokens[j] === config.numCodes) !== isMasked) inconsistent++;
        if (!isMasked && m.inputTokens[j] !== tokens[j]) inconsistent++;
        row += isMasked ? 1 : 0;
      }
      masked += row;
      minPerRow = Math.min(minPerRow, row);
    }
    expect(inconsistent).toBe(0);
    expect(masked).toBe(m.maskedCount);
    expect(minPerRow).toBeGreaterThanOrEqual(1);
    // ⌈γL⌉ adds about half a token per row on average.
    expect(masked / (n * config.seqLen)).toBeCloseTo(2 / Math.PI + 0.5 / config.seqLen, 1);
    const dropped = Array.from(m.inputClasses).filter((c) => c === config.numClasses).length;
    expect(dropped / n).toBeGreaterThan(0.08);
    expect(dropped / n).toBeLessThan(0.12);
  });

  test('maskBatch rejects a wrong token length', () => {
    expect(() => maskBatch(new Int32Array(10), new Int32Array(1), config, Rng.fromSeed(0), 0.1)).toThrow(
      'tokens has length 10, expected batch × seqLen = 1 × 49 = 49',
    );
  });
});

describe('schedule and loss', () => {
  test('warm-up is linear, cosine decays to lr·minLrRatio', () => {
    const o = { lr: 1, warmupSteps: 10, totalSteps: 110, minLrRatio: 0.1 };
    expect(learningRateAtOptions(0, o)).toBeCloseTo(0.1, 12);
    expect(learningRateAtOptions(9, o)).toBeCloseTo(1, 12);
    expect(learningRateAtOptions(60, o)).toBeCloseTo(0.55, 12);
    expect(learningRateAtOptions(110, o)).toBeCloseTo(0.1, 12);
    expect(learningRateAtOptions(500, { ...o, totalSteps: undefined })).toBe(1);
  });

  test('rsqrt decays as lr·√(warmup/(step+1)) to its floor, whatever totalSteps says', () => {
    const o = { lr: 1, warmupSteps: 100, totalSteps: 200, minLrRatio: 0.1, lrSchedule: 'rsqrt' as const };
    expect(learningRateAtOptions(49, o)).toBeCloseTo(0.5, 12);
    expect(learningRateAtOptions(99, o)).toBeCloseTo(1, 12);
    expect(learningRateAtOptions(399, o)).toBeCloseTo(0.5, 12);
    expect(learningRateAtOptions(399, { ...o, totalSteps: undefined })).toBeCloseTo(0.5, 12);
    expect(learningRateAtOptions(2499, o)).toBeCloseTo(0.2, 12);
    expect(learningRateAtOptions(100_000, o)).toBeCloseTo(0.1, 12);
    for (let step = 100; step < 20_000; step += 37) expect(learningRateAtOptions(step + 1, o)).toBeLessThanOrEqual(learningRateAtOptions(step, o));
  });

  test('the schedule is the one the trainers had before it moved to @speedrl/core, to the last bit', () => {
    // The CLI's defaults, the shipped model's run (lr 6e-4, warm-up 300, 4,000 steps), the README's rsqrt example,
    // the library defaults, and settings around them.
    const settings: ScheduleOptions[] = [
      { lr: 3e-4, warmupSteps: 200, totalSteps: 20_000, minLrRatio: 0.1, lrSchedule: 'cosine' },
      { lr: 6e-4, warmupSteps: 300, totalSteps: 4000, minLrRatio: 0.1 },
      { lr: 6e-4, warmupSteps: 100, totalSteps: 4000, minLrRatio: 0.1, lrSchedule: 'rsqrt' },
      { lr: 3e-4, warmupSteps: 100, totalSteps: undefined, minLrRatio: 0.1 },
      { lr: 3e-4, warmupSteps: 200, totalSteps: undefined, minLrRatio: 0.1, lrSchedule: 'rsqrt' },
      { lr: 1e-3, warmupSteps: 7, totalSteps: 8, minLrRatio: 0 },
      { lr: 2e-3, warmupSteps: 1, totalSteps: 1, minLrRatio: 1 },
      { lr: 5e-4, warmupSteps: 33, totalSteps: 999, minLrRatio: 0.05, lrSchedule: 'cosine' },
    ];
    const mismatches: string[] = [];
    for (const o of settings) {
      const schedule = trainerLrSchedule({ lrSchedule: 'cosine', ...o });
      for (let step = 0; step < 25_000; step++) {
        const now = learningRateAt(step, schedule);
        const before = legacyLearningRateAt(step, o);
        if (!Object.is(now, before)) mismatches.push(`${JSON.stringify(o)} step ${step}: ${now} vs ${before}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  test('an unknown schedule is refused by name', () => {
    expect(() => createTrainer(config, initParams(config, Rng.fromSeed(0)), { lrSchedule: 'linear' as never })).toThrow(
      'createTrainer: option "lrSchedule" must be "cosine" or "rsqrt", got "linear"',
    );
  });

  test('masked cross-entropy averages -log p over weighted positions only', () => {
    const value = tf.tidy(() => {
      const logits = tf.tensor2d([[0, 0], [Math.log(3), 0], [5, -5]]);
      return maskedCrossEntropy(logits, tf.tensor1d([0, 0, 1], 'int32'), tf.tensor1d([1, 1, 0])).dataSync()[0];
    });
    expect(value).toBeCloseTo((Math.log(2) + Math.log(4 / 3)) / 2, 5);
  });
});

describe('trainer', () => {
  test('loss decreases on a tiny overfit batch and a step leaks no tensors', () => {
    const trainer = createTrainer(config, initParams(config, Rng.fromSeed(3)), { lr: 3e-3, warmupSteps: 5, classDropout: 0 });
    const { tokens, classes } = cleanBatch(4, Rng.fromSeed(4));
    const rng = Rng.fromSeed(5);
    const losses: number[] = [];
    trainer.step(tokens, classes, rng);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 60; i++) {
      const r = trainer.step(tokens, classes, rng);
      expect(Number.isFinite(r.gradNorm) && r.gradNorm > 0).toBe(true);
      losses.push(r.loss);
    }
    expect(tf.memory().numTensors).toBe(before);
    const head = losses.slice(0, 5).reduce((a, b) => a + b) / 5;
    const tail = losses.slice(-5).reduce((a, b) => a + b) / 5;
    expect(head).toBeGreaterThan(2.3); // ≈ ln 16 at init
    expect(tail).toBeLessThan(0.7 * head);
    trainer.dispose();
  });

  test('dropout > 0 trains deterministically for a given rng seed', () => {
    const dropConfig = maskGitPreset('tiny', { dropout: 0.2 });
    const params = initParams(dropConfig, Rng.fromSeed(14));
    const { tokens, classes } = cleanBatch(2, Rng.fromSeed(15));
    const lossWith = (seed: number): number => {
      const trainer = createTrainer(dropConfig, params);
      const loss = trainer.step(tokens, classes, Rng.fromSeed(seed)).loss;
      trainer.dispose();
      return loss;
    };
    expect(Number.isFinite(lossWith(16))).toBe(true);
    expect(lossWith(16)).toBe(lossWith(16));
    expect(lossWith(16)).not.toBe(lossWith(17));
  });

  test('clipping: first-step Adam moment m = (1−β1)·g·min(1, clip/‖g‖)', () => {
    const params = initParams(config, Rng.fromSeed(6));
    const trainer = createTrainer(config, params, { clipNorm: 1e-3, beta1: 0.9 });
    const { tokens, classes } = cleanBatch(2, Rng.fromSeed(7));
    const r = trainer.step(tokens, classes, Rng.fromSeed(8));
    expect(r.gradNorm).toBeGreaterThan(1e-2);
    let sq = 0;
    for (const p of trainer.optimizerState().m.values()) for (const x of p.data) sq += x * x;
    expect(Math.sqrt(sq)).toBeCloseTo(0.1 * 1e-3, 6);
    expect(trainer.optimizerState().step).toBe(1);
    trainer.dispose();
  });

  test('weight decay is decoupled and touches 2-D tensors only', () => {
    const params = initParams(config, Rng.fromSeed(9));
    const { tokens, classes } = cleanBatch(2, Rng.fromSeed(10));
    const run = (weightDecay: number) => {
      const trainer = createTrainer(config, params, { lr: 0.01, warmupSteps: 1, weightDecay });
      trainer.step(tokens, classes, Rng.fromSeed(11));
      const out = trainer.params();
      trainer.dispose();
      return out;
    };
    const plain = run(0);
    const decayed = run(0.5);
    for (const spec of paramSpecs(config)) {
      const p0 = params.get(spec.name)?.data as Float32Array;
      const a = plain.get(spec.name)?.data as Float32Array;
      const b = decayed.get(spec.name)?.data as Float32Array;
      for (let i = 0; i < p0.length; i += 7) {
        const expected = spec.decay ? -0.01 * 0.5 * (p0[i] as number) : 0;
        expect(Math.abs((b[i] as number) - (a[i] as number) - expected)).toBeLessThan(1e-6);
      }
    }
  });

  test('AdamW is the Float32Array AdamW of the onnxruntime engine: ε on the bias-corrected moments (PyTorch)', () => {
    // ε = 0.01 is comparable to the gradients, so ε on √v (TensorFlow's form) would move the weights visibly less.
    const options = { lr: 0.01, warmupSteps: 1, eps: 0.01, beta1: 0.9, beta2: 0.96, weightDecay: 0.3, clipNorm: 0.5 };
    const params = initParams(config, Rng.fromSeed(14));
    const trainer = createTrainer(config, params, options);
    const { tokens, classes } = cleanBatch(2, Rng.fromSeed(15));
    trainer.step(tokens, classes, Rng.fromSeed(16));
    // The clipped gradient, read back from the first moment m = (1 − β1)·g.
    const grads: MaskGitParams = new Map([...trainer.optimizerState().m].map(([name, t]) => [name, { shape: t.shape, data: t.data.map((x) => x / 0.1) }]));
    const expected = cloneParams(params);
    createAdamW(paramSpecs(config), { ...options, clipNorm: 1e9 }).update(expected, grads);
    let moved = 0;
    for (const [name, t] of trainer.params()) {
      const want = expected.get(name)?.data as Float32Array;
      t.data.forEach((x, i) => expect(Math.abs(x - (want[i] as number))).toBeLessThan(1e-6));
      moved = Math.max(moved, ...t.data.map((x, i) => Math.abs(x - ((params.get(name)?.data as Float32Array)[i] as number))));
    }
    expect(moved).toBeGreaterThan(1e-3);
    trainer.dispose();
  });

  test('bad inputs and options are rejected with the field named', () => {
    const params = initParams(config, Rng.fromSeed(12));
    expect(() => createTrainer(config, params, { lr: 0 })).toThrow('option "lr" must be > 0');
    const trainer = createTrainer(config, params);
    const { tokens, classes } = cleanBatch(1, Rng.fromSeed(13));
    tokens[3] = config.numCodes;
    expect(() => trainer.step(tokens, classes, Rng.fromSeed(0))).toThrow('tokens[3] = 16; clean tokens must be in 0..15');
    trainer.dispose();
  });
});
