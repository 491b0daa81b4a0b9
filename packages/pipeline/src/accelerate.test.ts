/** The accelerate progress line, and the options a run's other options leave unread. */
import { UsageError } from '@speedrl/core';
import { checkRolloutOptions, progressDetails } from './accelerate';

describe('progressDetails', () => {
  it('says kl=off with --kl-beta 0, whose metrics carry no KL (was: kl=NaN), and the KL otherwise', () => {
    const m = { rewardMean: 0.5, stepsMean: 3, klMean: NaN };
    expect(progressDetails(m, 0)).toEqual({ reward: 0.5, steps: 3, kl: 'off' });
    expect(progressDetails({ ...m, klMean: 0.01 }, 0.04)).toEqual({ reward: 0.5, steps: 3, kl: 0.01 });
  });
});

describe('checkRolloutOptions', () => {
  const run = { rollout: 'fixed', loss: 'grpo', speedWeight: 0.5 } as const;
  const refuse = (o: Parameters<typeof checkRolloutOptions>[0], flags: string[], file: Record<string, unknown> = {}): string => {
    try {
      checkRolloutOptions(o, new Set(flags), file);
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      return (error as Error).message;
    }
    return 'accepted';
  };

  it('refuses a ratio clip the loss never reads (was: --loss reinforce --clip-low 0.05 --clip-high 0.9 recorded, the model that of the run without them)', () => {
    expect(refuse({ ...run, loss: 'reinforce' }, ['loss', 'clipLow', 'clipHigh'])).toMatch(/^--clip-low: only --loss grpo or ppo reads it .*this run's loss is reinforce; remove it, or pass --loss grpo$/);
    expect(refuse({ ...run, loss: 'reinforce' }, ['loss', 'clipHigh'])).toMatch(/^--clip-high: only --loss grpo reads it/);
    expect(refuse({ ...run, loss: 'ppo' }, ['loss', 'clipHigh'])).toMatch(/^--clip-high: only --loss grpo reads it .*this run's loss is ppo/);
    expect(refuse({ ...run, loss: 'ppo' }, [], { loss: 'ppo', clipHigh: 0.3 })).toMatch(/^--clip-high: only --loss grpo reads it/) // the CLI adds the config file and key;
    expect(refuse({ ...run, loss: 'ppo' }, ['loss', 'clipLow'])).toBe('accepted');
    expect(refuse(run, ['clipLow', 'clipHigh'])).toBe('accepted');
  });

  it("tolerates a config file's clips when --loss on the command line overrides the file's (ablate's reinforce variant)", () => {
    expect(refuse({ ...run, loss: 'reinforce' }, ['loss'], { clipLow: 0.1, clipHigh: 0.2 })).toBe('accepted');
    expect(refuse({ ...run, loss: 'reinforce' }, [], { loss: 'reinforce', clipLow: 0.1 })).toMatch(/^--clip-low: only --loss grpo or ppo reads it/);
  });

  it('refuses --floor with --speed-weight 0, where no speed credit is left for it to gate (unless --speed-weight overrides a file: ablate no-speed)', () => {
    expect(refuse({ ...run, speedWeight: 0 }, ['speedWeight', 'floor'])).toMatch(/^--floor: the quality floor only decides which samples get the speed credit, and --speed-weight 0 gives none/);
    expect(refuse({ ...run, speedWeight: 0 }, [], { speedWeight: 0, floor: '-1' })).toMatch(/^--floor: the quality floor/);
    expect(refuse({ ...run, speedWeight: 0 }, ['speedWeight'], { speedWeight: 0.5, floor: '-1' })).toBe('accepted');
    expect(refuse(run, ['floor'])).toBe('accepted');
  });

  it('still refuses the options of the other rollout kind', () => {
    expect(refuse(run, ['maxSteps'])).toMatch(/^--max-steps: only --rollout adaptive reads it/);
    expect(refuse({ ...run, rollout: 'fixed' }, ['rollout'], { rollout: 'adaptive', thresholds: '0.5' })).toBe('accepted');
  });
});
