/**
 * `speedrl eval` (docs/architecture.md, "Evaluation protocol"): flags of `runEval` (@speedrl/eval), which evaluates a
 * model at several step budgets and seeds; eval.json (resumable cell by cell), eval.md and an FCD-vs-steps plot.
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import type { TextIo } from '@speedrl/core';
import { DEFAULT_FASHION_MNIST_DIR } from '@speedrl/tensor-utils';
import { accelerationMarkdown, runEval } from '@speedrl/eval';
import { installStopHint, savedOptions } from '@speedrl/pipeline';
import { gatherOptions, parseOptions } from '../config-file';
import { UsageError } from '../errors';
import { cfgFlag, scheduleFlag, seedFlag } from '../flags';

const int = (min: number) => z.coerce.number().int().min(min);
const stepsList = z.string().regex(/^\d+(,\d+)*$/, 'a comma-separated list of step counts, e.g. 1,2,4,8');
const schema = z.object({
  model: z.string().min(1),
  classifier: z.string().min(1),
  data: z.string().min(1),
  out: z.string().min(1),
  steps: stepsList,
  n: int(2).max(1_000_000, 'must be ≤ 1,000,000 samples per cell'),
  seeds: int(1),
  seed: seedFlag,
  engine: z.enum(['ort', 'tfjs']),
  sampler: z.enum(['confidence', 'halton', 'adaptive']),
  schedule: scheduleFlag,
  temperature: z.coerce.number().min(0),
  gumbel: z.coerce.number().min(0),
  cfg: cfgFlag,
  batch: int(1),
  refLimit: int(0),
  kidSubsets: int(1).max(10_000, 'must be ≤ 10,000 subsets'),
  baseEval: z.string().min(1).optional(),
});
type Options = z.infer<typeof schema>;
const DEFAULTS: Omit<Options, 'model'> = {
  classifier: 'models/fashion-mnist/classifiers/eval', data: DEFAULT_FASHION_MNIST_DIR, out: 'runs/eval', steps: '1,2,3,4,6,8,12,16',
  n: 10000, seeds: 3, seed: 0, engine: 'ort', sampler: 'confidence', schedule: 'cosine', temperature: 1, gumbel: 4.5, cfg: 0,
  batch: 64, refLimit: 0, kidSubsets: 100,
};

/** Registers `eval` on the program. */
export function evalCommand(io: TextIo): Command {
  const cmd = new Command('eval')
    .description('evaluate a model at several step budgets: FCD, KID, precision/recall, accuracy, NFE, ms/image')
    .option('--model <dir>', 'model directory holding tokenizer/ and maskgit/')
    .option('--classifier <dir>', 'EVALUATION classifier directory (never the reward classifier)', DEFAULTS.classifier)
    .option('--data <dir>', 'IDX dataset directory (test set = reference; train set = floor)', DEFAULTS.data)
    .option('--out <dir>', 'output directory: eval.json, eval.md, fcd-vs-steps.png', DEFAULTS.out)
    .option('--steps <list>', 'step budgets T', DEFAULTS.steps)
    .option('--n <N>', 'samples per (T, seed), balanced over classes', String(DEFAULTS.n))
    .option('--seeds <k>', 'number of seeds (seed, seed+1, …)', String(DEFAULTS.seeds))
    .option('--seed <S>', 'first seed', String(DEFAULTS.seed))
    .option('--engine <e>', 'transformer engine: ort or tfjs', DEFAULTS.engine)
    .option('--sampler <m>', 'confidence, halton or adaptive', DEFAULTS.sampler)
    .option('--schedule <s>', 'mask schedule', DEFAULTS.schedule)
    .option('--temperature <t>', 'token temperature', String(DEFAULTS.temperature))
    .option('--gumbel <tau>', 'initial re-masking noise', String(DEFAULTS.gumbel))
    .option('--cfg <w>', 'guidance weight w ≥ 1 (0 = off)', String(DEFAULTS.cfg))
    .option('--batch <B>', 'images per forward pass (timings are per image at this batch)', String(DEFAULTS.batch))
    .option('--ref-limit <n>', 'use only the first n test images as reference (0 = all)', String(DEFAULTS.refLimit))
    .option('--kid-subsets <k>', 'KID subsets', String(DEFAULTS.kidSubsets))
    .option('--base-eval <file>', "the base model's eval.json (with T = 12): acceleration factors vs it, printed and saved")
    .option('--config <file>', 'JSON or YAML file with any of these options (flags win)')
    .option('--resume', 'keep the cells already in OUT/eval.json and compute only the missing ones (its saved options are the defaults)')
    .option('--force', 'replace an existing OUT/eval.json instead of refusing')
    .option('--json', 'print eval.json on stdout')
    .addHelpText('after', `
Examples:
  $ speedrl eval --model models/fashion-mnist --steps 1,2,3,4,6,8,12,16 --n 10000 --seeds 3 --out runs/eval-base
  $ speedrl eval --model runs/maskgit --steps 4,12 --n 1000 --seeds 1 --json
  $ speedrl eval --model runs/speedrl-1/model --base-eval runs/eval-base/eval.json --out runs/eval-rl   # factors vs the base
`);
  return cmd.action(async (flags: Record<string, unknown>) => {
    // on --resume the saved options are the defaults (as compare and tune-schedule take theirs); the run then checks them
    const first = gatherOptions(cmd, flags, { ...DEFAULTS, model: '' } as Options, schema.partial()).merged;
    const saved = flags.resume === true ? savedOptions(join(first.out, 'eval.json'), { ...DEFAULTS, model: '' }) : {};
    const { merged } = gatherOptions(cmd, flags, { ...DEFAULTS, model: '', ...saved } as Options, schema.partial());
    if (merged.model === '') throw new UsageError('--model: required (a directory with tokenizer/ and maskgit/)');
    const options = parseOptions(schema, merged);
    const removeHint = installStopHint(io, 'eval', join(options.out, 'eval.json'));
    const result = await runEval(options, flags.resume === true, flags.force === true, io).finally(removeHint);
    const factors = result.acceleration === undefined ? '' : `\n${accelerationMarkdown(result.acceleration)}`;
    io.stdout(flags.json === true ? `${JSON.stringify(result, null, 2)}\n` : `${result.table}${factors}\nwrote ${join(options.out, 'eval.json')}, eval.md, fcd-vs-steps.png\n`);
  });
}
