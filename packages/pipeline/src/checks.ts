/**
 * Checks of user input made before any work starts, so a bad value is a UsageError naming the flag (exit 2) and not a
 * failure after minutes of sampling or training.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { UsageError, contentKey, flagOf } from '@speedrl/core';
import { DEFAULT_SAMPLER_CONFIG } from '@speedrl/sampler';
import { findIdxFile, idxFileNames, type IdxSplit } from '@speedrl/tensor-utils';
import { bundleIdentity } from './bundle';

/** `--data`: the IDX files of each split are there (a missing dataset is a usage error before any work, exit 2). */
export function checkDataDir(dir: string, splits: readonly IdxSplit[] = ['train', 'test'], flag = '--data'): void {
  for (const split of splits) {
    const names = idxFileNames(split);
    try {
      findIdxFile(dir, names.images);
      findIdxFile(dir, names.labels);
    } catch (error) {
      const reason = existsSync(dir) ? (error as Error).message : `dataset directory "${dir}" does not exist; run \`apt-get install dataset-fashion-mnist\` or pass ${flag} DIR`;
      throw new UsageError(`${flag}: ${reason}`);
    }
  }
}

/** `--seed` and `--seeds`: the last seed used, seed + seeds − 1, must still be a safe integer. */
export function checkSeedRange(seed: number, seeds: number): void {
  // not seed + seeds − 1 > MAX: that sum rounds back to MAX_SAFE_INTEGER for seed = MAX, seeds = 2
  if (seeds - 1 > Number.MAX_SAFE_INTEGER - seed) throw new UsageError(`--seed, --seeds: the last seed ${seed} + ${seeds} − 1 exceeds ${Number.MAX_SAFE_INTEGER}`);
}

/**
 * Runs `build` (a library config resolver that throws `field "name…" …`) and turns its error into a UsageError
 * naming the flag the user typed: `flags["name.sub"]` (a nested field), else `flags[name]`, else `--` + the kebab-case name.
 */
export function usageErrorForConfigField<T>(flags: Readonly<Record<string, string>>, build: () => T): T {
  try {
    return build();
  } catch (error) {
    const match = /field "([A-Za-z]+)(\.[A-Za-z]+)?[^"]*" (.*)$/s.exec((error as Error).message);
    if (match === null) throw error;
    const field = match[1] as string;
    const flag = flags[`${field}${match[2] ?? ''}`] ?? flags[field] ?? flagOf(field);
    throw new UsageError(`${flag}: ${match[3]}`);
  }
}

/** The files behind a classifier directory (what its content key covers). */
export function classifierFiles(dir: string): Record<string, string> {
  return { 'classifier/config.json': join(dir, 'config.json'), 'classifier/model.safetensors': join(dir, 'model.safetensors') };
}

/** The IDX files of `splits` in a dataset directory (what its content key covers). */
export function dataFiles(dir: string, splits: readonly IdxSplit[] = ['train', 'test']): Record<string, string> {
  return Object.fromEntries(splits.flatMap((split) => {
    const names = idxFileNames(split);
    return [[`data/${split}-images`, findIdxFile(dir, names.images)], [`data/${split}-labels`, findIdxFile(dir, names.labels)]];
  }));
}

/**
 * SHA-256 content key of the files behind each flag (`{ '--classifier': files, … }`), one key per flag: results record
 * them, so inputs changed at the same path are refused on resume instead of mixed in. An unreadable file is a usage
 * error naming its flag, or (with `skipUnreadable`) left out of the keys for a later step to report
 * (docs/architecture.md, "Runs and results never mix inputs").
 */
export async function inputKeys(
  inputs: Readonly<Record<string, () => Record<string, string> | Promise<string>>>, skipUnreadable = false,
): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [flag, files] of Object.entries(inputs)) {
    try {
      const value = files();
      out[flag] = typeof value === 'object' && !(value instanceof Promise) ? (await contentKey(value, null)).key : await value;
    } catch (error) {
      if (skipUnreadable) continue; // left to the step that loads them, which says what is wrong
      const e = error as NodeJS.ErrnoException;
      const inRun = e.path !== undefined && existsSync(join(dirname(e.path), 'run.json'))
        ? `; "${dirname(e.path)}" is a run folder: give the model folder inside it (classifier/, tokenizer/ or model/)` : '';
      throw new UsageError(`${flag}: its files cannot be read (${e.code ?? e.message.split('\n')[0]}${e.path === undefined ? '' : `: ${e.path}`})${inRun}`);
    }
  }
  return out;
}

/** What a long job's input is: a model bundle, a classifier directory, an IDX dataset directory, or a config file. */
export type JobInputKind = 'bundle' | 'classifier' | 'data' | 'config';

/** A long job's inputs by the flag the user typed: what each is, and the path typed (`{ '--base': ['bundle', dir] }`). */
export type JobInputs = Readonly<Record<string, readonly [JobInputKind, string]>>;

/**
 * Content keys of a long job's inputs (`demo`, `ablate`; flag → key), from one explicit map of kinds, so each job
 * records the same files for the same kind. Unreadable inputs are left out: the step that loads them says what is wrong.
 */
export function jobInputKeys(inputs: JobInputs): Promise<Record<string, string>> {
  const filesOf = (kind: JobInputKind, path: string): Record<string, string> | Promise<string> =>
    kind === 'bundle' ? bundleIdentity(path) : kind === 'classifier' ? classifierFiles(path) : kind === 'data' ? dataFiles(path) : { config: path };
  return inputKeys(Object.fromEntries(Object.entries(inputs).map(([flag, [kind, path]]) => [flag, () => filesOf(kind, path)])), true);
}

/** The flags whose files differ between `was` (recorded with a result) and `now`; absent entries are not compared. */
export function changedInputs(was: Readonly<Record<string, string>> | undefined, now: Readonly<Record<string, string>>): string[] {
  return Object.keys(now).filter((flag) => was?.[flag] !== undefined && was[flag] !== now[flag]);
}

/** What a long job's file (demo.json, ablate.json) records of its inputs: their content keys by flag, and the working directory it started in. */
export interface JobRecord {
  readonly inputs: Record<string, string>;
  readonly cwd?: string;
}

/** The {@link JobRecord} of a job starting now with the input keys `inputs`. */
export const newJobRecord = (inputs: Record<string, string>): JobRecord => ({ inputs, cwd: process.cwd() });

/**
 * Refuses a resumed job (a demo, an ablation) whose inputs' files (`now`: `jobInputKeys` by the flag the user typed) are
 * not those its `file` recorded when it started (its `inputs`): a UsageError naming the flags and the paths as resolved
 * here. A `file` that records no inputs (its key deleted, or written by an older speedrl) is refused too: nothing shows
 * what its finished parts were made from. So is a resume from another working directory than the one `file` records
 * (`cwd`) while an input path is relative: it names other files here, and the job's steps record the paths as typed.
 * `inputs`: the job's inputs, for the paths typed. Returns what to record again ({@link JobRecord}): the keys `now`, with
 * the recorded key of an input unreadable now kept (was: dropped, so a later resume no longer checked that input), and
 * the recorded `cwd` (none for a file from before it was recorded: this directory may not be the one it started in).
 */
export function checkRecordedInputs(file: string, now: Readonly<Record<string, string>>, inputs: JobInputs, job: string): JobRecord {
  let saved: { inputs?: unknown; cwd?: unknown } | null;
  try {
    saved = JSON.parse(readFileSync(file, 'utf8')) as { inputs?: unknown; cwd?: unknown } | null;
  } catch {
    return { inputs: { ...now } }; // absent or unreadable: the job's own reading of it says what is wrong
  }
  const recorded = saved?.inputs;
  if (typeof recorded !== 'object' || recorded === null || Array.isArray(recorded)) {
    throw new UsageError(
      `--resume: ${file} records no content keys of its inputs (deleted by hand, or written by an older speedrl), so nothing shows that its finished parts ` +
        `were made from the files named now; start a new ${job} with another --out (nothing was written)`,
    );
  }
  const relative = Object.entries(inputs).filter(([, [, path]]) => !isAbsolute(path));
  if (typeof saved?.cwd === 'string' && resolve(saved.cwd) !== process.cwd() && relative.length > 0) {
    throw new UsageError(
      `--resume: this ${job} was started in "${saved.cwd}" (${file} says so), and its relative paths (${relative.map(([flag, [, path]]) => `${flag} "${path}"`).join(', ')}) ` +
        `name other files from "${process.cwd()}"; resume it from "${saved.cwd}", or start a new ${job} with another --out (nothing was written)`,
    );
  }
  const changed = changedInputs(recorded as Record<string, string>, now);
  if (changed.length === 0) return { inputs: { ...(recorded as Record<string, string>), ...now }, ...(typeof saved?.cwd === 'string' ? { cwd: saved.cwd } : {}) };
  const where = changed.map((flag) => `"${resolve(inputs[flag]?.[1] ?? '')}"`).join(', ');
  throw new UsageError(
    `${changed.join(', ')}: the files at ${where} are not those ${file} recorded when this ${job} started; its finished parts would be mixed with work on other inputs. ` +
      `Restore them (a relative path names other files from another working directory: resume from the one the ${job} was started in), or start a new ${job} with another --out (nothing was written)`,
  );
}

/**
 * Refuses sampler options the chosen sampler never reads (docs/architecture.md, "Sampler"), which would be ignored yet
 * recorded with the results: `--schedule` other than the default with the adaptive sampler (it commits by threshold),
 * and `--gumbel` other than the default with halton (a fixed reveal order) or adaptive (no choice noise here); was:
 * accepted, recorded, and the images those of the default.
 */
export function checkSamplerOptionsRead(o: { readonly sampler: string; readonly schedule: string; readonly gumbel: number }): void {
  if (o.sampler === 'adaptive' && o.schedule !== DEFAULT_SAMPLER_CONFIG.schedule) {
    throw new UsageError(`--schedule: the adaptive sampler commits the draws over its threshold and reads no mask schedule, so "${o.schedule}" would be ignored; remove it, or use --sampler confidence or halton`);
  }
  if (o.sampler !== 'confidence' && o.gumbel !== DEFAULT_SAMPLER_CONFIG.gumbelScale) {
    throw new UsageError(`--gumbel: only --sampler confidence reads it (the ${o.sampler} sampler ranks no noisy confidence), so ${o.gumbel} would be ignored; remove it, or use --sampler confidence`);
  }
}

/** The paths of a long job's inputs by flag (for `checkOutsideInputs`), without the flags in `except`. */
export function jobInputPaths(inputs: JobInputs, except: readonly string[] = []): Record<string, string> {
  return Object.fromEntries(Object.entries(inputs).filter(([flag]) => !except.includes(flag)).map(([flag, [, path]]) => [flag, path]));
}

/** The content key of each input's files (flag → key); inputs whose files are missing are left out (the checks that load them say what is wrong). */
async function keysOf(inputs: readonly (readonly [string, () => Record<string, string>])[]): Promise<Record<string, string>> {
  const keys: Record<string, string> = {};
  for (const [flag, files] of inputs) {
    try {
      keys[flag] = (await contentKey(files(), null)).key;
    } catch {
      // missing files: the checks that load them say what is wrong
    }
  }
  return keys;
}

/**
 * `identitiesOf` for `openRunDir` of a training command: the content key of its training images (`--data`) and, with
 * `perceptual`, of the classifier behind `--perceptual-classifier` when the run uses one, so a resume from another
 * directory or after the files changed is refused instead of training on other inputs. Missing files are left to
 * the checks that load them.
 */
export function trainingInputs(perceptual: boolean): (options: Record<string, unknown>) => Promise<Record<string, string>> {
  return async (options) => keysOf([
    ['--data', () => dataFiles(String(options.data), ['train'])],
    ...(perceptual && (Number(options.perceptual) > 0 || Number(options.holdout) > 0) ? [['--perceptual-classifier', () => classifierFiles(String(options.perceptualClassifier))] as const] : []),
  ]);
}

/**
 * `identitiesOf` for `openRunDir` of train-maskgit: the content keys of its tokenizer and training images, and of the
 * quality probe's two classifiers when it probes (`--eval-every` > 0), so a resume never puts the scores of two judges
 * in one curve (a classifier retrained at the same path).
 */
export function maskgitInputs(): (options: Record<string, unknown>) => Promise<Record<string, string>> {
  return async (o) => keysOf([
    ['--tokenizer', () => ({ 'tokenizer/config.json': join(String(o.tokenizer), 'config.json'), 'tokenizer/model.safetensors': join(String(o.tokenizer), 'model.safetensors') })],
    ['--data', () => dataFiles(String(o.data), ['train'])],
    ...(Number(o.evalEvery) > 0 ? [['--classifier', () => classifierFiles(String(o.classifier))] as const, ['--reward-classifier', () => classifierFiles(String(o.rewardClassifier))] as const] : []),
  ]);
}
