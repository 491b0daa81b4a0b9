/**
 * Which speedrl file a parsed JSON value is, by its shape: a report input given to the wrong flag (a compare.json as
 * --ablations) is named as what it is and where it goes, not as a schema's first missing field ("budget": Required).
 */
import { UsageError } from '@speedrl/core';

/** The result files the report reads or is likely given by mistake. */
export type FileKind = 'eval' | 'compare' | 'ablations' | 'run' | 'tune-schedule';

/** Each kind in words, and how the report takes it (absent: the report does not read it). */
const KINDS: Readonly<Record<FileKind, { readonly name: string; readonly passAs?: string }>> = {
  eval: { name: 'an eval.json of speedrl eval', passAs: 'pass it (or its directory) with --eval' },
  compare: { name: 'a compare.json of speedrl compare', passAs: 'pass it (or its directory) with --compare' },
  ablations: { name: 'an ablations.json of speedrl ablate', passAs: 'pass it with --ablations' },
  run: { name: 'a run.json of a run directory', passAs: 'give its directory as RUN_DIR' },
  'tune-schedule': { name: 'a tune-schedule file', passAs: 'it is read by speedrl compare --tuned, not by the report' },
};

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The kind of speedrl file `value` is by its shape, or undefined when it is none of them. */
export function fileKindOf(value: unknown): FileKind | undefined {
  if (!isObject(value)) return undefined;
  if (value.format === 'speedrl-tuned-schedule') return 'tune-schedule';
  if (typeof value.budget === 'string' && Array.isArray(value.rows)) return 'ablations';
  if (Array.isArray(value.models) && (Array.isArray(value.rows) || Array.isArray(value.cells))) return 'compare';
  if (Array.isArray(value.cells) || (typeof value.model === 'string' && Array.isArray(value.rows))) return 'eval'; // rows alone: no kind
  if (typeof value.command === 'string' && isObject(value.options)) return 'run';
  return undefined;
}

/**
 * Refuses (UsageError naming `flag`) a file read as `expected` that has the shape of another speedrl file: says what
 * it is and how the report takes that. A file of no known shape passes (its schema names what is wrong).
 */
export function checkFileKind(flag: string, file: string, value: unknown, expected: FileKind): void {
  const kind = fileKindOf(value);
  if (kind === undefined || kind === expected) return;
  const { name, passAs } = KINDS[kind];
  throw new UsageError(`${flag}: "${file}" is ${name}, not ${KINDS[expected].name}${passAs === undefined ? '' : `; ${passAs}`}`);
}
