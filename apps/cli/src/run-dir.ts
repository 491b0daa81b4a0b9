/**
 * The output directory of a long job: `run.json` (command and options), `metrics.jsonl`, `checkpoint/`
 * (replaced atomically) and the job's products. `--resume` continues from the checkpoint; without it an
 * existing checkpoint is never overwritten.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { appendJsonl, findCheckpointDir, trimJsonlToStep, writeJsonAtomic } from '@speedrl/tensor-utils';
import { UsageError } from './errors';

/** File names inside a run directory. */
export const RUN_FILES = Object.freeze({ run: 'run.json', metrics: 'metrics.jsonl', checkpoint: 'checkpoint', state: 'state.json' });

/** An open run directory. */
export interface RunDir {
  readonly dir: string;
  /** The complete checkpoint to resume from, or undefined for a fresh run. */
  readonly resumeFrom: string | undefined;
  /** Options the run was started with (from run.json on resume). */
  readonly options: Record<string, unknown>;
  /** Appends one metrics record (must carry `step`). */
  log(record: { step: number } & Record<string, unknown>): void;
}

/**
 * Opens `dir` for `command`. Fresh: refuses a directory that already holds a checkpoint. Resume: loads the
 * checkpoint's step from `state.json`, trims `metrics.jsonl` back to it, and returns the saved options
 * (overridden by `overrides`, e.g. a larger `--steps`).
 */
export async function openRunDir(
  dir: string, command: string, options: Record<string, unknown>, resume: boolean, overrides: Record<string, unknown> = {},
  readStep: (checkpointDir: string) => Promise<number> = readStateStep,
): Promise<RunDir> {
  const checkpointPath = join(dir, RUN_FILES.checkpoint);
  const found = await findCheckpointDir(checkpointPath);
  let runOptions = options;
  if (resume) {
    if (found === undefined) throw new UsageError(`--resume: no complete checkpoint in "${checkpointPath}" to resume from`);
    const runFile = join(dir, RUN_FILES.run);
    if (!existsSync(runFile)) throw new UsageError(`--resume: "${runFile}" is missing; it records how the run was started`);
    const saved = JSON.parse(await readFile(runFile, 'utf8')) as { command?: string; options?: Record<string, unknown> };
    if (saved.command !== command) throw new UsageError(`--resume: "${dir}" is a ${saved.command ?? 'unknown'} run, not ${command}`);
    runOptions = { ...(saved.options ?? {}), ...overrides };
    await trimJsonlToStep(join(dir, RUN_FILES.metrics), await readStep(found));
  } else {
    if (found !== undefined) {
      throw new UsageError(`--out: "${dir}" already holds a checkpoint; pass --resume to continue it or choose another --out`);
    }
    await mkdir(dir, { recursive: true });
  }
  await writeJsonAtomic(join(dir, RUN_FILES.run), { command, options: runOptions, updatedAt: new Date().toISOString(), node: process.versions.node });
  const metricsPath = join(dir, RUN_FILES.metrics);
  return {
    dir,
    resumeFrom: resume ? found : undefined,
    options: runOptions,
    log: (record) => appendJsonl(metricsPath, { ...record, time: new Date().toISOString() }),
  };
}

/** The step of a checkpoint from its `state.json` (`{ "step": n }`). */
export async function readStateStep(checkpointDir: string): Promise<number> {
  const path = join(checkpointDir, RUN_FILES.state);
  const state = JSON.parse(await readFile(path, 'utf8')) as { step?: unknown };
  if (typeof state.step !== 'number') throw new Error(`${path}: field "step" must be a number, got ${JSON.stringify(state.step)}`);
  return state.step;
}
