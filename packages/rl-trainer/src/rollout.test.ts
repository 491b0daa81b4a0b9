import { sample } from '@speedrl/sampler';
import { Rng } from '@speedrl/core';
import { createFakePolicy } from './testing/fake-policy';
import { chooseClasses, collectRollouts, planRollouts } from './rollout';

const L = 4;
const K = 4;

describe('rollouts', () => {
  const policy = createFakePolicy({ seqLen: L, vocabSize: K, numClasses: 3, theta: Float32Array.from({ length: 12 }, (_, i) => Math.sin(i)) });
  const options = { seqLen: L, vocabSize: K, maskId: K, numClasses: 3, sampler: {}, rng: Rng.fromSeed(5) };

  it('groups are contiguous per class and budgets come from stepChoices', () => {
    const plan = planRollouts([0, 2], 4, [1, 2, 4], Rng.fromSeed(1));
    expect(Array.from(plan.classes)).toEqual([0, 0, 0, 0, 2, 2, 2, 2]);
    expect(Array.from(plan.budgets).every((t) => [1, 2, 4].includes(t))).toBe(true);
    expect(new Set(plan.budgets).size).toBeGreaterThan(1);
    expect(chooseClasses(3, 0, Rng.fromSeed(1))).toEqual([0, 1, 2]);
    const two = chooseClasses(10, 2, Rng.fromSeed(1));
    expect(two.length).toBe(2);
    expect(two[0]).toBeLessThan(two[1] as number);
  });

  it('one sample() call per T; each sample is what sampling it alone with its id gives; steps and NFE per sample', async () => {
    const plan = planRollouts([0, 1, 2], 3, [1, 2, 4], Rng.fromSeed(2));
    const calls: number[] = [];
    const counting = async (t: Int32Array, c: Int32Array) => { calls.push(c.length); return policy.logits(t, c); };
    const r = await collectRollouts(counting, plan, options);
    expect(r.buckets.map((b) => b.steps)).toEqual(Array.from(new Set(plan.budgets)).sort((a, b) => a - b));
    expect(calls.length).toBe(r.buckets.reduce((s, b) => s + b.steps, 0));
    expect(Array.from(r.stepsUsed)).toEqual(Array.from(plan.budgets));
    expect(Array.from(r.nfe)).toEqual(Array.from(plan.budgets));
    for (const j of [0, 4, 8]) {
      const alone = await sample(policy.logits, {
        classes: [plan.classes[j] as number], steps: plan.budgets[j] as number, rng: options.rng, maskId: K, seqLen: L, vocabSize: K, sampleIds: [j],
      });
      expect(Array.from(alone.tokens)).toEqual(Array.from(r.tokens.subarray(j * L, (j + 1) * L)));
    }
    // the recorded logits are the policy's at each step's input
    const bucket = r.buckets[0]!;
    const rec = bucket.trajectory.records[0]!;
    expect(Array.from(bucket.stepLogits[0]!)).toEqual(Array.from(await policy.logits(rec.tokensBefore, bucket.trajectory.classes)));
  });
});
