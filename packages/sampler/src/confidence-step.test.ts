import { Rng } from '@speedrl/core';
import { resolveSamplerConfig } from './config';
import { confidenceStep } from './confidence-step';
import { fakeLogitsFn, fixedDistributionLogitsFn } from './testing/fake-logits';
import { sample } from './sample';
import { maskedCountsForSteps } from './schedules';
import { initState } from './state';
import type { LogitsFn, StepRecord } from './types';

const PROBS = [0.1, 0.2, 0.3, 0.25, 0.15];
const K = PROBS.length;

/** Pearson chi-square of observed counts against expected probabilities. */
function chiSquare(tokens: Int32Array, probs: readonly number[]): number {
  const counts = new Array<number>(probs.length).fill(0);
  tokens.forEach((t) => (counts[t] = (counts[t] as number) + 1));
  return probs.reduce((s, p, k) => s + ((counts[k] as number) - p * tokens.length) ** 2 / (p * tokens.length), 0);
}

/** Reference log-softmax of logits/temperature, written independently of policy.ts. */
function logSoftmax(row: ArrayLike<number>, temperature: number): number[] {
  const z = Array.from(row, (v) => v / temperature);
  const m = Math.max(...z);
  const lse = m + Math.log(z.reduce((s, v) => s + Math.exp(v - m), 0));
  return z.map((v) => v - lse);
}

const CHI2_DF4_P001 = 18.47;

describe('confidenceStep / sample (MaskGIT parallel decoding)', () => {
  const base = { seqLen: 25, vocabSize: K, maskId: K };

  it('is deterministic: same seed → identical tokens, other seed → different', async () => {
    const fn = fixedDistributionLogitsFn(PROBS);
    const run = (seed: number) => sample(fn, { ...base, classes: [0, 1, 2], steps: 6, rng: Rng.fromSeed(seed) });
    const [a, b, c] = await Promise.all([run(7), run(7), run(8)]);
    expect(Array.from(a.tokens)).toEqual(Array.from(b.tokens));
    expect(Array.from(a.tokens)).not.toEqual(Array.from(c.tokens));
  });

  it('draws tokens that follow softmax(logits) (T = 1, chi-square, 4 df)', async () => {
    const { tokens } = await sample(fixedDistributionLogitsFn(PROBS), { ...base, classes: new Array(40).fill(0), steps: 1, rng: Rng.fromSeed(1) });
    expect(tokens).toHaveLength(1000);
    expect(chiSquare(tokens, PROBS)).toBeLessThan(CHI2_DF4_P001);
    // A wrong target distribution must be rejected by the same statistic (the test can fail).
    expect(chiSquare(tokens, [0.2, 0.2, 0.2, 0.2, 0.2])).toBeGreaterThan(CHI2_DF4_P001);
  });

  it('draws from softmax(logits / temperature): temperature 0.5 squares the probabilities', async () => {
    const sq = PROBS.map((p) => p * p);
    const target = sq.map((v) => v / sq.reduce((s, x) => s + x, 0));
    const { tokens } = await sample(fixedDistributionLogitsFn(PROBS), {
      ...base, classes: new Array(40).fill(0), steps: 1, rng: Rng.fromSeed(2), config: { temperature: 0.5 },
    });
    expect(chiSquare(tokens, target)).toBeLessThan(CHI2_DF4_P001);
    expect(chiSquare(tokens, PROBS)).toBeGreaterThan(CHI2_DF4_P001);
  });

  it('temperature → 0 gives the argmax with log π = 0', async () => {
    for (const temperature of [0, 1e-6]) {
      const { tokens, trajectory } = await sample(fixedDistributionLogitsFn(PROBS), {
        ...base, classes: [0, 1], steps: 4, rng: Rng.fromSeed(3), config: { temperature },
      });
      expect(Array.from(new Set(tokens))).toEqual([2]);
      for (const r of trajectory.records) for (const lp of r.committedLogProbs) lp.forEach((v) => expect(v).toBeCloseTo(0, 6));
    }
  });

  it('top-k never picks outside the top k and renormalises over them', async () => {
    const { tokens, trajectory } = await sample(fixedDistributionLogitsFn(PROBS), {
      ...base, classes: new Array(20).fill(0), steps: 5, rng: Rng.fromSeed(4), config: { topK: 2 },
    });
    expect(Array.from(new Set(tokens)).sort()).toEqual([2, 3]);
    const expected = { 2: Math.log(0.3 / 0.55), 3: Math.log(0.25 / 0.55) };
    for (const r of trajectory.records) {
      r.committedTokens.forEach((ids, b) => ids.forEach((id, i) => expect(r.committedLogProbs[b]?.[i]).toBeCloseTo(expected[id as 2 | 3], 5)));
    }
  });

  it('anneals τ_t = τ0·(1 − (t+1)/T) linearly to 0 at the last step', async () => {
    const { trajectory } = await sample(fixedDistributionLogitsFn(PROBS), {
      ...base, classes: [0], steps: 5, rng: Rng.fromSeed(5), config: { gumbelScale: 4.5 },
    });
    const taus = trajectory.records.map((r) => r.gumbelScale);
    [3.6, 2.7, 1.8, 0.9, 0].forEach((v, t) => expect(taus[t]).toBeCloseTo(v, 12));
    expect(taus[4]).toBe(0);
  });

  it('commits exactly the scheduled number per step and leaves no mask at the end', async () => {
    for (const schedule of ['cosine', 'arccos', 'linear', 'pow-2', 'exp', 'log']) {
      const T = 8;
      const { tokens, trajectory } = await sample(fixedDistributionLogitsFn(PROBS), {
        ...base, classes: [0, 3], steps: T, rng: Rng.fromSeed(6), config: { schedule },
      });
      const counts = maskedCountsForSteps(schedule, T, 25);
      trajectory.records.forEach((r, t) => {
        const before = t === 0 ? 25 : (counts[t - 1] as number);
        r.committedPositions.forEach((p) => expect(p.length).toBe(before - (counts[t] as number)));
        expect(Array.from(r.maskedAfter)).toEqual([counts[t], counts[t]]);
      });
      expect(tokens.every((id) => id >= 0 && id < K)).toBe(true);
    }
  });

  it('records pre-step tokens/mask and log π = log softmax(logits/temperature) of the logits actually used', async () => {
    // Logits depend on the position and on the tokens already committed, so they change from step to step.
    const inner = fakeLogitsFn(K, (cls, p, k, row) => Math.sin(1.3 * k + 0.7 * p + cls) + 0.2 * row.filter((v) => v === k).length);
    const seen: Float32Array[] = [];
    const fn: LogitsFn = async (tokens, classes) => {
      const out = await inner(tokens, classes);
      seen.push(out);
      return out;
    };
    const records: StepRecord[] = [];
    const temperature = 0.7;
    const result = await sample(fn, {
      ...base, classes: [1, 4], steps: 4, rng: Rng.fromSeed(9), config: { temperature }, onStep: (r) => void records.push(r),
    });
    expect(records).toHaveLength(4);
    records.forEach((r, t) => {
      const logits = seen[t] as Float32Array;
      r.committedPositions.forEach((positions, b) => {
        positions.forEach((p, i) => {
          expect(r.maskBefore[b * 25 + p]).toBe(1);
          expect(r.tokensBefore[b * 25 + p]).toBe(K);
          const row = logits.subarray((b * 25 + p) * K, (b * 25 + p + 1) * K);
          const id = r.committedTokens[b]?.[i] as number;
          expect(r.committedLogProbs[b]?.[i]).toBeCloseTo(logSoftmax(row, temperature)[id] as number, 5);
        });
      });
      const next = records[t + 1];
      if (next !== undefined) {
        for (let b = 0; b < 2; b++) {
          r.committedPositions[b]?.forEach((p, i) => expect(next.tokensBefore[b * 25 + p]).toBe(r.committedTokens[b]?.[i]));
        }
      }
    });
    expect(result.nfe).toBe(4);
    expect(records.every((r) => r.nfe === 1 && r.cfgWeight === null)).toBe(true);
  });

  it('re-masks the least confident positions (no noise: the most peaked positions are committed first)', () => {
    // Position p puts logit p on token 0 and 0 elsewhere: the higher p, the more confident.
    const L = 6;
    const logits = new Float32Array(L * 3);
    for (let p = 0; p < L; p++) logits[p * 3] = 3 * p;
    const config = resolveSamplerConfig({ gumbelScale: 0, temperature: 0, schedule: 'linear' });
    const state = initState({ classes: [0], seqLen: L, vocabSize: 3, maskId: 3, steps: 3 });
    const { state: next, record } = confidenceStep(logits, state, Rng.fromSeed(1), config);
    expect(Array.from(record.committedPositions[0] as Int32Array)).toEqual([4, 5]);
    expect(Array.from(next.mask)).toEqual([1, 1, 1, 1, 0, 0]);
    expect(next.step).toBe(1);
    expect(Array.from(state.mask)).toEqual([1, 1, 1, 1, 1, 1]); // the input state is not mutated
  });

  it('rejects bad inputs with clear messages', async () => {
    const fn = fixedDistributionLogitsFn(PROBS);
    const rng = Rng.fromSeed(0);
    await expect(sample(fn, { ...base, classes: [0], steps: 0, rng })).rejects.toThrow(/field "steps \(T\)" must be an integer ≥ 1, got 0/);
    await expect(sample(fn, { ...base, classes: [0, 12], steps: 2, rng, numClasses: 10 })).rejects.toThrow(/"classes\[1\]" must be an integer in \[0, 10\), got 12/);
    await expect(sample(fn, { ...base, classes: [-1], steps: 2, rng })).rejects.toThrow(/"classes\[0\]" must be an integer in \[0, 2\^31\), got -1/);
    const input = new Int32Array(25).fill(K);
    input[3] = 7;
    await expect(sample(fn, { ...base, classes: [0], steps: 2, rng, initialTokens: input })).rejects.toThrow(
      /"initialTokens" has id 7 at \[sample 0, position 3\], expected 0..K−1 = 0..4 or the mask id 5/,
    );
    await expect(sample(fn, { ...base, classes: [0], steps: 26, rng })).rejects.toThrow(/steps T=26 exceeds the 25 masked tokens of sample 0/);
    const short: LogitsFn = async () => new Float32Array(10);
    await expect(sample(short, { ...base, classes: [0, 1], steps: 2, rng })).rejects.toThrow(
      /LogitsFn output \(conditional pass, step 0\) has 10 values, expected B·L·K = 2·25·5 = 250/,
    );
    const nan: LogitsFn = async () => new Float32Array(125).fill(Number.NaN);
    await expect(sample(nan, { ...base, classes: [0], steps: 2, rng })).rejects.toThrow(/has NaN at \[sample 0, position 0, token 0\]/);
    await expect(sample(fn, { ...base, classes: [0], steps: 2, rng, maskId: 2 })).rejects.toThrow(/"maskId" must be an int32 outside the token ids 0..4/);
    // 2^31 does not fit the int32 token array: named as maskId, not as an initialTokens id the caller never gave
    await expect(sample(fn, { ...base, classes: [0], steps: 2, rng, maskId: 2 ** 31 })).rejects.toThrow(/"maskId" must be an int32 outside the token ids 0..4 \(usually K=5\), got 2147483648/);
    const state = initState({ classes: [0], seqLen: 25, vocabSize: K, maskId: K, steps: 2 });
    expect(() => confidenceStep(new Float32Array(3), state, rng, resolveSamplerConfig())).toThrow(/logits passed to the step has 3 values, expected B·L·K = 1·25·5 = 125/);
  });

  it('refuses fractional, wrapping or string token ids and non-array classes/sampleIds, quoting strings (was: truncated by Int32Array.from)', async () => {
    const fn = fixedDistributionLogitsFn(PROBS);
    const rng = Rng.fromSeed(0);
    const opts = { seqLen: 4, vocabSize: K, maskId: K, steps: 2 };
    expect(() => initState({ ...opts, classes: [0], initialTokens: [K, 0.7, K, K] as never })).toThrow(
      /field "initialTokens" has id 0.7 at \[sample 0, position 1\], expected 0..K−1 = 0..4 or the mask id 5 \(an integer\)/,
    );
    const tokens = new Float64Array(8).fill(K);
    tokens[6] = 2 ** 32 + 3; // Int32Array.from would make it token 3
    await expect(sample(fn, { ...base, ...opts, classes: [0, 1], rng, initialTokens: tokens as never })).rejects.toThrow(
      /field "initialTokens" has id 4294967299 at \[sample 1, position 2\]/,
    );
    expect(() => initState({ ...opts, classes: [0], initialTokens: [K, '3', K, K] as never })).toThrow(/has id "3" at \[sample 0, position 1\]/);
    expect(() => initState({ ...opts, classes: [0], initialTokens: Int32Array.from([K, 4, 0, K]) })).not.toThrow();
    expect(() => initState({ ...opts, classes: '01' as never })).toThrow(/field "classes" must be an Int32Array or an array of class ids \[B\], got "01"/);
    expect(() => initState({ ...opts, classes: ['1'] as never })).toThrow(/field "classes\[0\]" must be an integer in \[0, 2\^31\), got "1"/);
    expect(() => initState({ ...opts, classes: [2 ** 32] })).toThrow(/field "classes\[0\]" must be an integer in \[0, 2\^31\), got 4294967296/);
    expect(() => initState({ ...opts, classes: [0, 1], sampleIds: '01' as never })).toThrow(/field "sampleIds" must be an Int32Array or an array of sample ids \[B\], got "01"/);
    expect(() => initState({ ...opts, classes: [0], sampleIds: ['0'] as never })).toThrow(/field "sampleIds\[0\]" must be an integer in \[0, 2\^31\), got "0"/);
    await expect(sample(fn, { ...base, classes: [0], steps: '3' as never, rng })).rejects.toThrow(/field "steps \(T\)" must be an integer ≥ 1, got "3"/);
    expect(() => initState({ ...opts, classes: [0], maskId: '5' as never })).toThrow(/field "maskId" must be an int32 outside the token ids 0..4 \(usually K=5\), got "5"/);
  });
});
