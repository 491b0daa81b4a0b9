/** `speedrl rewards list`: the reward registry (names, what each scores, what it needs) and how `speedrl accelerate` takes each. */
import { Command } from 'commander';
import { listRewards } from '@speedrl/rewards-clip-fid';
import { ACCELERATE_REWARD_FLAGS, accelerateRewardUse } from '@speedrl/pipeline';
import type { TextIo } from '@speedrl/core';

/** Registers `rewards` (with its `list` subcommand) on the program. */
export function rewardsCommand(io: TextIo): Command {
  const rewards = new Command('rewards').description('inspect the reward registry');
  rewards
    .command('list')
    .description('list the built-in rewards and which of them speedrl accelerate trains against (by which flag)')
    .option('--json', 'print JSON (each reward with `accelerateFlag`: its accelerate flag, or null when accelerate cannot use it)')
    .addHelpText('after', '\nExamples:\n  $ speedrl rewards list\n  $ speedrl rewards list --json\n')
    .action((opts: { json?: boolean }) => {
      const all = listRewards().map((r) => ({ ...r, accelerateFlag: ACCELERATE_REWARD_FLAGS[r.name] }));
      if (opts.json === true) {
        io.stdout(`${JSON.stringify(all, null, 2)}\n`);
        return;
      }
      const width = Math.max(...all.map((r) => r.name.length));
      for (const r of all) {
        io.stdout(`${r.name.padEnd(width)}  ${r.description}${r.needs.length > 0 ? ` (needs: ${r.needs.join(', ')})` : ''}\n`);
        io.stdout(`${' '.repeat(width)}  → ${accelerateRewardUse(r.name)}\n`);
      }
      io.stdout('\nThe evaluation classifier is never a reward: it is kept for judging (speedrl eval).\n');
      io.stdout('Your own: speedrl accelerate --reward FILE.mjs[:EXPORT][=WEIGHT] (example: examples/rewards/ink-coverage.mjs).\n');
    });
  return rewards;
}
