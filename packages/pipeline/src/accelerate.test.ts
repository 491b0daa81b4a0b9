/** The accelerate progress line. */
import { progressDetails } from './accelerate';

describe('progressDetails', () => {
  it('says kl=off with --kl-beta 0, whose metrics carry no KL (was: kl=NaN), and the KL otherwise', () => {
    const m = { rewardMean: 0.5, stepsMean: 3, klMean: NaN };
    expect(progressDetails(m, 0)).toEqual({ reward: 0.5, steps: 3, kl: 'off' });
    expect(progressDetails({ ...m, klMean: 0.01 }, 0.04)).toEqual({ reward: 0.5, steps: 3, kl: 0.01 });
  });
});
