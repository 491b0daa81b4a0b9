import { Rng } from '@speedrl/core';
import { fakeLogitsFn, fixedDistributionLogitsFn } from './testing/fake-logits';
import { sample } from './sample';
import { maskedCountsForSteps } from './schedules';
import { committedCountsPerStep } from './trajectory';

describe('adaptive sampler (probability threshold)', () => {
  const base = { seqLen: 49, vocabSize: 8, maskId: 8, classes: [0, 1, 2, 3] };

  it('uses fewer steps on a confident model and commits everything', async () => {
    const confident = fakeLogitsFn(8, (cls, p, k) => (k === (cls + p) % 8 ? 10 : 0)); // p(top) ≈ 0.9968
    const res = await sample(confident, { ...base, steps: 12, rng: Rng.fromSeed(1), config: { method: 'adaptive', adaptiveThreshold: 0.9 } });
    expect(res.trajectory.records).toHaveLength(1);
    expect(res.nfe).toBe(1);
    expect(Array.from(res.trajectory.stepsUsed)).toEqual([1, 1, 1, 1]);
    expect(res.tokens.every((t) => t < 8)).toBe(true);
  });

  it('on an unsure model commits ≥ 1 per step and everything at the step cap', async () => {
    const unsure = fixedDistributionLogitsFn([0.2, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);
    const res = await sample(unsure, { ...base, steps: 5, rng: Rng.fromSeed(2), config: { method: 'adaptive', adaptiveThreshold: 0.5 } });
    expect(res.trajectory.records).toHaveLength(5);
    res.trajectory.records.slice(0, 4).forEach((r) => r.committedPositions.forEach((p) => expect(p.length).toBe(1)));
    expect(Array.from(res.trajectory.records[4]?.maskedAfter ?? [])).toEqual([0, 0, 0, 0]);
    expect(res.trajectory.records[4]?.committedPositions[0]?.length).toBe(45);
    expect(Array.from(res.trajectory.stepsUsed)).toEqual([5, 5, 5, 5]);
  });

  it('commits more per step than a confidence sampler would need steps for, mixing per-sample speeds', async () => {
    // Class 0 is confident everywhere; class 1 only on even positions: it needs a second step.
    const mixed = fakeLogitsFn(8, (cls, p, k) => (k === 3 && (cls === 0 || p % 2 === 0) ? 10 : 0));
    const res = await sample(mixed, { ...base, classes: [0, 1], steps: 20, rng: Rng.fromSeed(3), config: { method: 'adaptive', adaptiveThreshold: 0.95 } });
    expect(res.trajectory.stepsUsed[0]).toBe(1);
    expect(res.trajectory.stepsUsed[1]).toBeGreaterThan(1);
    expect(res.trajectory.records.length).toBe(res.trajectory.stepsUsed[1]);
    expect(res.trajectory.records[0]?.committedPositions[1]?.length).toBe(25); // the 25 even positions at once
    expect(res.trajectory.records[1]?.committedPositions[0]?.length).toBe(0); // finished samples commit nothing
  });

  it('accepts T > L since T is only a cap, and rejects a bad threshold', async () => {
    const confident = fixedDistributionLogitsFn([0.99, 0.01 / 7, 0.01 / 7, 0.01 / 7, 0.01 / 7, 0.01 / 7, 0.01 / 7, 0.01 / 7]);
    await expect(sample(confident, { ...base, steps: 100, rng: Rng.fromSeed(4), config: { method: 'adaptive' } })).resolves.toHaveProperty('nfe');
    await expect(sample(confident, { ...base, steps: 3, rng: Rng.fromSeed(4), config: { method: 'adaptive', adaptiveThreshold: 0 } })).rejects.toThrow(
      /field "adaptiveThreshold" must be in \(0, 1\], got 0/,
    );
  });

  describe('hybrid: a floor per step (adaptiveMinPerStep)', () => {
    const unsure = fixedDistributionLogitsFn([0.2, 0.2, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1]);

    it("'schedule' commits the confidence sampler's count when nothing passes the threshold, with exact log-probs", async () => {
      const res = await sample(unsure, { ...base, steps: 6, rng: Rng.fromSeed(5), config: { method: 'adaptive', adaptiveThreshold: 0.5, adaptiveMinPerStep: 'schedule' } });
      const left = maskedCountsForSteps('cosine', 6, 49);
      const scheduled = Array.from(left, (m, t) => (t === 0 ? 49 : (left[t - 1] as number)) - m);
      for (const counts of committedCountsPerStep(res.trajectory)) expect(counts.length).toBe(4);
      committedCountsPerStep(res.trajectory).forEach((counts, t) => expect(Array.from(counts)).toEqual([0, 1, 2, 3].map(() => scheduled[t])));
      expect(Array.from(res.trajectory.stepsUsed)).toEqual([6, 6, 6, 6]);
      for (const r of res.trajectory.records) {
        r.committedTokens.forEach((tokens, b) => tokens.forEach((x, i) => expect(r.committedLogProbs[b]?.[i]).toBeCloseTo(Math.log(x < 2 ? 0.2 : 0.1), 6)));
      }
    });

    it('tops up with the most probable draws, over those that pass the threshold', async () => {
      // greedy draws: token 0 everywhere, more probable at higher positions (p(0) from 1/8 up to ≈ 0.61 < 0.9)
      const rising = fakeLogitsFn(8, (_c, p, k) => (k === 0 ? p * 0.05 : 0));
      const res = await sample(rising, { ...base, classes: [0], steps: 8, rng: Rng.fromSeed(6), config: { method: 'adaptive', temperature: 0, adaptiveMinPerStep: 5 } });
      expect(Array.from(res.trajectory.records[0]?.committedPositions[0] ?? [])).toEqual([44, 45, 46, 47, 48]);
      expect(Array.from(res.trajectory.records[1]?.committedPositions[0] ?? [])).toEqual([39, 40, 41, 42, 43]);
      // a position over the threshold counts towards the floor
      const spike = fakeLogitsFn(8, (_c, p, k) => (k === 0 ? (p === 3 ? 10 : p * 0.05) : 0));
      const spiked = await sample(spike, { ...base, classes: [0], steps: 8, rng: Rng.fromSeed(6), config: { method: 'adaptive', temperature: 0, adaptiveMinPerStep: 5 } });
      expect(Array.from(spiked.trajectory.records[0]?.committedPositions[0] ?? [])).toEqual([3, 45, 46, 47, 48]);
    });

    it('a confident model still finishes at once; a floor of 0 or 1 is the plain sampler', async () => {
      const confident = fakeLogitsFn(8, (cls, p, k) => (k === (cls + p) % 8 ? 10 : 0));
      const fast = await sample(confident, { ...base, steps: 12, rng: Rng.fromSeed(1), config: { method: 'adaptive', adaptiveMinPerStep: 'schedule' } });
      expect(Array.from(fast.trajectory.stepsUsed)).toEqual([1, 1, 1, 1]);
      const plain = await sample(unsure, { ...base, steps: 5, rng: Rng.fromSeed(2), config: { method: 'adaptive', adaptiveThreshold: 0.15 } });
      for (const floor of [0, 1]) {
        const same = await sample(unsure, { ...base, steps: 5, rng: Rng.fromSeed(2), config: { method: 'adaptive', adaptiveThreshold: 0.15, adaptiveMinPerStep: floor } });
        expect(Array.from(same.tokens)).toEqual(Array.from(plain.tokens));
        expect(committedCountsPerStep(same.trajectory).map((c) => Array.from(c))).toEqual(committedCountsPerStep(plain.trajectory).map((c) => Array.from(c)));
      }
      await expect(sample(unsure, { ...base, steps: 3, rng: Rng.fromSeed(4), config: { method: 'adaptive', adaptiveMinPerStep: 1.5 } })).rejects.toThrow(
        /field "adaptiveMinPerStep \(an integer ≥ 0, "schedule" or "exit"\)" must be an integer ≥ 0, got 1.5/,
      );
    });

    it('adaptiveChoiceNoise ranks the top-up by noisy confidence: same counts, positions spread, seeded, τ recorded', async () => {
      // greedy draws on "rising": without noise the top-up always takes the highest positions (test above)
      const rising = fakeLogitsFn(8, (_c, p, k) => (k === 0 ? p * 0.05 : 0));
      const run = (noise: boolean, seed: number) => sample(rising, { ...base, classes: [0], steps: 8, rng: Rng.fromSeed(seed), config: { method: 'adaptive', temperature: 0, adaptiveMinPerStep: 'schedule', adaptiveChoiceNoise: noise } });
      const [plain, noisy, again, other] = await Promise.all([run(false, 6), run(true, 6), run(true, 6), run(true, 7)]);
      const counts = (r: typeof plain) => committedCountsPerStep(r.trajectory).map((c) => Array.from(c));
      expect(counts(noisy)).toEqual(counts(plain)); // the schedule's count each step
      const first = (r: typeof plain) => Array.from(r.trajectory.records[0]?.committedPositions[0] ?? []);
      expect(first(plain)).toEqual(first(plain).slice().sort((a, b) => a - b).filter((p) => p >= 49 - first(plain).length)); // the top positions
      expect(first(noisy)).not.toEqual(first(plain)); // τ_0 = 4.5·(1 − 1/8) swamps the 0.05-per-position differences
      expect(first(again)).toEqual(first(noisy)); // seeded
      expect(first(other)).not.toEqual(first(noisy));
      expect(noisy.trajectory.records[0]?.gumbelScale).toBeCloseTo(4.5 * (1 - 1 / 8), 10);
      expect(plain.trajectory.records[0]?.gumbelScale).toBe(0);
      // at least one commit a step without a floor, the most confident one; a non-boolean is refused
      const single = await sample(unsure, { ...base, steps: 4, rng: Rng.fromSeed(3), config: { method: 'adaptive', adaptiveThreshold: 1, adaptiveChoiceNoise: true } });
      expect(committedCountsPerStep(single.trajectory).slice(0, 3).map((c) => Array.from(c))).toEqual([[1, 1, 1, 1], [1, 1, 1, 1], [1, 1, 1, 1]]);
      // nothing passes p* = 1 on an unsure model: the noisy hybrid with the schedule floor is then the confidence sampler
      const varied = fakeLogitsFn(8, (c, p, k) => Math.sin(1 + c * 7 + p * 3 + k * 5));
      for (const steps of [2, 5]) {
        const confidence = await sample(varied, { ...base, steps, rng: Rng.fromSeed(9), config: { method: 'confidence' } });
        const hybrid = await sample(varied, { ...base, steps, rng: Rng.fromSeed(9), config: { method: 'adaptive', adaptiveThreshold: 1, adaptiveMinPerStep: 'schedule', adaptiveChoiceNoise: true } });
        expect(Array.from(hybrid.tokens)).toEqual(Array.from(confidence.tokens));
      }
      await expect(sample(unsure, { ...base, steps: 3, rng: Rng.fromSeed(4), config: { method: 'adaptive', adaptiveChoiceNoise: 'yes' as unknown as boolean } })).rejects.toThrow(
        /field "adaptiveChoiceNoise" must be a boolean/,
      );
    });
  });
  describe("'exit': the schedule's count a step, or the whole rest at once when every remaining draw passes (an early exit)", () => {
    const varied = fakeLogitsFn(8, (c, p, k) => Math.sin(1 + c * 7 + p * 3 + k * 5));

    it('at p* = 1 (nothing passes) it is the confidence sampler, with and without the choice noise', async () => {
      for (const steps of [2, 5, 12]) {
        const confidence = await sample(varied, { ...base, steps, rng: Rng.fromSeed(9), config: { method: 'confidence' } });
        const exit = await sample(varied, { ...base, steps, rng: Rng.fromSeed(9), config: { method: 'adaptive', adaptiveThreshold: 1, adaptiveMinPerStep: 'exit', adaptiveChoiceNoise: true } });
        expect(Array.from(exit.tokens)).toEqual(Array.from(confidence.tokens));
        expect(exit.nfe).toBe(confidence.nfe);
        const greedy = await sample(varied, { ...base, steps, rng: Rng.fromSeed(9), config: { method: 'confidence', gumbelScale: 0 } });
        const quiet = await sample(varied, { ...base, steps, rng: Rng.fromSeed(9), config: { method: 'adaptive', adaptiveThreshold: 1, adaptiveMinPerStep: 'exit' } });
        expect(Array.from(quiet.tokens)).toEqual(Array.from(greedy.tokens));
      }
    });

    it('commits exactly the schedule count until every remaining draw passes, then the rest at once: per-sample early exits', async () => {
      // class 0 is sure of every position from the start; class 1 only of even positions, so it runs the schedule to T
      const mixed = fakeLogitsFn(8, (cls, p, k) => (k === 3 && (cls === 0 || p % 2 === 0) ? 10 : 0));
      const steps = 6;
      const res = await sample(mixed, { ...base, classes: [0, 1], steps, rng: Rng.fromSeed(3), config: { method: 'adaptive', adaptiveThreshold: 0.95, adaptiveMinPerStep: 'exit', adaptiveChoiceNoise: true } });
      expect(Array.from(res.trajectory.stepsUsed)).toEqual([1, steps]);
      const masked = maskedCountsForSteps('cosine', steps, 49);
      const counts = committedCountsPerStep(res.trajectory).map((c) => c[1]);
      expect(counts).toEqual(Array.from(masked, (m, t) => (t === 0 ? 49 : (masked[t - 1] as number)) - m)); // the schedule's, step by step
      expect(committedCountsPerStep(res.trajectory)[0]?.[0]).toBe(49); // the sure sample: the whole image in its first step
      // the hybrid ('schedule') on the same model commits the sure even positions of class 1 at once instead
      const hybrid = await sample(mixed, { ...base, classes: [0, 1], steps, rng: Rng.fromSeed(3), config: { method: 'adaptive', adaptiveThreshold: 0.95, adaptiveMinPerStep: 'schedule', adaptiveChoiceNoise: true } });
      expect(committedCountsPerStep(hybrid.trajectory)[0]?.[1]).toBe(25);
    });

    it('records exact log-probs of the committed draws (as every step does)', async () => {
      const res = await sample(varied, { ...base, steps: 4, rng: Rng.fromSeed(11), config: { method: 'adaptive', adaptiveThreshold: 0.3, adaptiveMinPerStep: 'exit', adaptiveChoiceNoise: true } });
      expect(res.trajectory.records.every((r) => r.committedLogProbs.every((lp) => Array.from(lp).every((v) => Number.isFinite(v) && v <= 0)))).toBe(true);
    });
  });
});
