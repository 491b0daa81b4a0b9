/**
 * What the report shows of a result file must be what its measurements give: compare.json's rows are its cells'
 * aggregate and name only its models, and every acceleration claim (eval.json's, compare.json's) is recomputed from the
 * rows with the function `eval` and `compare` wrote it with. A claim that differs was judged against other rows (a base
 * re-measured since) or edited by hand: refused, like rows that are not their cells'.
 */
import { existsSync } from 'node:fs';
import { UsageError } from '@speedrl/core';
import {
  aggregateCells, canonicalJson, checkResultsKey, rowSet, checkEvalResultRows, checkStoredCells, compareAcceleration, evalAcceleration, readBaseEval, requireCells,
  type Acceleration, type AccelerationBase, type CompareCell,
} from '@speedrl/eval';
import { locateRecorded, recordedOut } from './recorded-path';
import type { CompareResult, EvalResultJson } from './schemas';

/** What an options check reads of a result file. */
interface OptionsKeyed { readonly options?: unknown; readonly optionsKey?: unknown; readonly cells?: unknown }

/**
 * Refuses (UsageError naming `flag` and the file) a result file whose `options` no longer give its recorded
 * `optionsKey` (`intact` says; `eval --base-eval` and `--resume` refuse it the same way): an edited `options.n` 30 → 60
 * would be shown as the setting its cells were computed with. A file without the key (older) is read as before.
 */
export function checkOptionsKey(flag: string, file: string, json: object, intact: (json: OptionsKeyed) => boolean, command: 'eval' | 'compare'): void {
  if ((json as OptionsKeyed).optionsKey === undefined || intact(json)) return;
  throw new UsageError(`${flag}: "${file}" has options that no longer give its optionsKey (edited by hand?), so they are not those its cells were computed with; restore it, or rerun that ${command} with --force`);
}

/** The top-level fields of two objects whose values differ (canonically), in `a`'s key order then `b`'s. */
function differingFields(a: object, b: object): string[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.filter((k) => canonicalJson((a as Record<string, unknown>)[k]) !== canonicalJson((b as Record<string, unknown>)[k]));
}

/** Runs a recomputation; a RangeError (rows that cannot be judged: one T twice) becomes a UsageError naming the file. */
function recompute<T>(flag: string, file: string, what: () => T): T {
  try {
    return what();
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(`${flag}: "${file}" has rows its acceleration cannot be recomputed from (${error.message}); edited by hand?`);
    throw error;
  }
}

/** The base rows an eval.json's claims were judged against, read again from the file it names (checked as `eval --base-eval` checks it). */
function baseOf(flag: string, file: string, base: string): AccelerationBase {
  try {
    const read = readBaseEval(base, { flag });
    checkEvalResultRows(base, read.json, flag);
    return { name: read.name, rows: read.rows };
  } catch (error) {
    if (error instanceof UsageError) throw new UsageError(`${flag}: "${file}" has acceleration claims vs the base "${base}", which cannot be used: ${error.message}`);
    throw error;
  }
}

/** The claims without `atEqualSteps`: a file written before that field is compared so (it is new, not edited out). */
function withoutEqualSteps(a: Acceleration): Acceleration {
  const { atEqualSteps: _new, ...rest } = a;
  return rest;
}

/**
 * Why the stored claims show no verdict at equal steps that their rows give: claims without `atEqualSteps` (a file
 * written before it existed, or the field removed) are read as an older file's, so the report says what they leave out
 * instead of showing them silently verdict-free. Undefined when nothing is left out.
 */
function missingEqualSteps(stored: readonly Acceleration[], fresh: readonly Acceleration[], rerun: string): string | undefined {
  if (stored.some((a) => a.atEqualSteps !== undefined)) return undefined;
  const verdicts = fresh.reduce((n, a) => n + (a.atEqualSteps?.length ?? 0), 0);
  if (verdicts === 0) return undefined;
  return `its acceleration claims record no comparison at equal steps (a file written before it was recorded, or the field removed), though its rows give ${verdicts} ` +
    `verdict${verdicts === 1 ? '' : 's'} at equal steps: none is shown. ${rerun} to record them`;
}

/**
 * Checks eval.json's acceleration claims against a recomputation from its rows and the base eval.json it names (read
 * again; a relative path from the directory that eval ran in, recorded-path.ts): refuses (UsageError naming the file
 * and the differing claims) when they differ. Returns `unchecked`: why the claims cannot be checked (the base file is
 * not found: moved, or relative to a directory the file does not tell), and `note`: what claims read as an older
 * file's leave out (no comparison at equal steps); {} when neither.
 */
export function checkEvalAcceleration(file: string, data: EvalResultJson, flag = '--eval'): { unchecked?: string; note?: string } {
  const stored = data.acceleration;
  if (stored === undefined) return {};
  const at = stored.base === null ? undefined : locateRecorded(file, recordedOut(data), stored.base); // relative: from where that eval ran
  if (at !== undefined && !existsSync(at.path)) return { unchecked: `its base ${stored.base} is not found ${at.where}` };
  const base = at === undefined ? undefined : { ...baseOf(flag, file, at.path), name: stored.base as string }; // judged under the name it records
  const fresh = recompute(flag, file, () => evalAcceleration(data.rows ?? [], base));
  const again = fresh === undefined || stored.atEqualSteps !== undefined ? fresh : withoutEqualSteps(fresh);
  if (again !== undefined && canonicalJson(again) === canonicalJson(stored)) {
    const note = missingEqualSteps([stored], fresh === undefined ? [] : [fresh], `Rerun that eval with --resume --base-eval ${stored.base ?? ''}`);
    return note === undefined ? {} : { note };
  }
  const fields = again === undefined ? ['(all: its rows give no claim)'] : differingFields(stored, again);
  throw new UsageError(
    `${flag}: "${file}" has acceleration claims that its rows${base === undefined ? '' : ` and those of its base "${stored.base}"`} do not give ` +
      `(differing: ${fields.join(', ')}; ${base === undefined ? 'edited by hand?' : 'the base re-measured since, or the claims edited by hand?'}). ` +
      `Rerun that eval with --resume${base === undefined ? '' : ` --base-eval ${stored.base}`} to judge them again` +
      (at?.unanchored === undefined ? '' : `; ${at.unanchored}, so the base read from here may be another file`),
  );
}


/**
 * Checks a compare.json as the report reads it: every row is of a model it lists, it holds cells and its rows are
 * their aggregate, and its acceleration claims are what `compareAcceleration` gives from its rows and models.
 * Each problem is a UsageError naming `flag`, the file and what differs. Returns what the claims leave out (claims
 * without the comparison at equal steps, read as an older file's), else undefined.
 */
export function checkCompareResult(file: string, data: CompareResult & { readonly cells?: unknown }, flag = '--compare'): string | undefined {
  const names = data.models.map((m) => m.name);
  const ghost = data.rows.find((r) => !names.includes(r.model));
  if (ghost !== undefined) {
    throw new UsageError(`${flag}: "${file}" has rows of model "${ghost.model}", which is not among its models (${names.join(', ') || 'none'}); edited or merged by hand?`);
  }
  requireCells(file, data, flag);
  checkStoredCells(file, data.cells, flag, '');
  checkResultsKey(file, data, flag, '');
  if (rowSet(aggregateCells(data.cells as CompareCell[])) !== rowSet(data.rows)) {
    throw new UsageError(`${flag}: "${file}" has rows that are not the aggregate of its cells (edited by hand?); restore it, or rerun that compare with --force to recompute it`);
  }
  const stored = data.acceleration;
  if (stored === undefined) return undefined;
  const fresh = recompute(flag, file, () => compareAcceleration(data.rows, names));
  const before = stored.models.every((m) => m.acceleration.atEqualSteps === undefined);
  const again = fresh === undefined || !before ? fresh : { ...fresh, models: fresh.models.map((m) => ({ ...m, acceleration: withoutEqualSteps(m.acceleration) })) };
  if (again !== undefined && canonicalJson(again) === canonicalJson(stored)) {
    return missingEqualSteps(stored.models.map((m) => m.acceleration), (fresh?.models ?? []).map((m) => m.acceleration), 'Rerun that compare with --resume');
  }
  const claimed = (c: typeof again) => new Map((c?.models ?? []).map((m) => [m.model, canonicalJson(m.acceleration)]));
  const [was, now] = [claimed(stored), claimed(again)];
  const models = [...new Set([...was.keys(), ...now.keys()])].filter((m) => was.get(m) !== now.get(m));
  const differing = models.length > 0 ? `claims of ${models.join(', ')}` : differingFields(stored, again ?? {}).join(', ');
  throw new UsageError(
    `${flag}: "${file}" has acceleration claims that its rows and models do not give (differing: ${differing}; edited by hand?). ` +
      'Rerun that compare with --resume to judge them again',
  );
}
