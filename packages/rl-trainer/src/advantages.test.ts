import { groupAdvantages } from './advantages';

describe('groupAdvantages', () => {
  it('normalises each group by its own mean and (population) std', () => {
    const { advantages, valid, droppedGroups } = groupAdvantages(new Float32Array([1, 3, 10, 10, 10, 20]), 3, { eps: 0 });
    // group 0: mean 14/3, std sqrt(((1-14/3)^2 + (3-14/3)^2 + (10-14/3)^2) / 3)
    const m = 14 / 3;
    const s = Math.sqrt(((1 - m) ** 2 + (3 - m) ** 2 + (10 - m) ** 2) / 3);
    expect(advantages[0]).toBeCloseTo((1 - m) / s, 5);
    expect(advantages[2]).toBeCloseTo((10 - m) / s, 5);
    expect(advantages[3]).toBeCloseTo(-Math.SQRT1_2, 5);
    expect(advantages[5]).toBeCloseTo(Math.SQRT2, 5);
    expect(Array.from(valid)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(droppedGroups).toBe(0);
    const sum0 = (advantages[0] as number) + (advantages[1] as number) + (advantages[2] as number);
    expect(sum0).toBeCloseTo(0, 5);
  });

  it('drops zero-std groups, counts them, and gives them no advantage', () => {
    const r = groupAdvantages(new Float32Array([2, 2, 2, 2, 0, 1, 0, 1]), 4);
    expect(r.droppedGroups).toBe(1);
    expect(r.numGroups).toBe(2);
    expect(Array.from(r.advantages.slice(0, 4))).toEqual([0, 0, 0, 0]);
    expect(Array.from(r.valid)).toEqual([0, 0, 0, 0, 1, 1, 1, 1]);
  });

  it('leaves NaN rewards out of the statistics, and clips large advantages', () => {
    const r = groupAdvantages(new Float32Array([0, NaN, 1, 0]), 4, { advClipMax: 0.5 });
    expect(r.valid[1]).toBe(0);
    expect(r.advantages[1]).toBe(0);
    expect(r.advantages[2]).toBe(0.5);
    expect(r.advantages[0]).toBeCloseTo(-0.5 / 1, 5);
    const lone = groupAdvantages(new Float32Array([NaN, NaN, 3, NaN]), 4);
    expect(lone.droppedGroups).toBe(1);
  });

  it('rejects infinite rewards and bad group sizes with the sample named', () => {
    expect(() => groupAdvantages(new Float32Array([0, Infinity]), 2)).toThrow(/reward 1 \(group 0\) is Infinity/);
    expect(() => groupAdvantages(new Float32Array(5), 2)).toThrow(/5 rewards do not split into groups of 2/);
    expect(() => groupAdvantages(new Float32Array(4), 1)).toThrow(/groupSize must be an integer ≥ 2/);
  });

  it('refuses a config that would silently corrupt the advantages, naming the field', () => {
    const r = new Float32Array([0, 1, 2, 3]);
    expect(() => groupAdvantages(r, 4, { eps: -1 })).toThrow(/eps must be a finite number ≥ 0, got -1/);
    expect(() => groupAdvantages(r, 4, { eps: NaN })).toThrow(/eps must be a finite number ≥ 0, got NaN/);
    expect(() => groupAdvantages(r, 4, { advClipMax: -1 })).toThrow(/advClipMax must be > 0/);
    expect(() => groupAdvantages(r, 4, { advClipMax: 0 })).toThrow(/advClipMax must be > 0/);
    expect(() => groupAdvantages(r, 4, { advClipMax: NaN })).toThrow(/advClipMax must be > 0/);
    expect(() => groupAdvantages(r, 4, { minGroupStd: -1 })).toThrow(/minGroupStd must be a finite number ≥ 0/);
    expect(() => groupAdvantages(r, 4, { epsilon: 0.1 } as never)).toThrow(/groupAdvantages: unknown field "epsilon"; expected only eps, advClipMax, minGroupStd/);
    // No clipping at all is a legitimate choice; a field given as undefined keeps its default.
    expect(groupAdvantages(r, 4, { advClipMax: Infinity }).advantages[3]).toBeCloseTo(1.5 / Math.sqrt(1.25), 3);
    expect(Array.from(groupAdvantages(r, 4, { eps: undefined }).advantages)).toEqual(Array.from(groupAdvantages(r, 4).advantages));
  });
});
