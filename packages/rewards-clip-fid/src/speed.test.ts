import { speedReward } from './speed';

describe('speedReward', () => {
  it('linear: 1 − T/Tmax', () => {
    expect(speedReward(12)).toBe(0);
    expect(speedReward(3)).toBe(0.75);
    expect(speedReward(4, { maxSteps: 16 })).toBe(0.75);
  });

  it('neg-log: −log T, larger for fewer steps', () => {
    expect(speedReward(1, { kind: 'neg-log' })).toBeCloseTo(0, 12);
    expect(speedReward(8, { kind: 'neg-log' })).toBeCloseTo(-Math.log(8), 12);
    expect(speedReward(2, { kind: 'neg-log' })).toBeGreaterThan(speedReward(4, { kind: 'neg-log' }));
  });

  it('nfe: counts CFG passes double, and uses a measured NFE when given', () => {
    expect(speedReward(6, { kind: 'nfe', maxSteps: 12, passesPerStep: 2 })).toBe(0.5);
    expect(speedReward(6, { kind: 'nfe', maxSteps: 12, passesPerStep: 2 }, 6)).toBe(0.75);
  });

  it('rejects bad step counts and kinds with the field named', () => {
    expect(() => speedReward(0)).toThrow(/steps must be an integer ≥ 1, got 0/);
    expect(() => speedReward(2, { maxSteps: 0 })).toThrow(/maxSteps/);
    expect(() => speedReward(2, { kind: 'cubic' as never })).toThrow(/kind must be one of linear, neg-log, nfe; got "cubic"/);
  });
});
