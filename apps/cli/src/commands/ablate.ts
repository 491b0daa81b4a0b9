/**
 * `speedrl ablate`: ablations under the same budget — one `accelerate` run per variant (full, no speed reward,
 * no KL, no quality filter, REINFORCE), each stopped by the same `--time-budget`, then `eval` of each model and of
 * the base at the same step budgets and seeds; OUT/ablations.json (the report's schema) and OUT/ablations.md.
 * It composes the other subcommands, so `--resume` continues unfinished runs and evals and skips finished ones.
 */
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { checkOutsideInputs, ensureWritableDir, writeFileAtomic, writeJsonAtomic, type TextIo } from '@speedrl/core';
import { DEFAULT_FASHION_MNIST_DIR } from '@speedrl/tensor-utils';
import { parseOptions, readConfigFile } from '../config-file';
import { InterruptedError, UsageError } from '../errors';
import { accelerateOptionsSchema } from './accelerate';
import { checkVariantRun, evalState, runProgress, seedFloors } from '../ablate/run-state';
import { ablationRows, ablationsMarkdown, budgetText, runNotes, type AblationEntry, type EvalRowLike } from '../ablate/table';
import { DEFAULT_VARIANTS, knobsOf, overrideFlags, overridesOf, parseVariants } from '../ablate/variants';
import { ablationEvalSource, ablationRowsKey, type Ablations } from '@speedrl/report';
import { seedFlag } from '../flags';
import {
  RUN_FILES, acquireRunLock, bundleIdentity, checkNewOutDir, checkRecordedInputs, checkSavedOptions, checkSeedRange, installInterruptHandler, jobInputKeys, jobInputPaths, newJobRecord, savedOptions, type JobInputs,
} from '@speedrl/pipeline';

const int = (min: number) => z.coerce.number().int().min(min);
const schema = z.object({
  base: z.string().min(1), rewardClassifier: z.string().min(1), evalClassifier: z.string().min(1), data: z.string().min(1),
  out: z.string().min(1), budget: z.coerce.number().min(0, 'must be ≥ 0 minutes (0 = no time limit: the iteration cap is the budget)'), variants: z.string(),
  evalSteps: z.string().regex(/^\d+(,\d+)*$/, 'a comma-separated list of step counts'), n: int(2).max(1_000_000, 'must be ≤ 1,000,000 samples per cell'), seeds: int(1), seed: seedFlag,
  fixedSteps: int(1), iterations: int(1),
});
type Options = z.infer<typeof schema>;
/** The options of the last invocation, in OUT: `--resume` starts from them. */
const SAVED_FILE = 'ablate.json';
const DEFAULTS: Options = {
  base: 'models/fashion-mnist', rewardClassifier: 'models/fashion-mnist/classifiers/reward', evalClassifier: 'models/fashion-mnist/classifiers/eval',
  data: DEFAULT_FASHION_MNIST_DIR, out: 'runs/ablations', budget: 10, variants: DEFAULT_VARIANTS.join(','), evalSteps: '4,12',
  n: 2000, seeds: 1, seed: 0, fixedSteps: 4, iterations: 100_000,
};

/** Executes a subcommand (the program's own runner, injected to avoid an import cycle). */
export type Runner = (argv: readonly string[], io: TextIo) => Promise<number>;

/** Registers `ablate`; `run` executes the `accelerate` and `eval` children. */
export function ablateCommand(io: TextIo, run: Runner): Command {
  const cmd = new Command('ablate')
    .description('ablations under the same budget: one accelerate run per variant, eval of each and of the base, ablations.json/.md')
    .option('--base <dir>', 'base model directory (also evaluated as the reference row)', DEFAULTS.base)
    .option('--reward-classifier <dir>', 'reward classifier (training signal)', DEFAULTS.rewardClassifier)
    .option('--eval-classifier <dir>', 'evaluation classifier (judge only)', DEFAULTS.evalClassifier)
    .option('--data <dir>', 'IDX dataset directory (test set = reference; train split for the mmd reward)', DEFAULTS.data)
    .option('--out <dir>', 'ablation directory: base/, <variant>/ (accelerate run + eval/), ablations.json, ablations.md', DEFAULTS.out)
    .option('--budget <minutes>', 'minutes of RL each variant gets (accelerate --time-budget; 0 = none, --iterations is the budget)', String(DEFAULTS.budget))
    .option('--config <file>', 'accelerate options (JSON or YAML, camelCase keys) every variant starts from')
    .option('--variants <list>', `variants to run: ${DEFAULT_VARIANTS.join(', ')}`, DEFAULTS.variants)
    .option('--eval-steps <list>', 'step budgets T of the evaluation', DEFAULTS.evalSteps)
    .option('--n <N>', 'samples per (model, T, seed)', String(DEFAULTS.n))
    .option('--seeds <k>', 'evaluation seeds (the same for every model)', String(DEFAULTS.seeds))
    .option('--seed <S>', 'first evaluation seed (the RL seed comes from --config, default 0)', String(DEFAULTS.seed))
    .option('--fixed-steps <T>', 'the single T of the no-speed variant (fixed-T RL)', String(DEFAULTS.fixedSteps))
    .option('--iterations <n>', 'iteration cap of every run (large: the budget is what stops them)', String(DEFAULTS.iterations))
    .option('--resume', 'continue unfinished runs and evals in --out, skip finished ones (options default to the saved OUT/ablate.json)')
    .option('--json', 'print ablations.json on stdout')
    .addHelpText('after', `
Variants (accelerate flags added on top of --config, so only the ablated knob differs):
  full        the config as given
  no-speed    --speed-weight 0 --rollout fixed --step-choices <fixed-steps>   (fixed-T RL)
  no-kl       --kl-beta 0
  no-filter   --floor none
  reinforce   --loss reinforce   (the same gradient as GRPO, so the same run, when innerEpochs is 1)
Outputs: OUT/base/eval, OUT/<variant>/ (an accelerate run dir) and OUT/<variant>/eval, OUT/ablations.json, OUT/ablations.md.

Examples:
  $ speedrl ablate --base models/fashion-mnist --out runs/ablations --budget 10 --config speedrl.yaml
  $ speedrl ablate --variants full,no-kl --budget 5 --eval-steps 4 --n 1000 --out runs/abl-kl
  $ speedrl ablate --budget 0 --iterations 30 --config configs/fashion-mnist-speedrl.yaml   # same iterations each
  $ speedrl ablate --out runs/ablations --resume          # after Ctrl-C: same options, from runs/ablations/ablate.json
  $ speedrl report runs/ablations/full --ablations runs/ablations/ablations.json
`);
  return cmd.action(async (flags: Record<string, unknown>) => {
    const resume = flags.resume === true;
    const typed = (k: string): boolean => cmd.getOptionValueSource(k) === 'cli';
    // on --resume the options saved in OUT/ablate.json are the defaults, so `--out DIR --resume` is enough
    const saved = resume ? savedOptions(join(String(flags.out), SAVED_FILE), { ...DEFAULTS, config: '', capGiven: false }) : {};
    const o = parseOptions(schema, { ...DEFAULTS, ...saved, ...Object.fromEntries(Object.entries(flags).filter(([k]) => typed(k) && k in DEFAULTS)) });
    // what the runs and their evals were made from: a resumed ablation keeps it (their results would be mixed otherwise)
    if (resume) checkSavedOptions(join(o.out, SAVED_FILE), saved, { ...o, config: flags.config }, ['base', 'rewardClassifier', 'data', 'config', 'fixedSteps'], typed, 'ablation');
    checkSeedRange(o.seed, o.seeds);
    const variants = parseVariants(o.variants);
    const config = typed('config') ? String(flags.config) : saved.config;
    const mu = config === undefined ? 1 : readConfigFile(config, accelerateOptionsSchema.partial()).innerEpochs ?? 1; // a bad file fails now, not after the base eval
    if (mu === 1 && variants.includes('reinforce')) io.stderr('ablate: note: with one update per rollout batch (innerEpochs 1) GRPO\'s ratio is 1, so reinforce trains exactly like full; set innerEpochs > 1 in --config to tell them apart\n');
    const capGiven = typed('iterations') || saved.capGiven === true;
    // a new ablation writes into an empty folder (it replaces the evals it finds there) outside its inputs; --resume one with ablate.json
    if (!resume || !existsSync(join(o.out, SAVED_FILE))) checkNewOutDir(o.out, resume ? `it holds no ${SAVED_FILE}, so no ablation to continue; choose another --out` : 'pass --resume to continue the ablation there, or choose another --out');
    // content keys of what every run and eval is made from: a resume refuses changed files at the same paths
    const jobInputs: JobInputs = { '--base': ['bundle', o.base], '--reward-classifier': ['classifier', o.rewardClassifier], '--eval-classifier': ['classifier', o.evalClassifier],
      '--data': ['data', o.data], ...(config !== undefined ? { '--config': ['config', config] as const } : {}) };
    checkOutsideInputs(o.out, jobInputPaths(jobInputs, ['--config']));
    let record = newJobRecord(await jobInputKeys(jobInputs)); // unreadable inputs: the child command that loads them reports the error
    if (resume && existsSync(join(o.out, SAVED_FILE))) {
      record = checkRecordedInputs(join(o.out, SAVED_FILE), record.inputs, jobInputs, 'ablation'); // keys unreadable now stay recorded
    }
    // every variant's options must parse before any work (was: a bad --config found after the base's eval, and the fixed
    // file then refused by --resume); a resumed variant's run must hold them (only its knob differs), else its rows compare unequal runs
    for (const v of variants) {
      const dir = join(o.out, v);
      const printed: string[] = [];
      if ((await run([...freshArgv(o, v, config, dir), '--print-config'], { ...io, stdout: (t) => printed.push(t) })) !== 0) throw new UsageError(`ablate: the options of ${v} do not parse (see above); nothing was run`);
      const p = runProgress(dir, o.budget, o.iterations);
      if (!resume || !existsSync(join(dir, RUN_FILES.run)) || (!p.finished && !p.hasCheckpoint)) continue; // started afresh anyway
      checkVariantRun(v, dir, (JSON.parse(printed.join('')) as { options: Record<string, unknown> }).options, !p.finished);
    }
    const created = !existsSync(o.out);
    await ensureWritableDir(o.out, '--out');
    acquireRunLock(o.out, 'ablate', '--out', undefined, created); // one ablation at a time; its children run in this process
    // the table of an earlier pass no longer describes this ablation until it finishes (it is rebuilt from the kept evals)
    for (const f of ['ablations.json', 'ablations.md']) await rm(join(o.out, f), { force: true });
    await writeJsonAtomic(join(o.out, SAVED_FILE), { command: 'ablate', options: { ...o, ...(config !== undefined ? { config } : {}), capGiven }, ...record, updatedAt: new Date().toISOString() });
    const interrupt = installInterruptHandler(io);
    try {
      const result = await ablate(o, variants, { config, resume, capGiven }, io, run, () => interrupt.stop.requested);
      if (result === undefined) throw new InterruptedError(`ablate: stopped by ${interrupt.stop.signal ?? 'a signal'}; the finished parts are saved, continue with --resume`);
      io.stdout(flags.json === true ? `${JSON.stringify(result, null, 2)}\n` : `${ablationsMarkdown(result)}\nwrote ${join(o.out, 'ablations.json')} and ablations.md\n`);
    } finally {
      interrupt.dispose();
    }
  });
}

interface Mode {
  readonly config: string | undefined;
  readonly resume: boolean;
  readonly capGiven: boolean;
}

/** Runs every phase; resolves to the ablations, or undefined when a signal stopped it between children. */
async function ablate(o: Options, variants: readonly string[], mode: Mode, io: TextIo, run: Runner, stopped: () => boolean): Promise<Ablations | undefined> {
  const evalSteps = o.evalSteps.split(',').map(Number);
  const want = { classifier: o.evalClassifier, data: o.data, n: o.n, steps: evalSteps, seeds: Array.from({ length: o.seeds }, (_, k) => o.seed + k) };
  const child = async (what: string, argv: string[]): Promise<string> => {
    const out: string[] = [];
    const code = await run(argv, { ...io, stdout: (t) => out.push(t) });
    if (code === 130 || stopped()) throw new InterruptedError(`ablate: stopped during ${what}; the finished parts are saved, continue with --resume`);
    if (code !== 0) throw new UsageError(`ablate: ${what} failed (exit ${code}); fix the error above, then run again with --resume`);
    return out.join('');
  };
  const evaluate = async (label: string, model: string, dir: string, mayReuse: boolean, floorsFrom?: string): Promise<void> => {
    const modelKey = await bundleIdentity(model).catch(() => undefined); // unreadable: the eval says why
    const state = mayReuse ? evalState(dir, { ...want, ...(modelKey === undefined ? {} : { modelKey }) }) : 'stale';
    if (state === 'complete') {
      io.stderr(`ablate: eval of ${label}: every cell already in ${join(dir, 'eval.json')}, skipped\n`);
      return;
    }
    const resumeEval = state === 'partial' || (floorsFrom !== undefined && (await seedFloors(floorsFrom, dir)));
    io.stderr(await child(`eval of ${label}`, ['eval', '--model', model, '--classifier', o.evalClassifier, '--data', o.data, '--steps', o.evalSteps,
      '--n', String(o.n), '--seeds', String(o.seeds), '--seed', String(o.seed), '--out', dir, ...(resumeEval ? ['--resume'] : ['--force'])])); // a stale eval is recomputed on purpose
  };
  const total = variants.length + 1;
  const baseEval = join(o.out, 'base', 'eval');
  io.stderr(`\n== ablate: base (1/${total}) ==\n`);
  await evaluate('base', o.base, baseEval, mode.resume);
  if (stopped()) return undefined;
  for (const [i, v] of variants.entries()) {
    io.stderr(`\n== ablate: ${v} (${i + 2}/${total}) ==\n`);
    const dir = join(o.out, v);
    const before = runProgress(dir, o.budget, o.iterations);
    const skip = mode.resume && before.finished;
    if (skip) {
      io.stderr(`ablate: ${v} already ${runNotes(before.stoppedBy, before.iterations, before.elapsedMs)}; not rerun\n`);
    } else {
      let argv: string[];
      if (mode.resume && before.hasCheckpoint) {
        argv = ['accelerate', '--out', dir, '--resume', '--time-budget', String(o.budget), '--iterations', String(o.iterations), '--json'];
      } else {
        await rm(join(dir, RUN_FILES.metrics), { force: true }); // records of an attempt that never checkpointed
        argv = [...freshArgv(o, v, mode.config, dir), '--json'];
      }
      const summary = JSON.parse(await child(`accelerate of ${v}`, argv)) as { stoppedBy?: string };
      if (summary.stoppedBy === 'signal' || stopped()) return undefined;
    }
    if (stopped()) return undefined;
    await evaluate(v, join(dir, 'model'), join(dir, 'eval'), skip, baseEval);
    if (stopped()) return undefined;
  }
  const entries = [await entryOf(o.out, 'base', o.base, baseEval, evalSteps, { config: {}, notes: 'base model, no RL' })];
  const ran: string[] = [];
  for (const v of variants) {
    const dir = join(o.out, v);
    const p = runProgress(dir, o.budget, o.iterations);
    ran.push(`${v} ${p.iterations}`);
    const saved = JSON.parse(await readFile(join(dir, RUN_FILES.run), 'utf8')) as { options?: Record<string, unknown> };
    entries.push(await entryOf(o.out, v, join(dir, 'model'), join(dir, 'eval'), evalSteps, {
      config: knobsOf(saved.options ?? {}), notes: runNotes(p.stoppedBy, p.iterations, p.elapsedMs), ...(p.stepsMean !== undefined ? { stepsMean: p.stepsMean } : {}),
    }));
  }
  const rows = ablationRows(entries);
  const ablations: Ablations = { budget: `${budgetText(o.budget, mode.capGiven ? o.iterations : undefined)} (iterations run: ${ran.join(', ')})`, rows, rowsKey: ablationRowsKey(rows) };
  await writeJsonAtomic(join(o.out, 'ablations.json'), ablations);
  await writeFileAtomic(join(o.out, 'ablations.md'), ablationsMarkdown(ablations));
  return ablations;
}

/** The accelerate argv of a fresh run of variant `v` in `dir`: --config, the inputs, the variant's flags and the limits. */
function freshArgv(o: Options, v: string, config: string | undefined, dir: string): string[] {
  return ['accelerate', ...(config !== undefined ? ['--config', config] : []), '--base', o.base, '--reward-classifier', o.rewardClassifier,
    '--data', o.data, '--out', dir, ...overrideFlags(overridesOf(v, o.fixedSteps)), '--time-budget', String(o.budget), '--iterations', String(o.iterations)];
}

async function entryOf(out: string, name: string, model: string, evalDir: string, evalSteps: readonly number[], extra: Omit<AblationEntry, 'name' | 'evalRows' | 'evalSteps'>): Promise<AblationEntry> {
  const path = join(evalDir, 'eval.json');
  if (!existsSync(path)) throw new Error(`ablate: ${path} is missing (eval of ${model})`);
  const json = JSON.parse(await readFile(path, 'utf8')) as { rows?: EvalRowLike[]; cells?: unknown; floors?: unknown };
  return { name, evalRows: json.rows ?? [], evalSteps, ...extra, eval: ablationEvalSource(out, path, json) };
}
