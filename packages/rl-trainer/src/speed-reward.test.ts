import { createSpeedReward } from './speed-reward';

describe('createSpeedReward', () => {
  it('linear: 1 − T/Tmax, 0 at the largest budget', () => {
    const r = createSpeedReward('linear', 12);
    expect([12, 3, 1].map((t) => r(t, t))).toEqual([0, 0.75, 1 - 1 / 12]);
    expect(createSpeedReward('linear', 16)(4, 4)).toBe(0.75);
  });

  it('neg-log: −log T, higher for fewer steps', () => {
    const r = createSpeedReward('neg-log', 12);
    expect(r(1, 1)).toBe(-0);
    expect(r(8, 8)).toBeCloseTo(-Math.log(8), 12);
    expect(r(2, 2)).toBeGreaterThan(r(4, 4));
  });

  it('nfe: 1 − NFE/NFEmax from the passes used (CFG counts double)', () => {
    const r = createSpeedReward('nfe', 12, 2);
    expect(r(6, 12)).toBe(0.5);
    expect(r(6, 6)).toBe(0.75);
    expect(r(12, 24)).toBe(0);
  });

  it('refuses bad settings, naming them', () => {
    expect(() => createSpeedReward('linear', 0)).toThrow(/maxSteps must be an integer ≥ 1, got 0/);
    expect(() => createSpeedReward('nfe', 4, 0)).toThrow(/passesPerStep must be finite and > 0, got 0/);
    expect(() => createSpeedReward('cubic' as never, 4)).toThrow(/kind must be one of linear, neg-log, nfe; got "cubic"/);
  });

  it('refuses a step count outside 1…maxSteps (it scored on another scale, or as Infinity/NaN)', () => {
    expect(() => createSpeedReward('linear', 4)(8, 8)).toThrow(/speed reward \(linear\): steps must be an integer in \[1, 4\], got 8/);
    expect(() => createSpeedReward('neg-log', 4)(0, 0)).toThrow(/got 0/);
    expect(() => createSpeedReward('linear', 4)(NaN, 1)).toThrow(/got NaN/);
    expect(() => createSpeedReward('linear', 4)('2' as never, 1)).toThrow(/got "2"/);
    expect(() => createSpeedReward('nfe', 4, 2)(2, NaN)).toThrow(/speed reward \(nfe\): nfe must be a finite number ≥ 1/);
    expect(createSpeedReward('linear', 4)(4, 4)).toBe(0);
  });
});
