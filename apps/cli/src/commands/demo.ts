/**
 * `speedrl demo`: the main job on the shipped models — a short Speed-RL run (the training loop at work: curves, grids),
 * then `compare` of the base and the shipped accelerated model (`--accelerated`; with "none", this run's) at a few step
 * budgets over several seeds (table, acceleration claims with their margins, grids), then the run's full
 * `speedrl report` (config, training curves, the comparison, grids) as one offline HTML file.
 * It composes the other subcommands, so each phase is resumable on its own (`--resume` reuses finished parts).
 */
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { checkOutsideInputs, ensureWritableDir, writeJsonAtomic, type TextIo } from '@speedrl/core';
import { DEFAULT_FASHION_MNIST_DIR } from '@speedrl/tensor-utils';
import { gatherOptions, parseOptions } from '../config-file';
import { InterruptedError, UsageError } from '../errors';
import {
  acquireRunLock, bundleIterations, checkBundleSteps, checkDerivedFrom, checkNewOutDir, checkRecordedInputs, checkResumeOverrides, installInterruptHandler, jobInputKeys, jobInputPaths, newJobRecord, rlRunFinished, savedOptions,
  type JobInputs,
} from '@speedrl/pipeline';
import { seedFlag } from '../flags';

const int = (min: number) => z.coerce.number().int().min(min);
const schema = z.object({
  base: z.string().min(1), accelerated: z.string().min(1), rewardClassifier: z.string().min(1), evalClassifier: z.string().min(1), data: z.string().min(1),
  out: z.string().min(1), iterations: int(0), steps: z.string().regex(/^\d+(,\d+)*$/, 'a comma-separated list of step counts'),
  n: int(2).max(1_000_000, 'must be ≤ 1,000,000 samples per cell'), seeds: int(1), seed: seedFlag,
});
type Options = z.infer<typeof schema>;
const DEFAULTS: Options = {
  base: 'models/fashion-mnist', accelerated: 'models/fashion-mnist-speedrl', rewardClassifier: 'models/fashion-mnist/classifiers/reward', evalClassifier: 'models/fashion-mnist/classifiers/eval',
  // 1,000 samples × 3 seeds at T = 3 and 12: the fewest at which the base's T = 3 and T = 12 differ beyond 2σ (at 300
  // every T was within noise of every other), and the whole demo fits 10 minutes with npm ci on 2 cores (README)
  data: DEFAULT_FASHION_MNIST_DIR, out: 'runs/demo', iterations: 8, steps: '3,12', n: 1000, seeds: 3, seed: 0,
};

type Runner = (argv: readonly string[], io: TextIo) => Promise<number>;

/** The demo's options, saved in --out: `--resume` starts from them. */
const DEMO_FILE = 'demo.json';
/** What a resumed demo may change: where it is, and more RL iterations (the RL resumes; the comparison is redone). */
const DEMO_MUTABLE: ReadonlySet<string> = new Set(['out', 'iterations']);

/** Registers `demo`; `run` executes a subcommand (the program's own runner, injected to avoid an import cycle). */
export function demoCommand(io: TextIo, run: Runner): Command {
  const cmd = new Command('demo')
    .description('the main job: short Speed-RL on the shipped models, compare base vs accelerated, the run\'s offline HTML report')
    .option('--base <dir>', 'base model directory', DEFAULTS.base)
    .option('--accelerated <dir>', 'the finished Speed-RL model compared with the base, or "none" to compare this short run\'s model', DEFAULTS.accelerated)
    .option('--reward-classifier <dir>', 'reward classifier (training signal)', DEFAULTS.rewardClassifier)
    .option('--eval-classifier <dir>', 'evaluation classifier (judge only)', DEFAULTS.evalClassifier)
    .option('--data <dir>', 'IDX dataset directory (test set = eval reference; train split = mmd reward reference)', DEFAULTS.data)
    .option('--out <dir>', 'demo directory (accelerate/, compare/, report.html)', DEFAULTS.out)
    .option('--iterations <n>', 'Speed-RL iterations (the short run)', String(DEFAULTS.iterations))
    .option('--steps <list>', 'step budgets to evaluate', DEFAULTS.steps)
    .option('--n <N>', 'samples per (model, T, seed)', String(DEFAULTS.n))
    .option('--seeds <k>', 'evaluation seeds (the report shows mean ± std over them)', String(DEFAULTS.seeds))
    .option('--seed <S>', 'seed of the RL run and the first eval seed', String(DEFAULTS.seed))
    .option('--config <file>', 'JSON or YAML file with any of these options (flags win)')
    .option('--resume', 'reuse the finished parts in --out and continue the rest')
    .addHelpText('after', `
Examples:
  $ npm run demo                                         # = speedrl demo, on the shipped models
  $ speedrl demo --seed 3 --out runs/demo-seed3          # another seed (README: the conclusion held on 3 of them)
  $ speedrl demo --accelerated none --iterations 25      # compare the base with this short run's model instead
  $ speedrl demo --resume                                # after Ctrl-C
`);
  return cmd.action(async (flags: Record<string, unknown>) => {
    const resume = flags.resume === true;
    // on --resume the demo's saved options are the defaults, and an option that defines it cannot change: a finished RL
    // or eval would be reused under new values (another base, fewer iterations) or mixed with new cells (other seeds)
    const first = gatherOptions(cmd, flags, DEFAULTS, schema.partial()).merged;
    const saved = resume ? savedOptions(join(first.out, DEMO_FILE), DEFAULTS) : {};
    if (Object.keys(saved).length > 0) saved.accelerated ??= 'none'; // a demo from before --accelerated compared its own run
    const { merged, typed } = gatherOptions(cmd, flags, { ...DEFAULTS, ...saved }, schema.partial());
    const o = parseOptions(schema, merged);
    if (resume) {
      checkResumeOverrides(saved, typed, DEMO_MUTABLE, 'demo');
      if (saved.iterations !== undefined && o.iterations < Number(saved.iterations)) {
        throw new UsageError(`--iterations: a resumed demo may train longer, not shorter (it was started with ${saved.iterations}, got ${o.iterations}); start a new demo with another --out`);
      }
    }
    // Ctrl-C reaches the running step (it saves) and this pipeline, which then stops instead of going on
    const interrupt = installInterruptHandler(io);
    const step = async (name: string, argv: string[]): Promise<void> => {
      io.stderr(`\n== demo: ${name} ==\n`);
      const code = await run(argv, io);
      if (interrupt.stop.requested) {
        throw new InterruptedError(`demo: stopped by ${interrupt.stop.signal ?? 'a signal'} during "${name}" (its progress is saved); run again with --resume to continue there`);
      }
      if (code !== 0) throw new UsageError(`demo: ${name} failed (exit ${code}); fix the error above, then run again with --resume (demo has no --force: where the error suggests it, remove that step's folder in --out instead)`);
    };
    await runDemo(o, resume, step, io).finally(() => interrupt.dispose());
  });
}

async function runDemo(o: Options, resume: boolean, step: (name: string, argv: string[]) => Promise<void>, io: TextIo): Promise<void> {
  const shipped = o.accelerated === 'none' ? undefined : o.accelerated; // a long Speed-RL run's model: what acceleration looks like
  // a new demo writes into an empty folder (it replaces compare/ and report.html there) outside its inputs, one at a time
  // --resume continues a demo: a folder without demo.json holds none, and its compare/ would be replaced as the demo's
  if (!resume || !existsSync(join(o.out, DEMO_FILE))) checkNewOutDir(o.out, resume ? `it holds no ${DEMO_FILE}, so no demo to continue; choose another --out` : 'pass --resume to continue the demo there, or choose another --out');
  const jobInputs: JobInputs = { '--base': ['bundle', o.base], ...(shipped === undefined ? {} : { '--accelerated': ['bundle', shipped] as const }),
    '--reward-classifier': ['classifier', o.rewardClassifier], '--eval-classifier': ['classifier', o.evalClassifier], '--data': ['data', o.data] };
  checkOutsideInputs(o.out, jobInputPaths(jobInputs));
  const now = await jobInputKeys(jobInputs); // the files each flag names (relative: against this cwd); a resume refuses other ones
  const record = resume ? checkRecordedInputs(join(o.out, DEMO_FILE), now, jobInputs, 'demo') : newJobRecord(now); // and from another cwd
  if (shipped !== undefined) await checkBundleSteps(shipped, '--accelerated', o.steps.split(',').map(Number)); // before the RL, not after it
  const unchecked = shipped === undefined ? undefined : await checkDerivedFrom(shipped, o.base, '--accelerated');
  if (unchecked !== undefined) io.stderr(`note: ${unchecked}\n`);
  const created = !existsSync(o.out);
  await ensureWritableDir(o.out, '--out');
  acquireRunLock(o.out, 'demo', '--out', undefined, created);
  await writeJsonAtomic(join(o.out, DEMO_FILE), { command: 'demo', options: o, ...record, updatedAt: new Date().toISOString() });
  const rlDir = join(o.out, 'accelerate');
  const modelDir = join(rlDir, 'model');
  const rlDone = resume && (await rlRunFinished(rlDir, o.iterations));
  if (!rlDone) {
    const rlResume = resume && existsSync(join(rlDir, 'run.json')); // a run killed before its first checkpoint resumes from 0 (was: refused, "not empty")
    await step('Speed-RL', ['accelerate', '--base', o.base, '--reward-classifier', o.rewardClassifier, '--data', o.data, '--out', rlDir, '--iterations', String(o.iterations), '--seed', String(o.seed), ...(rlResume ? ['--resume'] : [])]);
  }
  // the eval protocol on base and accelerated model (table, claims with margins, plots, grids); the accelerated model is
  // --accelerated's when given (a few iterations accelerate nothing visible at this size), else this run's, whose
  // earlier cells a continued RL makes stale
  const compareDir = join(o.out, 'compare');
  if (!rlDone && shipped === undefined) await rm(compareDir, { recursive: true, force: true });
  await step('compare base vs accelerated', [
    'compare', '--models', `base=${o.base},speedrl=${shipped ?? modelDir}`, '--methods', 'cosine', '--steps', o.steps, '--n', String(o.n), '--seeds', String(o.seeds),
    '--seed', String(o.seed), '--classifier', o.evalClassifier, '--data', o.data, '--out', compareDir, ...(existsSync(join(compareDir, 'compare.json')) ? ['--resume'] : []),
  ]);
  // the full run report: config, training curves, the comparison and its grids (--force replaces only an earlier report)
  const report = join(o.out, 'report.html');
  const trained = await bundleIterations(modelDir); // the compared model's own count, not the option (a run continued by hand)
  const rl = trained >= 0 ? `${trained} iteration${trained === 1 ? '' : 's'} of Speed-RL` : 'its Speed-RL model';
  const title = `Speed-RL demo: ${o.base} vs ${shipped === undefined ? rl : `${shipped} (training curves: ${rl} here)`}`;
  await step('report', ['report', rlDir, '--compare', compareDir, '--out', report, '--force', '--title', title]);
  io.stdout(`demo done: open ${report} (offline, self-contained)\n`);
}
