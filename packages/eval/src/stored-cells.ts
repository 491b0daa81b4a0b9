/**
 * Cells read back from an eval.json or compare.json on `--resume` are checked before they are kept: a cell edited or
 * damaged by hand (an FCD of null or -3, a precision of 7) would otherwise be averaged into its row as if measured
 * (compare read a null FCD as 0, a perfect score).
 */
import { UsageError, flagOf, sha256Hex } from '@speedrl/core';
import { mergeStepDistributions, type StepCounts } from '@speedrl/sampler';
import { stepsDistributionSchema } from './results';
import { aggregate, type EvalCell } from './table';

/** JSON with every object's keys sorted: equal values give equal text whatever order their keys were written (or parsed) in. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : v));
}

/**
 * What each stored field must be: finite, within its range; `nullable` where a cell may have no value (no accuracy),
 * `optional` where files of older versions lack the field.
 */
const FIELDS: readonly { key: string; min?: number; max?: number; nullable?: boolean; optional?: boolean; integer?: boolean }[] = [
  { key: 'steps', min: 1, integer: true }, { key: 'seed', min: 0, integer: true }, { key: 'fcd', min: -1e-6 }, { key: 'nfePerImage', min: 0 },
  { key: 'kid', optional: true }, { key: 'precision', min: 0, max: 1, optional: true }, { key: 'recall', min: 0, max: 1, optional: true },
  { key: 'accuracy', min: 0, max: 1, nullable: true, optional: true }, { key: 'meanSteps', min: 0, optional: true }, { key: 'msPerImage', min: 0, optional: true },
];

/** SHA-256 (hex) of `value`'s canonical JSON: the one content key of every digest a result file records. */
export function canonicalDigest(value: unknown): string {
  return sha256Hex(new TextEncoder().encode(canonicalJson(value)));
}

/**
 * Digest of the cell-defining `options` (`keys`; canonical JSON): eval.json and compare.json record it as `optionsKey`
 * beside their options, so a resume can tell options edited by hand from those its cells were computed with.
 */
export function optionsDigest(options: Readonly<Record<string, unknown>>, keys: readonly string[]): string {
  return canonicalDigest(Object.fromEntries(keys.map((k) => [k, options[k]])));
}

/**
 * Whether a result file's `options` still give its recorded `optionsKey` (the digest of their `keys`). A file with
 * cells and no key fails too: its key deleted by hand, or written before results recorded one, its options can't vouch
 * for its cells. One without cells (floors seeded for a resume) has nothing to mix.
 */
export function optionsIntact(json: { options?: unknown; optionsKey?: unknown; cells?: unknown }, keys: readonly string[]): boolean {
  if (json.optionsKey === undefined) return !(Array.isArray(json.cells) && json.cells.length > 0);
  const options = typeof json.options === 'object' && json.options !== null ? json.options as Record<string, unknown> : {};
  return json.optionsKey === optionsDigest(options, keys);
}

/**
 * Refuses (exit 2, naming the file) a result file whose recorded `optionsKey` is missing or is not the digest of its
 * `options` (`keys` of them): the options were edited after its cells were computed (or the file predates the key), so
 * a resume that trusts them could mix cells of two settings; `remedy` says what to do.
 */
export function checkOptionsDigest(path: string, json: { options?: unknown; optionsKey?: unknown; cells?: unknown }, keys: readonly string[], remedy: string): void {
  if (optionsIntact(json, keys)) return;
  const why = json.optionsKey !== undefined
    ? 'they no longer match its optionsKey: edited by hand?'
    : 'it records no optionsKey to check them against: deleted by hand, or written by an older speedrl';
  throw new UsageError(
    `--resume: ${path}: its options (${keys.map(flagOf).join(', ')}) can't be shown to be those its cells were computed with (${why}); ` +
      `resuming could mix cells of two settings: ${remedy}`,
  );
}

/**
 * Refuses (exit 2, naming `flag`, the file, the cell and the field) a stored cell whose values no measurement gives;
 * `remedy` says what to do (none for a file this run only reads).
 */
export function checkStoredCells(path: string, cells: unknown, flag = '--resume', remedy = 'pass --force to recompute it (without --resume), or restore it'): void {
  if (cells === undefined) return;
  const refuse = (what: string): UsageError => new UsageError(`${flag}: ${path}: ${what}; the file was edited or damaged${remedy === '' ? '' : `: ${remedy}`}`);
  if (!Array.isArray(cells)) throw refuse('field "cells" must be a list');
  const seen = new Map<string, number>(); // one cell per (model, method, T or threshold, seed): a copy would count a seed twice
  cells.forEach((cell: Record<string, unknown> | null, i) => {
    for (const f of FIELDS) {
      const v = cell?.[f.key];
      if ((v === null && f.nullable === true) || (v === undefined && f.optional === true)) continue;
      const ok = typeof v === 'number' && Number.isFinite(v) && (f.integer !== true || Number.isInteger(v)) && v >= (f.min ?? -Infinity) && v <= (f.max ?? Infinity);
      if (ok) continue;
      const range = `${f.integer === true ? 'an integer' : 'a finite number'}${f.min !== undefined ? ` ≥ ${Math.max(f.min, 0)}` : ''}${f.max !== undefined ? ` and ≤ ${f.max}` : ''}`;
      throw refuse(`cell ${i} field "${f.key}" must be ${range}, got ${JSON.stringify(v) ?? String(v)}`);
    }
    // NFE per image is each image's steps × passes per step (1, or 2 with CFG); earlier versions charged each adaptive
    // image its batch's slowest, so such a cell would mix two definitions in one row
    const meanSteps = cell?.meanSteps as number | undefined;
    const nfe = cell?.nfePerImage as number;
    if (meanSteps !== undefined && ![1, 2].some((passes) => Math.abs(nfe - passes * meanSteps) <= 1e-9 * Math.max(1, nfe))) {
      throw refuse(`cell ${i} field "nfePerImage" ${nfe} is not its mean steps ${meanSteps} × 1 or 2 passes (counted per batch by an earlier version)`);
    }
    const steps = cell?.stepsDistribution === undefined ? undefined : stepsDistributionSchema.safeParse(cell.stepsDistribution);
    if (steps !== undefined && !steps.success) {
      const issue = steps.error.issues[0];
      throw refuse(`cell ${i} field "${['stepsDistribution', ...(issue?.path ?? [])].join('.')}": ${issue?.message ?? 'invalid'}`);
    }
    // the statistics are what its histograms give (a resume merges the histograms only: an edit would split the two)
    if (steps !== undefined && canonicalJson(mergeStepDistributions([cell?.stepsDistribution as StepCounts])) !== canonicalJson(cell?.stepsDistribution)) {
      throw refuse(`cell ${i} field "stepsDistribution" does not match its histograms`);
    }
    const id = canonicalJson({ model: cell?.model, method: cell?.method, steps: cell?.steps, threshold: cell?.threshold, seed: cell?.seed });
    const first = seen.get(id);
    if (first !== undefined) throw refuse(`cells ${first} and ${i} are the same cell (${id}): a seed counted twice`);
    seen.set(id, i);
  });
}

/** Rows as one text, each row canonical and in sorted order: the same rows in any order give the same text. */
export const rowSet = (rows: readonly unknown[]): string => rows.map(canonicalJson).sort().join('\n');

/** Digest of a result file's measurements, its cells and floors (canonical JSON): eval.json and compare.json record it as `resultsKey`. */
export function resultsDigest(cells: readonly unknown[], floors: unknown): string {
  return canonicalDigest({ cells, floors: floors ?? null });
}

/**
 * Refuses (exit 2, naming `flag` and the file) cells or floors that are no longer those the file's `resultsKey` was
 * written for: a cell edited, added or copied by hand (a duplicated seed passed as a third seed and made an
 * acceleration claim), a floor edited (shown as measured). A file written before the key has none and is read as
 * before, its rows checked against `rowsOf` its cells when given; `remedy` says what to do.
 */
export function checkResultsKey(
  path: string, json: { cells?: unknown; floors?: unknown; resultsKey?: unknown; rows?: unknown }, flag = '--resume', remedy = 'pass --force to recompute it (without --resume), or restore it',
  rowsOf?: (cells: never[]) => readonly unknown[],
): void {
  // a file without the key (older, or the key deleted) can only be checked against its own rows: given `rowsOf` (a
  // resume, which would write a key over its cells), they must be their aggregate (was: a resume re-keyed an edited cell)
  if (json.resultsKey === undefined && rowsOf !== undefined && Array.isArray(json.cells) && json.cells.length > 0 && rowSet(rowsOf(json.cells as never[])) !== rowSet(Array.isArray(json.rows) ? json.rows : [])) {
    throw new UsageError(`${flag}: ${path}: it records no resultsKey (written by an older speedrl, or the key deleted), and its rows are not the aggregate of its cells: edited by hand; ${remedy}`);
  }
  if (json.resultsKey === undefined || !Array.isArray(json.cells) || json.resultsKey === resultsDigest(json.cells, json.floors)) return;
  throw new UsageError(`${flag}: ${path}: its cells or floors are not those its resultsKey was written for (edited, added or copied by hand?)${remedy === '' ? '' : `: ${remedy}`}`);
}

/**
 * A result file read by another command must hold the cells its rows come from: every eval.json and compare.json
 * this project has written stores them, so one without is refused (UsageError naming `flag` and the file).
 */
export function requireCells(path: string, json: { cells?: unknown; rows?: unknown }, flag: string): void {
  if (json.cells === undefined) {
    throw new UsageError(`${flag}: "${path}" has ${json.rows === undefined ? 'no rows and' : 'rows but'} no cells: edited, or written by a version before cells were stored; rerun it`);
  }
}

/**
 * An eval.json read by another command (`--base-eval`, `report`): it must hold cells ({@link requireCells}), its
 * cells must be measurements, and its rows the aggregate of its cells (a row edited by hand would be read as
 * measured). UsageError naming `flag` and the file.
 */
export function checkEvalResultRows(path: string, json: { cells?: unknown; rows?: unknown; floors?: unknown; resultsKey?: unknown }, flag: string): void {
  requireCells(path, json, flag);
  checkStoredCells(path, json.cells, flag, '');
  checkResultsKey(path, json, flag, '');
  if (canonicalJson(aggregate(json.cells as EvalCell[])) !== canonicalJson(json.rows)) { // key order is not content (zod parses in schema order)
    throw new UsageError(`${flag}: "${path}" has rows that are not the aggregate of its cells (edited by hand?); restore it, or rerun that eval with --force to recompute it`);
  }
}

/** The fields of an eval.json that say how it was judged. */
interface JudgedFile { readonly options?: Record<string, unknown>; readonly inputs?: Record<string, string> }

/** What an eval's FCDs are judged against, as its eval.json records it (absent fields: unknown). */
function judgeOf(json: JudgedFile): Record<string, unknown> {
  return { '--n': json.options?.n, '--ref-limit': json.options?.refLimit, '--classifier': json.inputs?.['--classifier'], '--data': json.inputs?.['--data'] };
}

/**
 * The flag of the first judge setting two eval.json files record differently (samples per cell, reference size,
 * classifier or dataset files), or undefined when they are judged alike where both record it: FCDs judged otherwise
 * are not comparable in one table.
 */
export function judgedDifferently(a: object, b: object): { flag: string; a: unknown; b: unknown } | undefined {
  const [ja, jb] = [judgeOf(a as JudgedFile), judgeOf(b as JudgedFile)];
  for (const flag of Object.keys(ja)) {
    if (ja[flag] !== undefined && jb[flag] !== undefined && String(ja[flag]) !== String(jb[flag])) return { flag, a: ja[flag], b: jb[flag] };
  }
  return undefined;
}
