/**
 * Where one ablation variant stands on disk, so `speedrl ablate --resume` continues only what is unfinished: the
 * accelerate run (metrics.jsonl, checkpoint/, model/) and its eval directory (eval.json, resumable cell by cell).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { CHECKPOINT_COMPLETE_MARKER, readJsonl, writeJsonAtomic } from '@speedrl/core';
import { MASKGIT_DIR, RUN_FILES } from '@speedrl/pipeline';
import { aggregate, evalOptionsIntact, type EvalCell } from '@speedrl/eval';
import { UsageError, flagOf } from '../errors';

/** What the last metrics record of an accelerate run says. */
export interface RunProgress {
  /** Iterations done (the last record's `step`; 0 without records). */
  readonly iterations: number;
  /** RL wall-clock summed over resumes, in ms. */
  readonly elapsedMs: number;
  /** Mean sampled T of the last iteration's rollouts, when finite. */
  readonly stepsMean: number | undefined;
  /** True when the run saved its model and either used its time budget or reached its iteration cap. */
  readonly finished: boolean;
  /** Why it stopped, for the table's notes. */
  readonly stoppedBy: 'time-budget' | 'end' | 'unfinished';
  /** A complete checkpoint exists to resume from. */
  readonly hasCheckpoint: boolean;
}

/** Reads the progress of the accelerate run in `dir` against a budget (minutes) and an iteration cap. */
export function runProgress(dir: string, budgetMinutes: number, iterationsCap: number): RunProgress {
  const records = readJsonl<{ step?: number; elapsedMs?: number; stepsMean?: number | null }>(join(dir, RUN_FILES.metrics)).records;
  const last = records.at(-1);
  const iterations = last?.step ?? 0;
  const elapsedMs = last?.elapsedMs ?? 0;
  const modelSaved = existsSync(join(dir, 'model', MASKGIT_DIR, 'model.onnx'));
  const byEnd = iterations >= iterationsCap;
  const byBudget = budgetMinutes > 0 && elapsedMs >= budgetMinutes * 60_000;
  const finished = modelSaved && last !== undefined && (byEnd || byBudget);
  const stepsMean = typeof last?.stepsMean === 'number' && Number.isFinite(last.stepsMean) ? last.stepsMean : undefined;
  return {
    iterations, elapsedMs, stepsMean, finished, stoppedBy: !finished ? 'unfinished' : byEnd ? 'end' : 'time-budget',
    hasCheckpoint: [RUN_FILES.checkpoint, `${RUN_FILES.checkpoint}.old`].some((c) => existsSync(join(dir, c, CHECKPOINT_COMPLETE_MARKER))),
  };
}

/** Run options that may differ between the rows of one ablation: where a run is, how often it saved. */
const FREE_OPTIONS = new Set(['out', 'checkpointEvery', 'gridEvery']);

/**
 * Refuses the run of variant `v` in `dir` when its run.json options differ from `expected` (what the ablation gives the
 * variant: --config, its flags, the budget): its rows would compare unequal runs. The iteration cap and time budget may
 * differ only when the run is now `continued` to the ablation's.
 */
export function checkVariantRun(v: string, dir: string, expected: Record<string, unknown>, continued: boolean): void {
  const path = join(dir, RUN_FILES.run);
  const options = (JSON.parse(readFileSync(path, 'utf8')) as { options?: Record<string, unknown> }).options ?? {};
  for (const [key, want] of Object.entries(expected)) {
    const had = options[key];
    if (FREE_OPTIONS.has(key) || String(had) === String(want) || (continued && (key === 'iterations' || key === 'timeBudget'))) continue;
    const flag = key === 'timeBudget' ? '--budget' : flagOf(key);
    if (had === undefined) {
      // a run.json without the option (edited, or from an older version): which value that run trained with is unknown
      throw new UsageError(
        `${flag}: the run of variant "${v}" records no ${key} (${path}), the ablation gives it ${JSON.stringify(want)}: which value it trained with is unknown, ` +
          `so its row could compare unequal runs. Remove "${dir}" to recompute it (or use another --out)`,
      );
    }
    throw new UsageError(
      `${flag}: the run of variant "${v}" has ${JSON.stringify(had)} (${path}), the ablation gives it ${JSON.stringify(want)}${key === 'iterations' || key === 'timeBudget' ? '' : ' (--config plus its variant flags)'}: ` +
        `its rows would not compare runs that differ only in the ablated knob. Give the same value, or remove "${dir}" to recompute it (or use another --out)`,
    );
  }
}

/** The eval options that must match for an existing eval.json to be reused. */
export interface EvalWanted {
  readonly classifier: string;
  readonly data: string;
  readonly n: number;
  readonly steps: readonly number[];
  readonly seeds: readonly number[];
  /** Content key of the model the eval must have judged (`bundleIdentity`); undefined when it cannot be read. */
  readonly modelKey?: string;
}

interface EvalFile {
  options?: { classifier?: string; data?: string; n?: number };
  inputs?: Record<string, string>;
  floors?: Record<string, number>;
  cells?: EvalCell[];
  rows?: unknown;
}

function readEvalFile(dir: string): EvalFile | undefined {
  const path = join(dir, 'eval.json');
  if (!existsSync(path)) return undefined;
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as EvalFile;
  } catch {
    return undefined; // unreadable: computed again
  }
}

/**
 * 'complete' (every cell there), 'partial' (resumable cells there) or 'stale' (absent, made with other options or with
 * options edited since its cells (its optionsKey), holding cells of other T or seeds, or its cells judged another model:
 * a variant's run continued since, whose model/ is no longer the one evaluated).
 */
export function evalState(dir: string, want: EvalWanted): 'complete' | 'partial' | 'stale' {
  const file = readEvalFile(dir);
  const o = file?.options;
  if (file === undefined || o?.classifier !== want.classifier || o.data !== want.data || o.n !== want.n || !evalOptionsIntact(file)) return 'stale'; // edited options: computed again
  const cells = file.cells ?? [];
  const judged = file.inputs?.['--model'];
  if (cells.length > 0 && (judged === undefined || want.modelKey === undefined || judged !== want.modelKey)) return 'stale';
  // cells of a T or seed this ablation does not ask for (a resume with another --seed, --seeds or --eval-steps): resuming
  // would keep them in the rows, and the table would compare rows averaged over different seeds
  if (cells.some((c) => !want.steps.includes(c.steps) || !want.seeds.includes(c.seed))) return 'stale';
  const all = want.steps.every((t) => want.seeds.every((s) => cells.some((c) => c.steps === t && c.seed === s)));
  // rows that are not their cells' (edited by hand): resumed, which checks the cells and aggregates the rows again
  return all && JSON.stringify(aggregate(cells)) === JSON.stringify(file.rows) ? 'complete' : 'partial';
}

/**
 * Starts `to/eval.json` afresh with the floors of `from/eval.json` (same tokenizer, classifier and data: computed
 * once); returns false when `from` has none yet.
 */
export async function seedFloors(from: string, to: string): Promise<boolean> {
  const floors = readEvalFile(from)?.floors;
  if (floors === undefined) return false;
  await mkdir(to, { recursive: true });
  await writeJsonAtomic(join(to, 'eval.json'), { floors, cells: [] });
  return true;
}
