/**
 * The work of `speedrl eval` (docs/architecture.md, "Evaluation protocol"): for each step budget T and seed, one
 * evaluation cell (cell.ts) against the test set, with the reconstruction and train-vs-test floors (from the bundle's
 * floors.json when its key matches); eval.json saved after every cell (resumable cell by cell), eval.md and an
 * FCD-vs-steps plot.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { InterruptedError, UsageError, checkOutsideInputs, checkReplacedStash, dropReplaced, flagOf, createProgress, ensureWritableDir, replacedStashOf, writeFileAtomic, writeJsonAtomic, type TextIo } from '@speedrl/core';
import { initBackend, writeLineChart } from '@speedrl/tensor-utils';
import { readModelMetadata } from '@speedrl/maskgit';
import { MASKGIT_DIR, withRunLock, bundleIdentity, interruptRequested, changedInputs, checkDataDir, checkSamplerOptionsRead, checkSeedRange, classifierFiles, dataFiles, inputKeys, loadGenerator, type Engine } from '@speedrl/pipeline';
import { guidanceForWeight, type SamplerMethod } from '@speedrl/sampler';
import { measureCell } from './cell';
import { checkListedOnce } from './compare/spec';
import { checkResumeExtends, seedSpan } from './resume-extends';
import { checkNoForeignProducts, checkOwnResults, setEarlierResultAside } from './own-results';
import { resultsDigest, checkResultsKey, checkEvalResultRows, checkOptionsDigest, checkStoredCells, optionsDigest, optionsIntact } from './stored-cells';
import { bundleFloors } from './floors-cache';
import { computeFloors, loadEvalClassifier, loadTestReference } from './reference';
import { aggregate, markdownTable, type EvalCell, type EvalRow } from './table';
import { evalAcceleration, readBaseEval, type BaseEval } from './acceleration-inputs';
import { accelerationMarkdown } from './acceleration-markdown';
import type { Acceleration } from './acceleration-schema';

/** Options of an evaluation (as `speedrl eval` validates them). */
export interface EvalOptions {
  /** Model bundle directory (tokenizer/ + maskgit/). */
  readonly model: string;
  /** EVALUATION classifier directory. */
  readonly classifier: string;
  /** IDX dataset directory (test split = reference, train split = floor). */
  readonly data: string;
  readonly out: string;
  /** Step budgets, comma-separated (e.g. "1,2,4,8"). */
  readonly steps: string;
  readonly n: number;
  readonly seeds: number;
  readonly seed: number;
  readonly engine: Engine;
  readonly sampler: SamplerMethod;
  readonly schedule: string;
  readonly temperature: number;
  readonly gumbel: number;
  readonly cfg: number;
  readonly batch: number;
  readonly refLimit: number;
  readonly kidSubsets: number;
  /** A base model's eval.json: acceleration factors vs it (`--base-eval`); vs itself is computed without it. */
  readonly baseEval?: string;
}

/** eval.json: the cells (per seed), the rows (over seeds), the floors and the table. */
export interface EvalResult {
  readonly model: string;
  readonly engine: Engine;
  readonly backend: string;
  /** The options, with steps and seeds as the union of the cells' (a resume may add some). */
  readonly options: EvalOptions & { readonly seedList: readonly number[] };
  /** Digest of the cell-defining options (`optionsDigest`): a resume refuses options edited since. */
  readonly optionsKey: string;
  /** Content keys of the model, classifier and dataset files, by flag (a resume refuses changed ones). */
  readonly inputs: Record<string, string>;
  readonly floors: Record<string, number>;
  readonly cells: readonly EvalCell[];
  /** Digest of `cells` and `floors` (`resultsDigest`): a resume and the report refuse them edited since. */
  readonly resultsKey: string;
  readonly rows: readonly EvalRow[];
  readonly table: string;
  /** Acceleration factors vs `baseEval` and vs itself (absent with neither a base nor a T = 12 row). */
  readonly acceleration?: Acceleration;
}

/** What eval writes beside eval.json. */
/** What eval writes beside eval.json in its --out. */
export const EVAL_PRODUCTS = ['eval.md', 'fcd-vs-steps.png'] as const;

/** Options that define a cell's numbers: a resumed eval.json must have been computed with the same values. */
const CELL_DEFINING = ['model', 'classifier', 'data', 'n', 'engine', 'sampler', 'schedule', 'temperature', 'gumbel', 'cfg', 'refLimit', 'kidSubsets', 'batch'] as const;

/** Whether an eval.json's options are those its cells were computed with (its `optionsKey` matches them; an older file without one passes). */
export const evalOptionsIntact = (json: { options?: unknown; optionsKey?: unknown; cells?: unknown }): boolean => optionsIntact(json, CELL_DEFINING);
/** The `optionsKey` an eval.json records for these options: the digest of their cell-defining ones (stored-cells.ts). */
export const evalOptionsKey = (options: Readonly<Record<string, unknown>>): string => optionsDigest(options, CELL_DEFINING);

/** The flags of the input directories, whose recorded content keys decide whether a resume reads the same files. */
const INPUT_FLAGS = { model: '--model', classifier: '--classifier', data: '--data' } as const;

/** Content keys of the files a cell's numbers come from: the bundle, the evaluation classifier and the dataset. */
async function inputsOf(o: EvalOptions): Promise<Record<string, string>> {
  return inputKeys({ '--model': () => bundleIdentity(o.model), '--classifier': () => classifierFiles(o.classifier), '--data': () => dataFiles(o.data) });
}

/** The previous eval.json on resume, checked against `o`; without resume an existing one is refused unless force. */
async function previousEval(o: EvalOptions, jsonPath: string, resume: boolean, force: boolean, inputs: Record<string, string>): Promise<{ cells?: EvalCell[]; floors?: Record<string, number>; options?: Partial<EvalOptions> }> {
  if (!existsSync(jsonPath)) return {};
  if (!resume) {
    if (force) return {};
    throw new UsageError(`--out: "${o.out}" already holds eval.json; pass --resume to add cells to it, --force to replace it, or choose another --out`);
  }
  let prev: { cells?: EvalCell[]; resultsKey?: string; floors?: Record<string, number>; options?: Partial<EvalOptions>; inputs?: Record<string, string> };
  try {
    prev = JSON.parse(await readFile(jsonPath, 'utf8')) as typeof prev;
  } catch (error) {
    throw new UsageError(`--resume: ${jsonPath} is not valid JSON (${(error as Error).message.split('\n')[0]}); move it away or pass --force without --resume`);
  }
  if (prev === null || typeof prev !== 'object' || Array.isArray(prev)) { // was: a TypeError ("Cannot read properties of null"), exit 1
    throw new UsageError(`--resume: ${jsonPath} is not an eval.json of speedrl eval (it holds ${JSON.stringify(prev)?.slice(0, 40)}); move it away or use another --out`);
  }
  checkStoredCells(jsonPath, prev.cells); // an edited or damaged cell is never averaged in
  checkResultsKey(jsonPath, prev, '--resume', undefined, (cells: EvalCell[]) => aggregate(cells)); // a key-less file: its rows vouch for its cells
  checkOptionsDigest(jsonPath, prev, CELL_DEFINING, 'restore it, pass --force to recompute (without --resume), or use another --out'); // the options below are its cells'
  for (const key of CELL_DEFINING) {
    const was = prev.options?.[key];
    if (was === undefined || String(was) === String(o[key])) continue;
    // an input given by another spelling of its path (./P/mg), or copied with its eval: the content keys decide (below)
    if (key in INPUT_FLAGS && (prev.inputs?.[INPUT_FLAGS[key as keyof typeof INPUT_FLAGS]] !== undefined || resolve(String(was)) === resolve(String(o[key])))) continue;
    throw new UsageError(`${flagOf(key)}: ${jsonPath} was computed with ${JSON.stringify(was)}, now ${JSON.stringify(o[key])}; use the same value, --force to recompute, or another --out`);
  }
  const changed = changedInputs(prev.inputs, inputs);
  if (changed.length > 0) {
    throw new UsageError(`--resume: the files of ${changed.join(', ')} changed since ${jsonPath} was computed; its cells would mix two inputs. Pass --force to recompute, or use another --out`);
  }
  return prev;
}

/** What the FCD of a cell is measured against: a base eval.json judged otherwise gives no comparable number. */
const JUDGE_OPTIONS = ['n', 'refLimit'] as const;
/** How samples are drawn: a factor "12 / T" compares step counts of one sampler (another temperature, schedule, method or guidance — 2 passes per step — is another sampler). */
const SAMPLER_OPTIONS = ['sampler', 'schedule', 'temperature', 'gumbel', 'cfg'] as const;

/**
 * A --base-eval file must be judged as this run is (same --n, --ref-limit, classifier and data files, where the file
 * records them), sampled with the same sampler (method, schedule, temperature, choice noise, guidance), and its rows
 * must be its cells' (not edited by hand): else its acceleration factor is meaningless.
 */
function checkBaseJudge(read: BaseEval, o: EvalOptions, inputs: Readonly<Record<string, string>>): void {
  const file = read.name;
  const base = read.json as { options?: Record<string, unknown>; optionsKey?: unknown; inputs?: Record<string, string>; cells?: EvalCell[]; rows?: unknown }; // the file as read once, before any work
  // options compared below must be those its cells were computed with (was: an edited n = 60 matched this run's and passed)
  if (base.optionsKey !== undefined && !evalOptionsIntact(base)) {
    throw new UsageError(`--base-eval: "${file}" has options that no longer give its optionsKey (edited by hand?), so they can't be compared with this run's; restore it, or evaluate the base again`);
  }
  for (const key of JUDGE_OPTIONS) {
    const was = base.options?.[key];
    if (was === undefined || String(was) === String(o[key])) continue;
    throw new UsageError(`--base-eval: "${file}" was measured with ${flagOf(key)} ${JSON.stringify(was)}, this run with ${JSON.stringify(o[key])}; its FCDs are not comparable (evaluate both the same way)`);
  }
  for (const key of SAMPLER_OPTIONS) {
    const was = base.options?.[key];
    if (was === undefined || String(was) === String(o[key])) continue;
    throw new UsageError(`--base-eval: "${file}" sampled with ${flagOf(key)} ${JSON.stringify(was)}, this run with ${JSON.stringify(o[key])}; a factor of steps compares one sampler (evaluate the base with the same sampler, or use speedrl compare for different samplers)`);
  }
  const changed = changedInputs(base.inputs, inputs).filter((flag) => flag !== '--model');
  if (changed.length > 0) throw new UsageError(`--base-eval: "${file}" was judged with other files of ${changed.join(', ')} than this run; its FCDs are not comparable (evaluate both the same way)`);
  checkEvalResultRows(file, base, '--base-eval');
}

/**
 * The base eval must be of another model than this one (judged against itself every claim is vacuous) and, when this
 * model records the base it was accelerated from (`metadata.base` of an accelerate bundle, a path found from here),
 * of that base: a factor against an unrelated model is no acceleration.
 */
async function checkBaseIsTheBase(read: BaseEval, o: EvalOptions, inputs: Readonly<Record<string, string>>): Promise<void> {
  const baseModel = (read.json as { inputs?: Record<string, string> }).inputs?.['--model'];
  if (baseModel === undefined) return; // an older file without content keys: nothing to compare
  if (baseModel === inputs['--model']) {
    throw new UsageError(`--base-eval: "${read.name}" evaluated this very model (${o.model}: the same files); pass the eval.json of the base it was accelerated from`);
  }
  let recorded: unknown;
  try {
    recorded = (await readModelMetadata(join(o.model, MASKGIT_DIR))).base;
  } catch {
    return; // loadGenerator names an unreadable config
  }
  if (typeof recorded !== 'string' || !existsSync(join(recorded, 'maskgit'))) return; // no record, or a path relative to another cwd
  if ((await bundleIdentity(recorded)) !== baseModel) {
    throw new UsageError(`--base-eval: "${read.name}" evaluated another model than ${recorded}, the base ${o.model} was accelerated from (its files differ); evaluate that base, or pass its eval.json`);
  }
}

/**
 * Evaluates `o.model` at every T and seed into `o.out` (eval.json, eval.md, fcd-vs-steps.png). `resume` keeps the
 * cells of an eval.json computed with the same cell-defining options and files; `force` replaces one.
 */
export async function runEval(o: EvalOptions, resume: boolean, force: boolean, io: TextIo): Promise<EvalResult> {
  if (resume && force) throw new UsageError('--resume, --force: choose one (add cells to eval.json, or replace it)');
  checkOutsideInputs(o.out, { '--model': o.model, '--classifier': o.classifier, '--data': o.data });
  const base = o.baseEval === undefined ? undefined : readBaseEval(o.baseEval, { ownFile: join(o.out, 'eval.json') }); // before any work
  if (force && existsSync(join(o.out, 'eval.json'))) checkOwnResults(join(o.out, 'eval.json'), 'eval'); // before any work
  checkReplacedStash(replacedStashOf(o.out, 'dir')); // a file or folder of the stash's name, not ours: before any work
  checkNoForeignProducts(o.out, 'eval.json', EVAL_PRODUCTS);
  const created = !existsSync(o.out); // removed again if a check below refuses the run before anything is written
  await ensureWritableDir(o.out, '--out');
  return withRunLock(o.out, 'eval', () => evalLocked(o, resume, force, io, base), '--out', undefined, created); // one writer of eval.json at a time
}

async function evalLocked(o: EvalOptions, resume: boolean, force: boolean, io: TextIo, base: BaseEval | undefined): Promise<EvalResult> {
  checkDataDir(o.data);
  const jsonPath = join(o.out, 'eval.json');
  if (!resume || !existsSync(jsonPath)) checkSamplerOptionsRead(o); // (a resume keeps its file's values: a changed one is refused below)
  const steps = o.steps.split(',').map(Number);
  checkListedOnce('--steps', steps); // a repeated cell would count as another seed
  checkSeedRange(o.seed, o.seeds);
  const inputs = await inputsOf(o);
  if (base !== undefined) { // before any work
    checkBaseJudge(base, o, inputs);
    await checkBaseIsTheBase(base, o, inputs);
  }
  const previous = await previousEval(o, jsonPath, resume, force, inputs); // before any work
  checkResumeExtends(jsonPath, previous.cells ?? [], steps, o);
  const backend = await initBackend();
  const gen = await loadGenerator(o.model, o.engine);
  try {
    const maxT = gen.config.seqLen;
    if (o.sampler !== 'adaptive' && steps.some((t) => t < 1 || t > maxT)) throw new UsageError(`--steps: each T must be in 1..${maxT}, got ${o.steps}`);
    const classifier = await loadEvalClassifier(o.classifier, o.n, '--classifier', 'eval needs', o.engine);
    const test = await loadTestReference(classifier, o.data, o.refLimit);
    const judge = { classifier, reference: test.reference, kidSubsets: o.kidSubsets };
    io.stderr(`eval: ${o.model} on ${o.engine} (tfjs backend ${backend.backend}), reference ${test.count} test images, T ∈ {${o.steps}}, n=${o.n}, ${o.seeds} seed(s)\n`);
    // never eval.json's own floors, even on --resume: floors.json (keyed by the inputs, its numbers hashed) is checked, they are not
    const floorValues: Record<string, number> = { ...(await bundleFloors({ modelDir: o.model, classifierDir: o.classifier, dataDir: o.data, refLimit: o.refLimit }, io, () => computeFloors(gen, classifier, test, o.data, o.seed, o.kidSubsets))) };
    const cells: EvalCell[] = [...(previous.cells ?? [])];
    const save = async (): Promise<EvalResult> => {
      const rows = aggregate(cells);
      const table = markdownTable(rows, { reconstruction: floorValues.reconstruction ?? NaN, 'held-out train': floorValues.trainHeldOut ?? NaN }, o.engine);
      // options as the file holds them: the union of what this call asked for and the step counts and seeds of all its
      // cells (a resume may add some), so a bare --resume after an interruption plans the missing cells (was: only the
      // computed ones: it finished nothing and exited 0); seedList is the seeds of the cells
      const cellSteps = [...new Set([...steps, ...cells.map((c) => c.steps)])].sort((a, b) => a - b);
      const options = { ...o, steps: cellSteps.join(','), ...seedSpan(o, cells.map((c) => c.seed)) };
      const acceleration = evalAcceleration(rows, base);
      const result = { model: o.model, engine: o.engine, backend: backend.backend, options, optionsKey: evalOptionsKey({ ...o }), inputs, floors: floorValues, cells, resultsKey: resultsDigest(cells, floorValues), rows, table, ...(acceleration === undefined ? {} : { acceleration }) };
      await writeJsonAtomic(jsonPath, result);
      await writeFileAtomic(join(o.out, 'eval.md'), `# speedrl eval: ${o.model}\n\n${table}${acceleration === undefined ? '' : `\n${accelerationMarkdown(acceleration)}`}`);
      // the figure follows every save: a stopped run's directory never shows another run's curve beside its eval.json
      await writeLineChart(join(o.out, 'fcd-vs-steps.png'), {
        title: `FCD vs sampling steps (${o.n} samples, ${options.seeds} seed(s))`, xLabel: 'steps T', yLabel: 'FCD (eval classifier)',
        xTicks: rows.map((r) => r.steps), xScale: rows.length > 0 && (rows[rows.length - 1]?.steps ?? 1) / (rows[0]?.steps ?? 1) >= 8 ? 'log2' : 'linear',
        series: [{ name: o.model, x: rows.map((r) => r.steps), y: rows.map((r) => r.fcd.mean), yErr: rows.map((r) => r.fcd.std) }],
        hlines: [
          { name: 'reconstruction floor', y: floorValues.reconstruction ?? NaN, dashed: true },
          { name: 'held-out train floor', y: floorValues.trainHeldOut ?? NaN, dashed: true },
        ],
      });
      return result;
    };
    const stash = replacedStashOf(o.out, 'dir');
    await setEarlierResultAside(o.out, ['eval.json', ...EVAL_PRODUCTS], stash, force ? 'force' : resume ? 'resume' : 'fresh', 'the eval', io); // kept until this one completes
    const todo = steps.flatMap((t) => Array.from({ length: o.seeds }, (_, k) => ({ t, seed: o.seed + k })))
      .filter(({ t, seed }) => !cells.some((c) => c.steps === t && c.seed === seed));
    const progress = createProgress({ label: 'eval', total: todo.length * o.n, io });
    let done = 0;
    for (const { t, seed } of todo) {
      const { metrics } = await measureCell(gen, judge, {
        n: o.n, steps: t, seed, batch: o.batch, config: {
          method: o.sampler, schedule: o.schedule, temperature: o.temperature, gumbelScale: o.gumbel,
          guidance: guidanceForWeight(o.cfg, gen.config.numClasses),
        },
      }, (k) => progress.update(done + k, { T: t, seed }));
      done += o.n;
      cells.push({ steps: t, seed, ...metrics });
      await save();
      const signal = interruptRequested(); // in a demo or ablation: stop after the saved cell, not after every one
      if (signal !== undefined) throw new InterruptedError(`eval: stopped by ${signal}; ${cells.length} cell(s) saved in ${jsonPath}, continue with --resume`);
    }
    progress.finish();
    const result = await save();
    // the eval a --force replaced goes once its replacement holds every cell asked for, by this call and by the run it
    // resumes (was: a resume with fewer --steps or --seeds finished and dropped it, leaving an incomplete eval)
    const askedSteps = [...steps, ...String(previous.options?.steps ?? '').split(',').filter((t) => t !== '').map(Number)];
    const askedSeeds = [o.seed, o.seeds, previous.options?.seed, previous.options?.seeds];
    const seedSpans = [[askedSeeds[0], askedSeeds[1]], [askedSeeds[2], askedSeeds[3]]].filter((p): p is [number, number] => typeof p[0] === 'number' && typeof p[1] === 'number');
    const missing = askedSteps.some((t) => seedSpans.some(([first, count]) => Array.from({ length: count }, (_, k) => first + k).some((seed) => !cells.some((c) => c.steps === t && c.seed === seed))));
    if (!missing) await dropReplaced(stash);
    else if (existsSync(stash)) io.stderr(`eval: ${jsonPath} still lacks cells the --force run asked for; the eval it replaces stays in ${stash} until they are computed (--resume with that run's --steps and --seeds)\n`);
    return result;
  } finally {
    gen.dispose();
  }
}
