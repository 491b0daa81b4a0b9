/**
 * `speedrl train-vq`: flags of `trainVq` (@speedrl/eval), the VQ-VAE tokenizer (van den Oord et al. 2017; EMA
 * codebook, k-means init; docs/architecture.md, "Tokenizer losses") with checkpoints, metrics.jsonl, --resume and
 * Ctrl-C saving; reports test-set PSNR and code usage.
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import type { TextIo } from '@speedrl/core';
import { DEFAULT_FASHION_MNIST_DIR } from '@speedrl/tensor-utils';
import { TOKENIZER_DIR, checkEpochsUsed, openRunDir, readConfigStep, runModeOf, trainingInputs, defaultedNote } from '@speedrl/pipeline';
import { trainVq } from '@speedrl/eval';
import { gatherOptions, parseOptions } from '../config-file';
import { inputPaths, seedFlag } from '../flags';

const int = (min: number) => z.coerce.number().int().min(min);
const schema = z.object({
  preset: z.enum(['tiny', 'fmnist']),
  data: z.string().min(1),
  out: z.string().min(1),
  epochs: int(1),
  steps: int(0),
  batch: int(1),
  seed: seedFlag,
  limit: int(0),
  evalLimit: int(0),
  checkpointEvery: int(1),
  logEvery: int(1),
  channels: int(0),
  resBlocks: int(-1),
  codeDim: int(0),
  codebookSize: int(0),
  lr: z.coerce.number().min(0),
  lrFloor: z.coerce.number().min(0).max(1),
  perceptual: z.coerce.number().min(0),
  holdout: int(0),
  perceptualClassifier: z.string().min(1),
});
type Options = z.infer<typeof schema>;
const DEFAULTS: Options = {
  preset: 'fmnist', data: DEFAULT_FASHION_MNIST_DIR, out: 'runs/vq', epochs: 3, steps: 0, batch: 64, seed: 0, limit: 0,
  evalLimit: 0, checkpointEvery: 200, logEvery: 10, channels: 0, resBlocks: -1, codeDim: 0, codebookSize: 0, lr: 0, lrFloor: 1,
  perceptual: 0, holdout: 0, perceptualClassifier: 'models/fashion-mnist/classifiers/reward',
};

/** Registers `train-vq` on the program. */
export function trainVqCommand(io: TextIo): Command {
  const cmd = new Command('train-vq')
    .description('train the VQ-VAE tokenizer (28×28 images → 7×7 tokens) and report test PSNR and code usage')
    .option('--preset <name>', 'tiny (tests) or fmnist (shipped tokenizer)', DEFAULTS.preset)
    .option('--data <dir>', 'IDX dataset directory', DEFAULTS.data)
    .option('--out <dir>', 'run directory (checkpoint, metrics.jsonl, tokenizer/)', DEFAULTS.out)
    .option('--epochs <n>', 'epochs over the training images', String(DEFAULTS.epochs))
    .option('--steps <n>', 'total steps instead of epochs (0 = use --epochs)', String(DEFAULTS.steps))
    .option('--batch <n>', 'batch size', String(DEFAULTS.batch))
    .option('--seed <n>', 'seed of init, k-means, data order', String(DEFAULTS.seed))
    .option('--limit <n>', 'use only the first n training images (0 = all)', String(DEFAULTS.limit))
    .option('--eval-limit <n>', 'evaluate on the first n test images (0 = all)', String(DEFAULTS.evalLimit))
    .option('--channels <n>', 'hidden channels of the conv stacks (0 = the preset\'s)', String(DEFAULTS.channels))
    .option('--res-blocks <n>', 'residual blocks in encoder and decoder (-1 = the preset\'s)', String(DEFAULTS.resBlocks))
    .option('--code-dim <n>', 'dimension of each code vector (0 = the preset\'s)', String(DEFAULTS.codeDim))
    .option('--codebook-size <n>', 'number K of codes (0 = the preset\'s)', String(DEFAULTS.codebookSize))
    .option('--lr <x>', 'peak Adam learning rate (0 = the preset\'s)', String(DEFAULTS.lr))
    .option('--lr-floor <x>', 'cosine decay ends at lr × this (1 = the preset\'s)', String(DEFAULTS.lrFloor))
    .option('--perceptual <w>', 'weight of the perceptual loss on reward-classifier features (0 = MSE only)', String(DEFAULTS.perceptual))
    .option('--perceptual-classifier <dir>', 'the reward classifier whose features the perceptual loss compares', DEFAULTS.perceptualClassifier)
    .option('--holdout <n>', 'keep the last n training images out of training and report on them (for choosing settings without the test set)', String(DEFAULTS.holdout))
    .option('--checkpoint-every <n>', 'steps between checkpoints', String(DEFAULTS.checkpointEvery))
    .option('--log-every <n>', 'steps between metrics.jsonl lines', String(DEFAULTS.logEvery))
    .option('--config <file>', 'JSON or YAML file with any of these options (flags win)')
    .option('--resume', 'continue the run in --out from its checkpoint')
    .option('--force', 'start a new run over the run in --out (its records, checkpoint and products are removed; refused for a directory that is no run)')
    .option('--json', 'print a JSON summary on stdout')
    .addHelpText('after', `
Examples:
  $ speedrl train-vq --preset tiny --steps 100 --out runs/vq-tiny
  $ speedrl train-vq --preset fmnist --epochs 3 --out runs/vq      # Ctrl-C saves; then:
  $ speedrl train-vq --out runs/vq --resume
`);
  return cmd.action(async (flags: Record<string, unknown>) => {
    const { merged, typed } = gatherOptions(cmd, flags, DEFAULTS, schema.partial());
    const fresh = parseOptions(schema, merged);
    checkEpochsUsed(join(fresh.out, 'run.json'), runModeOf(flags) === 'resume', typed, fresh.steps);
    const inputs = inputPaths({ '--data': 'data', '--perceptual-classifier': 'perceptualClassifier' });
    const run = await openRunDir(fresh.out, 'train-vq', fresh, runModeOf(flags), parseOptions(schema.partial(), typed), readConfigStep, trainingInputs(true), inputs);
    io.stderr(defaultedNote(run) ?? ''); // a resumed run whose run.json lacks an option says which default it takes
    const options = parseOptions(schema, run.options);
    const summary = await trainVq(options, run, io);
    io.stdout(flags.json === true ? `${JSON.stringify(summary, null, 2)}\n`
      : `tokenizer in ${join(options.out, TOKENIZER_DIR)}: test PSNR ${summary.test.psnr.toFixed(2)} dB, perplexity ${summary.test.perplexity.toFixed(1)}, ${(100 * summary.test.usage).toFixed(1)}% of codes used\n`);
  });
}
