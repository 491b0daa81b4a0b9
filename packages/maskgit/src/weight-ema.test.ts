import type { MaskGitParams } from './params';
import { createWeightEma } from './weight-ema';

const params = (...values: number[]): MaskGitParams => new Map([['w', { shape: [values.length], data: Float32Array.from(values) }]]);
const valuesOf = (p: MaskGitParams): number[] => [...(p.get('w')?.data ?? [])];

/** The bias-corrected EMA by its definition: Σ_i (1 − d) d^(s−1−i) θ_i / (1 − d^s), one θ per step (float64). */
function byDefinition(stream: readonly number[], d: number): number {
  let num = 0;
  stream.forEach((x, i) => {
    num += (1 - d) * d ** (stream.length - 1 - i) * x;
  });
  return num / (1 - d ** stream.length);
}

describe('weight EMA (bias-corrected)', () => {
  test('before any update the average is the initial parameters; after one, exactly the weights seen', () => {
    const ema = createWeightEma(params(7, -7), [0.9, 0.9999]);
    expect(valuesOf(ema.average(0.9999))).toEqual([7, -7]);
    ema.update(params(1, 2));
    valuesOf(ema.average(0.9999)).forEach((v, i) => expect(v).toBeCloseTo([1, 2][i] as number, 4)); // nothing of the initial weights
    valuesOf(ema.average(0.9)).forEach((v, i) => expect(v).toBeCloseTo([1, 2][i] as number, 5));
  });

  test('each decay is the weighted mean of the weights seen, by its definition, with its own memory from the start', () => {
    const stream = Array.from({ length: 300 }, (_, t) => (t < 200 ? 3 : 100)); // a jump at step 200
    const ema = createWeightEma(params(0), [0.5, 0.99, 0.999]);
    for (const x of stream) ema.update(params(x));
    for (const d of [0.5, 0.99, 0.999]) expect(valuesOf(ema.average(d))[0]).toBeCloseTo(byDefinition(stream, d), 2);
    const at = (d: number): number => valuesOf(ema.average(d))[0] as number;
    expect(at(0.5)).toBeCloseTo(100, 3); // a short memory has followed the jump
    expect(at(0.99)).toBeGreaterThan(at(0.999)); // distinct decays give distinct averages at once (no shared warm-up)
    expect(at(0.999)).toBeLessThan(60);
    expect(ema.steps).toBe(300);
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
    expect(b.steps).toBe(12);
  });

  test('an update every k steps applies the decay k times and counts k steps', () => {
    const everyTwo = createWeightEma(params(0), [0.5]);
    for (let t = 0; t < 20; t++) everyTwo.update(params(8), 2);
    expect(valuesOf(everyTwo.average(0.5))[0]).toBeCloseTo(8, 6); // a constant stream averages to itself
    expect(everyTwo.steps).toBe(40);
    const one = createWeightEma(params(0), [0.5]);
    one.update(params(8), 3);
    expect(one.state().sums.get(0.5)?.get('w')?.data[0]).toBeCloseTo(8 * (1 - 0.5 ** 3), 6); // m = (1 − d³)·θ
    expect(valuesOf(one.average(0.5))[0]).toBeCloseTo(8, 6);
    expect(() => one.update(params(8), 0)).toThrow('every must be a positive integer, got 0');
  });

  test('averages are copies: changing one does not change the EMA', () => {
    const ema = createWeightEma(params(1), [0.9]);
    ema.update(params(1));
    ema.average(0.9).get('w')!.data[0] = 42;
    ema.state().sums.get(0.9)!.get('w')!.data[0] = 43;
    expect(valuesOf(ema.average(0.9))[0]).toBeCloseTo(1, 6);
  });

  test('bad decays, a state without a decay, and a mismatched parameter are refused', () => {
    expect(() => createWeightEma(params(1), [])).toThrow('give at least one EMA decay');
    expect(() => createWeightEma(params(1), [1])).toThrow('every EMA decay must be in (0, 1), got 1');
    expect(() => createWeightEma(params(1), [0.9, 0.9])).toThrow('EMA decays repeat');
    const saved = createWeightEma(params(1), [0.9]).state();
    expect(() => createWeightEma(params(1), [0.99], saved)).toThrow('the saved state has no average for decay 0.99');
    expect(() => createWeightEma(params(1, 2), [0.9], saved)).toThrow('lacks tensor "w" of 2 elements');
    expect(() => createWeightEma(params(1), [0.9], { steps: -1, sums: saved.sums })).toThrow('state.steps must be an integer ≥ 0, got -1');
    const ema = createWeightEma(params(1), [0.9]);
    expect(() => ema.update(params(1, 2))).toThrow('parameter "w" is missing or has another size');
    expect(() => ema.average(0.5)).toThrow('no EMA with decay 0.5; have 0.9');
  });
});
