import { combineRewards } from './combine';
import type { RewardFn, RewardInput } from './types';

/** A component that returns the next queued score array. */
function queued(...batches: number[][]): RewardFn {
  let i = 0;
  return async () => Float32Array.from(batches[i++] ?? []);
}

const input = (batch: number): RewardInput => ({ images: new Float32Array(batch), classes: new Int32Array(batch), batch, height: 1, width: 1 });
const near = (actual: Float32Array, expected: number[]): void => {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => (Number.isNaN(e) ? expect(actual[i]).toBeNaN() : expect(actual[i]).toBeCloseTo(e, 5)));
};

describe('combineRewards', () => {
  it('without z-scoring is the weighted sum of raw scores, and logs each component', async () => {
    const r = combineRewards([{ name: 'a', fn: queued([1, 2]), weight: 2 }, { name: 'b', fn: queued([10, -10]), weight: -0.5 }], { zscore: 'none' });
    near(await r(input(2)), [2 - 5, 4 + 5]);
    near(r.lastScores()!.raw.b!, [10, -10]);
    expect(r.componentNames).toEqual(['a', 'b']);
  });

  it('per-batch z-scoring uses the batch mean and population std', async () => {
    const r = combineRewards([{ name: 'a', fn: queued([1, 2, 3]), weight: 1 }, { name: 'b', fn: queued([5, 5, 5]), weight: 3 }], { zscore: 'batch' });
    const z = Math.sqrt(3 / 2); // (3 − 2) / sqrt(2/3)
    near(await r(input(3)), [-z, 0, z]); // constant component b → z = 0
    near(r.lastScores()!.normalised.b!, [0, 0, 0]);
  });

  it('running z-scoring normalises with all scores seen so far, and its state round-trips through JSON', async () => {
    const make = () => combineRewards([{ name: 'a', fn: queued([0, 2], [4], [2]), weight: 1 }]);
    const r = make();
    near(await r(input(2)), [-1, 1]); // count 2, mean 1, std 1
    const saved = JSON.parse(JSON.stringify(r.state()));
    expect(saved).toEqual({ version: 1, zscore: 'running', components: { a: { count: 2, mean: 1, m2: 2 } } });
    near(await r(input(1)), [2 / Math.sqrt(8 / 3)]); // {0, 2, 4}: mean 2, std sqrt(8/3)
    const resumed = make();
    await resumed(input(2)); // consumes its first queued batch; the state below replaces what it learned
    resumed.loadState(saved);
    near(await resumed(input(1)), [2 / Math.sqrt(8 / 3)]);
    near(await r(input(1)), [0]); // {0, 2, 4, 2}: mean 2
  });

  it('NaN rules: propagate by default, skip on request, weight 0 ignored, NaN kept out of the statistics', async () => {
    const comps = () => [
      { name: 'a', fn: queued([1, NaN, NaN, 3]), weight: 1 },
      { name: 'b', fn: queued([1, 2, NaN, 3]), weight: 2 },
      { name: 'log', fn: queued([NaN, NaN, NaN, NaN]), weight: 0 },
    ];
    const p = combineRewards(comps(), { zscore: 'none' });
    near(await p(input(4)), [3, NaN, NaN, 9]);
    const s = combineRewards(comps(), { zscore: 'none', nan: 'skip' });
    near(await s(input(4)), [3, 4, NaN, 9]);
    const z = combineRewards(comps(), { zscore: 'running', nan: 'skip' });
    near(await z(input(4)), [-1 + 2 * -1.224745, 0, NaN, 1 + 2 * 1.224745]); // a over {1, 3}; b over {1, 2, 3}
    expect(z.state().components.a).toEqual({ count: 2, mean: 2, m2: 2 });
    expect(z.state().components.log).toEqual({ count: 0, mean: 0, m2: 0 });
  });

  it('rejects infinities, wrong lengths, bad setups and mismatched states with clear errors', async () => {
    await expect(combineRewards([{ name: 'a', fn: queued([0, -Infinity]), weight: 1 }])(input(2))).rejects.toThrow(/component "a" scored row 1 as -Infinity; use NaN/);
    await expect(combineRewards([{ name: 'a', fn: queued([0]), weight: 1 }])(input(2))).rejects.toThrow(/returned 1 scores; expected a Float32Array of batch = 2/);
    expect(() => combineRewards([])).toThrow(/at least one component/);
    expect(() => combineRewards([{ name: 'a', fn: queued(), weight: 1 }, { name: 'a', fn: queued(), weight: 1 }])).toThrow(/"a" is used twice/);
    expect(() => combineRewards([{ name: 'a', fn: queued(), weight: NaN }])).toThrow(/weight must be finite, got NaN/);
    const r = combineRewards([{ name: 'a', fn: queued(), weight: 1 }]);
    expect(() => r.loadState({ version: 1, zscore: 'running', components: { b: { count: 1, mean: 0, m2: 0 } } })).toThrow(/state has components \[b\]; expected \[a\]/);
    expect(() => r.loadState({ version: 1, zscore: 'batch', components: {} })).toThrow(/written with zscore "batch"; this combiner uses "running"/);
    expect(() => r.loadState({ version: 1, zscore: 'running', components: { a: { count: 1.5, mean: 0, m2: 0 } } })).toThrow(/components.a must be/);
    expect(() => r.loadState(null)).toThrow(/expected \{ version: 1/);
  });
});
