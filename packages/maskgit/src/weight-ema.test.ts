import type { MaskGitParams } from './params';
import { createWeightEma, effectiveEmaDecay } from './weight-ema';

const params = (...values: number[]): MaskGitParams => new Map([['w', { shape: [values.length], data: Float32Array.from(values) }]]);
const valuesOf = (p: MaskGitParams): number[] => [...(p.get('w')?.data ?? [])];

describe('weight EMA', () => {
  test('the effective decay warms up as (1 + t) / (10 + t) and is capped by the decay', () => {
    expect(effectiveEmaDecay(0.999, 0)).toBeCloseTo(0.1, 12);
    expect(effectiveEmaDecay(0.999, 90)).toBeCloseTo(0.91, 12);
    expect(effectiveEmaDecay(0.9, 1000)).toBe(0.9);
  });

  test('each decay follows θ̄ ← d_t·θ̄ + (1 − d_t)·θ, computed by hand', () => {
    const ema = createWeightEma(params(0, 10), [0.5, 0.99]);
    ema.update(params(1, 20)); // t = 0: d = 0.1 for both
    ema.update(params(3, 30)); // t = 1: d = min(d, 2/11)
    const d1 = 2 / 11;
    const after1 = [0.1 * 0 + 0.9 * 1, 0.1 * 10 + 0.9 * 20];
    const expected = after1.map((v, i) => d1 * v + (1 - d1) * [3, 30][i]!);
    valuesOf(ema.average(0.99)).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5));
    valuesOf(ema.average(0.5)).forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 5)); // 2/11 < 0.5 still
    ema.update(params(3, 30)); // t = 2: d = min(0.5, 3/12 = 0.25) for one, 0.25 for the other
    for (let t = 3; t < 200; t++) ema.update(params(3, 30));
    for (let t = 200; t < 220; t++) ema.update(params(100, 30)); // a jump: d_t is 0.5 and ≈ 0.96 here
    expect(valuesOf(ema.average(0.5))[0]).toBeCloseTo(100, 3); // a short memory has followed it
    const long = valuesOf(ema.average(0.99))[0]!;
    let expectedLong = 3;
    for (let t = 200; t < 220; t++) expectedLong = (201 + t - 200) / (210 + t - 200) * expectedLong + (1 - (201 + t - 200) / (210 + t - 200)) * 100;
    expect(long).toBeCloseTo(expectedLong, 3); // a long one lags behind
    expect(long).toBeLessThan(70);
    expect(ema.updates).toBe(220);
  });

  test('a state saved and restored continues exactly like an uninterrupted EMA', () => {
    const a = createWeightEma(params(0, 0), [0.9, 0.999]);
    for (let t = 0; t < 7; t++) a.update(params(t, -t));
    const b = createWeightEma(params(5, 5), [0.9, 0.999], a.state());
    for (let t = 7; t < 12; t++) {
      a.update(params(t, -t));
      b.update(params(t, -t));
    }
    expect(valuesOf(b.average(0.9))).toEqual(valuesOf(a.average(0.9)));
    expect(valuesOf(b.average(0.999))).toEqual(valuesOf(a.average(0.999)));
    expect(b.updates).toBe(12);
  });

  test('an update every k steps applies the decay k times: a constant stream gives the same average', () => {
    const each = createWeightEma(params(0), [0.5]);
    const everyTwo = createWeightEma(params(0), [0.5]);
    for (let t = 0; t < 40; t++) each.update(params(8));
    for (let t = 0; t < 20; t++) everyTwo.update(params(8), 2);
    expect(valuesOf(everyTwo.average(0.5))[0]).toBeCloseTo(8, 6);
    expect(valuesOf(each.average(0.5))[0]).toBeCloseTo(8, 6);
    const one = createWeightEma(params(0), [0.5], { updates: 100, averages: new Map([[0.5, params(0)]]) });
    one.update(params(8), 3);
    expect(valuesOf(one.average(0.5))[0]).toBeCloseTo(8 * (1 - 0.5 ** 3), 6);
    expect(() => one.update(params(8), 0)).toThrow('every must be a positive integer, got 0');
  });

  test('averages are copies: changing one does not change the EMA', () => {
    const ema = createWeightEma(params(1), [0.9]);
    ema.average(0.9).get('w')!.data[0] = 42;
    ema.state().averages.get(0.9)!.get('w')!.data[0] = 43;
    expect(valuesOf(ema.average(0.9))).toEqual([1]);
  });

  test('bad decays, a state without a decay, and a mismatched parameter are refused', () => {
    expect(() => createWeightEma(params(1), [])).toThrow('give at least one EMA decay');
    expect(() => createWeightEma(params(1), [1])).toThrow('every EMA decay must be in (0, 1), got 1');
    expect(() => createWeightEma(params(1), [0.9, 0.9])).toThrow('EMA decays repeat');
    const saved = createWeightEma(params(1), [0.9]).state();
    expect(() => createWeightEma(params(1), [0.99], saved)).toThrow('the saved state has no average for decay 0.99');
    expect(() => createWeightEma(params(1, 2), [0.9], saved)).toThrow('lacks tensor "w" of 2 elements');
    const ema = createWeightEma(params(1), [0.9]);
    expect(() => ema.update(params(1, 2))).toThrow('parameter "w" is missing or has another size');
    expect(() => ema.average(0.5)).toThrow('no EMA with decay 0.5; have 0.9');
  });
});
