/**
 * The speed reward of Speed-RL (arXiv 2512.01094 §3; docs/architecture.md, "Speed-RL objective"): a function of the
 * sampling steps and transformer forward passes a sample used. The one implementation in the repository.
 */
import { showValue } from '@speedrl/core';
import type { SpeedRewardFn } from './types';

/** Which function of the step count to reward. */
export type SpeedRewardKind = 'linear' | 'neg-log' | 'nfe';

/**
 * R_speed of kind `kind` for step budgets up to `maxSteps`:
 * - `linear`: 1 − T/Tmax (the default of {@link runSpeedRl}, with Tmax = max(stepChoices)); 0 at Tmax;
 * - `neg-log`: −log T;
 * - `nfe`: 1 − NFE/(Tmax · passesPerStep), from the forward passes the sample used (2 per step with classifier-free
 *   guidance); 0 at Tmax steps.
 */
export function createSpeedReward(kind: SpeedRewardKind, maxSteps: number, passesPerStep = 1): SpeedRewardFn {
  if (!(Number.isInteger(maxSteps) && maxSteps >= 1)) throw new RangeError(`createSpeedReward: maxSteps must be an integer ≥ 1, got ${maxSteps}`);
  if (!(passesPerStep > 0 && Number.isFinite(passesPerStep))) throw new RangeError(`createSpeedReward: passesPerStep must be finite and > 0, got ${passesPerStep}`);
  const reward = ((): SpeedRewardFn => {
    switch (kind) {
      case 'linear':
        return (steps) => 1 - steps / maxSteps;
      case 'neg-log':
        return (steps) => -Math.log(steps);
      case 'nfe': {
        const maxNfe = maxSteps * passesPerStep;
        return (_steps, nfe) => 1 - nfe / maxNfe;
      }
      default:
        throw new RangeError(`createSpeedReward: kind must be one of linear, neg-log, nfe; got ${JSON.stringify(kind)}`);
    }
  })();
  // a step count outside 1…maxSteps (or NaN) would score on another scale, or as Infinity/NaN, without a word
  return (steps, nfe) => {
    if (!Number.isInteger(steps) || steps < 1 || steps > maxSteps) throw new RangeError(`speed reward (${kind}): steps must be an integer in [1, ${maxSteps}], got ${showValue(steps)}`);
    if (kind === 'nfe' && !(nfe >= 1 && Number.isFinite(nfe))) throw new RangeError(`speed reward (nfe): nfe must be a finite number ≥ 1, got ${showValue(nfe)}`);
    return reward(steps, nfe);
  };
}
