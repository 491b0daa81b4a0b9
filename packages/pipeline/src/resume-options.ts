/**
 * What a resumed run may change of the options it was started with: where it is, how long it runs, how often it saves
 * and logs. A defining option changed is refused; a changed length is allowed and said aloud when it moves the
 * learning-rate schedule.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { UsageError, flagOf } from '@speedrl/core';
import { parseRewardSpec } from './reward-module';

/**
 * Options a resumed run may change: where it is, how long it runs, how often it saves and logs. Everything else
 * defines the run (model, data, seed, losses, schedules); changing it mid-run would mix two runs under one name.
 */
export const RESUME_MUTABLE_OPTIONS: ReadonlySet<string> = new Set([
  'out', 'steps', 'epochs', 'iterations', 'timeBudget', 'checkpointEvery', 'logEvery', 'gridEvery', 'evalLimit',
  'cooldown', // train-maskgit checks it against its checkpoint: only a cool-down that has not begun may change
]);

/**
 * Options that name a file or directory: another spelling of the same path (`runs/x/`, `./runs/x`) is the same value.
 * Their contents are guarded apart from their names (each run records content keys of its inputs).
 */
const PATH_OPTIONS: ReadonlySet<string> = new Set([
  'base', 'tokenizer', 'data', 'classifier', 'rewardClassifier', 'evalClassifier', 'perceptualClassifier', 'tuned', 'accelerated', 'config',
]);

const DECIMAL = /^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i;

/** A number, or a comma-separated list of decimal numbers, as numbers ("-1.0" → [-1], "2,3.0" → [2, 3]); undefined otherwise. */
function numbersOf(value: unknown): number[] | undefined {
  if (typeof value === 'number') return [value];
  if (typeof value !== 'string') return undefined;
  const parts = value.split(',');
  return parts.every((p) => DECIMAL.test(p)) ? parts.map(Number) : undefined;
}

/**
 * Whether two values of option `key` are the same value: equal text, the same numbers in the same order however
 * written (--floor -1.0 is -1), or for a path option another spelling of the same path.
 */
function sameValue(key: string, was: unknown, value: unknown): boolean {
  if (String(was) === String(value)) return true;
  if (PATH_OPTIONS.has(key) && typeof was === 'string' && typeof value === 'string' && resolve(was) === resolve(value)) return true;
  const [a, b] = [numbersOf(was), numbersOf(value)];
  return a !== undefined && b !== undefined && a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * Refuses an override on --resume that changes an option the run was started with (other than the `mutable` ones, by
 * default the `RESUME_MUTABLE_OPTIONS` of this module; `what` names the job in the message).
 */
export function checkResumeOverrides(saved: Record<string, unknown>, overrides: Record<string, unknown>, mutable: ReadonlySet<string> = RESUME_MUTABLE_OPTIONS, what = 'run'): void {
  for (const [key, value] of Object.entries(overrides)) {
    if (mutable.has(key) || value === undefined) continue;
    const was = saved[key];
    if (was === undefined) continue; // run.json does not record it (an older file, or edited): the value given says what the run used
    if (sameValue(key, was, value)) continue;
    throw new UsageError(
      `${flagOf(key)}: a resumed ${what} keeps the value it was started with (${JSON.stringify(was)}), got ${JSON.stringify(value)}; ` +
        `start a new ${what} with another --out to change it`,
    );
  }
}

/**
 * Refuses (a UsageError naming the flag) an option of a resumed job (an ablation) typed now with another value than the one
 * its `file` saved (`saved`): the job's finished parts were made with it. `keys`: the options that define the job; `now`:
 * the values given; `typed`: whether the user typed an option in this call (a default never counts).
 */
export function checkSavedOptions(
  file: string, saved: Readonly<Record<string, unknown>>, now: Readonly<Record<string, unknown>>, keys: readonly string[], typed: (key: string) => boolean, job: string,
): void {
  for (const key of keys) {
    if (!typed(key) || saved[key] === undefined || sameValue(key, saved[key], now[key])) continue; // as checkResumeOverrides compares
    throw new UsageError(`${flagOf(key)}: ${file} was started with ${JSON.stringify(saved[key])}, now ${JSON.stringify(now[key])}; a resumed ${job} keeps it, use another --out to change it`);
  }
}

/**
 * The options that define a run, as its checkpoints record them: all but the `mutable` ones and the input paths and
 * `--reward` modules (their contents are keyed apart, and another spelling of a path is the same input).
 */
export function definingOptions(options: Record<string, unknown>, mutable: ReadonlySet<string> = RESUME_MUTABLE_OPTIONS): Record<string, unknown> {
  const kept = Object.entries(options).filter(([key, value]) => !mutable.has(key) && !PATH_OPTIONS.has(key) && value !== undefined);
  // --reward specs: their module files are keyed apart, their export and weight define the run (file:export=weight)
  return Object.fromEntries(kept.map(([key, value]) => [key, key === 'reward' && Array.isArray(value) ? value.map((spec) => rewardSpecText(String(spec))) : value]));
}

/** A `--reward` spec as a checkpoint records it: the module's file name, its export and weight (`r.mjs:default=0.5`). */
function rewardSpecText(spec: string): string {
  const s = parseRewardSpec(spec);
  return `${basename(s.path)}:${s.exportName}=${s.weight}`;
}

/** What a checkpoint records of its run (`checkCheckpointRun` compares it on --resume). */
export interface CheckpointRunRecord {
  /** The defining options (`definingOptions`). */
  readonly options: Record<string, unknown>;
  /** The content keys of the run's inputs by flag (run.json's `identities`). */
  readonly inputs: Record<string, string>;
}

/** The record a checkpoint of `run` carries: its defining options and its inputs' content keys. */
export function checkpointRunRecord(run: { readonly options: Record<string, unknown>; readonly identities: Record<string, string> }): CheckpointRunRecord {
  return { options: definingOptions(run.options), inputs: { ...run.identities } };
}

/** The run `checkCheckpointRun` compares a checkpoint's record with. */
export interface CheckedRun {
  readonly options: Record<string, unknown>;
  readonly identities: Record<string, string>;
  /**
   * Every `--reward` content key the run has recorded (run.json's key and its `rewardHistory`, edits accepted with
   * `--allow-changed-reward` included; none: a run without `--reward`); undefined: not known, not compared.
   */
  readonly rewardKeys?: readonly string[];
}

/**
 * Refuses a checkpoint whose record (`checkpointRunRecord`) is not `run`'s: other defining options
 * (`checkCheckpointOptions`), or inputs whose content differs, by flag (a copy from a run of another base, data or
 * classifier with the same seed and options). A `--reward` key passes when it is any the run has recorded
 * (`run.rewardKeys`: a checkpoint from before an accepted edit is the run's own), not merely the current one. A
 * checkpoint without the record passes.
 */
export function checkCheckpointRun(recorded: unknown, run: CheckedRun, checkpoint: string): void {
  if (typeof recorded !== 'object' || recorded === null) return;
  const r = recorded as Partial<CheckpointRunRecord>;
  checkCheckpointOptions(r.options, run.options, checkpoint);
  for (const [flag, was] of Object.entries(r.inputs ?? {})) {
    if (flag === '--reward') {
      checkCheckpointReward(String(was), run.rewardKeys, checkpoint);
      continue;
    }
    const now = run.identities[flag];
    if (now === undefined || now === was) continue;
    throw new UsageError(
      `--resume: the checkpoint in "${checkpoint}" was written by a run whose ${flag} files differ from this run's (content key ${String(was).slice(0, 12)}…, this run's ${now.slice(0, 12)}…): ` +
        'it is not this run\'s checkpoint (copied from another run?). Restore the run\'s own, or start a new run with another --out (nothing was written)',
    );
  }
}

/**
 * Refuses a checkpoint scored by `--reward` module files with content key `was` that is none of the run's recorded
 * `keys`: a copy from another run whose module has the same file name but other code (its spec, `r.mjs:default=1`,
 * matches). Unknown `keys` pass.
 */
function checkCheckpointReward(was: string, keys: readonly string[] | undefined, checkpoint: string): void {
  if (keys === undefined || keys.includes(was)) return;
  const mine = keys.length === 0 ? 'this run has no --reward modules' : `this run's run.json records ${keys.map((k) => `${k.slice(0, 12)}…`).join(', ')}`;
  throw new UsageError(
    `--resume: the checkpoint in "${checkpoint}" was scored with --reward module files this run never used (content key ${was.slice(0, 12)}…; ${mine}): ` +
      'it is not this run\'s checkpoint (copied from a run whose module has the same file name?). Restore the run\'s own, or start a new run with another --out (nothing was written)',
  );
}

/**
 * Refuses a checkpoint whose recorded defining options (`definingOptions`, written with it) differ from the run's: a
 * checkpoint copied from another run with the same seed would otherwise continue under this run's name. A checkpoint
 * without the record (written before it existed) passes; an option one side lacks is not compared.
 */
export function checkCheckpointOptions(recorded: unknown, options: Record<string, unknown>, checkpoint: string): void {
  if (typeof recorded !== 'object' || recorded === null || Array.isArray(recorded)) return;
  const mine = definingOptions(options);
  for (const [key, was] of Object.entries(recorded as Record<string, unknown>)) {
    if (!(key in mine) || was === undefined || sameValue(key, was, mine[key])) continue;
    throw new UsageError(
      `--resume: the checkpoint in "${checkpoint}" was written by a run with ${flagOf(key)} ${JSON.stringify(was)}, and this run's is ${JSON.stringify(mine[key])}: ` +
        'it is not this run\'s checkpoint (copied from another run?). Restore the run\'s own, or start a new run with another --out (nothing was written)',
    );
  }
}

/** A length option a resume gave another value than the run's own. */
export interface LengthChange {
  readonly key: string;
  readonly was: unknown;
  readonly now: unknown;
}

/** The length options (--steps, --epochs) `overrides` changes from the run's `saved` options. */
export function lengthChanges(saved: Record<string, unknown>, overrides: Record<string, unknown>): LengthChange[] {
  return ['steps', 'epochs'].filter((key) => overrides[key] !== undefined && saved[key] !== undefined && String(saved[key]) !== String(overrides[key]))
    .map((key) => ({ key, was: saved[key], now: overrides[key] }));
}

/**
 * Notes for changed lengths: a cosine learning rate decays over the run's planned length, so a resume that changes it
 * follows the new schedule from its step on (the rate jumps, unlike an uninterrupted run of the new length); an
 * `rsqrt` schedule (--lr-schedule) has no planned length and needs none.
 */
export function lengthNotes(changes: readonly LengthChange[], options: Record<string, unknown>): string[] {
  if (options.lrSchedule === 'rsqrt') return [];
  return changes.map((c) => `${flagOf(c.key)}: this run was started with ${JSON.stringify(c.was)}, now ${JSON.stringify(c.now)}; its learning rate decays (cosine) over the run's planned length, so from the step it resumes at it follows a schedule over the new length: the rate jumps, and the result differs from an uninterrupted run of ${JSON.stringify(c.now)}\n`);
}

/** On `--resume`, a job's saved options become the defaults (flags and `--config` still win): the options saved under `options` in a JSON file, restricted to the keys of `defaults`; {} when the file is absent. */
export function savedOptions<T extends object>(path: string, defaults: T): Partial<T> {
  if (!existsSync(path)) return {};
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`--resume: ${path} is not valid JSON (${(error as Error).message}); remove it or choose another --out`);
  }
  const options = (value as { options?: unknown } | null)?.options;
  if (typeof options !== 'object' || options === null) return {};
  return Object.fromEntries(Object.entries(options).filter(([k]) => k in defaults)) as Partial<T>;
}

/**
 * Refuses a typed `--epochs` on a run that counts `--steps` (train-vq, train-classifier: steps > 0 wins over epochs):
 * it would be ignored, and on `--resume` recorded in run.json as if the run had trained to it. `runJson` is the run's
 * run.json (read on resume); `steps` the value this call would use for a new run.
 */
export function checkEpochsUsed(runJson: string, resume: boolean, typed: { readonly steps?: unknown; readonly epochs?: unknown }, steps: number): void {
  if (typed.epochs === undefined) return;
  const counted = typed.steps !== undefined ? Number(typed.steps) : resume ? Number(savedOptions(runJson, { steps: 0 }).steps ?? 0) : steps;
  if (counted > 0) {
    throw new UsageError(`--epochs: this run counts --steps (${counted}), which wins over --epochs, so it would be ignored; give --steps to set the run's length${resume ? '' : ', or leave --steps at 0 to count epochs'}`);
  }
}

