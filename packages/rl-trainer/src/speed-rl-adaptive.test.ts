import { createHash } from 'node:crypto';
import { Rng } from '@speedrl/core';
import { resolveSpeedRlConfig, rolloutSamplerConfig, type SpeedRlConfig } from './config';
import { logSoftmaxRows } from './kl';
import { grpoLoss } from './losses/grpo';
import { collectRollouts, planAdaptiveRollouts } from './rollout';
import { buildStepBatch, collectStepRows, stackRowInputs } from './step-batch';
import { createFakeDecoder, createFakePolicy, createFakeReference } from './testing/fake-policy';
import type { SpeedRlMetrics } from './metrics';
import { runSpeedRl, type IterationDetails, type SpeedRlRun } from './speed-rl';
import type { QualityRewardFn, RewardBatch } from './types';

const L = 4;
const K = 4;
const C = 2;
const BASE: Partial<SpeedRlConfig> = {
  iterations: 2, groupSize: 8, stepChoices: [1, 2, 4], speedWeight: 0.5, klBeta: 0.1, learningRate: 0.1, warmupIterations: 0,
  qualityFloor: { kind: 'none' }, checkpointEvery: 0, gridEvery: 0,
};
const fractionOfZeros: QualityRewardFn = async (b: RewardBatch) =>
  Float32Array.from({ length: b.batch }, (_, j) => b.tokens.subarray(j * L, (j + 1) * L).filter((t) => t === 0).length / L);

async function run(config: Partial<SpeedRlConfig>, extra: Partial<SpeedRlRun> = {}, theta?: Float32Array, seqLen = L) {
  const policy = createFakePolicy({ seqLen, vocabSize: K, numClasses: C, theta });
  const metrics: SpeedRlMetrics[] = [];
  const details: IterationDetails[] = [];
  await runSpeedRl({
    policy, reference: createFakeReference(new Float32Array(C * K), seqLen, K), decoder: createFakeDecoder(seqLen, K), reward: fractionOfZeros,
    config: { ...BASE, ...config }, rng: Rng.fromSeed(7), onMetrics: (m, d) => { metrics.push(m); details.push(d); }, ...extra,
  });
  return { policy, metrics, details };
}

function hashRun(r: Awaited<ReturnType<typeof run>>): string {
  const h = createHash('sha256');
  for (const d of r.details) for (const a of Object.values(d)) h.update(Buffer.from((a as ArrayBufferView).buffer));
  for (const m of r.metrics) h.update(JSON.stringify({ ...m, timeMs: null }));
  h.update(Buffer.from(r.policy.theta().buffer));
  return h.digest('hex').slice(0, 16);
}

/** θ[c] = [peak, 0, 0, 0]: token 0 has probability e^peak / (e^peak + 3). */
const peaked = (peak: number): Float32Array => Float32Array.from({ length: C * K }, (_, i) => (i % K === 0 ? peak : 0));
const ADAPTIVE = { kind: 'adaptive', thresholds: [0.5, 0.7], maxSteps: 8 } as const;
const constant: QualityRewardFn = async (b) => new Float32Array(b.batch).fill(0.5);

describe('runSpeedRl rollout modes', () => {
  it('the default (fixed T from stepChoices) reproduces the runs before rollout modes, bit for bit', async () => {
    expect(hashRun(await run({}))).toBe('5c65be51f3b1901c'); // pinned before rollout modes existed
    expect(hashRun(await run({ rollout: { kind: 'fixed' } }))).toBe('5c65be51f3b1901c');
    expect(hashRun(await run({ innerEpochs: 2, stepFraction: 0.5, loss: 'ppo', iterations: 3 }))).toBe('a0fe0a9a9a4d0510');
    const { metrics, details } = await run({});
    expect(metrics[0]).not.toHaveProperty('stepsMeanByClass');
    expect(metrics[0]).not.toHaveProperty('maxStepsFraction');
    expect(metrics[0]).not.toHaveProperty('stepsDistribution');
    expect(details[0]).not.toHaveProperty('thresholds');
  });

  it('onPhase brackets every phase of each iteration, balanced and never nested but in "iteration", and changes nothing', async () => {
    const events: string[] = [];
    const r = await run({ innerEpochs: 2, stepFraction: 0.5, loss: 'ppo', iterations: 3 }, { onPhase: (phase, edge) => events.push(`${phase}:${edge}`) });
    expect(hashRun(r)).toBe('a0fe0a9a9a4d0510');
    let open: string | null = null;
    let inIteration = false;
    const seen = new Set<string>();
    for (const e of events) {
      const [phase, edge] = e.split(':') as [string, string];
      if (phase === 'iteration') {
        expect(open).toBeNull();
        expect(inIteration).toBe(edge === 'end');
        inIteration = edge === 'start';
        continue;
      }
      expect(inIteration).toBe(true);
      expect(open).toBe(edge === 'start' ? null : phase);
      open = edge === 'start' ? phase : null;
      seen.add(phase);
    }
    expect(inIteration).toBe(false);
    expect([...seen].sort()).toEqual(['decode', 'optimizer', 'policy', 'reference', 'reward', 'rollout', 'rows']);
    expect(events.filter((e) => e === 'iteration:start').length).toBe(3);
    expect(events.filter((e) => e === 'optimizer:start').length).toBe(6); // μ = 2 updates per iteration
  });

  it('adaptive rollouts: thresholds drawn per sample, steps used vary and feed 1 − steps/maxSteps; per-class metrics', async () => {
    const { metrics, details } = await run({ rollout: ADAPTIVE, iterations: 1, speedWeight: 1 }, { reward: constant }, peaked(1.5), 8);
    const d = details[0]!;
    const m = metrics[0]!;
    expect(Array.from(d.thresholds!).every((p) => p === 0.5 || p === 0.7)).toBe(true);
    expect(new Set(d.thresholds).size).toBe(2);
    expect(new Set(d.steps).size).toBeGreaterThan(1);
    expect(Array.from(d.steps).every((t) => t >= 1 && t <= 8)).toBe(true);
    d.steps.forEach((t, j) => expect(d.speed[j]).toBeCloseTo(1 - t / 8, 6));
    expect(Array.from(d.nfe)).toEqual(Array.from(d.steps));
    for (let c = 0; c < C; c++) {
      const mine = Array.from(d.steps).filter((_, j) => d.classes[j] === c);
      expect(m.stepsMeanByClass?.[String(c)]).toBeCloseTo(mine.reduce((a, b) => a + b, 0) / mine.length, 6);
    }
    expect(m.maxStepsFraction).toBe(Array.from(d.steps).filter((t) => t === 8).length / 16);
    expect(m.stepsDistribution?.histogram).toEqual(Array.from({ length: 8 }, (_, k) => Array.from(d.steps).filter((t) => t === k + 1).length));
    expect(Object.values(m.stepsDistribution?.byClass ?? {}).map((c) => c.count)).toEqual(Array.from({ length: C }, (_, c) => d.classes.filter((x) => x === c).length));
    expect(m.stepsMean).toBeCloseTo(Array.from(d.steps).reduce((a, b) => a + b, 0) / 16, 6);
    // with equal quality, a faster sample of a group has the larger advantage
    for (let i = 0; i < 16; i++) for (let j = 0; j < 16; j++) {
      if (Math.floor(i / 8) === Math.floor(j / 8) && (d.steps[i] as number) < (d.steps[j] as number)) expect(d.advantages[i]).toBeGreaterThan(d.advantages[j] as number);
    }
  });

  it('the hybrid (minPerStep "schedule") finishes within maxSteps even when nothing passes the threshold', async () => {
    const { details } = await run({ rollout: { ...ADAPTIVE, thresholds: [0.99], maxSteps: 3, minPerStep: 'schedule' }, iterations: 1, speedWeight: 1 }, { reward: constant }, undefined, 8);
    expect(Array.from(details[0]!.steps)).toEqual(new Array(16).fill(3)); // uniform policy: the schedule decides
    const plain = await run({ rollout: { ...ADAPTIVE, thresholds: [0.99], maxSteps: 3 }, iterations: 1 }, { reward: constant }, undefined, 8);
    expect(Array.from(plain.details[0]!.steps)).toEqual(new Array(16).fill(3)); // one per step, the rest at the cap
  });

  it('exit rollouts (minPerStep "exit"): the schedule to maxSteps unless every remaining draw passes; a sure policy stops early', async () => {
    const exit = { ...ADAPTIVE, thresholds: [0.99], maxSteps: 3, minPerStep: 'exit', choiceNoise: true } as const;
    expect(rolloutSamplerConfig(resolveSpeedRlConfig({ rollout: exit }))).toMatchObject({ method: 'adaptive', adaptiveMinPerStep: 'exit' });
    const unsure = await run({ rollout: exit, iterations: 1 }, { reward: constant }, undefined, 8);
    expect(Array.from(unsure.details[0]!.steps)).toEqual(new Array(16).fill(3)); // uniform policy: nothing passes, the schedule decides
    const sure = await run({ rollout: { ...exit, thresholds: [0.5] }, iterations: 1 }, { reward: constant }, peaked(6), 8);
    expect(Math.max(...Array.from(sure.details[0]!.steps))).toBeLessThan(3); // every draw over 0.5 after at most one scheduled step
  });

  it('the speed reward teaches confidence: with constant quality, mean steps used fall over iterations (fixed seed)', async () => {
    const cfg = { rollout: { kind: 'adaptive', thresholds: [0.5], maxSteps: 8 }, iterations: 16, speedWeight: 1, klBeta: 0, learningRate: 0.1 } as const;
    const { metrics, policy } = await run(cfg, { reward: constant }, peaked(1.2), 8);
    const mean = (ms: SpeedRlMetrics[]) => ms.reduce((sum, m) => sum + m.stepsMean, 0) / ms.length;
    // seed 7: ≈ 3.0 → 1.7 steps; seeds 1–6 gave 3.1–3.4 → 1.7–2.3, so a 0.7 drop is a clear margin
    expect(mean(metrics.slice(-3))).toBeLessThan(mean(metrics.slice(0, 3)) - 0.7);
    for (let c = 0; c < C; c++) expect(policy.probabilities(c)[0]).toBeGreaterThan(0.75); // from 0.52: more confident
    // control: without a speed reward equal rewards drop every group and nothing moves
    const still = await run({ ...cfg, speedWeight: 0, iterations: 4 }, { reward: constant }, peaked(1.2), 8);
    expect(Array.from(still.policy.theta())).toEqual(Array.from(peaked(1.2)));
  });

  it('choiceNoise ranks the top-up by the noisy confidence (the sampler\'s adaptiveChoiceNoise): same seed, other rollouts', async () => {
    const hybrid = { ...ADAPTIVE, thresholds: [0.99], maxSteps: 3, minPerStep: 'schedule' } as const;
    expect(rolloutSamplerConfig(resolveSpeedRlConfig({ rollout: { ...hybrid, choiceNoise: true } }))).toMatchObject({ method: 'adaptive', adaptiveChoiceNoise: true });
    expect(rolloutSamplerConfig(resolveSpeedRlConfig({ rollout: hybrid }))).toMatchObject({ adaptiveChoiceNoise: false }); // absent: no noise, as before
    const theta = Float32Array.from({ length: C * K }, (_, i) => Math.sin(3 * i));
    const plain = await run({ rollout: hybrid, iterations: 1 }, { reward: constant }, theta, 8);
    const noisy = await run({ rollout: { ...hybrid, choiceNoise: true }, iterations: 1 }, { reward: constant }, theta, 8);
    expect(hashRun(await run({ rollout: { ...hybrid, choiceNoise: false }, iterations: 1 }, { reward: constant }, theta, 8))).toBe(hashRun(plain));
    expect(hashRun(noisy)).not.toBe(hashRun(plain));
    expect(Array.from(noisy.details[0]!.steps)).toEqual(new Array(16).fill(3)); // the noise changes which positions, not the floor
  });

  it.each([[false, 'schedule'], [true, 'schedule'], [true, 'exit']] as const)('adaptive rows train exactly the committed tokens with their recorded log π at the pre-step input: the ratio is 1 (choice noise %s, minPerStep %s)', async (noise, floor) => {
    const policy = createFakePolicy({ seqLen: 8, vocabSize: K, numClasses: C, theta: Float32Array.from({ length: C * K }, (_, i) => Math.sin(3 * i)) });
    const plan = planAdaptiveRollouts([0, 1], 4, [0.3, 0.6], 6, Rng.fromSeed(3));
    const sampler = { method: 'adaptive', adaptiveMinPerStep: floor, adaptiveChoiceNoise: noise } as const;
    const rollouts = await collectRollouts(policy.logits, plan, { seqLen: 8, vocabSize: K, maskId: K, numClasses: C, sampler, rng: Rng.fromSeed(4) });
    expect(rollouts.buckets.map((b) => b.threshold)).toEqual([0.3, 0.6]);
    const rows = collectStepRows(rollouts, 8, K, () => true, (_j, used) => new Uint8Array(used).fill(1));
    expect(rows.reduce((s, r) => s + r.positions.length, 0)).toBe(8 * 8); // every token of every sample, once
    expect(rows.length).toBe(Array.from(rollouts.stepsUsed).reduce((a, b) => a + b, 0));
    const { tokens, classes } = stackRowInputs(rows, 8);
    const fresh = await policy.logits(tokens, classes);
    rows.forEach((row, r) => {
      row.positions.forEach((pos, i) => {
        expect(row.mask[pos]).toBe(1);
        const o = (r * 8 + pos) * K;
        expect(row.oldLogProbs[i]).toBeCloseTo(logSoftmaxRows(fresh.subarray(o, o + K), 1, K)[row.targets[i] as number] as number, 6);
      });
    });
    const settings = {
      seqLen: 8, vocabSize: K, loss: (x: Parameters<typeof grpoLoss>[0]) => grpoLoss(x, { clipLow: 0.2, clipHigh: 0.28 }),
      advantages: Float32Array.from({ length: 8 }, (_, j) => j - 3.5), valid: new Uint8Array(8).fill(1), tokenWeight: 1 / 64, klPositionWeight: 0, klBeta: 0,
    };
    const one = buildStepBatch(rows, null, null, true, settings);
    const recomputed = buildStepBatch(rows, fresh, null, false, settings);
    expect(recomputed.clipped).toBe(0);
    expect(recomputed.policyLoss).toBeCloseTo(one.policyLoss, 6);
    recomputed.engine.weights.forEach((w, i) => expect(w).toBeCloseTo(one.engine.weights[i] as number, 6));
  });

  it('validates the rollout mode, naming the field', () => {
    expect(resolveSpeedRlConfig({}).rollout).toEqual({ kind: 'fixed' });
    const bad: [unknown, RegExp][] = [
      [{ kind: 'greedy' }, /field "rollout.kind" must be "fixed" or "adaptive", got "greedy"/],
      [{ ...ADAPTIVE, thresholds: [] }, /field "rollout.thresholds" must be a non-empty array/],
      [{ ...ADAPTIVE, thresholds: [0.5, 1.5] }, /field "rollout.thresholds\[1\]" must be in \(0, 1\], got 1.5/],
      [{ ...ADAPTIVE, maxSteps: 0 }, /field "rollout.maxSteps" must be an integer ≥ 1, got 0/],
      [{ ...ADAPTIVE, minPerStep: -1 }, /field "rollout.minPerStep \(an integer ≥ 0, "schedule" or "exit"\)" must be an integer ≥ 0, got -1/],
      [{ ...ADAPTIVE, choiceNoise: 'yes' }, /field "rollout.choiceNoise" must be a boolean, got "yes"/],
    ];
    for (const [rollout, message] of bad) expect(() => resolveSpeedRlConfig({ rollout: rollout as SpeedRlConfig['rollout'] })).toThrow(message);
    expect(() => resolveSpeedRlConfig({ rollout: ADAPTIVE, sampler: { method: 'halton' } })).toThrow(/field "sampler.method" must be left unset with adaptive rollouts/);
    expect(() => resolveSpeedRlConfig({ rollout: ADAPTIVE, sampler: { adaptiveChoiceNoise: true } })).toThrow(/field "sampler.adaptiveChoiceNoise" must be left unset with adaptive rollouts/);
    expect(resolveSpeedRlConfig({ rollout: ADAPTIVE, stepChoices: [100] }).rollout).toEqual(ADAPTIVE); // stepChoices unused
  });
});
