/**
 * `speedrl train-maskgit`: flags of `trainMaskgit` (@speedrl/pipeline), masked-token training of the
 * class-conditional transformer (MaskGIT, Chang et al. 2022) on a dataset encoded by a trained tokenizer, with the
 * quality probe of @speedrl/eval; checkpoints, metrics.jsonl, --resume, Ctrl-C saves.
 */
import { Command } from 'commander';
import { z } from 'zod';
import type { TextIo } from '@speedrl/core';
import { DEFAULT_FASHION_MNIST_DIR } from '@speedrl/tensor-utils';
import { emaDecays, maskgitInputs, openRunDir, runModeOf, trainMaskgit, defaultedNote } from '@speedrl/pipeline';
import { createQualityProbe } from '@speedrl/eval';
import { gatherOptions, parseOptions } from '../config-file';
import { inputPaths, seedFlag } from '../flags';

const int = (min: number) => z.coerce.number().int().min(min);
const schema = z.object({
  preset: z.enum(['tiny', 'fmnist']),
  engine: z.enum(['ort', 'tfjs']),
  tokenizer: z.string().min(1),
  data: z.string().min(1),
  out: z.string().min(1),
  steps: int(1),
  batch: int(1),
  lr: z.coerce.number().positive(),
  warmup: int(1),
  seed: seedFlag,
  limit: int(0),
  checkpointEvery: int(1),
  logEvery: int(1),
  lrSchedule: z.enum(['cosine', 'rsqrt']),
  minLrRatio: z.coerce.number().min(0).max(1),
  cooldown: int(0),
  ema: z.string().regex(/^(none|0?\.\d+(,0?\.\d+)*)$/, 'a comma-separated list of decays in (0, 1), e.g. 0.999,0.9999, or none'),
  emaEvery: int(1),
  holdout: int(0),
  evalEvery: int(0),
  evalN: int(2),
  evalSteps: int(1),
  classifier: z.string().min(1),
  rewardClassifier: z.string().min(1),
});
type Options = z.infer<typeof schema>;
const DEFAULTS: Options = {
  preset: 'fmnist', engine: 'ort', tokenizer: 'models/fashion-mnist/tokenizer', data: DEFAULT_FASHION_MNIST_DIR, out: 'runs/maskgit',
  steps: 20000, batch: 64, lr: 3e-4, warmup: 200, seed: 0, limit: 0, checkpointEvery: 500, logEvery: 10,
  lrSchedule: 'cosine', minLrRatio: 0.1, cooldown: 0, ema: '0.999,0.9999', emaEvery: 4, holdout: 0, evalEvery: 0, evalN: 2000, evalSteps: 12,
  classifier: 'models/fashion-mnist/classifiers/eval', rewardClassifier: 'models/fashion-mnist/classifiers/reward',
};

/** Registers `train-maskgit` on the program. */
export function trainMaskgitCommand(io: TextIo): Command {
  const cmd = new Command('train-maskgit')
    .description('train the class-conditional MaskGIT transformer on tokenized images (tfjs engine)')
    .option('--preset <name>', 'model size: tiny (tests) or fmnist (shipped model)', DEFAULTS.preset)
    .option('--engine <e>', 'training engine: ort (onnxruntime, fast) or tfjs (reference)', DEFAULTS.engine)
    .option('--tokenizer <dir>', 'trained tokenizer directory (speedrl train-vq output)', DEFAULTS.tokenizer)
    .option('--data <dir>', 'IDX dataset directory', DEFAULTS.data)
    .option('--out <dir>', 'run directory (checkpoint, metrics.jsonl, and the model bundle)', DEFAULTS.out)
    .option('--steps <n>', 'optimizer steps in total', String(DEFAULTS.steps))
    .option('--batch <n>', 'batch size', String(DEFAULTS.batch))
    .option('--lr <x>', 'peak learning rate (AdamW)', String(DEFAULTS.lr))
    .option('--warmup <n>', 'linear warm-up steps', String(DEFAULTS.warmup))
    .option('--seed <n>', 'seed of init, batches, masks', String(DEFAULTS.seed))
    .option('--limit <n>', 'use only the first n training images (0 = all)', String(DEFAULTS.limit))
    .option('--lr-schedule <s>', 'after warm-up: cosine (to lr × min-lr-ratio at --steps) or rsqrt (long tail, floor lr × min-lr-ratio)', DEFAULTS.lrSchedule)
    .option('--min-lr-ratio <x>', 'final (cosine) or floor (rsqrt) learning rate as a fraction of --lr', String(DEFAULTS.minLrRatio))
    .option('--cooldown <n>', 'rsqrt only: the last n steps of --steps cool the learning rate down linearly to 0 (0 = none; may be added on --resume before it begins)', String(DEFAULTS.cooldown))
    .option('--ema <decays>', 'weight-EMA decays kept side by side, each written as the bundle ema-<decay>/ (none = off)', DEFAULTS.ema)
    .option('--ema-every <k>', 'fold the weights into the EMAs every k steps (decay applied k times)', String(DEFAULTS.emaEvery))
    .option('--holdout <n>', 'keep the last n training images out of training (the EMA-decay choice is made on them)', String(DEFAULTS.holdout))
    .option('--eval-every <n>', 'steps between quality probes of every EMA and the raw weights, and the last step (0 = off)', String(DEFAULTS.evalEvery))
    .option('--eval-n <n>', 'samples per quality probe', String(DEFAULTS.evalN))
    .option('--eval-steps <T>', 'sampling steps of the quality probe', String(DEFAULTS.evalSteps))
    .option('--classifier <dir>', 'evaluation classifier of the probe\'s FCD (reported, never used to choose)', DEFAULTS.classifier)
    .option('--reward-classifier <dir>', 'reward classifier of the probe\'s held-out-train distance (chooses the decay)', DEFAULTS.rewardClassifier)
    .option('--checkpoint-every <n>', 'steps between checkpoints', String(DEFAULTS.checkpointEvery))
    .option('--log-every <n>', 'steps between metrics.jsonl lines', String(DEFAULTS.logEvery))
    .option('--config <file>', 'JSON or YAML file with any of these options (flags win)')
    .option('--resume', 'continue the run in --out from its checkpoint')
    .option('--force', 'start a new run over the run in --out (its records, checkpoint and products are removed; refused for a directory that is no run)')
    .option('--json', 'print a JSON summary on stdout')
    .addHelpText('after', `
Examples:
  $ speedrl train-maskgit --preset tiny --tokenizer runs/vq-tiny/tokenizer --steps 200 --out runs/mg-tiny
  $ speedrl train-maskgit --preset fmnist --out runs/maskgit          # onnxruntime engine; Ctrl-C saves; then:
  $ speedrl train-maskgit --preset tiny --engine tfjs --steps 50 --out runs/mg-tfjs
  $ speedrl train-maskgit --out runs/maskgit --resume
  $ speedrl train-maskgit --preset fmnist --lr-schedule rsqrt --ema 0.999,0.9995,0.9999 --holdout 10000 \\
      --eval-every 5000 --steps 40000 --out runs/maskgit-long          # then --resume --steps 60000 extends it
  $ speedrl train-maskgit --out runs/maskgit-long --resume --steps 30000 --cooldown 4000   # ends it with a cool-down
`);
  return cmd.action(async (flags: Record<string, unknown>) => {
    const { merged, typed } = gatherOptions(cmd, flags, DEFAULTS, schema.partial());
    const fresh = parseOptions(schema, merged);
    emaDecays(fresh);
    const inputs = inputPaths({ '--tokenizer': 'tokenizer', '--data': 'data', '--classifier': 'classifier', '--reward-classifier': 'rewardClassifier' });
    const run = await openRunDir(fresh.out, 'train-maskgit', fresh, runModeOf(flags), parseOptions(schema.partial(), typed), undefined, maskgitInputs(), inputs);
    io.stderr(defaultedNote(run) ?? ''); // a resumed run whose run.json lacks an option says which default it takes
    const options = parseOptions(schema, run.options);
    emaDecays(options);
    const summary = await trainMaskgit(options, run, io, createQualityProbe);
    const loss = summary.finalLoss === undefined ? 'final loss not logged for that step' : `final loss ${summary.finalLoss.toFixed(4)}`;
    const text = summary.trainedSteps === 0
      ? `model bundle in ${options.out}: the run was already at its last step ${summary.step} (nothing to train); bundles written from its checkpoint, ${loss}\n`
      : `model bundle in ${options.out}: ${loss} after ${summary.step} steps\n`;
    io.stdout(flags.json === true ? `${JSON.stringify(summary, null, 2)}\n` : text);
  });
}
