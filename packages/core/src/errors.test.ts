/** Errors name the --config file and key a value came from. */
import { withConfigOrigin } from './errors';

describe('withConfigOrigin', () => {
  const origin = { path: 'th0.yaml', values: { thresholds: [], adaptiveNoise: true, gumbel: 0 } };

  it('names the file and key of a leading flag, and of a mention with the file\'s value (was: the flags alone)', () => {
    expect(withConfigOrigin('--thresholds: must be a non-empty array', origin)).toBe('--thresholds (thresholds in th0.yaml): must be a non-empty array');
    expect(withConfigOrigin('--adaptive-noise: the choice noise has the scale of --gumbel, and --gumbel 0 gives none; give --gumbel > 0', origin))
      .toBe('--adaptive-noise (adaptiveNoise in th0.yaml): the choice noise has the scale of --gumbel, and --gumbel 0 (gumbel in th0.yaml) gives none; give --gumbel > 0');
    expect(withConfigOrigin('--seed, --gumbel: too large', origin)).toBe('--seed, --gumbel (gumbel in th0.yaml): too large');
  });

  it('leaves other values, longer flags, mentions marked (from --config) and messages without an origin alone', () => {
    expect(withConfigOrigin('--x: sampled with --gumbel 0.5, --gumbel-max 0', origin)).toBe('--x: sampled with --gumbel 0.5, --gumbel-max 0');
    const rollout = { path: 'a.yaml', values: { rollout: 'adaptive', stepChoices: '2,4' } };
    expect(withConfigOrigin('--step-choices (from --config): only --rollout fixed reads it', rollout)).toBe('--step-choices (from --config): only --rollout fixed reads it');
    expect(withConfigOrigin('--n: bad', undefined)).toBe('--n: bad');
    expect(withConfigOrigin('--n: bad', { path: '$&.yaml', values: { n: 3 } })).toBe('--n (n in $&.yaml): bad'); // no replacement pattern
  });
});
