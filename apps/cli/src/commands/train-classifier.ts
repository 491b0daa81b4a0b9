/**
 * `speedrl train-classifier --role reward|eval`: flags of `trainClassifierRun` (@speedrl/pipeline), one of the two
 * Fashion-MNIST CNNs (different architectures and seeds; docs/architecture.md, "Speed-RL objective" and "Evaluation
 * protocol") and its feature statistics: per-class Gaussians of the training images for the reward classifier
 * (realism reward), the test-set Gaussian for the evaluation classifier (FCD).
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import type { TextIo } from '@speedrl/core';
import { DEFAULT_FASHION_MNIST_DIR } from '@speedrl/tensor-utils';
import { CLASSIFIER_SEEDS } from '@speedrl/rewards-clip-fid';
import { CLASSIFIER_DIR, checkEpochsUsed, openRunDir, readConfigStep, runModeOf, trainClassifierRun, trainingInputs, defaultedNote } from '@speedrl/pipeline';
import { gatherOptions, parseOptions } from '../config-file';
import { inputPaths, seedFlag } from '../flags';
import { UsageError } from '../errors';

const int = (min: number) => z.coerce.number().int().min(min);
const schema = z.object({
  role: z.enum(['reward', 'eval']),
  preset: z.enum(['tiny', 'fmnist']),
  data: z.string().min(1),
  out: z.string().min(1),
  epochs: int(0),
  steps: int(0),
  seed: seedFlag.optional(),
  limit: int(0),
  evalLimit: int(0),
  checkpointEvery: int(1),
  logEvery: int(1),
});
type Options = z.infer<typeof schema>;
const DEFAULTS: Omit<Options, 'role'> = {
  preset: 'fmnist', data: DEFAULT_FASHION_MNIST_DIR, out: '', epochs: 0, steps: 0, limit: 0, evalLimit: 0,
  checkpointEvery: 500, logEvery: 20,
};

/** Registers `train-classifier` on the program. */
export function trainClassifierCommand(io: TextIo): Command {
  const cmd = new Command('train-classifier')
    .description('train the reward or the evaluation classifier (different CNNs and seeds) and its feature statistics')
    .option('--role <role>', 'reward (used in rewards) or eval (used only to judge; never a reward); required for a new run')
    .option('--preset <name>', 'tiny (tests) or fmnist', DEFAULTS.preset)
    .option('--data <dir>', 'IDX dataset directory', DEFAULTS.data)
    .option('--out <dir>', 'run directory (default runs/classifier-<role>)')
    .option('--epochs <n>', 'epochs (0 = the role\'s default: 6 reward, 7 eval)', String(DEFAULTS.epochs))
    .option('--steps <n>', 'total steps instead of epochs (0 = use epochs)', String(DEFAULTS.steps))
    .option('--seed <n>', 'seed (default: the role\'s own seed, reward 1701 / eval 2903)')
    .option('--limit <n>', 'use only the first n training images (0 = all)', String(DEFAULTS.limit))
    .option('--eval-limit <n>', 'evaluate on the first n test images (0 = all)', String(DEFAULTS.evalLimit))
    .option('--checkpoint-every <n>', 'steps between checkpoints', String(DEFAULTS.checkpointEvery))
    .option('--log-every <n>', 'steps between metrics.jsonl lines', String(DEFAULTS.logEvery))
    .option('--config <file>', 'JSON or YAML file with any of these options (flags win)')
    .option('--resume', 'continue the run in --out from its checkpoint')
    .option('--force', 'start a new run over the run in --out (its records, checkpoint and products are removed; refused for a directory that is no run)')
    .option('--json', 'print a JSON summary on stdout')
    .addHelpText('after', `
Examples:
  $ speedrl train-classifier --role reward --out runs/classifier-reward
  $ speedrl train-classifier --role eval --epochs 8 --out runs/classifier-eval
  $ speedrl train-classifier --role eval --out runs/classifier-eval --resume
`);
  return cmd.action(async (flags: Record<string, unknown>) => {
    const mode = runModeOf(flags);
    const { merged, typed } = gatherOptions(cmd, flags, { ...DEFAULTS, role: 'reward' } as Options, schema.partial());
    if (mode !== 'resume' && typed.role === undefined) throw new UsageError('--role: required for a new run (reward or eval); a --resume takes it from run.json');
    if (merged.out === '') merged.out = `runs/classifier-${merged.role}`;
    const parsed = parseOptions(schema, merged);
    checkEpochsUsed(join(parsed.out, 'run.json'), mode === 'resume', typed, parsed.steps);
    // a new run saves the seed it uses, so a resume can check it; a resume takes the run's own (its role's default when absent)
    const fresh = mode === 'resume' ? parsed : { ...parsed, seed: parsed.seed ?? CLASSIFIER_SEEDS[parsed.role] };
    const run = await openRunDir(fresh.out, 'train-classifier', fresh, mode, parseOptions(schema.partial(), typed), readConfigStep, trainingInputs(false), inputPaths({ '--data': 'data' }));
    io.stderr(defaultedNote(run) ?? ''); // a resumed run whose run.json lacks an option says which default it takes
    const o = parseOptions(schema, run.options);
    const summary = await trainClassifierRun(o, run, io);
    io.stdout(flags.json === true ? `${JSON.stringify(summary, null, 2)}\n`
      : `${o.role} classifier in ${join(o.out, CLASSIFIER_DIR)}: test accuracy ${(100 * summary.test.accuracy).toFixed(2)}% on ${summary.test.count} images\n`);
  });
}
