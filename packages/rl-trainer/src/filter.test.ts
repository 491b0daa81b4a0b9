import { filteredReward, quantile } from './filter';

describe('low-quality filter', () => {
  it('gives speed credit only at or above the floor and counts the filtered samples', () => {
    const q = Float32Array.from([1, -1, 0.5, NaN]);
    const s = Float32Array.from([0.5, 0.9, 0.2, 0.1]);
    const { reward, filtered } = filteredReward(q, s, 2, { kind: 'absolute', value: 0.5 });
    expect(Array.from(reward)).toEqual([2, -1, 0.8999999761581421, NaN]);
    expect(filtered).toBe(1);
    expect(filteredReward(q, s, 2, { kind: 'none' }).filtered).toBe(0);
  });

  it('computes quantiles by linear interpolation, ignoring NaN', () => {
    expect(quantile([3, 1, 2, NaN, 4], 0.5)).toBe(2.5);
    expect(quantile([5], 0.9)).toBe(5);
    expect(() => quantile([NaN], 0.5)).toThrow(/no values/);
    expect(() => filteredReward(Float32Array.from([1]), Float32Array.from([NaN]), 1, { kind: 'none' })).toThrow(/speed reward 0 is NaN/);
  });

  it('refuses a malformed floor instead of filtering every sample (or none)', () => {
    const q = Float32Array.from([0, 1]);
    const s = Float32Array.from([1, 1]);
    expect(() => filteredReward(q, s, 1, { kind: 'quantile', q: 0.2 } as never)).toThrow(/floor.kind must be "none" or "absolute", got "quantile"/);
    expect(() => filteredReward(q, s, 1, { kind: 'absolute' } as never)).toThrow(/floor.value must be a finite number, got undefined/);
    expect(() => filteredReward(q, s, 1, { kind: 'absolute', value: NaN })).toThrow(/floor.value must be a finite number/);
    expect(() => filteredReward(q, s, 1, { kind: 'absolute', value: '0.5' } as never)).toThrow(/got "0.5"/);
    expect(filteredReward(q, s, 1, { kind: 'none' }).filtered).toBe(0);
    expect(() => filteredReward(q, s, 1, { kind: 'none', value: 5 } as never)).toThrow(/floor \(kind "none"\): unknown field "value"/);
  });
});
