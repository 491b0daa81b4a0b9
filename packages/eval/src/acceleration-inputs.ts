/**
 * Where acceleration rows come from: a base eval.json given to `speedrl eval --base-eval` (validated before any
 * sampling), and compare rows (every model's rows of one method against the first model's).
 */
import { readFileSync } from 'node:fs';
import { UsageError, realPathOf } from '@speedrl/core';
import { accelerationFactors, DEFAULT_ACCELERATION_CONFIG, type AccelerationRow } from './acceleration';
import type { Acceleration, AccelerationConfig, CompareAcceleration } from './acceleration-schema';
import { evalResultSchema } from './results';

/** A base for `accelerationFactors`: its name and its rows. */
export interface AccelerationBase {
  readonly name: string;
  readonly rows: readonly AccelerationRow[];
}

/** A base eval.json as read: its validated rows, and the file's JSON as written (options, input keys, cells, rows) to check how it was judged. */
export interface BaseEval extends AccelerationBase {
  readonly json: Readonly<Record<string, unknown>>;
}

/** Where a base eval.json is read for: the flag that names it, T_ref, and the eval.json the run itself writes. */
export interface BaseEvalOptions {
  readonly flag?: string;
  readonly referenceSteps?: number;
  /** This run's own eval.json (OUT/eval.json), refused as its own base. */
  readonly ownFile?: string;
}

/**
 * Reads a base eval.json: valid JSON, the eval.json schema, with a row at T_ref (12), not the run's own file. Every
 * problem is a UsageError naming the flag (`--base-eval`) and the file.
 */
export function readBaseEval(file: string, options: BaseEvalOptions = {}): BaseEval {
  const { flag = '--base-eval', referenceSteps = DEFAULT_ACCELERATION_CONFIG.referenceSteps, ownFile } = options;
  if (ownFile !== undefined && realPathOf(file) === realPathOf(ownFile)) throw new UsageError(`${flag}: "${file}" is the eval.json this run writes (--out); pass the base model's eval.json`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${flag}: cannot read "${file}" (${code ?? (error as Error).message})${code === 'EISDIR' ? `: it is a directory; pass the base's eval.json in it (${file.replace(/\/+$/, '')}/eval.json)` : ''}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${flag}: "${file}" is not valid JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (value !== null && typeof value === 'object' && 'models' in value) throw new UsageError(`${flag}: "${file}" is a compare.json; pass the base's eval.json of speedrl eval`);
  if ((value as { format?: unknown } | null)?.format === 'speedrl-tuned-schedule') throw new UsageError(`${flag}: "${file}" is a tune-schedule file; pass the base's eval.json of speedrl eval`);
  const parsed = evalResultSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${flag}: "${file}" is not an eval.json of speedrl eval (field "${issue?.path.join('.') ?? '?'}": ${issue?.message ?? 'invalid'})`);
  }
  const rows = parsed.data.rows ?? [];
  const twice = rows.find((r, i) => rows.findIndex((s) => s.steps === r.steps) !== i);
  if (twice !== undefined) throw new UsageError(`${flag}: "${file}" has two rows at T = ${twice.steps} (edited or merged by hand?); one row per T`);
  if (!rows.some((r) => r.steps === referenceSteps)) {
    throw new UsageError(`${flag}: "${file}" has no T = ${referenceSteps} row (its T: ${rows.map((r) => r.steps).join(', ') || 'none'}); evaluate the base with T = ${referenceSteps} among --steps`);
  }
  return { name: file, rows, json: value as Record<string, unknown> }; // an object: the schema accepted it
}

/** eval.json's acceleration: vs `base` when one is given, and vs itself; undefined with neither a base nor a T_ref row. */
export function evalAcceleration(rows: readonly AccelerationRow[], base?: AccelerationBase, config: Partial<AccelerationConfig> = {}): Acceleration | undefined {
  const referenceSteps = config.referenceSteps ?? DEFAULT_ACCELERATION_CONFIG.referenceSteps;
  if (base === undefined && !rows.some((r) => r.steps === referenceSteps)) return undefined;
  return accelerationFactors(base === undefined ? { rows } : { rows, base }, config);
}

/** What compare rows hold that the acceleration needs. */
export interface CompareAccelerationRow extends AccelerationRow {
  readonly model: string;
  readonly method: string;
  /** Set on adaptive rows (their steps are means): never used. */
  readonly threshold?: number;
}

/**
 * Acceleration of every model of a compare run on `method`'s rows: the first model is the base (vs itself only), every
 * other one is judged vs the base and vs itself. Undefined when no model has a `method` row at T_ref (nothing to claim).
 */
export function compareAcceleration(rows: readonly CompareAccelerationRow[], models: readonly string[], method = 'cosine', config: Partial<AccelerationConfig> = {}): CompareAcceleration | undefined {
  const of = (model: string): CompareAccelerationRow[] => rows.filter((r) => r.model === model && r.method === method && r.threshold === undefined);
  const [first] = models;
  const referenceSteps = config.referenceSteps ?? DEFAULT_ACCELERATION_CONFIG.referenceSteps;
  if (first === undefined || !models.some((m) => of(m).some((r) => r.steps === referenceSteps))) return undefined;
  const base = { name: `${first} (${method})`, rows: of(first) };
  const entries = models.flatMap((model, i) => {
    const mine = of(model);
    return mine.length === 0 ? [] : [{ model, acceleration: accelerationFactors(i === 0 ? { rows: mine } : { rows: mine, base }, config) }];
  });
  return { method, base: first, models: entries };
}
