/**
 * `--force` replaces an earlier result only once the new one is complete (docs/architecture.md, "Run directories"):
 * the earlier result's files are moved aside into a stash folder before the new run writes, and the stash is deleted
 * when the new run writes its final result. A run stopped in between (Ctrl-C, a kill, an error) leaves the earlier
 * result whole in the stash; a second `--force` keeps that stash (the files then in its place are the unfinished run's).
 * Moves are renames within one folder tree, so setting aside a model or a checkpoint copies nothing.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { faultPoint } from './fault-point';

/** The stash of a result folder `dir` (`dir/.replaced`), or of a result file `file` (`.NAME.replaced` beside it). */
export function replacedStashOf(path: string, kind: 'dir' | 'file'): string {
  return kind === 'dir' ? join(path, '.replaced') : join(dirname(path), `.${basename(path)}.replaced`);
}

/** Where a stash is assembled: a kill while the earlier files move leaves this, never a half-filled stash. */
export const stashStaging = (stash: string): string => `${stash}.staging`;

/**
 * What {@link setAsideReplaced} did: moved the earlier result aside, kept the stash an unfinished `--force` left, or
 * nothing (no earlier result, no stash).
 */
export type SetAside = 'moved' | 'kept' | 'none';

/**
 * Moves the entries of `root` named in `entries` (paths relative to it: `eval.json`, `grids/a.png`; missing ones are
 * skipped) into `stash`, assembled in its staging folder and renamed into place once every entry is in. When `stash`
 * already exists, an earlier `--force` never completed: it holds the last complete result, and `entries` (the unfinished
 * run's) are removed instead. A staging folder left by a kill is completed first. Nothing is made when nothing exists.
 */
export async function setAsideReplaced(root: string, entries: readonly string[], stash: string): Promise<SetAside> {
  await rm(`${stash}.drop`, { recursive: true, force: true });
  if (existsSync(stash)) {
    for (const entry of entries) await rm(join(root, entry), { recursive: true, force: true });
    return 'kept';
  }
  const staging = stashStaging(stash);
  if (!existsSync(staging) && !entries.some((entry) => existsSync(join(root, entry)))) return 'none';
  for (const entry of entries) {
    const from = join(root, entry);
    if (!existsSync(from)) continue;
    mkdirSync(dirname(join(staging, entry)), { recursive: true });
    renameSync(from, join(staging, entry));
    faultPoint(`--force: ${entry} set aside`);
  }
  renameSync(staging, stash);
  return 'moved';
}

/** Deletes `stash` once the new result is complete (renamed first, so a kill never leaves a partial stash in its place). */
export async function dropReplaced(stash: string): Promise<void> {
  await rm(`${stash}.drop`, { recursive: true, force: true }); // an earlier drop cut short
  if (existsSync(stash)) renameSync(stash, `${stash}.drop`);
  await rm(`${stash}.drop`, { recursive: true, force: true });
}

/** The note a run that set an earlier result aside prints: where it is kept and until when. */
export function replacedNote(stash: string, what: string): string {
  return `--force: ${what} it replaces is kept in ${stash} until this run completes (then deleted); to go back to it, move its files back\n`;
}
