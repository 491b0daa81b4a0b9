/**
 * `speedrl compare` (docs/architecture.md, "Evaluation protocol"): several models × sampling methods (mask schedules,
 * Halton, adaptive threshold, a tuned per-step schedule) × step budgets, all with the `speedrl eval` protocol on the
 * same reference; compare.json (resumable cell by cell), compare.md, FCD-vs-NFE and FCD-vs-wall-clock Pareto plots and
 * a sample grid per row.
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { DEFAULT_FASHION_MNIST_DIR } from '@speedrl/tensor-utils';
import { gatherOptions, parseOptions } from '../config-file';
import type { TextIo } from '@speedrl/core';
import { compareAccelerationMarkdown, DEFAULT_COMPARE_THRESHOLDS, runCompare, type CompareOptions } from '@speedrl/eval';
import { installStopHint, savedOptions } from '@speedrl/pipeline';
import { cfgFlag, minPerStepFlag, scheduleFlag, seedFlag } from '../flags';

const int = (min: number) => z.coerce.number().int().min(min);
const list = (what: string) => z.string().regex(/^[^,\s]+(,[^,\s]+)*$/, `a comma-separated list of ${what}`);
const schema = z.object({
  models: z.string().min(1, 'a comma-separated list of NAME=DIR models'), // directories may hold spaces; parseModels checks the items
  methods: list('methods'),
  steps: z.string().regex(/^\d+(,\d+)*$/, 'a comma-separated list of step counts, e.g. 2,3,4,6,8,12'),
  thresholds: z.string().regex(/^\d*\.?\d+(,\d*\.?\d+)*$/, 'a comma-separated list of probabilities, e.g. 0.6,0.8,0.9'),
  adaptiveCap: int(0), minPerStep: minPerStepFlag, adaptiveNoise: z.boolean(),
  tuned: z.string(),
  classifier: z.string().min(1),
  data: z.string().min(1),
  out: z.string().min(1),
  n: int(2).max(1_000_000, 'must be ≤ 1,000,000 samples per cell'),
  seeds: int(1),
  seed: seedFlag,
  engine: z.enum(['ort', 'tfjs']),
  temperature: z.coerce.number().min(0),
  gumbel: z.coerce.number().min(0),
  cfg: cfgFlag,
  haltonSchedule: scheduleFlag,
  batch: int(1),
  refLimit: int(0),
  kidSubsets: int(1).max(10_000, 'must be ≤ 10,000 subsets'),
  gridPerClass: int(1).max(100, 'must be ≤ 100 images per class'),
});
const DEFAULTS: CompareOptions = {
  models: 'base=models/fashion-mnist', methods: 'cosine,arccos,linear,halton,adaptive', steps: '2,3,4,6,8,12', thresholds: DEFAULT_COMPARE_THRESHOLDS.join(','),
  adaptiveCap: 0, minPerStep: 0, adaptiveNoise: false, tuned: '', classifier: 'models/fashion-mnist/classifiers/eval', data: DEFAULT_FASHION_MNIST_DIR, out: 'runs/compare',
  n: 10000, seeds: 3, seed: 0, engine: 'ort', temperature: 1, gumbel: 4.5, cfg: 0, haltonSchedule: 'cosine', batch: 64, refLimit: 0, kidSubsets: 100,
  gridPerClass: 2,
};

/** Registers `compare` on the program. */
export function compareCommand(io: TextIo): Command {
  const cmd = new Command('compare')
    .description('compare models × sampling methods × step budgets with the eval protocol: table, Pareto plots, grids')
    .option('--models <list>', 'NAME=DIR,…; a NAME ending in +tuned runs only the tuned method (e.g. rl+tuned=runs/x/model)', DEFAULTS.models)
    .option('--methods <list>', 'mask schedules (cosine, arccos, linear, exp, log, pow-k), halton, adaptive, tuned', DEFAULTS.methods)
    .option('--steps <list>', 'step budgets T (not used by adaptive)', DEFAULTS.steps)
    .option('--thresholds <list>', 'adaptive: commit thresholds swept instead of T', DEFAULTS.thresholds)
    .option('--adaptive-cap <T>', 'adaptive: step cap (0 = the largest --steps)', String(DEFAULTS.adaptiveCap))
    .option('--min-per-step <k>', 'adaptive: tokens committed at least per step; schedule (the hybrid: the cosine count at step t of the cap); exit (that count, or all once every rest draw passes)', String(DEFAULTS.minPerStep))
    .option('--adaptive-noise', 'adaptive: rank the top-up by confidence with the Gumbel noise of --gumbel (annealed), as the confidence sampler ranks')
    .option('--tuned <file>', 'per-step schedules from speedrl tune-schedule (method tuned)', DEFAULTS.tuned)
    .option('--classifier <dir>', 'EVALUATION classifier directory (never the reward classifier)', DEFAULTS.classifier)
    .option('--data <dir>', 'IDX dataset directory (test set = reference; train set = floor)', DEFAULTS.data)
    .option('--out <dir>', 'output directory: compare.json, compare.md, pareto-*.png, grids/', DEFAULTS.out)
    .option('--n <N>', 'samples per cell, balanced over classes', String(DEFAULTS.n))
    .option('--seeds <k>', 'number of seeds (seed, seed+1, …)', String(DEFAULTS.seeds))
    .option('--seed <S>', 'first seed (grids use it too)', String(DEFAULTS.seed))
    .option('--engine <e>', 'transformer engine: ort or tfjs', DEFAULTS.engine)
    .option('--temperature <t>', 'token temperature (all methods but tuned)', String(DEFAULTS.temperature))
    .option('--gumbel <tau>', 'initial re-masking noise (all methods but tuned)', String(DEFAULTS.gumbel))
    .option('--cfg <w>', 'guidance weight w ≥ 1, 0 = off (all methods but tuned, whose file says)', String(DEFAULTS.cfg))
    .option('--halton-schedule <s>', 'mask schedule of the Halton sampler', DEFAULTS.haltonSchedule)
    .option('--batch <B>', 'images per forward pass (timings are per image at this batch)', String(DEFAULTS.batch))
    .option('--ref-limit <n>', 'use only the first n test images as reference (0 = all)', String(DEFAULTS.refLimit))
    .option('--kid-subsets <k>', 'KID subsets', String(DEFAULTS.kidSubsets))
    .option('--grid-per-class <k>', 'images per class in each grid', String(DEFAULTS.gridPerClass))
    .option('--config <file>', 'JSON or YAML file with any of these options (flags win)')
    .option('--resume', 'keep the cells already in OUT/compare.json and compute only the missing ones')
    .option('--force', 'replace an existing OUT/compare.json instead of refusing')
    .option('--json', 'print compare.json on stdout')
    .addHelpText('after', `
Examples:
  $ speedrl tune-schedule --model models/fashion-mnist --steps 2,3,4 --out runs/tuned.json
  # the first model is the base: every other model's cosine rows get acceleration factors vs it (and vs itself)
  $ speedrl compare --models base=models/fashion-mnist,rl=runs/speedrl-1/model --steps 2,3,4,6,8,12 \\
      --methods cosine,arccos,linear,halton,adaptive,tuned --tuned runs/tuned.json --n 10000 --seeds 3 --out runs/compare
  $ speedrl compare --models base=models/fashion-mnist --methods cosine,halton --steps 2,4 --n 1000 --seeds 1 --out /tmp/cmp
  $ speedrl compare --out runs/compare --resume     # after Ctrl-C: finished cells are kept
`);
  return cmd.action(async (flags: Record<string, unknown>) => {
    const resume = flags.resume === true;
    const first = gatherOptions(cmd, flags, DEFAULTS, schema.partial()).merged;
    const saved = resume ? savedOptions(join(first.out, 'compare.json'), DEFAULTS) : {};
    const o = parseOptions(schema, gatherOptions(cmd, flags, { ...DEFAULTS, ...saved }, schema.partial()).merged) as CompareOptions;
    const removeHint = installStopHint(io, 'compare', join(o.out, 'compare.json'));
    const result = await runCompare(o, resume, io, undefined, flags.force === true).finally(removeHint);
    const md = `${result.rows.length} rows; wrote ${join(o.out, 'compare.json')}, compare.md, pareto-nfe.png, pareto-wallclock.png and ${result.grids?.length ?? 0} grid(s)\n`;
    io.stdout(flags.json === true ? `${JSON.stringify(result, null, 2)}\n` : `${result.acceleration === undefined ? '' : `${compareAccelerationMarkdown(result.acceleration)}\n`}${md}`);
  });
}
