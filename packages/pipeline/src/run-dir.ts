/**
 * The output directory of a long job: `run.json` (command and options), `metrics.jsonl`, `checkpoint/`
 * (replaced atomically), a `.lock` while a process writes it, and the job's products. `--resume` continues from the
 * checkpoint; without it an existing run is never overwritten or appended to. Every training command of `speedrl`
 * opens its output through here; the runs of this package (`accelerate`, `trainMaskgit`) take the open `RunDir`.
 */
import { accessSync, constants, existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import {
  CHECKPOINT_COMPLETE_MARKER, UsageError, appendJsonl, readJsonl, checkOutsideInputs, checkReplacedStash, dropReplaced, flagOf, isWithin, realPathOf, ensureWritableDir, findCheckpointDir, removeStaleStagingDirs,
  replacedNote, replacedStashOf, setAsideReplaced, stashStaging, trimJsonlToStep, verifyCheckpointDir, writeJsonAtomic,
} from '@speedrl/core';
import { acquireRunLock, checkOutsideLockedRuns, isLockFile, otherJobUnder } from './run-lock';
import { checkResumeOverrides, lengthChanges, lengthNotes, type LengthChange } from './resume-options';

/** File names inside a run directory. */
export const RUN_FILES = Object.freeze({ run: 'run.json', metrics: 'metrics.jsonl', checkpoint: 'checkpoint', state: 'state.json' });

/** An open run directory. */
export interface RunDir {
  readonly dir: string;
  /** The complete checkpoint to resume from; undefined for a fresh run, or a resumed one stopped before its first checkpoint. */
  readonly resumeFrom: string | undefined;
  /** Options the run was started with (from run.json on resume). */
  readonly options: Record<string, unknown>;
  /** Content keys of the run's inputs by flag, as run.json records them (a checkpoint records them too: `checkpointRunRecord`). */
  readonly identities: Record<string, string>;
  /**
   * On resume, the options run.json does not hold (added to the command since the run started, or removed from the
   * file), which therefore take the command's defaults: the caller tells the user (see {@link defaultedNote}).
   */
  readonly defaulted: readonly string[];
  /** On resume, the length options (--steps, --epochs) given another value than the run's own (see {@link defaultedNote}). */
  readonly lengthChanged?: readonly LengthChange[];
  /**
   * Writes the run's state: run.json, and on resume metrics.jsonl trimmed back to the checkpoint. Call it once the
   * command has validated everything it loads, so a failing check leaves the directory as it was.
   */
  start(): Promise<void>;
  /** Appends one metrics record (must carry `step`); only after {@link start}. */
  log(record: { step: number } & Record<string, unknown>): void;
  /**
   * Where the earlier run a `--force` replaces is kept until this run completes (see {@link finish}); undefined when
   * there is none (a fresh run, or a resume of a run that replaced nothing).
   */
  readonly replaced?: string;
  /** Call once the run has written its final products: deletes the earlier run a `--force` set aside. */
  finish(): Promise<void>;
}

/** How a run directory is opened: a new run, `--resume`, or `--force` (a new run into a non-empty directory). */
export type RunMode = 'fresh' | 'resume' | 'force';

/** The mode the flags ask for; `--resume` with `--force` is a usage error. */
export function runModeOf(flags: Record<string, unknown>): RunMode {
  if (flags.resume === true && flags.force === true) throw new UsageError('--resume, --force: choose one (continue the run, or start a new one over it)');
  return flags.resume === true ? 'resume' : flags.force === true ? 'force' : 'fresh';
}

/**
 * What each command writes into its run directory besides run.json, metrics and the checkpoint: `--force` removes
 * these too, so no product of the old run (an EMA bundle of another decay, an old grid) stays beside the new one.
 */
const RUN_PRODUCTS: Readonly<Record<string, readonly (string | RegExp)[]>> = {
  'train-vq': ['tokenizer'],
  'train-classifier': ['classifier'],
  // the token cache, and the floors eval caches in a bundle: both belong to the bundle's tokenizer
  'train-maskgit': ['maskgit', 'tokenizer', 'tokenizer.staging', 'quality-vs-training.png', /^ema-/, 'train-tokens.safetensors', 'floors.json'],
  accelerate: ['model', 'grids'],
};

/** Files a directory may hold and still count as empty for a new run: a stale lock, the training-token cache, temp files. */
const ignoredInNewRun = (name: string): boolean => isLockFile(name) || name === 'train-tokens.safetensors' || /^\..*\.(tmp|staging)$/.test(name);

/**
 * Refuses `dir` for a new job when it holds anything but lock, temp and cache files: a UsageError naming --out, what
 * it holds and `hint` (what to do instead). A missing directory passes.
 */
export function checkNewOutDir(dir: string, hint: string): void {
  const other = existsSync(dir) ? readdirSync(dir).filter((name) => !ignoredInNewRun(name)) : [];
  if (other.length > 0) {
    throw new UsageError(`--out: "${dir}" is not empty (it holds ${other.slice(0, 3).join(', ')}${other.length > 3 ? ', …' : ''}); ${hint} (nothing was overwritten)`);
  }
}

/** run.json as read: `replacing` is set while a `--force` removes the old run (the old run's command). */
interface RunFile { command?: string; options?: Record<string, unknown>; replacing?: { command?: string } }

/** Parses `path` (run.json) or says which file is broken and how to recover (`flag`: the flag that needs it). */
async function readRunFile(path: string, flag = '--resume'): Promise<RunFile> {
  try {
    const value = JSON.parse(await readFile(path, 'utf8')) as unknown;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a JSON object');
    return value as RunFile;
  } catch (error) {
    throw new UsageError(`${flag}: "${path}" is unreadable (${(error as Error).message.split('\n')[0]}); it records how the run was started, restore it or start a new run with another --out`);
  }
}

/** The paths each input flag of a run names (`{ '--tokenizer': ['runs/vq/tokenizer'] }`); openRunDir refuses any inside `--out`. */
export type InputPaths = Readonly<Record<string, readonly string[]>>;

/**
 * Refuses an input that lies inside the run directory `out`, by its real path or as written (a symbolic link inside
 * `out` that points elsewhere would itself be removed): `--force` removes the old run's products and the run writes its
 * own there, so an input under `--out` could be deleted or written over (a tokenizer trained into the same folder).
 * Refuses as well an `out` inside an input (the run would write into the files it reads). Usage errors naming the flag.
 */
export function checkInputsOutside(out: string, inputs: InputPaths): void {
  for (const [flag, paths] of Object.entries(inputs)) {
    for (const p of paths) {
      // real paths (a symlink into --out is inside it) and as written (a link inside --out to elsewhere would be removed)
      if (isWithin(realPathOf(out), realPathOf(p)) || isWithin(resolve(out), resolve(p))) {
        throw new UsageError(`${flag}: "${p}" is inside --out "${out}"; --force would delete it, and the run writes its own files there. Move it out of --out, or choose another --out (nothing was written)`);
      }
      checkOutsideInputs(out, { [flag]: p });
    }
  }
}

/** Whether the entry `name` of a run directory is one of `products` (a name, or a pattern of names). */
const isProduct = (products: readonly (string | RegExp)[], name: string): boolean => products.some((p) => (typeof p === 'string' ? p === name : p.test(name)));

/** What a `--force` over `dir` replaces: the old run's run.json (undefined when there is none) and the files it removes besides records and checkpoints, the products of the old run's command and of `command`. */
interface ForcedRun { readonly old: RunFile | undefined; readonly products: readonly (string | RegExp)[] }

/** The {@link ForcedRun} of `dir`, refusing products that hold another job's run. */
async function forcedRun(dir: string, command: string): Promise<ForcedRun> {
  const { old, products } = await productsOf(dir, command);
  // a folder --force would remove may hold another job's run or results (an --out given inside the old run's model/)
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    if (!isProduct(products, name) && name !== RUN_FILES.checkpoint && name !== `${RUN_FILES.checkpoint}.old`) continue;
    const other = otherJobUnder(join(dir, name));
    if (other !== undefined) {
      throw new UsageError(`--force: "${join(dir, name)}", which --force removes with the old run, holds another job's ${basename(other).startsWith('.') ? `lock "${other}" (it is running)` : `"${other}"`}; move that out of --out first, or choose another --out (nothing was removed)`);
    }
  }
  return { old, products };
}

async function productsOf(dir: string, command: string): Promise<ForcedRun> {
  const stash = replacedStashOf(dir, 'dir');
  // a --force stopped while it set the old run aside: its run.json may already be in the staging folder
  const runFile = [join(dir, RUN_FILES.run), join(stashStaging(stash), RUN_FILES.run)].find((f) => existsSync(f)) ?? join(dir, RUN_FILES.run);
  const own = RUN_PRODUCTS[command] ?? [];
  if (!existsSync(runFile)) {
    const ours = new Set([basename(stash), basename(stashStaging(stash))]); // an earlier --force's stash
    const other = existsSync(dir) ? readdirSync(dir).filter((name) => !ignoredInNewRun(name) && !ours.has(name)) : [];
    if (other.length === 0) return { old: undefined, products: own };
    // not a run (a model bundle, a user's folder): nothing says which of its files an old run wrote
    throw new UsageError(
      `--out: "${dir}" holds no ${RUN_FILES.run}, so it is no run --force can replace (it holds ${other.slice(0, 3).join(', ')}${other.length > 3 ? ', …' : ''}: a model bundle or other files); choose another --out (nothing was removed)`,
    );
  }
  const old = await readRunFile(runFile, '--force');
  // a --force cut short while it removed an older run: that run's products may still be there too
  return { old, products: [...own, ...(RUN_PRODUCTS[String(old.command)] ?? []), ...(RUN_PRODUCTS[String(old.replacing?.command)] ?? [])] };
}

/**
 * Refuses a resume whose product folder (model/, tokenizer/, …) is a symbolic link: the run would write its products
 * through it, into the folder it points to (its own --base, say). A fresh run and --force never follow it.
 */
function checkProductsNotLinked(dir: string, command: string): void {
  for (const name of readdirSync(dir)) {
    if (!isProduct(RUN_PRODUCTS[command] ?? [], name) || !lstatSync(join(dir, name)).isSymbolicLink()) continue;
    throw new UsageError(`--out: "${join(dir, name)}" is a symbolic link (to "${realPathOf(join(dir, name))}"); the run writes its ${name} there and would replace the files it points to. Put a folder of its own in its place, or remove it (nothing was written)`);
  }
}

/**
 * Refuses (--out, naming the path) what a resumed or forced run writes but this process may not: metrics.jsonl (appended
 * to) and every folder of the checkpoints and of `products` (replaced, removed or written into), e.g. left by a run as
 * another user. Found before anything is written, not as an EACCES (exit 1) after the first iterations. `canWrite`
 * throws for a path this process may not write (injectable for tests).
 */
export function checkRunWritable(dir: string, products: readonly (string | RegExp)[], canWrite = (path: string): void => accessSync(path, constants.W_OK)): void {
  const folders = (path: string): string[] =>
    lstatSync(path).isDirectory() ? [path, ...readdirSync(path).flatMap((name) => folders(join(path, name)))] : [];
  const tops = readdirSync(dir).filter((name) => isProduct([...products, RUN_FILES.checkpoint, `${RUN_FILES.checkpoint}.old`], name));
  const paths = [...(existsSync(join(dir, RUN_FILES.metrics)) ? [join(dir, RUN_FILES.metrics)] : []), ...tops.flatMap((name) => folders(join(dir, name)))];
  for (const path of paths) {
    try {
      canWrite(path);
    } catch (error) {
      throw new UsageError(`--out: "${path}" is not writable here (${(error as NodeJS.ErrnoException).code ?? 'denied'}), and the run appends to, replaces or removes it; fix its permissions (written as another user?) or choose another --out (nothing was written)`);
    }
  }
}

/**
 * The resume refusal for a checkpoint directory that exists without its COMPLETE marker (a copy cut short, a lost
 * marker). The atomic swap never leaves `checkpoint/` incomplete (it takes its name only once complete), so a complete
 * `checkpoint.old/` beside it is not resumed from either: which of the two the user meant is not ours to guess.
 */
function incompleteCheckpoint(checkpointPath: string): UsageError | undefined {
  const present = [checkpointPath, `${checkpointPath}.old`].filter((d) => existsSync(d));
  if (present.length === 0) return undefined;
  const old = `${checkpointPath}.old`;
  const beside = present[0] === checkpointPath && existsSync(join(old, CHECKPOINT_COMPLETE_MARKER))
    ? `; a complete "${old}" is beside it, but no crash leaves that pair, so it is not resumed in its place (to resume from it, replace "${checkpointPath}" with it)`
    : '';
  return new UsageError(
    `--resume: "${present[0]}" is incomplete (no ${CHECKPOINT_COMPLETE_MARKER} marker: a copy cut short, or the marker lost)${beside}; resuming would start again from step 0 and overwrite it. Restore it, or start over with --force`,
  );
}

/**
 * Where a resumed run continues from, for its "resuming at …" line: the checkpoint directory, and when it is
 * `checkpoint.old/` why (a kill between the two renames of a checkpoint swap left no `checkpoint/`).
 */
export function resumeNote(resumeFrom: string): string {
  if (!resumeFrom.endsWith('.old')) return resumeFrom;
  return `${resumeFrom}: ${basename(resumeFrom.slice(0, -'.old'.length))}/ is missing, as a kill between the two renames of a checkpoint swap leaves it; this previous complete checkpoint is resumed and the next checkpoint replaces it`;
}

/**
 * Opens `dir` for `command` and takes its lock (a second writer is refused, naming the holder). Fresh: refuses a
 * non-empty directory (a checkpoint, metrics, a model bundle or anything else) unless `force`, which then replaces the
 * old run files at `start()`. Resume: checks the checkpoint, run.json and the command, and returns the saved options
 * (overridden by `overrides`, e.g. a larger `--steps`), refusing inputs whose content key (`identitiesOf` the run's
 * options, by flag; recorded in run.json) changed since the run started. An input (`inputsOf` the options: the paths
 * each input flag names) inside `dir` is refused in every mode, and `force` over a directory without run.json is refused
 * unless it is empty. Nothing is written until `start()`; a directory created here is removed again if it stays empty.
 */
export async function openRunDir(
  dir: string, command: string, options: Record<string, unknown>, mode: RunMode, overrides: Record<string, unknown> = {},
  readStep: (checkpointDir: string) => Promise<number> = readStateStep,
  identitiesOf: (options: Record<string, unknown>) => Promise<Record<string, string>> = async () => ({}),
  inputsOf: (options: Record<string, unknown>) => InputPaths = () => ({}),
): Promise<RunDir> {
  const resume = mode === 'resume';
  const checkpointPath = join(dir, RUN_FILES.checkpoint);
  const stash = replacedStashOf(dir, 'dir');
  const metricsPath = join(dir, RUN_FILES.metrics);
  if (resume && !existsSync(dir)) throw new UsageError(`--resume: no complete checkpoint in "${checkpointPath}" to resume from ("${dir}" does not exist: no run was started there); run the command without --resume to start it`);
  if (!resume) checkInputsOutside(dir, inputsOf(options)); // before anything is created or removed
  checkOutsideLockedRuns(dir);
  checkReplacedStash(stash); // a file or folder of the stash's name, not ours: before anything is created or removed
  const created = !existsSync(dir);
  await ensureWritableDir(dir, '--out');
  acquireRunLock(dir, command, '--out', undefined, created); // a directory made here goes again if the run never starts
  // the run's own checkpoint, under its lock: stale staging dirs of killed writers go, and a kill between the two renames
  // of a checkpoint swap (checkpoint/ absent, checkpoint.old/ complete) resumes from checkpoint.old/ (see resumeNote)
  await removeStaleStagingDirs(checkpointPath);
  const found = await findCheckpointDir(checkpointPath, { fallbackToOld: true });
  let runOptions = options;
  let defaulted: string[] = [];
  let lengthChanged: LengthChange[] = [];
  let resumeStep: number | undefined;
  if (resume) {
    const runFile = join(dir, RUN_FILES.run);
    const incomplete = found === undefined ? incompleteCheckpoint(checkpointPath) : undefined;
    if (incomplete !== undefined) throw incomplete;
    if (existsSync(stashStaging(stash))) {
      throw new UsageError(`--resume: a --force over an earlier run in "${dir}" stopped while it moved that run's files aside (into ${stashStaging(stash)}), so there is nothing whole to resume; run the command again with --force to finish it (the earlier run stays kept until the new one completes)`);
    }
    if (found === undefined && !existsSync(runFile)) {
      const again = existsSync(stash) ? `again with --force (the run it replaces stays in ${stash})` : 'again without --resume';
      throw new UsageError(`--resume: no complete checkpoint in "${checkpointPath}" to resume from, nor a ${RUN_FILES.run}: the run stopped during start-up, before it wrote anything; run the command ${again} to start it`);
    }
    if (!existsSync(runFile)) throw new UsageError(`--resume: "${runFile}" is missing; it records how the run was started`);
    const saved = await readRunFile(runFile);
    if (saved.replacing !== undefined) {
      throw new UsageError(`--resume: "${dir}" holds a --force over an earlier run that stopped while it removed that run's files (${RUN_FILES.run} says so), so there is nothing whole to resume; run the command again with --force (nothing was written)`);
    }
    if (saved.command !== command) throw new UsageError(`--resume: "${dir}" is a ${saved.command ?? 'unknown'} run, not ${command}`);
    const identities = await identitiesOf({ ...(saved.options ?? {}), ...overrides });
    for (const [flag, was] of Object.entries((saved as { identities?: Record<string, string> }).identities ?? {})) {
      const now = identities[flag];
      if (now !== undefined && now !== was) {
        throw new UsageError(`${flag}: its files changed since this run started (content key ${was.slice(0, 12)}…, now ${now.slice(0, 12)}…); resuming would mix two inputs in one run. Restore them or start a new run with another --out`);
      }
    }
    checkResumeOverrides(saved.options ?? {}, overrides);
    lengthChanged = lengthChanges(saved.options ?? {}, overrides);
    // an option the run.json does not hold (one added to the command since the run started) takes its default, said aloud
    runOptions = { ...options, ...(saved.options ?? {}), ...overrides };
    defaulted = Object.keys(options).filter((key) => !(key in (saved.options ?? {})) && !(key in overrides));
    checkInputsOutside(dir, inputsOf(runOptions));
    checkProductsNotLinked(dir, command);
    // a run stopped before its first checkpoint starts again from step 0 with its own options (its records are dropped)
    try {
      resumeStep = found === undefined ? 0 : await readStep(found);
    } catch (error) {
      throw new UsageError(`--resume: the checkpoint in "${found}" is damaged (${(error as Error).message.split('\n')[0]}); start a new run with another --out`);
    }
    if (found !== undefined) await verifyCheckpointDir(found); // a state edited by hand (its step, its seed) or damaged weights
    const logEvery = saved.options?.logEvery; // the last stretch's (run.json is rewritten at each start)
    if (found !== undefined && typeof logEvery === 'number') checkMetricsReachCheckpoint(metricsPath, resumeStep, logEvery, found);
  } else if (mode === 'fresh') {
    if (found !== undefined) {
      throw new UsageError(`--out: "${dir}" already holds a checkpoint; pass --resume to continue it or choose another --out`);
    }
    if (existsSync(metricsPath) && statSync(metricsPath).size > 0) {
      throw new UsageError(`--out: "${dir}" already holds a run's ${RUN_FILES.metrics}; pass --resume to continue it, or choose another --out (nothing was overwritten)`);
    }
    // --force replaces only a run (a directory with run.json): the hint offers it only there
    checkNewOutDir(dir, existsSync(join(dir, RUN_FILES.run)) ? 'choose another --out, or pass --force to start a new run over the one there' : 'choose another --out (it holds no run.json: --force replaces only an earlier run)');
  }
  const { products } = mode === 'force' ? await forcedRun(dir, command) : { products: [] };
  if (mode !== 'fresh') checkRunWritable(dir, mode === 'force' ? products : RUN_PRODUCTS[command] ?? []);
  const identities = await identitiesOf(runOptions);
  let started = false;
  // what --force sets aside: the old run's records, checkpoints and products (those of the old run's command and of this one)
  const replacedEntries = mode === 'force' && existsSync(dir)
    ? readdirSync(dir).filter((name) => [RUN_FILES.run, RUN_FILES.metrics, RUN_FILES.checkpoint, `${RUN_FILES.checkpoint}.old`].includes(name) || isProduct(products, name))
    : [];
  const replaced = replacedEntries.length > 0 || existsSync(stash) || existsSync(stashStaging(stash)) ? stash : undefined;
  return {
    dir,
    replaced,
    resumeFrom: resume ? found : undefined,
    options: runOptions,
    identities,
    defaulted,
    lengthChanged,
    async start() {
      if (started) return;
      if (resumeStep !== undefined) await trimJsonlToStep(metricsPath, resumeStep);
      const runJson = { command, options: runOptions, identities, updatedAt: new Date().toISOString(), node: process.versions.node };
      if (mode === 'force' && replaced !== undefined) {
        // a new run over an old one: its records, checkpoints and products move aside, so nothing is appended to,
        // resumed from or left beside the new run, and come back by hand if the new run never completes (other files stay)
        await setAsideReplaced(dir, replacedEntries, stash);
      }
      await writeJsonAtomic(join(dir, RUN_FILES.run), runJson);
      started = true;
    },
    async finish() {
      await dropReplaced(stash);
    },
    log: (record) => {
      if (!started) throw new Error(`run dir ${dir}: log() before start()`);
      appendJsonl(metricsPath, { ...record, time: new Date().toISOString() });
    },
  };
}

/**
 * A run logs a step before it checkpoints it, so its metrics.jsonl holds a record less than one logging interval before
 * its checkpoint's step. A checkpoint further ahead is not this run's (copied from another run) or the metrics were
 * lost: resuming would label another run's weights with this run's options, or leave a gap in its records.
 */
function checkMetricsReachCheckpoint(metricsPath: string, step: number, logEvery: number, checkpoint: string): void {
  if (step === 0) return;
  const steps = existsSync(metricsPath) ? readJsonl<{ step?: unknown }>(metricsPath).records.map((r) => r.step).filter((v): v is number => typeof v === 'number' && v <= step) : [];
  const last = steps.length === 0 ? undefined : Math.max(...steps);
  if (last !== undefined && last > step - logEvery) return;
  throw new UsageError(
    `--resume: the checkpoint in "${checkpoint}" is at step ${step}, but ${metricsPath} ${last === undefined ? 'records no step' : `records nothing after step ${last}`} ` +
      `(this run logs every ${logEvery} steps): the checkpoint is not this run's (copied from another run?) or its metrics were lost. Restore them, or start a new run with another --out (nothing was written)`,
  );
}

/** Refuses a checkpoint written by a run with another seed (copied from another run): its weights are not this run's. */
export function checkCheckpointSeed(recorded: unknown, seed: number, checkpoint: string): void {
  if (recorded === undefined || recorded === seed) return;
  throw new UsageError(`--resume: the checkpoint in "${checkpoint}" was written by a run with --seed ${JSON.stringify(recorded)}, and this run's is ${seed}: it is not this run's checkpoint (copied from another run?). Restore the run's own, or start a new run with another --out (nothing was written)`);
}

/** What a run stopped by an error says about its checkpoint in `checkpointDir`: kept, or none written yet. */
export function checkpointNote(checkpointDir: string): string {
  const kept = [checkpointDir, `${checkpointDir}.old`].some((d) => existsSync(join(d, CHECKPOINT_COMPLETE_MARKER)));
  return kept ? `last checkpoint kept in ${checkpointDir}` : 'no checkpoint was written yet';
}

/**
 * The notes a run prints as it opens, or undefined: on resume, options run.json lacks (see `RunDir.defaulted`) and a
 * changed length that moves a learning rate decaying over the run's planned length (see `RunDir.lengthChanged`); where
 * an earlier run a `--force` replaces is kept (see `RunDir.replaced`).
 */
export function defaultedNote(run: RunDir): string | undefined {
  const notes = lengthNotes(run.lengthChanged ?? [], run.options);
  if (run.replaced !== undefined) notes.push(replacedNote(run.replaced, 'the earlier run'));
  if (run.defaulted.length > 0) {
    const values = run.defaulted.map((key) => `${flagOf(key)} ${JSON.stringify(run.options[key])}`).join(', ');
    notes.unshift(`--resume: ${join(run.dir, RUN_FILES.run)} has no value for ${run.defaulted.length > 1 ? 'these options' : 'this option'} (added to the command since the run started, or removed from the file), so the default is used: ${values}; pass the flag to choose another value\n`);
  }
  return notes.length === 0 ? undefined : notes.join('');
}

/** The step of a checkpoint from its `state.json` (`{ "step": n }`). */
export async function readStateStep(checkpointDir: string): Promise<number> {
  const path = join(checkpointDir, RUN_FILES.state);
  const state = JSON.parse(await readFile(path, 'utf8')) as { step?: unknown };
  if (typeof state.step !== 'number') throw new Error(`${path}: field "step" must be a number, got ${JSON.stringify(state.step)}`);
  return state.step;
}

/** The step of a model checkpoint that records it in its own `config.json` (`{ "step": n }`: tokenizer, classifier). */
export async function readConfigStep(checkpointDir: string): Promise<number> {
  const path = join(checkpointDir, 'config.json');
  const state = JSON.parse(await readFile(path, 'utf8')) as { step?: unknown };
  if (typeof state.step !== 'number') throw new Error(`${path}: field "step" must be a number, got ${JSON.stringify(state.step)}`);
  return state.step;
}

/** The options a run in `dir` was started with (its run.json), for `--print-config` of a resumed run. */
export async function savedRunOptions(dir: string): Promise<Record<string, unknown>> {
  const runFile = join(dir, RUN_FILES.run);
  if (!existsSync(runFile)) throw new UsageError(`--resume: "${runFile}" is missing; it records how the run was started`);
  return (await readRunFile(runFile)).options ?? {};
}
