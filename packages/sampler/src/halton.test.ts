import { Rng } from '@speedrl/core';
import { fixedDistributionLogitsFn } from './testing/fake-logits';
import { haltonOrder, radicalInverse } from './halton';
import { sample } from './sample';
import { maskedCountsForSteps } from './schedules';
import { commitSteps } from './trajectory';

const PROBS = [0.1, 0.2, 0.3, 0.25, 0.15];

describe('Halton sampler (Besnier et al. 2025)', () => {
  it('computes the van der Corput radical inverse in bases 2 and 3', () => {
    expect([1, 2, 3, 4, 5, 6].map((i) => radicalInverse(i, 2))).toEqual([0.5, 0.25, 0.75, 0.125, 0.625, 0.375]);
    expect([1, 2, 3, 4, 5].map((i) => radicalInverse(i, 3))).toEqual([1 / 3, 2 / 3, 1 / 9, 1 / 3 + 1 / 9, 2 / 3 + 1 / 9]);
  });

  it('orders every cell of the grid exactly once, starting with the first Halton points', () => {
    const order = haltonOrder(7, 7);
    expect(new Set(order).size).toBe(49);
    expect(Math.min(...order)).toBe(0);
    expect(Math.max(...order)).toBe(48);
    // (0.5, 1/3) → (3, 2); (0.25, 2/3) → (1, 4); (0.75, 1/9) → (5, 0), as row·7 + col.
    expect(Array.from(order.subarray(0, 3))).toEqual([23, 11, 35]);
    const wide = haltonOrder(3, 4);
    expect(Array.from(wide).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it('reveals positions in Halton order, the schedule deciding how many per step', async () => {
    const T = 6;
    const { tokens, trajectory } = await sample(fixedDistributionLogitsFn(PROBS), {
      classes: [0, 1], seqLen: 49, vocabSize: 5, maskId: 5, steps: T, rng: Rng.fromSeed(3), config: { method: 'halton', schedule: 'arccos' },
    });
    const order = haltonOrder(7, 7);
    const counts = maskedCountsForSteps('arccos', T, 49);
    for (let b = 0; b < 2; b++) {
      const steps = commitSteps(trajectory, b, 49);
      const alongOrder = Array.from(order, (p) => steps[p] as number);
      expect(alongOrder).toEqual([...alongOrder].sort((x, y) => x - y));
      trajectory.records.forEach((r, t) => expect(r.committedPositions[b]?.length).toBe((t === 0 ? 49 : (counts[t - 1] as number)) - (counts[t] as number)));
    }
    expect(trajectory.records.every((r) => r.gumbelScale === 0)).toBe(true);
    expect(tokens.every((id) => id < 5)).toBe(true);
  });

  it('rolls the order by a per-sample offset when asked', async () => {
    const run = (haltonRandomOffset: boolean) =>
      sample(fixedDistributionLogitsFn(PROBS), {
        classes: [0, 0, 0], seqLen: 49, vocabSize: 5, maskId: 5, steps: 4, rng: Rng.fromSeed(8), config: { method: 'halton', haltonRandomOffset },
      });
    const fixed = await run(false);
    const rolled = await run(true);
    const first = (r: typeof fixed, b: number) => Array.from(r.trajectory.records[0]?.committedPositions[b] ?? []);
    expect(first(fixed, 0)).toEqual(first(fixed, 1));
    const sets = [0, 1, 2].map((b) => JSON.stringify(first(rolled, b)));
    expect(new Set(sets).size).toBeGreaterThan(1);
    const order = haltonOrder(7, 7);
    // A rolled order is a cyclic shift: the first committed set is a contiguous window of the cyclic order.
    const n = first(rolled, 0).length;
    const windows = Array.from({ length: 49 }, (_, s) => JSON.stringify(Array.from({ length: n }, (_, i) => order[(i + s) % 49]).sort((a, b) => (a as number) - (b as number))));
    expect(windows).toContain(sets[0]);
  });

  it('draws tokens that follow softmax(logits) over several steps (position choice ignores the tokens)', async () => {
    const { tokens } = await sample(fixedDistributionLogitsFn(PROBS), {
      classes: new Array(20).fill(0), seqLen: 49, vocabSize: 5, maskId: 5, steps: 4, rng: Rng.fromSeed(21), config: { method: 'halton' },
    });
    const counts = [0, 0, 0, 0, 0];
    tokens.forEach((t) => (counts[t] = (counts[t] as number) + 1));
    const chi2 = PROBS.reduce((s, p, k) => s + ((counts[k] as number) - p * tokens.length) ** 2 / (p * tokens.length), 0);
    expect(chi2).toBeLessThan(18.47);
  });

  it('needs a grid that tiles L', async () => {
    const run = (config: object) =>
      sample(fixedDistributionLogitsFn(PROBS), { classes: [0], seqLen: 12, vocabSize: 5, maskId: 5, steps: 3, rng: Rng.fromSeed(1), config: { method: 'halton', ...config } });
    await expect(run({})).rejects.toThrow(/"gridHeight"×"gridWidth" must tile L=12 positions, got 0×0/);
    await expect(run({ gridHeight: 5 })).rejects.toThrow(/got 5×0/);
    await expect(run({ gridHeight: 3 })).resolves.toHaveProperty('nfe', 3);
    expect(() => haltonOrder(0, 3)).toThrow(/integers ≥ 1, got 0×3/);
  });
});
