import { grpoLoss, ppoLoss } from './grpo';
import { reinforceLoss } from './reinforce';
import type { PolicyLossInput, PolicyLossOutput } from './types';

const f32 = (xs: number[]): Float32Array => Float32Array.from(xs);

/** Central finite difference of the loss with respect to logProbs[i]. */
function numericCoef(fn: (x: PolicyLossInput) => PolicyLossOutput, input: PolicyLossInput, i: number): number {
  const h = 1e-3;
  const plus = f32(Array.from(input.logProbs));
  const minus = f32(Array.from(input.logProbs));
  plus[i] = (plus[i] as number) + h;
  minus[i] = (minus[i] as number) - h;
  return (fn({ ...input, logProbs: plus }).loss - fn({ ...input, logProbs: minus }).loss) / (2 * h);
}

describe('policy losses', () => {
  const input: PolicyLossInput = {
    logProbs: f32([-1.0, -2.0, -0.5, -3.0]),
    oldLogProbs: f32([-1.0, -1.5, -0.9, -3.0]),
    advantages: f32([1.0, 1.0, -1.0, -2.0]),
  };

  it('GRPO on the first inner epoch (ratio 1) is −mean(A·logπ) in value of the gradient', () => {
    const same = { ...input, oldLogProbs: input.logProbs };
    const out = grpoLoss(same);
    expect(out.clipFraction).toBe(0);
    expect(out.meanRatio).toBe(1);
    expect(Array.from(out.coef)).toEqual(Array.from(same.advantages).map((a) => Math.fround(-a / 4)));
    expect(out.loss).toBeCloseTo(-(1 + 1 - 1 - 2) / 4, 6);
  });

  it('GRPO clips asymmetrically (1 − 0.2, 1 + 0.28) and zeroes the gradient of clipped tokens', () => {
    // token 1: r = e^-0.5 = 0.61 < 0.8 with A > 0 → unclipped term is smaller → gradient flows
    // token 2: r = e^0.4 = 1.49 > 1.28 with A < 0 → unclipped term r·A = −1.49 < clipped −1.28 → gradient flows
    const up = { logProbs: f32([0.3, -0.3]), oldLogProbs: f32([0, 0]), advantages: f32([1, -1]) };
    // token 0: r = 1.35 > 1.28, A > 0 → clipped (no gradient); token 1: r = 0.74 < 0.8, A < 0 → clipped
    const out = grpoLoss(up);
    expect(out.clipFraction).toBe(1);
    expect(Array.from(out.coef)).toEqual([0, 0]);
    expect(out.loss).toBeCloseTo(-(1.28 * 1 + 0.8 * -1) / 2, 6);
    // with the symmetric PPO range 0.4 neither is clipped
    expect(ppoLoss(up, 0.4).clipFraction).toBe(0);
    const mixed = grpoLoss(input);
    expect(mixed.clipFraction).toBe(0);
  });

  it.each([
    ['grpo', (x: PolicyLossInput) => grpoLoss(x)],
    ['ppo', (x: PolicyLossInput) => ppoLoss(x, 0.1)],
    ['reinforce', reinforceLoss],
  ] as const)('%s: coef equals the numerical derivative of the loss', (_name, fn) => {
    const out = fn(input);
    for (let i = 0; i < 4; i++) expect(out.coef[i]).toBeCloseTo(numericCoef(fn, input, i), 3);
  });

  it('honours per-token weights and rejects bad inputs naming the field', () => {
    const w = f32([0.5, 0.5, 0, 0]);
    const out = reinforceLoss({ ...input, weights: w });
    expect(out.loss).toBeCloseTo(-(1 * -1 * 0.5 + 1 * -2 * 0.5), 6);
    expect(() => grpoLoss({ ...input, advantages: f32([1]) })).toThrow(/field "advantages" has length 1, expected 4/);
    expect(() => grpoLoss({ ...input, logProbs: f32([0, NaN, 0, 0]) })).toThrow(/field "logProbs"\[1\] is NaN/);
    expect(() => grpoLoss(input, { clipLow: 1 })).toThrow(/clipLow/);
    expect(() => grpoLoss(input, { clipHigh: Infinity })).toThrow(/clipHigh/);
    expect(() => grpoLoss(input, { clipHi: 0.3 } as never)).toThrow(/grpoLoss: unknown field "clipHi"/);
    expect(() => reinforceLoss({ ...input, weight: f32([1, 0, 0, 0]) } as never)).toThrow(/reinforceLoss: input: unknown field "weight"; expected only logProbs, oldLogProbs, advantages, weights/);
  });

  it.each([
    ['grpo', (x: PolicyLossInput) => grpoLoss(x)],
    ['ppo', (x: PolicyLossInput) => ppoLoss(x)],
    ['reinforce', reinforceLoss],
  ] as const)('%s refuses a negative token weight (it would reverse that token\'s update)', (_name, fn) => {
    expect(() => fn({ ...input, weights: f32([0.5, -0.5, 0.5, 0.5]) })).toThrow(/field "weights"\[1\] is -0.5; token weights must be ≥ 0/);
  });
});
