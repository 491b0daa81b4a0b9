import { minimise, pointKey } from './search';

const bowl = (target: readonly number[]) => async (u: readonly number[]) => u.reduce((a, v, i) => a + (v - (target[i] as number)) ** 2, 0);

describe('minimise (random search + coordinate descent)', () => {
  const options = { budget: 40, seed: 7, start: [0.5, 0.5, 0.5] };

  it('spends exactly the budget, starts at the default point and gets close to the minimum', async () => {
    const { trials, best } = await minimise(bowl([0.8, 0.1, 0.65]), options);
    expect(trials).toHaveLength(40);
    expect(trials[0]?.u).toEqual([0.5, 0.5, 0.5]);
    expect(best.score).toBe(Math.min(...trials.map((t) => t.score)));
    expect(best.score).toBeLessThan(0.01);
    expect(best.score).toBeLessThan((trials[0]?.score ?? 0) / 10);
    expect(trials.every((t) => t.u.every((v) => v >= 0 && v <= 1))).toBe(true);
    expect(new Set(trials.map((t) => pointKey(t.u))).size).toBe(40); // no point scored twice
  });

  it('is deterministic for a seed and differs across seeds', async () => {
    const a = await minimise(bowl([0.2, 0.3, 0.9]), options);
    const b = await minimise(bowl([0.2, 0.3, 0.9]), options);
    const c = await minimise(bowl([0.2, 0.3, 0.9]), { ...options, seed: 8 });
    expect(b.trials).toEqual(a.trials);
    expect(c.trials.map((t) => t.u)).not.toEqual(a.trials.map((t) => t.u));
  });

  it('replays from stored scores without calling the expensive scorer (what --resume does)', async () => {
    const first = await minimise(bowl([0.3, 0.3, 0.3]), { ...options, budget: 12 });
    const stored = new Map(first.trials.map((t) => [pointKey(t.u), t.score]));
    let calls = 0;
    const replay = await minimise(async (u) => stored.get(pointKey(u)) ?? (calls++, 99), { ...options, budget: 12 });
    expect(calls).toBe(0);
    expect(replay.trials).toEqual(first.trials);
  });

  it('treats a non-finite score as the worst', async () => {
    const { best } = await minimise(async (u) => ((u[0] as number) > 0.5 ? NaN : (u[0] as number)), { budget: 10, seed: 1, start: [0.9] });
    expect(best.score).toBeLessThan(0.5);
  });
});
