/**
 * `speedrl tune-schedule`: an AutoNAT-style search (Ni et al. 2024) for the best per-step mask ratios, temperatures,
 * choice noise and CFG weights at each step budget T, scored with the REWARD classifier on held-out TRAIN images with
 * seeds disjoint from the evaluation, so `speedrl compare --tuned FILE` can judge the tuned schedule on the test set like every other method.
 */
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { z } from 'zod';
import { DEFAULT_FASHION_MNIST_DIR } from '@speedrl/tensor-utils';
import { gatherOptions, parseOptions } from '../config-file';
import type { TextIo } from '@speedrl/core';
import { describeStopMatches, readTunedFile, runTuneSchedule, type TuneOptions } from '@speedrl/eval';
import { installStopHint, savedOptions } from '@speedrl/pipeline';
import { seedFlag } from '../flags';
import { UsageError } from '../errors';

const int = (min: number) => z.coerce.number().int().min(min);
const schema = z.object({
  model: z.string().min(1, 'required (a directory with tokenizer/ and maskgit/)'),
  classifier: z.string().min(1),
  data: z.string().min(1),
  out: z.string().min(1),
  steps: z.string().regex(/^\d+(,\d+)*$/, 'a comma-separated list of step counts, e.g. 2,3,4'),
  budget: int(1),
  n: int(2).max(1_000_000, 'must be ≤ 1,000,000 samples per cell'),
  seed: seedFlag,
  refCount: int(2),
  engine: z.enum(['ort', 'tfjs']),
  batch: int(1),
  cfg: z.enum(['search', 'off']),
  stopThresholds: z.string().regex(/^(\d*\.?\d+(,\d*\.?\d+)*)?$/, 'a comma-separated list of probabilities, e.g. 0.5,0.7,0.9'),
  stopCap: int(1),
});
const DEFAULTS: TuneOptions = {
  model: '', classifier: 'models/fashion-mnist/classifiers/reward', data: DEFAULT_FASHION_MNIST_DIR, out: 'runs/tuned-schedule.json',
  steps: '2,3,4', budget: 40, n: 500, seed: 1000, refCount: 10000, engine: 'ort', batch: 64, cfg: 'search', stopThresholds: '', stopCap: 12,
};

/** Registers `tune-schedule` on the program. */
export function tuneScheduleCommand(io: TextIo): Command {
  const cmd = new Command('tune-schedule')
    .description('search per-step mask ratios, temperatures, noise and CFG for each T (scored on held-out train images)')
    .option('--model <dir>', 'model directory holding tokenizer/ and maskgit/')
    .option('--classifier <dir>', 'REWARD classifier whose features score candidates (the evaluation classifier only judges)', DEFAULTS.classifier)
    .option('--data <dir>', 'IDX dataset directory (only its TRAIN split is read)', DEFAULTS.data)
    .option('--out <file>', 'tuned-schedule JSON file (rewritten after every candidate)', DEFAULTS.out)
    .option('--steps <list>', 'step budgets T to tune', DEFAULTS.steps)
    .option('--budget <N>', 'candidates per T (the sampler defaults included)', String(DEFAULTS.budget))
    .option('--n <N>', 'samples per candidate, balanced over classes', String(DEFAULTS.n))
    .option('--seed <S>', 'sampling seed of every candidate; keep it out of the evaluation seeds', String(DEFAULTS.seed))
    .option('--ref-count <n>', 'reference = the last n train images', String(DEFAULTS.refCount))
    .option('--engine <e>', 'transformer engine: ort or tfjs', DEFAULTS.engine)
    .option('--batch <B>', 'images per forward pass', String(DEFAULTS.batch))
    .option('--cfg <mode>', 'search: also search per-step guidance weights (2 passes per step); off: one pass per step', DEFAULTS.cfg)
    .option('--stop-thresholds <list>', 'also score the adaptive stop rule at these p* (cap --stop-cap) and pick, per T, the one of least mean NFE scoring no worse than T\'s defaults', DEFAULTS.stopThresholds)
    .option('--stop-cap <T>', 'the stop rule\'s step cap', String(DEFAULTS.stopCap))
    .option('--config <file>', 'JSON or YAML file with any of these options (flags win)')
    .option('--resume', 'replay the search from --out, evaluating only candidates it does not hold; other step counts in it are kept')
    .option('--force', 'replace an existing --out file')
    .option('--json', 'print the tuned file on stdout')
    .addHelpText('after', `
Examples:
  $ speedrl tune-schedule --model models/fashion-mnist --steps 2,3,4 --budget 40 --n 500 --out runs/tuned.json
  $ speedrl tune-schedule --model models/fashion-mnist --steps 2,4 --cfg off --out runs/tuned-nocfg.json
  $ speedrl tune-schedule --model runs/speedrl/model --steps 3,4,12 --budget 1 --cfg off --stop-thresholds 0.5,0.7,0.8,0.9 --stop-cap 12 --out runs/stop.json
  $ speedrl tune-schedule --out runs/tuned.json --resume      # after Ctrl-C
  $ speedrl compare --models base=models/fashion-mnist --methods cosine,tuned --tuned runs/tuned.json --steps 2,3,4
`);
  return cmd.action(async (flags: Record<string, unknown>) => {
    const resume = flags.resume === true;
    if (resume && flags.force === true) throw new UsageError('--resume, --force: choose one (continue the search, or replace the file)');
    const { merged: first, typed } = gatherOptions(cmd, flags, DEFAULTS, schema.partial()); // a cap alone would be dropped without a word:
    if (typed.stopCap !== undefined && (typed.stopThresholds ?? '') === '') throw new UsageError('--stop-cap: given without --stop-thresholds, so no stop rule would be scored; add --stop-thresholds (e.g. 0.5,0.7,0.9) or drop --stop-cap');
    if (resume && existsSync(first.out)) readTunedFile(first.out, '--resume'); // another command's file: said before its options are read
    const saved = resume ? savedOptions(first.out, DEFAULTS) : {};
    const o = parseOptions(schema, gatherOptions(cmd, flags, { ...DEFAULTS, ...saved }, schema.partial()).merged) as TuneOptions;
    const removeHint = installStopHint(io, 'tune-schedule', o.out);
    const file = await runTuneSchedule(o, resume, io, undefined, flags.force === true).finally(removeHint);
    const summary = Object.values(file.schedules).map((s) => `T=${s.steps}: FCD ${s.score.toFixed(3)} (defaults ${s.defaultScore.toFixed(3)}), NFE ${s.nfePerImage}`);
    if (file.stopRule !== undefined) summary.push(...describeStopMatches(file.stopRule.matches, file.stopRule.cap));
    io.stdout(flags.json === true ? `${JSON.stringify(file, null, 2)}\n` : `${summary.join('\n')}\nwrote ${o.out} (search split: held-out train images; budget ${file.searchBudget})\n`);
  });
}
