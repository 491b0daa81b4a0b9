/**
 * The work of `speedrl compare`: every (model, method, T or threshold, seed) cell sampled with the `speedrl eval`
 * protocol (same sample sets, classifier, reference, metrics), the reference and floors computed once, compare.json
 * saved after every cell (so `--resume` continues cell by cell), compare.md, two Pareto plots and one grid per row.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  InterruptedError, UsageError, checkOutsideInputs, checkReplacedStash, createProgress, dropReplaced, ensureWritableDir, flagOf, replacedStashOf, sha256File, writeFileAtomic, writeJsonAtomic, type TextIo,
} from '@speedrl/core';
import { FASHION_MNIST_CLASSES, initBackend, writeImageGrid } from '@speedrl/tensor-utils';
import type { FeatureModel } from '@speedrl/rewards-clip-fid';
import { readModelConfig } from '@speedrl/maskgit';
import { describeStepDistribution } from '@speedrl/sampler';
import {
  withRunLock, bundleIdentity, changedInputs, interruptRequested, checkDataDir, checkSeedRange, classifierFiles, dataFiles, drawSampleSet, type Engine, type Generator, inputKeys, loadGenerator, MASKGIT_DIR, TOKENIZER_DIR,
} from '@speedrl/pipeline';
import { measureCell } from '../cell';
import { bundleFloors } from '../floors-cache';
import { checkNoForeignProducts, checkOwnResults, setEarlierResultAside } from '../own-results';
import { canonicalDigest, resultsDigest, checkResultsKey, checkOptionsDigest, checkStoredCells, optionsDigest, optionsIntact } from '../stored-cells';
import { computeFloors, loadEvalClassifier, loadTestReference, type DatasetLoader, type Floors, type TestReference } from '../reference';
import { writePareto } from './charts';
import { compareAcceleration } from '../acceleration-inputs';
import { checkResumeExtends, seedSpan } from '../resume-extends';
import { compareAccelerationMarkdown } from '../acceleration-markdown';
import { checkMethodOptionsRead } from './unread-options';
import { cellId, checkListedOnce, parseMethods, parseModels, parseNumberList, planCells, rowId, samplerConfigFor, TUNED_SUFFIX, type BaseSampling, type CellKey, type ModelSpec, type TunedEntry } from './spec';
import { aggregateCells, compareMarkdown, sortRows, type CompareCell, type CompareJson, type GridEntry } from './table';
import type { CompareModel } from '../results';
import { checkTunedWeights, readTunedFile, type TunedFile } from './tuned-space';

/** The commit thresholds the adaptive method sweeps when `--thresholds` is not given: from loose and fast to the sampler's default 0.9. */
export const DEFAULT_COMPARE_THRESHOLDS = Object.freeze([0.2, 0.3, 0.5, 0.7, 0.9]);

/** Options of a compare run (validated at the CLI edge). */
export interface CompareOptions extends BaseSampling {
  readonly models: string;
  readonly methods: string;
  readonly steps: string;
  /** Adaptive method: the thresholds swept, a comma-separated list (`DEFAULT_COMPARE_THRESHOLDS` unless typed). */
  readonly thresholds: string;
  readonly tuned: string;
  readonly classifier: string;
  readonly data: string;
  readonly out: string;
  readonly n: number;
  readonly seeds: number;
  readonly seed: number;
  readonly engine: Engine;
  readonly batch: number;
  readonly refLimit: number;
  readonly kidSubsets: number;
  readonly gridPerClass: number;
}

/** Options that change what a cell means: a resume must use the same values. */
const CELL_DEFINING = ['n', 'classifier', 'data', 'refLimit', 'engine', 'batch', 'temperature', 'gumbel', 'cfg', 'haltonSchedule', 'adaptiveCap', 'kidSubsets', 'tuned', 'minPerStep', 'adaptiveNoise'] as const;

/** The `optionsKey` a compare.json records for these options: the digest of their cell-defining ones (stored-cells.ts). */
export const compareOptionsKey = (options: Readonly<Record<string, unknown>>): string => optionsDigest(options, CELL_DEFINING);
/** Whether a compare.json's options are those its cells were computed with (its `optionsKey` matches them; an older file without one passes only without cells). */
export const compareOptionsIntact = (json: { options?: unknown; optionsKey?: unknown; cells?: unknown }): boolean => optionsIntact(json, CELL_DEFINING);

/** Defaults of cell-defining options added after files were written without them: such a file ran at the default. */
const LATER_DEFAULTS: Readonly<Record<string, unknown>> = { minPerStep: 0, adaptiveNoise: false };

/** Cell-defining options that name files: another spelling of the same path (./x, x/) is the same value. */
const PATH_OPTIONS: ReadonlySet<string> = new Set(['classifier', 'data', 'tuned']);

/** Each model directory holds a tokenizer and a transformer whose token count admits every step budget. */
async function checkModelDirs(models: readonly ModelSpec[], steps: readonly number[], adaptiveCap: number, stepsFlag: string): Promise<void> {
  for (const m of models) {
    for (const sub of [TOKENIZER_DIR, MASKGIT_DIR]) {
      if (!existsSync(join(m.dir, sub))) throw new UsageError(`--models: "${join(m.dir, sub)}" (model ${m.name}) is missing; a model directory holds ${TOKENIZER_DIR}/ and ${MASKGIT_DIR}/`);
    }
    let seqLen: number;
    try {
      seqLen = (await readModelConfig(join(m.dir, MASKGIT_DIR))).seqLen;
    } catch (error) {
      throw new UsageError(`--models: model ${m.name}: ${(error as Error).message}`);
    }
    if (steps.some((t) => t > seqLen) || adaptiveCap > seqLen) throw new UsageError(`--steps: each T (and --adaptive-cap) must be ≤ ${seqLen}, the token count of ${m.dir}; got ${stepsFlag}${adaptiveCap > seqLen ? ` (cap ${adaptiveCap})` : ''}`);
  }
}

function loadTuned(o: CompareOptions, wanted: boolean, seeds: readonly number[]): TunedFile | undefined {
  if (!wanted) return undefined;
  if (o.tuned === '') throw new UsageError(`--tuned: the tuned method (or a ${TUNED_SUFFIX} model) needs a file from speedrl tune-schedule`);
  const file = readTunedFile(o.tuned);
  // a search stopped before its last T (its options ask for T it has no schedule of) is no finished schedule file (was: used, those T dropped silently)
  const asked = String((file.options as { steps?: unknown } | undefined)?.steps ?? '').split(',').filter((t) => t !== '').map(Number);
  const unfinished = asked.filter((t) => file.schedules[String(t)] === undefined);
  if (unfinished.length > 0) {
    throw new UsageError(`--tuned: ${o.tuned} is an unfinished search (it asks for T=${asked.join(',')} and holds no schedule for T=${unfinished.join(',')}); finish it with speedrl tune-schedule --out ${o.tuned} --resume (nothing was written)`);
  }
  const clash = file.search.seeds.filter((s) => seeds.includes(s));
  if (clash.length > 0) throw new UsageError(`--seed: evaluation seed(s) ${clash.join(',')} were used by the schedule search in ${o.tuned}; evaluate on disjoint seeds`);
  return file;
}

/** The --tuned file's keys: its SHA-256, and per T the content key of what that T's tuned cells are sampled with (the schedule's step arrays). */
interface TunedKeys {
  readonly file: string;
  readonly byT: Readonly<Record<string, string>>;
}

async function tunedKeysOf(path: string, file: TunedFile): Promise<TunedKeys> {
  return { file: await sha256File(path), byT: Object.fromEntries(Object.entries(file.schedules).map(([t, s]) => [t, canonicalDigest(s.stepArrays)])) };
}

/**
 * Refuses a --tuned file whose schedule at a T the file's tuned cells used changed: those cells came from another
 * schedule. Other edits (a stop rule added by `tune-schedule --resume`, another T tuned) leave them valid (was: any
 * change of the file refused). A file written before per-T keys recorded the whole file's SHA-256 only.
 */
function checkTunedKeys(path: string, prev: Partial<CompareJson>, tunedPath: string, keys: TunedKeys): void {
  const used = [...new Set((prev.cells ?? []).filter((c) => c.method === 'tuned').map((c) => String(c.steps)))];
  const stale = prev.tunedKeys !== undefined ? used.filter((t) => prev.tunedKeys?.[t] !== keys.byT[t]) : prev.tunedKey !== undefined && prev.tunedKey !== keys.file ? used : [];
  if (stale.length === 0) return;
  const what = prev.tunedKeys === undefined ? 'changed' : `has another schedule for T = ${stale.join(', ')}`;
  throw new UsageError(`--tuned: ${tunedPath} ${what} since ${path} was computed (its tuned cells came from other schedules); restore the file, or use another --out`);
}

async function readPrevious(path: string, o: CompareOptions, models: readonly ModelSpec[], identities: ReadonlyMap<string, string>, tunedKeys: TunedKeys | undefined, inputs: Record<string, string>): Promise<Partial<CompareJson>> {
  if (!existsSync(path)) return {};
  let prev: Partial<CompareJson>;
  try {
    prev = JSON.parse(await readFile(path, 'utf8')) as Partial<CompareJson>;
  } catch (error) {
    throw new UsageError(`--resume: ${path} is not valid JSON (${(error as Error).message.split('\n')[0]}); move it away or use another --out`);
  }
  if (prev === null || typeof prev !== 'object' || Array.isArray(prev) || !Array.isArray(prev.cells) || !Array.isArray(prev.models)) { // was: a TypeError, or a flag blamed
    throw new UsageError(`--resume: ${path} is not a compare.json of speedrl compare (no list of cells and models); move it away or use another --out`);
  }
  checkStoredCells(path, prev.cells); // an edited or damaged cell is never averaged in
  checkResultsKey(path, prev, '--resume', undefined, (cells: CompareCell[]) => aggregateCells(cells)); // a key-less file: its rows vouch for its cells
  checkOptionsDigest(path, prev, CELL_DEFINING, 'restore it, pass --force to replace it (without --resume), or use another --out'); // the options below are its cells'
  for (const key of CELL_DEFINING) {
    const was = prev.options?.[key] ?? LATER_DEFAULTS[key]; // a file older than the option ran at its default
    // ./x and x; or a path spelled from another directory (the compare started elsewhere), its files' content key recorded: that key decides (below)
    const samePath = PATH_OPTIONS.has(key) && typeof was === 'string' && was !== '' && o[key] !== '' && (resolve(was) === resolve(String(o[key])) || prev.inputs?.[flagOf(key)] !== undefined);
    if (was !== undefined && was !== (o[key] ?? LATER_DEFAULTS[key]) && !samePath) {
      throw new UsageError(`${flagOf(key)}: ${path} was computed with ${JSON.stringify(was)}, now ${JSON.stringify(o[key])}; use the same value or another --out`);
    }
  }
  for (const m of models) {
    const old = prev.models?.find((p) => p.name === m.name);
    if (old !== undefined && resolve(old.dir) !== resolve(m.dir) && old.identity === undefined) throw new UsageError(`--models: ${path} has model "${m.name}" = ${old.dir}, now ${m.dir}; rename it or use another --out`);
    if (old?.identity !== undefined && old.identity !== identities.get(m.name)) {
      throw new UsageError(`--models: the files of model "${m.name}" (${m.dir}) changed since ${path} was computed; its cells would mix two models. Rename it or use another --out`);
    }
  }
  const changed = changedInputs(prev.inputs, inputs);
  if (changed.length > 0) throw new UsageError(`--resume: the files of ${changed.join(', ')} changed since ${path} was computed; its cells would be judged against two references. Use another --out`);
  if (tunedKeys !== undefined) checkTunedKeys(path, prev, o.tuned, tunedKeys);
  return prev;
}

/**
 * compare.json's `options`: the cell-defining ones of this call, with models, methods, steps and thresholds as the
 * union of what this call asked for and every cell in the file (a resume may add some), so the file describes all its
 * cells and a bare `--resume` after an interruption plans the cells still missing (was: only those already computed,
 * so it finished nothing and exited 0). `seed`/`seeds` span this call's seeds and the cells' (`seedList`), as eval's
 * options do (was: this call's, so `seeds` 1 beside 2-seed rows).
 */
function describedOptions(o: CompareOptions, adaptiveCap: number, models: readonly CompareModel[], cells: readonly CompareCell[]): Record<string, unknown> {
  const unique = <T>(values: readonly T[]): T[] => [...new Set(values)];
  const byNumber = (a: number, b: number): number => a - b;
  const asked = (text: string): string[] => text.split(',').filter((v) => v !== '');
  const methods = unique([...asked(o.methods), ...cells.map((c) => c.method)]);
  const thresholds = methods.includes('adaptive') ? unique([...asked(o.thresholds).map(Number), ...cells.flatMap((c) => (c.threshold === undefined ? [] : [c.threshold]))]).sort(byNumber) : [];
  return {
    ...o, adaptiveCap,
    models: models.map((m) => `${m.name}=${m.dir}`).join(','),
    methods: methods.join(','),
    steps: unique([...asked(o.steps).map(Number), ...cells.filter((c) => c.threshold === undefined).map((c) => c.steps)]).sort(byNumber).join(','),
    thresholds: thresholds.length === 0 ? o.thresholds : thresholds.join(','),
    ...seedSpan(o, cells.map((c) => c.seed)),
  };
}

const gridName = (k: Omit<CellKey, 'seed'>): string => `grids/${k.model}-${k.method}-${k.threshold === undefined ? `T${k.steps}` : `p${k.threshold}`}.png`;

/** What compare writes beside compare.json, besides grids/. */
const COMPARE_FIGURES = ['compare.md', 'pareto-nfe.png', 'pareto-wallclock.png'] as const;

/**
 * Runs the comparison and returns compare.json's content. Without `resume` an existing compare.json is refused unless
 * `force`, which replaces only an earlier compare.json; an --out inside an input is refused.
 */
export async function runCompare(o: CompareOptions, resume: boolean, io: TextIo, load?: DatasetLoader, force = false): Promise<CompareJson> {
  if (resume && force) throw new UsageError('--resume, --force: choose one (add cells to compare.json, or replace it)');
  const inputs: Record<string, string> = { '--classifier': o.classifier, ...(load === undefined ? { '--data': o.data } : {}), ...(o.tuned === '' ? {} : { '--tuned': o.tuned }) };
  for (const m of parseModels(o.models)) inputs[`--models (${m.name})`] = m.dir;
  checkOutsideInputs(o.out, inputs);
  const jsonPath = join(o.out, 'compare.json');
  if (!resume && existsSync(jsonPath)) {
    if (!force) throw new UsageError(`--out: "${o.out}" already holds compare.json; pass --resume to add cells to it, --force to replace it, or choose another --out`);
    checkOwnResults(jsonPath, 'compare'); // before any work
  }
  checkReplacedStash(replacedStashOf(o.out, 'dir')); // a file or folder of the stash's name, not ours: before any work
  checkNoForeignProducts(o.out, 'compare.json', [...COMPARE_FIGURES, 'grids']);
  const created = !existsSync(o.out); // removed again if a check below refuses the run before anything is written
  await ensureWritableDir(o.out, '--out');
  return withRunLock(o.out, 'compare', () => compareLocked(o, resume, io, load, force), '--out', undefined, created); // one writer of compare.json at a time
}

async function compareLocked(o: CompareOptions, resume: boolean, io: TextIo, load?: DatasetLoader, force = false): Promise<CompareJson> {
  const models = parseModels(o.models);
  const methods = parseMethods(o.methods);
  const steps = parseNumberList('--steps', o.steps, (v) => Number.isInteger(v) && v >= 1, 'step counts ≥ 1');
  const thresholds = parseNumberList('--thresholds', o.thresholds, (v) => v > 0 && v <= 1, 'probabilities in (0, 1]');
  for (const [flag, text] of [['--steps', o.steps], ['--thresholds', o.thresholds]] as const) checkListedOnce(flag, text.split(',').map(Number)); // was: de-duplicated silently
  if (!resume) checkMethodOptionsRead({ ...o, thresholds }, models, DEFAULT_COMPARE_THRESHOLDS); // (a resume keeps its file's values whatever it adds)
  if (!resume && o.tuned !== '' && !methods.includes('tuned') && !models.some((m) => m.name.endsWith(TUNED_SUFFIX))) {
    throw new UsageError(`--tuned: only the tuned method (or a NAME${TUNED_SUFFIX}=DIR model) reads it, and --methods ${o.methods} has none; add tuned to --methods, or remove it`);
  }
  if (!resume && o.adaptiveNoise === true && o.gumbel === 0) { // the choice noise is --gumbel's, annealed: at 0 there is none
    throw new UsageError('--adaptive-noise: the choice noise has the scale of --gumbel, and --gumbel 0 gives none; give --gumbel > 0, or remove --adaptive-noise');
  }
  checkSeedRange(o.seed, o.seeds);
  const seeds = Array.from({ length: o.seeds }, (_, k) => o.seed + k);
  const adaptiveCap = o.adaptiveCap > 0 ? o.adaptiveCap : Math.max(...steps);
  await checkModelDirs(models, steps, adaptiveCap, o.steps);
  if (load === undefined) checkDataDir(o.data); // an injected loader brings its own data
  const tuned = loadTuned(o, methods.includes('tuned') || models.some((m) => m.name.endsWith(TUNED_SUFFIX)), seeds);
  const tunedSteps = Object.values(tuned?.schedules ?? {}).map((s) => s.steps);
  if (tuned !== undefined) {
    const missing = steps.filter((t) => !tunedSteps.includes(t));
    if (missing.length > 0) io.stderr(`compare: ${o.tuned} has no tuned schedule for T=${missing.join(',')}; the tuned method runs at T=${steps.filter((t) => tunedSteps.includes(t)).join(',') || '(none)'}\n`);
  }
  const plan = planCells(models, methods, steps, thresholds, seeds, adaptiveCap, tunedSteps);
  if (plan.length === 0) { // only tuned cells were asked for, at no T the file holds (was: an empty table, exit 0)
    throw new UsageError(`--steps: nothing to compare: ${o.tuned} holds tuned schedules for T=${tunedSteps.join(',') || '(none)'} only, and no model runs another method at T=${o.steps}; give one of those T, or another method in --methods`);
  }
  const base: BaseSampling = { ...o, adaptiveCap };
  const jsonPath = join(o.out, 'compare.json');
  const inputs = await inputKeys({ '--classifier': () => classifierFiles(o.classifier), ...(load === undefined ? { '--data': () => dataFiles(o.data, ['test']) } : {}) });
  const identities = new Map<string, string>();
  for (const m of models) {
    try {
      identities.set(m.name, await bundleIdentity(m.dir));
    } catch (error) {
      throw new UsageError(`--models: the files of model "${m.name}" (${m.dir}) cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
    }
  }
  if (tuned !== undefined) checkTunedWeights(tuned, o.tuned, models, methods, identities); // before any work
  const tunedKeys = tuned === undefined ? undefined : await tunedKeysOf(o.tuned, tuned);
  const prev = resume ? await readPrevious(jsonPath, { ...o, adaptiveCap }, models, identities, tunedKeys, inputs) : {};
  const cells: CompareCell[] = [...(prev.cells ?? [])];
  let floors: Floors | undefined; // never compare.json's own, even on --resume: floors.json (keyed, its numbers hashed) is checked, they are not
  const grids: GridEntry[] = [...(prev.grids ?? [])];
  // every model of the file, in first-seen order (this call's entries replace their earlier ones)
  const earlier = prev.models ?? [];
  const first = models[0];
  if (earlier[0] !== undefined && first !== undefined && first.name !== earlier[0].name) {
    // the first model is every acceleration factor's base: another first model would judge the file's rows against another base
    throw new UsageError(`--models: ${jsonPath} compares every model against "${earlier[0].name}", its first model (the base of the acceleration factors); list ${earlier[0].name}=${earlier[0].dir} first, or use another --out (nothing was written)`);
  }
  // a model given by another spelling of its recorded path keeps the recorded one
  const spelled = (m: ModelSpec): string => earlier.find((p) => p.name === m.name && resolve(p.dir) === resolve(m.dir))?.dir ?? m.dir;
  const current = models.map((m) => ({ name: m.name, dir: spelled(m), identity: identities.get(m.name) as string }));
  const allModels = [...earlier.map((p) => current.find((m) => m.name === p.name) ?? p), ...current.filter((m) => !earlier.some((p) => p.name === m.name))];
  const done = new Set(cells.map(cellId));
  const todo = plan.filter((c) => !done.has(cellId(c)));
  const rowKeys = [...new Map(plan.map((c) => [rowId(c), { model: c.model, method: c.method, steps: c.steps, threshold: c.threshold }])).values()];
  // a grid's identity includes the seed and images per class it was drawn with: a resume redraws one drawn otherwise (or unrecorded)
  const drawnAsAsked = (k: Omit<CellKey, 'seed'>): boolean => grids.some((g) => g.file === gridName(k) && g.seed === o.seed && g.perClass === o.gridPerClass);
  const missingGrids = rowKeys.filter((k) => !resume || !existsSync(join(o.out, gridName(k))) || !drawnAsAsked(k)); // a fresh run redraws every grid
  if (resume) checkResumeExtends(jsonPath, cells, steps, o, todo.length > 0 || missingGrids.length > 0); // before any work
  io.stderr(`compare: ${plan.length} cells (${models.length} model(s) × methods × budgets × ${seeds.length} seed(s)); ${plan.length - todo.length} already in ${jsonPath} (skipped), ${todo.length} to compute; ${missingGrids.length} grid(s) to draw\n`);
  const methodOrder = [...methods, 'tuned'];
  const save = async (): Promise<CompareJson> => {
    const rows = sortRows(aggregateCells(cells), allModels.map((m) => m.name), methodOrder);
    const acceleration = compareAcceleration(rows, allModels.map((m) => m.name));
    const json: CompareJson = {
      models: allModels, rows, inputs, ...(floors === undefined ? {} : { floors }), grids, ...(tuned === undefined ? {} : { searchBudget: tuned.searchBudget, tunedModel: tuned.model, tunedKey: tunedKeys?.file, tunedKeys: tunedKeys?.byT }),
      ...(acceleration === undefined ? {} : { acceleration }), cells, resultsKey: resultsDigest(cells, floors), options: describedOptions(o, adaptiveCap, allModels, cells), optionsKey: compareOptionsKey({ ...o, adaptiveCap }), engine: o.engine,
    };
    await writeJsonAtomic(jsonPath, json);
    await writeFileAtomic(join(o.out, 'compare.md'), `# speedrl compare\n\n${compareMarkdown(json, o.n, o.batch, o.minPerStep ?? 0, o.adaptiveNoise ?? false)}${acceleration === undefined ? '' : `\n${compareAccelerationMarkdown(acceleration)}`}`);
    // the figures follow every save (with a row to draw): a stopped run's directory never shows another run's fronts beside its compare.json
    if (rows.length > 0) {
      const subtitle = `${o.n} samples, ${seeds.length} seed(s), ${o.engine}`;
      const names = allModels.map((m) => m.name);
      await writePareto(join(o.out, 'pareto-nfe.png'), rows, 'nfe', names, methodOrder, floors, subtitle);
      await writePareto(join(o.out, 'pareto-wallclock.png'), rows, 'wallclock', names, methodOrder, floors, subtitle, o.batch);
    }
    return json;
  };
  const stash = replacedStashOf(o.out, 'dir');
  if (!resume && existsSync(jsonPath)) { // --force (runCompare checked it): the replaced comparison's table, fronts and grids move aside
    // once every model loads: a damaged model found after the first cells were saved had replaced a complete result (was)
    for (const m of models) {
      const gen = await loadGenerator(m.dir, o.engine).catch((error: unknown) => {
        throw new UsageError(`--models: model "${m.name}" (${m.dir}) cannot be loaded: ${(error as Error).message.replace(/^--model: /, '')}; ${jsonPath} was left as it was`);
      });
      gen.dispose();
    }
    const replaced = (JSON.parse(await readFile(jsonPath, 'utf8')) as { grids?: { file?: unknown }[] }).grids ?? [];
    const earlierGrids = replaced.map((g) => g.file).filter((f): f is string => typeof f === 'string' && /^grids\/[^/]+\.png$/.test(f));
    await setEarlierResultAside(o.out, ['compare.json', ...COMPARE_FIGURES, ...earlierGrids], stash, 'force', 'the comparison', io); // kept until this one completes
  } else { // no compare.json: a fresh run, a resume, or a --force after one stopped while it moved the earlier files (finished here; was: refused)
    await setEarlierResultAside(o.out, force ? [...COMPARE_FIGURES, 'grids'] : [], stash, force ? 'force' : resume ? 'resume' : 'fresh', 'the comparison', io);
  }
  if (todo.length > 0 || missingGrids.length > 0 || floors === undefined) {
    await initBackend();
    const needMetrics = todo.length > 0 || floors === undefined;
    const classifier = needMetrics ? await loadEvalClassifier(o.classifier, o.n, '--classifier', 'metrics need', o.engine) : undefined;
    const test = classifier === undefined ? undefined : await loadTestReference(classifier, o.data, o.refLimit, load);
    if (test !== undefined) io.stderr(`compare: reference = evaluation features of ${test.count} test images (computed once for every model)\n`);
    await ensureWritableDir(join(o.out, 'grids'), '--out'); // after the checks of the classifier and the reference: a refused run leaves no grids/
    const progress = createProgress({ label: 'compare', total: todo.length * o.n, io });
    let sampled = 0;
    for (const model of models) {
      const mine = todo.filter((c) => c.model === model.name);
      const myGrids = missingGrids.filter((k) => k.model === model.name);
      if (mine.length === 0 && myGrids.length === 0 && floors !== undefined) continue;
      const gen = await loadGenerator(model.dir, o.engine);
      try {
        const maxT = gen.config.seqLen;
        if (steps.some((t) => t > maxT) || adaptiveCap > maxT) throw new UsageError(`--steps: each T (and --adaptive-cap) must be ≤ ${maxT}, the token count of ${model.dir}; got ${o.steps}`);
        if (floors === undefined) { // once, with the first model's tokenizer (its floors.json when the key matches)
          const inputs = { modelDir: model.dir, classifierDir: o.classifier, dataDir: o.data, refLimit: o.refLimit };
          floors = await bundleFloors(inputs, io, () => computeFloors(gen, classifier as FeatureModel, test as TestReference, o.data, o.seed, o.kidSubsets, load));
          await save();
        }
        const configOf = (k: Omit<CellKey, 'seed' | 'model'>) => samplerConfigFor(k, base, gen.config.numClasses, tunedEntry(tuned, k.steps));
        for (const cell of mine) {
          const judge = { classifier: classifier as FeatureModel, reference: (test as TestReference).reference, kidSubsets: o.kidSubsets };
          const sampling = { n: o.n, steps: cell.steps, seed: cell.seed, batch: o.batch, config: configOf(cell) };
          const { metrics: m } = await measureCell(gen, judge, sampling, (k) => progress.update(sampled + k, { model: cell.model, method: cell.method, T: cell.threshold === undefined ? cell.steps : `p${cell.threshold}`, seed: cell.seed }));
          sampled += o.n;
          cells.push({ ...cell, ...m });
          const steps = m.stepsDistribution === undefined ? m.meanSteps.toFixed(2) : describeStepDistribution(m.stepsDistribution);
          io.stderr(`compare: ${cellId(cell)}: FCD ${m.fcd.toFixed(3)}, NFE ${m.nfePerImage.toFixed(2)}, steps ${steps}\n`);
          await save();
          const signal = interruptRequested(); // in a demo or ablation: stop after the saved cell, not after every one
          if (signal !== undefined) throw new InterruptedError(`compare: stopped by ${signal}; ${cells.length} cell(s) saved in ${jsonPath}, continue with --resume`);
        }
        for (const k of myGrids) {
          await drawGrid(gen, join(o.out, gridName(k)), o, configOf(k), k.steps);
        }
      } finally {
        gen.dispose();
      }
    }
    progress.finish({ cells: todo.length });
  }
  for (const k of missingGrids) {
    if (!existsSync(join(o.out, gridName(k)))) continue;
    const entry = { model: k.model, method: k.method, steps: k.steps, ...(k.threshold === undefined ? {} : { threshold: k.threshold }), seed: o.seed, perClass: o.gridPerClass, file: gridName(k) };
    const at = grids.findIndex((g) => g.file === entry.file);
    if (at >= 0) grids[at] = entry;
    else grids.push(entry);
  }
  const json = await save();
  await dropReplaced(stash); // complete: the comparison a --force replaced goes
  return json;
}

function tunedEntry(tuned: TunedFile | undefined, steps: number): TunedEntry | undefined {
  return tuned?.schedules[String(steps)];
}

async function drawGrid(gen: Generator, path: string, o: CompareOptions, config: ReturnType<typeof samplerConfigFor>, steps: number): Promise<void> {
  const classes = gen.config.numClasses;
  const set = await drawSampleSet(gen, o.gridPerClass * classes, steps, o.seed, o.batch, config);
  await writeImageGrid(path, {
    images: set.images, n: set.count, height: 28, width: 28, columns: o.gridPerClass, scale: 2, labelScale: 2,
    rowLabels: Array.from({ length: classes }, (_, c) => FASHION_MNIST_CLASSES[c] ?? `class ${c}`),
  });
}
