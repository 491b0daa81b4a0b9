import { UsageError } from '../errors';
import { DEFAULT_VARIANTS, knobsOf, overrideFlags, overridesOf, parseVariants } from './variants';

describe('ablation variants', () => {
  it('turns each variant into accelerate flags that change only its knob', () => {
    expect(DEFAULT_VARIANTS).toEqual(['full', 'no-speed', 'no-kl', 'no-filter', 'reinforce']);
    expect(DEFAULT_VARIANTS.map((v) => overrideFlags(overridesOf(v, 4)).join(' '))).toEqual([
      '', '--speed-weight 0 --step-choices 4', '--kl-beta 0', '--floor none', '--loss reinforce',
    ]);
  });

  it('parses --variants and names an unknown or repeated variant (UsageError → exit 2)', () => {
    expect(parseVariants(' no-kl , full ')).toEqual(['no-kl', 'full']);
    expect(() => parseVariants('full,nokl')).toThrow(new UsageError('--variants: unknown variant "nokl" (expected one of full, no-speed, no-kl, no-filter, reinforce)'));
    expect(() => parseVariants('toString')).toThrow(/unknown variant "toString"/);
    expect(() => parseVariants('no-kl,no-kl')).toThrow(/"no-kl" is listed twice/);
    expect(() => parseVariants(',')).toThrow(UsageError);
  });

  it('reports the ablated knobs of saved options, step choices as numbers', () => {
    expect(knobsOf({ speedWeight: 0, stepChoices: '2,8', klBeta: 0.04, floor: 'none', loss: 'grpo', lr: 1e-5 }))
      .toEqual({ speedWeight: 0, stepChoices: [2, 8], klBeta: 0.04, floor: 'none', loss: 'grpo' });
    expect(knobsOf({ stepChoices: [4] })).toEqual({ stepChoices: [4] });
  });
});
