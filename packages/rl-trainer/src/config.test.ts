import { DEFAULT_SPEED_RL_CONFIG, learningRateAt, resolveSpeedRlConfig } from './config';

describe('Speed-RL config', () => {
  it('defaults are frozen and valid; partial configs merge (advantage field by field)', () => {
    expect(Object.isFrozen(DEFAULT_SPEED_RL_CONFIG)).toBe(true);
    const c = resolveSpeedRlConfig({ groupSize: 4, advantage: { advClipMax: 2 } as never });
    expect(c.groupSize).toBe(4);
    expect(c.advantage).toEqual({ eps: 1e-4, advClipMax: 2, minGroupStd: 1e-6 });
    expect(c.stepChoices).toEqual([2, 3, 4, 6]);
  });

  it('rejects bad values naming the field', () => {
    expect(() => resolveSpeedRlConfig({ groupSize: 1 })).toThrow(/field "groupSize" must be an integer ≥ 2, got 1/);
    expect(() => resolveSpeedRlConfig({ stepChoices: [] })).toThrow(/field "stepChoices" must be a non-empty array/);
    expect(() => resolveSpeedRlConfig({ stepChoices: [2, 0] })).toThrow(/field "stepChoices\[1\]" must be an integer ≥ 1/);
    expect(() => resolveSpeedRlConfig({ sampler: { topK: 5 } })).toThrow(/field "sampler" must sample from the policy itself/);
    expect(() => resolveSpeedRlConfig({ sampler: { guidance: { weight: 2, nullClassId: 10, warmup: 'none' } } })).toThrow(/guidance null/);
    expect(() => resolveSpeedRlConfig({ loss: 'dpo' as never })).toThrow(/field "loss" must be "grpo", "ppo" or "reinforce", got "dpo"/);
    expect(() => resolveSpeedRlConfig({ stepFraction: 0 })).toThrow(/field "stepFraction" must be in \(0, 1\]/);
    expect(() => resolveSpeedRlConfig({ clipLow: 1 })).toThrow(/field "clipLow"/);
    expect(() => resolveSpeedRlConfig({ innerEpochs: 0 })).toThrow(/field "innerEpochs" must be an integer ≥ 1/);
    expect(() => resolveSpeedRlConfig({ qualityFloor: { kind: 'absolute', value: NaN } })).toThrow(/field "qualityFloor.value" must be finite/);
    expect(() => resolveSpeedRlConfig({ qualityFloor: { kind: 'p90' } as never })).toThrow(/field "qualityFloor.kind"/);
  });

  it('learning rate warms up linearly, then stays at the peak', () => {
    const c = { learningRate: 1e-3, warmupIterations: 4 };
    expect([0, 1, 3, 10].map((it) => learningRateAt(c, it))).toEqual([2.5e-4, 5e-4, 1e-3, 1e-3]);
    expect(learningRateAt({ learningRate: 1e-3, warmupIterations: 0 }, 0)).toBe(1e-3);
  });
});
