/**
 * `--force` replaces only the command's own earlier results: an existing eval.json, compare.json or tuned file is
 * recognised by its shape (or format field) before anything is written; anything else is a UsageError naming --out.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError, replacedNote, replacedStashOf, setAsideReplaced, stashStaging, type TextIo } from '@speedrl/core';

/** The result kinds a --force may replace, each with the test that recognises one of its files. */
const KINDS = {
  'tune-schedule': (v: Record<string, unknown>) => v.format === 'speedrl-tuned-schedule',
  eval: (v: Record<string, unknown>) => Array.isArray(v.cells) && v.models === undefined && v.format === undefined, // demo seeds one with floors and no cells
  compare: (v: Record<string, unknown>) => Array.isArray(v.cells) && Array.isArray(v.models),
} as const;

/** Each kind's file, in words. */
const NAMES: Readonly<Record<keyof typeof KINDS, string>> = { 'tune-schedule': 'a tune-schedule file', eval: 'an eval.json of speedrl eval', compare: 'a compare.json of speedrl compare' };

/** What a parsed file holds, in words, for a refusal. */
function described(value: unknown): string {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return 'something that is not a JSON object';
  const format = (value as { format?: unknown }).format;
  if (format !== undefined) return `a file of format ${JSON.stringify(format)}`;
  return `a JSON object with ${Object.keys(value).slice(0, 4).join(', ') || 'no fields'}${Object.keys(value).length > 4 ? ', …' : ''}`;
}

/** Refuses (UsageError naming --out) to replace `path` unless it is an earlier result file of `kind`. */
export function checkOwnResults(path: string, kind: keyof typeof KINDS, outFlag = '--out'): void {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    value = undefined;
  }
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && KINDS[kind](value as Record<string, unknown>)) return;
  const holds = value === undefined ? 'no valid JSON' : described(value);
  throw new UsageError(`${outFlag}: "${path}" is not ${NAMES[kind]} (it holds ${holds}); --force replaces only an earlier one. Choose another ${outFlag} (nothing was written)`);
}

/**
 * Refuses (UsageError naming --out) an --out directory that holds files this command writes beside its result
 * (`products`, e.g. eval.md and fcd-vs-steps.png) but not the result file itself: they are not an earlier result of
 * the command, so writing would replace someone's files.
 */
export function checkNoForeignProducts(dir: string, resultFile: string, products: readonly string[], outFlag = '--out'): void {
  // a --force stopped while it moved the earlier result aside: these are that result's (setEarlierResultAside names it)
  if (existsSync(join(dir, resultFile)) || existsSync(stashStaging(replacedStashOf(dir, 'dir')))) return;
  // an empty directory (compare makes grids/ before its first compare.json) is nobody's files
  const holds = (path: string): boolean => existsSync(path) && (!statSync(path).isDirectory() || readdirSync(path).length > 0);
  const found = products.filter((name) => holds(join(dir, name)));
  if (found.length === 0) return;
  throw new UsageError(
    `${outFlag}: "${dir}" holds ${found.join(', ')} but no ${resultFile}, so they are not an earlier result of this command and would be overwritten; choose another ${outFlag} (nothing was written)`,
  );
}

/**
 * `--force`, once the run is validated and before it computes anything: moves the earlier result (`entries` of `root`:
 * its result file, summary and figures) aside into `stash` (@speedrl/core `setAsideReplaced`), so the directory never
 * shows the replaced run's figures beside the new result and the earlier result stays whole until the new one completes.
 * On a resume, an unfinished `--force`'s stash is kept, and one stopped while it moved the files is refused. Says on stderr where the earlier result is kept, when it is.
 * Call {@link dropReplaced} (core) on `stash` once the new result is complete.
 */
export async function setEarlierResultAside(root: string, entries: readonly string[], stash: string, mode: 'fresh' | 'resume' | 'force', what: string, io: TextIo): Promise<void> {
  const force = mode === 'force';
  if (mode === 'fresh' && (existsSync(stash) || existsSync(stashStaging(stash)))) { // a plain run would finish and drop it (was: the earlier result deleted)
    throw new UsageError(`--out: ${existsSync(stash) ? stash : stashStaging(stash)} holds ${what} an unfinished --force set aside; continue that run with --resume, start another over it with --force (either keeps it until one completes), or move its files back and remove the folder (nothing was written)`);
  }
  if (!force && existsSync(stashStaging(stash))) {
    throw new UsageError(`--resume: a --force stopped while it moved ${what} it replaces aside (into ${stashStaging(stash)}), so there is nothing whole to resume; run the command again with --force to finish it (nothing was written)`);
  }
  const kept = force ? (await setAsideReplaced(root, entries, stash)) !== 'none' : existsSync(stash);
  if (kept) io.stderr(replacedNote(stash, what));
}
