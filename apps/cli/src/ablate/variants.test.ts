import { UsageError } from '../errors';
import { DEFAULT_VARIANTS, knobsOf, overrideFlags, overridesOf, parseVariants } from './variants';

describe('ablation variants', () => {
  it('turns each variant into accelerate flags that change only its knob', () => {
    expect(DEFAULT_VARIANTS).toEqual(['full', 'no-speed', 'no-kl', 'no-filter', 'reinforce']);
    expect(DEFAULT_VARIANTS.map((v) => overrideFlags(overridesOf(v, 4)).join(' '))).toEqual([
      '', '--speed-weight 0 --rollout fixed --step-choices 4', '--kl-beta 0', '--floor none', '--loss reinforce',
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

  it('reports the knobs the run\'s rollout reads: fixed T its step choices, adaptive its thresholds, cap and minimum per step (was: an adaptive run labelled with step choices it never read)', () => {
    const saved = { rollout: 'adaptive', stepChoices: '4,8,12', thresholds: '0.5,0.7', maxSteps: 12, minPerStep: 'schedule', speedWeight: 0.5 };
    expect(knobsOf(saved)).toEqual({ speedWeight: 0.5, rollout: 'adaptive', thresholds: [0.5, 0.7], maxSteps: 12, minPerStep: 'schedule' });
    expect(knobsOf({ ...saved, rollout: 'fixed' })).toEqual({ speedWeight: 0.5, rollout: 'fixed', stepChoices: [4, 8, 12] });
  });
});
