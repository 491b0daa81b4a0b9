import { Rng } from '@speedrl/core';
import { fakeLogitsFn, fixedDistributionLogitsFn } from './testing/fake-logits';
import { guidanceForWeight, resolveSamplerConfig } from './config';
import { confidenceStep } from './confidence-step';
import { combineGuidance, policyLogProbs } from './policy';
import { sample } from './sample';
import { initState } from './state';
import { commitSteps, committedCountsPerStep, trajectoryLogProbs } from './trajectory';
import type { LogitsFn } from './types';

const K = 12;
const NULL_CLASS = 10;
/** Class c peaks on token c; the null class peaks on token 11. */
const classPeaked = fakeLogitsFn(K, (cls, p, k) => (k === (cls === NULL_CLASS ? 11 : cls) ? 4 : 0.1 * ((k * 7 + p) % 5)));

function counting(fn: LogitsFn): { fn: LogitsFn; calls: Int32Array[] } {
  const calls: Int32Array[] = [];
  return { calls, fn: async (tokens, classes) => (calls.push(classes.slice()), fn(tokens, classes)) };
}

describe('sample (driver, CFG, NFE, batching)', () => {
  const base = { seqLen: 16, vocabSize: K, maskId: K, numClasses: 10 };

  it('combines guidance as u + w·(c − u): w = 0 → unconditional, w = 1 → conditional, exact at both ends', () => {
    const c = Float32Array.from([1, 2, -Infinity, 4]);
    const u = Float32Array.from([0, 4, -Infinity, 1]);
    expect(Array.from(combineGuidance(c, u, 0))).toEqual(Array.from(u));
    expect(Array.from(combineGuidance(c, u, 1))).toEqual(Array.from(c));
    expect(Array.from(combineGuidance(c, u, 2))).toEqual([2, 0, -Infinity, 7]);
    expect(() => combineGuidance(c, u.subarray(1), 2)).toThrow(/conditional 4 vs unconditional 3/);
  });

  it('w = 0 samples the unconditional model, w = 1 the conditional one; NFE doubles with CFG', async () => {
    const classes = [0, 3, 7];
    const greedy = { temperature: 0 };
    const plain = counting(classPeaked);
    const cond = await sample(plain.fn, { ...base, classes, steps: 4, rng: Rng.fromSeed(1), config: greedy });
    expect(cond.nfe).toBe(4);
    expect(plain.calls).toHaveLength(4);
    const w0 = counting(classPeaked);
    const uncond = await sample(w0.fn, {
      ...base, classes, steps: 4, rng: Rng.fromSeed(1), config: { ...greedy, guidance: { weight: 0, nullClassId: NULL_CLASS, warmup: 'none' } },
    });
    expect(uncond.nfe).toBe(8);
    expect(uncond.trajectory.records.every((r) => r.nfe === 2 && r.cfgWeight === 0)).toBe(true);
    expect(Array.from(w0.calls[1] as Int32Array)).toEqual([10, 10, 10]); // second call of each step: the null class
    expect(Array.from(w0.calls[0] as Int32Array)).toEqual(classes);
    expect(Array.from(new Set(uncond.tokens))).toEqual([11]);
    const w1 = await sample(classPeaked, {
      ...base, classes, steps: 4, rng: Rng.fromSeed(1), config: { ...greedy, guidance: { weight: 1, nullClassId: NULL_CLASS, warmup: 'none' } },
    });
    expect(Array.from(w1.tokens)).toEqual(Array.from(cond.tokens));
    classes.forEach((c, b) => expect(Array.from(w1.tokens.subarray(b * 16, (b + 1) * 16))).toEqual(new Array(16).fill(c)));
  });

  it('records log π under the guided, temperature-scaled policy (w = 3)', async () => {
    const w = 3;
    const temperature = 0.8;
    const rowLogits = async (cls: number): Promise<Float32Array> => classPeaked(new Int32Array(16).fill(K), Int32Array.of(cls));
    const guided = combineGuidance(await rowLogits(5), await rowLogits(NULL_CLASS), w);
    // Hand check of one entry: u + w·(c − u) at position 0, token 5 = 0.1·((35+0)%5) + 3·(4 − 0) = 12.
    expect(guided[5]).toBeCloseTo(12, 5);
    const { trajectory } = await sample(classPeaked, {
      ...base, classes: [5], steps: 3, rng: Rng.fromSeed(2), config: { temperature, guidance: { weight: w, nullClassId: NULL_CLASS, warmup: 'none' } },
    });
    const first = trajectory.records[0];
    first?.committedPositions[0]?.forEach((p, i) => {
      const logp = policyLogProbs(guided, p * K, K, temperature, 0);
      expect(first.committedLogProbs[0]?.[i]).toBeCloseTo(logp[first.committedTokens[0]?.[i] as number] as number, 5);
    });
    expect(first?.committedPositions[0]?.length).toBeGreaterThan(0);
  });

  it('warms the guidance weight up linearly: w_t = w·t/(T−1)', async () => {
    const { trajectory } = await sample(classPeaked, {
      ...base, classes: [1], steps: 5, rng: Rng.fromSeed(3), config: { guidance: { weight: 2, nullClassId: NULL_CLASS, warmup: 'linear' } },
    });
    expect(trajectory.records.map((r) => r.cfgWeight)).toEqual([0, 0.5, 1, 1.5, 2]);
  });

  it('rejects a null class that is a real class', async () => {
    await expect(
      sample(classPeaked, { ...base, classes: [1], steps: 2, rng: Rng.fromSeed(0), config: { guidance: { weight: 2, nullClassId: 3, warmup: 'none' } } }),
    ).rejects.toThrow(/"guidance.nullClassId" must not be a real class \(< numClasses=10\), got 3/);
  });

  it('refuses a null class id ≥ 2^31, which would wrap in the Int32Array of class ids to a real class (2^32 + 3 → 3)', async () => {
    const { fn, calls } = counting(classPeaked);
    const guidance = (nullClassId: number) => ({ guidance: { weight: 2, nullClassId, warmup: 'none' as const } });
    await expect(sample(fn, { ...base, classes: [1], steps: 2, rng: Rng.fromSeed(0), config: guidance(2 ** 32 + 3) })).rejects.toThrow(
      /field "guidance.nullClassId" must be an integer in \[0, 2\^31\) \(an int32 class id\), got 4294967299/,
    );
    expect(calls).toHaveLength(0);
    expect(() => resolveSamplerConfig(guidance(2 ** 31))).toThrow(RangeError);
    expect(() => resolveSamplerConfig(guidance('10' as never))).toThrow(/"guidance.nullClassId" must be an integer in \[0, 2\^31\) \(an int32 class id\), got "10"/);
    expect(resolveSamplerConfig(guidance(2 ** 31 - 1)).guidance?.nullClassId).toBe(2 ** 31 - 1);
  });

  it('names the sample, position and step of a position whose logits are all -Infinity (was: "this position")', async () => {
    const B = 2;
    const L = 16;
    const allNegInf: LogitsFn = async () => {
      const out = new Float32Array(B * L * K).map((_, i) => 0.1 * (i % 7));
      out.fill(-Infinity, (1 * L + 3) * K, (1 * L + 4) * K); // sample 1, position 3
      return out;
    };
    for (const method of ['confidence', 'halton', 'adaptive'] as const) {
      for (const temperature of [1, 0.5, 0]) {
        await expect(
          sample(allNegInf, { ...base, classes: [0, 1], steps: 1, rng: Rng.fromSeed(0), config: { method, temperature } }),
        ).rejects.toThrow(/every logit of \[sample 1, position 3\] is -Infinity at step 0; no token can be drawn/);
      }
    }
    const state = { ...initState({ classes: [0, 1], seqLen: L, vocabSize: K, maskId: K, steps: 3 }), step: 2 };
    const logits = await allNegInf(state.tokens, state.classes);
    expect(() => confidenceStep(logits, state, Rng.fromSeed(0), resolveSamplerConfig())).toThrow(
      /every logit of \[sample 1, position 3\] is -Infinity at step 2/,
    );
  });

  it('refuses a logitsFn that returns one reused array: the unconditional pass would overwrite the conditional one (was: silently unconditional)', async () => {
    let shared: Float32Array | undefined;
    const reusing: LogitsFn = async (tokens, classes) => {
      const fresh = await classPeaked(tokens, classes);
      shared ??= new Float32Array(fresh.length);
      shared.set(fresh);
      return shared;
    };
    const guided = { ...base, classes: [1], steps: 2, config: { guidance: { weight: 2, nullClassId: NULL_CLASS, warmup: 'none' as const } } };
    await expect(sample(reusing, { ...guided, rng: Rng.fromSeed(0) })).rejects.toThrow(/logitsFn returned the same array for the conditional and the unconditional pass/);
    await expect(sample(reusing, { ...guided, rng: Rng.fromSeed(0), config: {} })).resolves.toBeDefined(); // one pass per step: reuse is fine
  });

  it('does not let batch composition change a sample (per-sample streams rng.fork(sampleId))', async () => {
    const fn = fixedDistributionLogitsFn([0.05, 0.1, 0.15, 0.2, 0.25, 0.25]);
    const opts = { seqLen: 16, vocabSize: 6, maskId: 6, steps: 5, rng: Rng.fromSeed(11) };
    const batch = await sample(fn, { ...opts, classes: [0, 1, 2] });
    const alone = await sample(fn, { ...opts, classes: [1], sampleIds: [1] });
    const reordered = await sample(fn, { ...opts, classes: [2, 1], sampleIds: [2, 1] });
    expect(Array.from(alone.tokens)).toEqual(Array.from(batch.tokens.subarray(16, 32)));
    expect(Array.from(reordered.tokens.subarray(16, 32))).toEqual(Array.from(batch.tokens.subarray(16, 32)));
    expect(Array.from(reordered.tokens.subarray(0, 16))).toEqual(Array.from(batch.tokens.subarray(32, 48)));
    expect(Array.from(batch.tokens.subarray(0, 16))).not.toEqual(Array.from(batch.tokens.subarray(16, 32)));
  });

  it('keeps given tokens when inpainting and sums the trajectory log-probabilities', async () => {
    const initial = new Int32Array(16).fill(K);
    initial.set([3, 4, 5, 6], 0);
    const { tokens, trajectory } = await sample(classPeaked, { ...base, classes: [2], steps: 4, rng: Rng.fromSeed(4), initialTokens: initial });
    expect(Array.from(tokens.subarray(0, 4))).toEqual([3, 4, 5, 6]);
    expect(tokens.every((t) => t < K)).toBe(true);
    const steps = commitSteps(trajectory, 0, 16);
    expect(Array.from(steps.subarray(0, 4))).toEqual([-1, -1, -1, -1]);
    expect(Array.from(steps.subarray(4)).every((s) => s >= 0 && s < 4)).toBe(true);
    expect(committedCountsPerStep(trajectory).reduce((s, c) => s + (c[0] as number), 0)).toBe(12);
    const total = trajectory.records.reduce((s, r) => s + Array.from(r.committedLogProbs[0] ?? []).reduce((a, v) => a + v, 0), 0);
    expect(trajectoryLogProbs(trajectory)[0]).toBeCloseTo(total, 10);
    expect(Array.from(trajectory.stepsUsed)).toEqual([4]);
  });
});

describe('policyLogProbs', () => {
  it('keeps exactly k tokens under top-k, ties going to the lower id, and normalises over them', () => {
    const logp = policyLogProbs([9, 1, 3, 3, 3, 0], 1, 5, 1, 2);
    expect(Array.from(logp, (v) => v === -Infinity)).toEqual([true, false, false, true, true]);
    expect(logp[1]).toBeCloseTo(Math.log(0.5), 12);
    expect(Array.from(policyLogProbs([1, 2, 0], 0, 3, 0, 0))).toEqual([-Infinity, 0, -Infinity]);
    expect(() => policyLogProbs([-Infinity, -Infinity], 0, 2, 1, 0)).toThrow(/every logit of this position is -Infinity/);
  });
});

describe('guidanceForWeight', () => {
  it('maps 0 (off) and 1 to plain conditional sampling, w > 1 to two-pass guidance, and refuses the rest', () => {
    expect(guidanceForWeight(0, 10)).toBeNull();
    expect(guidanceForWeight(1, 10)).toBeNull();
    expect(guidanceForWeight(2.5, 7)).toEqual({ weight: 2.5, nullClassId: 7, warmup: 'none' });
    for (const w of [1e-6, 0.5, 0.999, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => guidanceForWeight(w, 10)).toThrow(/guidance weight must be 0 \(off, plain conditional sampling, as w = 1\) or a finite w ≥ 1/);
    }
  });
});
