/**
 * The output directory of a long job: `run.json` (command and options), `metrics.jsonl`, `checkpoint/`
 * (replaced atomically), a `.lock` while a process writes it, and the job's products. `--resume` continues from the
 * checkpoint; without it an existing run is never overwritten or appended to.
 */
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { appendJsonl, findCheckpointDir, trimJsonlToStep, writeJsonAtomic } from '@speedrl/core';
import { UsageError } from './errors';
import { ensureWritableDir } from './output-path';
import { acquireRunLock } from './run-lock';

/** File names inside a run directory. */
export const RUN_FILES = Object.freeze({ run: 'run.json', metrics: 'metrics.jsonl', checkpoint: 'checkpoint', state: 'state.json' });

/**
 * Options a resumed run may change: where it is, how long it runs, how often it saves and logs. Everything else
 * defines the run (model, data, seed, losses, schedules); changing it mid-run would mix two runs under one name.
 */
export const RESUME_MUTABLE_OPTIONS: ReadonlySet<string> = new Set([
  'out', 'steps', 'epochs', 'iterations', 'timeBudget', 'checkpointEvery', 'logEvery', 'gridEvery', 'evalLimit',
]);

const flagOf = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** Refuses an override on --resume that changes an option the run was started with (other than the mutable ones). */
export function checkResumeOverrides(saved: Record<string, unknown>, overrides: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(overrides)) {
    if (RESUME_MUTABLE_OPTIONS.has(key) || !(key in saved) || value === undefined) continue;
    const was = saved[key];
    if (JSON.stringify(String(was)) === JSON.stringify(String(value))) continue;
    throw new UsageError(
      `${flagOf(key)}: a resumed run keeps the value it was started with (${JSON.stringify(was)}), got ${JSON.stringify(value)}; ` +
        'start a new run with another --out to change it',
    );
  }
}

/** An open run directory. */
export interface RunDir {
  readonly dir: string;
  /** The complete checkpoint to resume from; undefined for a fresh run, or a resumed one stopped before its first checkpoint. */
  readonly resumeFrom: string | undefined;
  /** Options the run was started with (from run.json on resume). */
  readonly options: Record<string, unknown>;
  /**
   * Writes the run's state: run.json, and on resume metrics.jsonl trimmed back to the checkpoint. Call it once the
   * command has validated everything it loads, so a failing check leaves the directory as it was.
   */
  start(): Promise<void>;
  /** Appends one metrics record (must carry `step`); only after {@link start}. */
  log(record: { step: number } & Record<string, unknown>): void;
}

/**
 * Opens `dir` for `command` and takes its lock (a second writer is refused, naming the holder). Fresh: refuses a
 * directory that already holds a checkpoint or metrics. Resume: checks the checkpoint, run.json and the command,
 * and returns the saved options (overridden by `overrides`, e.g. a larger `--steps`). Nothing is written until
 * `start()`.
 */
export async function openRunDir(
  dir: string, command: string, options: Record<string, unknown>, resume: boolean, overrides: Record<string, unknown> = {},
  readStep: (checkpointDir: string) => Promise<number> = readStateStep,
): Promise<RunDir> {
  const checkpointPath = join(dir, RUN_FILES.checkpoint);
  const metricsPath = join(dir, RUN_FILES.metrics);
  if (resume && !existsSync(dir)) throw new UsageError(`--resume: no complete checkpoint in "${checkpointPath}" to resume from (no such directory)`);
  await ensureWritableDir(dir, '--out');
  acquireRunLock(dir, command);
  const found = await findCheckpointDir(checkpointPath);
  let runOptions = options;
  let resumeStep: number | undefined;
  if (resume) {
    const runFile = join(dir, RUN_FILES.run);
    if (found === undefined && !existsSync(runFile)) throw new UsageError(`--resume: no complete checkpoint in "${checkpointPath}" to resume from`);
    if (!existsSync(runFile)) throw new UsageError(`--resume: "${runFile}" is missing; it records how the run was started`);
    const saved = JSON.parse(await readFile(runFile, 'utf8')) as { command?: string; options?: Record<string, unknown> };
    if (saved.command !== command) throw new UsageError(`--resume: "${dir}" is a ${saved.command ?? 'unknown'} run, not ${command}`);
    checkResumeOverrides(saved.options ?? {}, overrides);
    runOptions = { ...(saved.options ?? {}), ...overrides };
    // a run stopped before its first checkpoint starts again from step 0 with its own options (its records are dropped)
    resumeStep = found === undefined ? 0 : await readStep(found);
  } else {
    if (found !== undefined) {
      throw new UsageError(`--out: "${dir}" already holds a checkpoint; pass --resume to continue it or choose another --out`);
    }
    if (existsSync(metricsPath) && statSync(metricsPath).size > 0) {
      throw new UsageError(`--out: "${dir}" already holds a run's ${RUN_FILES.metrics}; pass --resume to continue it, or choose another --out (nothing was overwritten)`);
    }
  }
  let started = false;
  return {
    dir,
    resumeFrom: resume ? found : undefined,
    options: runOptions,
    async start() {
      if (started) return;
      if (resumeStep !== undefined) await trimJsonlToStep(metricsPath, resumeStep);
      await writeJsonAtomic(join(dir, RUN_FILES.run), { command, options: runOptions, updatedAt: new Date().toISOString(), node: process.versions.node });
      started = true;
    },
    log: (record) => {
      if (!started) throw new Error(`run dir ${dir}: log() before start()`);
      appendJsonl(metricsPath, { ...record, time: new Date().toISOString() });
    },
  };
}

/** The step of a checkpoint from its `state.json` (`{ "step": n }`). */
export async function readStateStep(checkpointDir: string): Promise<number> {
  const path = join(checkpointDir, RUN_FILES.state);
  const state = JSON.parse(await readFile(path, 'utf8')) as { step?: unknown };
  if (typeof state.step !== 'number') throw new Error(`${path}: field "step" must be a number, got ${JSON.stringify(state.step)}`);
  return state.step;
}
