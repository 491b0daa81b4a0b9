import { Rng } from '@speedrl/core';
import type { SpeedRlConfig } from './config';
import { createFakeDecoder, createFakePolicy, createFakeReference, type FakePolicy } from './testing/fake-policy';
import type { SpeedRlMetrics } from './metrics';
import { runSpeedRl, type IterationDetails, type SpeedRlRun } from './speed-rl';
import type { QualityRewardFn, RewardBatch } from './types';

const L = 4;
const K = 4;
const C = 2;

const BASE: Partial<SpeedRlConfig> = {
  iterations: 2, groupSize: 8, stepChoices: [1, 2, 4], speedWeight: 0, klBeta: 0, learningRate: 0.1, warmupIterations: 0,
  qualityFloor: { kind: 'none' }, checkpointEvery: 0, gridEvery: 0,
};

/** Fraction of token 0 in each sample. */
const fractionOfZeros: QualityRewardFn = async (b: RewardBatch) =>
  Float32Array.from({ length: b.batch }, (_, j) => b.tokens.subarray(j * L, (j + 1) * L).filter((t) => t === 0).length / L);

interface Logged { metrics: SpeedRlMetrics[]; details: IterationDetails[] }

async function run(config: Partial<SpeedRlConfig>, extra: Partial<SpeedRlRun> = {}, theta?: Float32Array): Promise<Logged & { policy: FakePolicy; result: Awaited<ReturnType<typeof runSpeedRl>> }> {
  const policy = createFakePolicy({ seqLen: L, vocabSize: K, numClasses: C, theta });
  const logged: Logged = { metrics: [], details: [] };
  const result = await runSpeedRl({
    policy,
    reference: createFakeReference(new Float32Array(C * K), L, K),
    decoder: createFakeDecoder(L, K),
    reward: fractionOfZeros,
    config: { ...BASE, ...config },
    rng: Rng.fromSeed(7),
    onMetrics: (m, d) => {
      logged.metrics.push(m);
      logged.details.push(d);
    },
    ...extra,
  });
  return { ...logged, policy, result };
}

describe('runSpeedRl', () => {
  it('learns: reward = fraction of token 0 moves probability onto token 0 for every class', async () => {
    const { policy, metrics, details } = await run({ iterations: 12 });
    for (let c = 0; c < C; c++) expect(policy.probabilities(c)[0]).toBeGreaterThan(0.6);
    const early = (metrics[0]!.rewardMean + metrics[1]!.rewardMean) / 2;
    const late = (metrics[10]!.rewardMean + metrics[11]!.rewardMean) / 2;
    expect(late).toBeGreaterThan(early + 0.25);
    expect(metrics[11]!.tokenEntropy).toBeLessThan(metrics[0]!.tokenEntropy);
    expect(metrics[0]!.updates).toBe(1);
    // β = 0: only samples with an advantage are trained, every step of each (one row per step)
    const d = details[0]!;
    expect(metrics[0]!.trainedRows).toBe(Array.from(d.steps).reduce((s, t, j) => s + (d.valid[j] === 1 ? t : 0), 0));
    expect(metrics[0]!.trainedTokens).toBe(L * Array.from(d.valid).reduce((a, v) => a + v, 0));
    expect(metrics[0]!.samples).toBe(16);
  });

  it('speed reward: with equal quality, faster trajectories in a group get higher advantages', async () => {
    const { details, metrics } = await run({ iterations: 1, speedWeight: 1 }, { reward: async (b) => new Float32Array(b.batch).fill(0.5) });
    const d = details[0]!;
    for (let g = 0; g < 2; g++) {
      for (let i = g * 8; i < g * 8 + 8; i++) {
        for (let j = g * 8; j < g * 8 + 8; j++) {
          if ((d.steps[i] as number) < (d.steps[j] as number)) expect(d.advantages[i]).toBeGreaterThan(d.advantages[j] as number);
          if (d.steps[i] === d.steps[j]) expect(d.advantages[i]).toBeCloseTo(d.advantages[j] as number, 6);
        }
      }
    }
    expect(d.speed[d.steps.indexOf(1)]).toBeCloseTo(0.75, 6); // 1 − 1/4
    expect(metrics[0]!.stepsMean).toBeCloseTo(Array.from(d.steps).reduce((a, b) => a + b, 0) / 16, 6);
    expect(metrics[0]!.nfeMean).toBe(metrics[0]!.stepsMean);
  });

  it('the low-quality filter takes away the speed credit (then equal rewards drop every group)', async () => {
    const { metrics } = await run(
      { iterations: 1, speedWeight: 1, qualityFloor: { kind: 'absolute', value: 0 } },
      { reward: async (b) => new Float32Array(b.batch).fill(-1) },
    );
    expect(metrics[0]!.filtered).toBe(16);
    expect(metrics[0]!.droppedGroups).toBe(2);
    expect(metrics[0]!.updates).toBe(0); // nothing to train without KL
  });

  it('β·KL pulls the policy back to the reference when the reward is constant', async () => {
    const start = Float32Array.from([2, 0, 0, -1, 0, 0, 2, 0]);
    const constant: QualityRewardFn = async (b) => new Float32Array(b.batch).fill(1);
    const { policy, metrics } = await run({ iterations: 10, klBeta: 1, learningRate: 0.05 }, { reward: constant }, start);
    expect(metrics.every((m) => m.droppedGroupFraction === 1 && m.updates === 1)).toBe(true);
    expect(metrics[9]!.klMean).toBeLessThan(0.5 * metrics[0]!.klMean);
    const dist = (t: Float32Array) => Math.hypot(...Array.from({ length: C }, (_, c) => {
      const z = t.subarray(c * K, c * K + K);
      const mean = z.reduce((a, b) => a + b, 0) / K;
      return Math.hypot(...Array.from(z, (v) => v - mean)); // softmax is shift-invariant: compare centred logits
    }));
    expect(dist(policy.theta())).toBeLessThan(0.7 * dist(start));
    // without KL, the same run leaves the policy untouched
    const noKl = await run({ iterations: 3 }, { reward: constant }, start);
    expect(Array.from(noKl.policy.theta())).toEqual(Array.from(start));
    expect(Number.isNaN(noKl.metrics[0]!.klMean)).toBe(true);
  });

  it.each(['grpo', 'ppo', 'reinforce'] as const)('%s runs with μ = 2 inner epochs', async (loss) => {
    const { metrics, policy } = await run({ iterations: 2, loss, innerEpochs: 2, learningRate: 0.5, klBeta: 0.1, stepFraction: 0.5 });
    expect(metrics.map((m) => m.updates)).toEqual([2, 2]);
    for (const m of metrics) {
      expect(Number.isFinite(m.policyLoss) && Number.isFinite(m.gradNorm) && Number.isFinite(m.klMean)).toBe(true);
      if (loss === 'reinforce') expect(m.clipFraction).toBe(0);
      else expect(m.clipFraction).toBeGreaterThan(0); // the second epoch sees ratios far from 1 at lr 0.5
    }
    expect(policy.theta().some((v) => v !== 0)).toBe(true);
  });

  it('with μ = 3 the frozen reference runs once per micro-batch, not once per epoch', async () => {
    const ref = createFakeReference(new Float32Array(C * K), L, K);
    let calls = 0;
    const counting = { logits: (t: Int32Array, c: Int32Array) => { calls++; return ref.logits(t, c); } };
    const { metrics } = await run({ iterations: 1, innerEpochs: 3, klBeta: 0.1, trainMicroBatch: 4 }, { reference: counting });
    expect(metrics[0]!.updates).toBe(3);
    expect(calls).toBe(Math.ceil(metrics[0]!.trainedRows / 4));
  });

  it('drops and counts groups whose rewards have zero std', async () => {
    const reward: QualityRewardFn = async (b) => {
      const frac = await fractionOfZeros(b);
      return (frac as Float32Array).map((v, j) => (b.classes[j] === 0 ? 0.5 : v));
    };
    const { metrics, details } = await run({ iterations: 1 }, { reward });
    expect(metrics[0]!.droppedGroups).toBe(1);
    expect(metrics[0]!.droppedGroupFraction).toBe(0.5);
    expect(Array.from(details[0]!.valid.subarray(0, 8))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(details[0]!.valid.subarray(8).some((v) => v === 1)).toBe(true);
  });

  it('NaN quality gets no advantage and is counted; components are logged', async () => {
    const reward: QualityRewardFn = async (b) => {
      const total = (await fractionOfZeros(b)) as Float32Array;
      total[0] = NaN;
      total[9] = NaN;
      return { total, components: { zeros: total, ones: new Float32Array(b.batch).fill(1) } };
    };
    const { metrics, details } = await run({ iterations: 1 }, { reward });
    expect(metrics[0]!.nanRewards).toBe(2);
    expect(details[0]!.advantages[0]).toBe(0);
    expect(details[0]!.valid[9]).toBe(0);
    expect(metrics[0]!.components.ones).toEqual({ mean: 1, std: 0 });
    expect(Number.isFinite(metrics[0]!.components.zeros!.mean)).toBe(true);
  });

  it('rejects rewards of the wrong length, infinite rewards and bad components, naming the iteration', async () => {
    await expect(run({}, { reward: async () => new Float32Array(3) })).rejects.toThrow(
      /iteration 0: the reward function returned 3 scores; expected a Float32Array with one score per sample \(16\)/,
    );
    await expect(run({}, { reward: async (b) => new Float32Array(b.batch).fill(Infinity) })).rejects.toThrow(/iteration 0: .*sample 0 as Infinity/);
    const badComponent: QualityRewardFn = async (b) => ({ total: new Float32Array(b.batch), components: { clip: new Float32Array(2) } });
    await expect(run({}, { reward: badComponent })).rejects.toThrow(/iteration 0: reward component "clip" returned 2 scores/);
    await expect(run({ klBeta: 0.1 }, { reference: undefined })).rejects.toThrow(/field "reference" is required/);
    await expect(run({ stepChoices: [2, 8] })).rejects.toThrow(/T=8 > seqLen 4/);
    await expect(run({ sampler: { temperature: 0.5 } })).rejects.toThrow(/field "sampler" must sample from the policy itself/);
  });

  it('stops after the current iteration when the signal is aborted, asking for a checkpoint', async () => {
    const controller = new AbortController();
    const requests: unknown[] = [];
    const logged = await run({ iterations: 5 }, {
      signal: controller.signal,
      onMetrics: (m) => { if (m.iteration === 1) controller.abort(); },
      onCheckpoint: (r) => { requests.push(r); },
    });
    expect(logged.result).toEqual({ nextIteration: 2, aborted: true });
    expect(requests).toEqual([{ iteration: 2, reason: 'abort' }]);
    const before = await run({ iterations: 5 }, { signal: AbortSignal.abort(), onCheckpoint: (r) => { requests.push(r); } });
    expect(before.result).toEqual({ nextIteration: 0, aborted: true });
    expect(before.metrics).toEqual([]);
    expect(requests.length).toBe(1);
  });

  it('asks for periodic and final checkpoints and grids of fixed samples', async () => {
    const requests: unknown[] = [];
    const grids: { at: number; tokens: number[] }[] = [];
    await run({ iterations: 5, checkpointEvery: 2, gridEvery: 2 }, {
      onCheckpoint: (r) => { requests.push(r); },
      onGrid: async (at, sample) => {
        const a = await sample({ steps: 2, perClass: 3 });
        const b = await sample({ steps: 2, perClass: 3 });
        expect(Array.from(a.classes)).toEqual([0, 0, 0, 1, 1, 1]);
        expect(a.images.length).toBe(6 * L);
        expect(Array.from(b.tokens)).toEqual(Array.from(a.tokens)); // fixed eval seeds
        grids.push({ at, tokens: Array.from(a.tokens) });
      },
    });
    expect(requests).toEqual([{ iteration: 2, reason: 'every' }, { iteration: 4, reason: 'every' }, { iteration: 5, reason: 'end' }]);
    expect(grids.map((g) => g.at)).toEqual([0, 2, 4, 5]);
  });
});
