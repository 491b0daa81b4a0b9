import { mkdtemp, readFile, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, UsageError } from '@speedrl/core';
import {
  POLICY_STATE_FILE, TRAINER_STATE_FILE, readSpeedRlCheckpoint, restoreSpeedRlCheckpoint, writeSpeedRlCheckpoint,
} from './checkpoint';
import { resolveSpeedRlConfig, type SpeedRlConfig } from './config';
import { createFakeDecoder, createFakePolicy, createFakeReference, type FakePolicy } from './testing/fake-policy';
import type { SpeedRlMetrics } from './metrics';
import { runSpeedRl } from './speed-rl';
import type { QualityRewardFn } from './types';

const L = 4;
const K = 4;
const C = 3;
const CONFIG: Partial<SpeedRlConfig> = {
  iterations: 4, classesPerIteration: 2, groupSize: 4, stepChoices: [1, 2, 4], speedWeight: 0.3, klBeta: 0.2,
  stepFraction: 0.5, innerEpochs: 2, learningRate: 0.1, warmupIterations: 2, qualityFloor: { kind: 'absolute', value: -0.3 },
  checkpointEvery: 0, gridEvery: 0,
};

/** A stateful quality reward: fraction of token 0 minus the running mean of all earlier batches (a "reward normaliser"). */
function statefulReward(): QualityRewardFn & { state: { sum: number; count: number } } {
  const state = { sum: 0, count: 0 };
  const fn = async (b: { batch: number; tokens: Int32Array }) => {
    const raw = Float32Array.from({ length: b.batch }, (_, j) => b.tokens.subarray(j * L, (j + 1) * L).filter((t) => t === 0).length / L);
    const mean = state.count === 0 ? 0 : state.sum / state.count;
    raw.forEach((v) => { state.sum += v; state.count++; });
    return raw.map((v) => v - mean);
  };
  return Object.assign(fn, { state });
}

const withoutTime = (m: SpeedRlMetrics) => ({ ...m, timeMs: null });
const newPolicy = (numClasses = C): FakePolicy => createFakePolicy({ seqLen: L, vocabSize: K, numClasses });
const runArgs = (policy: FakePolicy, reward: QualityRewardFn, metrics: SpeedRlMetrics[]) => ({
  policy, reward, reference: createFakeReference(Float32Array.from({ length: C * K }, (_, i) => (i % 3) * 0.2), L, K),
  decoder: createFakeDecoder(L, K), onMetrics: (m: SpeedRlMetrics) => { metrics.push(m); },
});

let dir: string;
beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'speedrl-ckpt-')); });
afterEach(async () => { await rm(dir, { recursive: true, force: true }); });

describe('Speed-RL checkpoints', () => {
  it('resume is exact: 4 iterations = 2 + checkpoint + load + 2 (params, optimizer, metrics)', async () => {
    const straightMetrics: SpeedRlMetrics[] = [];
    const straight = newPolicy();
    await runSpeedRl({ ...runArgs(straight, statefulReward(), straightMetrics), config: CONFIG, rng: Rng.fromSeed(11) });

    const ckpt = join(dir, 'rl');
    const firstMetrics: SpeedRlMetrics[] = [];
    const first = newPolicy();
    const firstReward = statefulReward();
    const rng = Rng.fromSeed(11);
    const controller = new AbortController();
    const config = resolveSpeedRlConfig(CONFIG);
    const half = await runSpeedRl({
      ...runArgs(first, firstReward, firstMetrics), config, rng, signal: controller.signal,
      onMetrics: (m) => { firstMetrics.push(m); if (m.iteration === 1) controller.abort(); },
      onCheckpoint: async ({ iteration }) => writeSpeedRlCheckpoint(ckpt, {
        iteration, rng: rng.state(), config, policy: await first.saveState(), normalizer: { ...firstReward.state }, extra: { note: 'half' },
      }),
    });
    expect(half).toEqual({ nextIteration: 2, aborted: true });

    const resumed = newPolicy();
    const restored = await restoreSpeedRlCheckpoint(ckpt, resumed);
    expect(restored.iteration).toBe(2);
    expect(restored.extra).toEqual({ note: 'half' });
    expect(restored.config).toEqual(config);
    const resumedReward = statefulReward();
    Object.assign(resumedReward.state, restored.normalizer);
    const secondMetrics: SpeedRlMetrics[] = [];
    const rest = await runSpeedRl({
      ...runArgs(resumed, resumedReward, secondMetrics), config: restored.config, rng: restored.rng, startIteration: restored.iteration,
    });
    expect(rest).toEqual({ nextIteration: 4, aborted: false });
    expect(Array.from(resumed.theta())).toEqual(Array.from(straight.theta()));
    const a = await resumed.saveState();
    const b = await straight.saveState();
    expect(Array.from(a.tensors['adam.v']!.data)).toEqual(Array.from(b.tensors['adam.v']!.data));
    expect(a.meta).toEqual(b.meta);
    expect([...firstMetrics, ...secondMetrics].map(withoutTime)).toEqual(straightMetrics.map(withoutTime));
    expect(straightMetrics[3]!.klMean).toBeGreaterThan(0);
  });

  it('records the SHA-256 of policy.safetensors: edited weights, or a checkpoint without the hash, are usage errors naming the file', async () => {
    const ckpt = join(dir, 'rl-hash');
    const policy = newPolicy();
    await writeSpeedRlCheckpoint(ckpt, { iteration: 2, rng: Rng.fromSeed(1).state(), config: resolveSpeedRlConfig(CONFIG), policy: await policy.saveState() });
    const trainerFile = join(ckpt, TRAINER_STATE_FILE);
    const policyFile = join(ckpt, POLICY_STATE_FILE);
    const json = JSON.parse(await readFile(trainerFile, 'utf8')) as Record<string, unknown>;
    expect(json.policySha256).toMatch(/^[0-9a-f]{64}$/);
    const good = await readFile(policyFile);
    const edited = Buffer.from(good);
    edited.writeFloatLE(1000, edited.length - 4); // a finite change: loads and trains, silently wrong without the hash
    await writeFile(policyFile, edited);
    const refused = readSpeedRlCheckpoint(ckpt);
    await expect(refused).rejects.toThrow(UsageError);
    await expect(readSpeedRlCheckpoint(ckpt)).rejects.toThrow(/checkpoint ".*policy\.safetensors" has SHA-256 \w{12}…, not the \w{12}… recorded in .*trainer\.json: the weights changed after they were saved/);
    const { policySha256: _hash, ...older } = json; // as written before the hash was recorded, or the field removed
    await writeFile(trainerFile, JSON.stringify(older));
    await expect(readSpeedRlCheckpoint(ckpt)).rejects.toThrow(/--resume: .*trainer\.json records no SHA-256 of ".*policy\.safetensors" .*; start over with --force$/);
    await writeFile(policyFile, good);
    await writeFile(trainerFile, JSON.stringify({ ...json, policySha256: 'abc' }));
    await expect(readSpeedRlCheckpoint(ckpt)).rejects.toThrow(/trainer\.json: the recorded SHA-256 of ".*policy\.safetensors" must be 64 hex digits, got "abc"/);
  });

  it('rejects missing, truncated and mismatched checkpoints, naming the file and the field', async () => {
    const ckpt = join(dir, 'rl');
    await expect(readSpeedRlCheckpoint(ckpt)).rejects.toThrow(/no complete checkpoint/);
    const policy = newPolicy();
    const save = async () => writeSpeedRlCheckpoint(ckpt, {
      iteration: 3, rng: Rng.fromSeed(1).state(), config: resolveSpeedRlConfig(CONFIG), policy: await policy.saveState(),
    });
    await save();
    const trainerFile = join(ckpt, TRAINER_STATE_FILE);
    const policyFile = join(ckpt, POLICY_STATE_FILE);
    expect((await readSpeedRlCheckpoint(ckpt)).iteration).toBe(3);

    await expect(restoreSpeedRlCheckpoint(ckpt, newPolicy(2))).rejects.toThrow(
      /policy\.safetensors: tensor "theta" has shape \[3,4\], the policy expects \[2,4\]/,
    );

    await truncate(policyFile, 40);
    await expect(readSpeedRlCheckpoint(ckpt)).rejects.toThrow(/policy\.safetensors/);

    await save();
    const json = JSON.parse(await readFile(trainerFile, 'utf8'));
    await writeFile(trainerFile, JSON.stringify({ ...json, iteration: -1 }));
    await expect(readSpeedRlCheckpoint(ckpt)).rejects.toThrow(/trainer\.json: field "iteration" must be an integer ≥ 0, got -1/);
    await writeFile(trainerFile, JSON.stringify({ ...json, tensors: { ...json.tensors, theta: [4, 3] } }));
    await expect(readSpeedRlCheckpoint(ckpt)).rejects.toThrow(/tensor "theta" has shape \[3,4\], trainer\.json says \[4,3\]/);
    await writeFile(trainerFile, JSON.stringify({ ...json, tensors: { ...json.tensors, extraTensor: [1] } }));
    await expect(readSpeedRlCheckpoint(ckpt)).rejects.toThrow(/tensor "extraTensor" \(listed in trainer\.json\) is missing/);
    await writeFile(trainerFile, JSON.stringify({ ...json, config: { ...json.config, groupSize: 1 } }));
    await expect(readSpeedRlCheckpoint(ckpt)).rejects.toThrow(/trainer\.json: field "config" is invalid: .*field "groupSize" must be an integer ≥ 2/);
    await writeFile(trainerFile, JSON.stringify({ ...json, rng: { algorithm: 'mt' } }));
    await expect(readSpeedRlCheckpoint(ckpt)).rejects.toThrow(/trainer\.json: field "rng" is not a valid rng state/);
    await writeFile(trainerFile, JSON.stringify(json).slice(0, 50));
    await expect(readSpeedRlCheckpoint(ckpt)).rejects.toThrow(/trainer\.json: not valid JSON \(truncated\?\)/);
    await unlink(trainerFile);
    await expect(readSpeedRlCheckpoint(ckpt)).rejects.toThrow(/trainer\.json: cannot read the file/);
  });
});
