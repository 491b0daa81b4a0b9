/**
 * `--force` replaces an earlier result only once the new one is complete (docs/architecture.md, "Run directories"):
 * the earlier result's files are moved aside into a stash folder before the new run writes, and the stash is deleted
 * when the new run writes its final result. A run stopped in between (Ctrl-C, a kill, an error) leaves the earlier
 * result whole in the stash; a second `--force` keeps that stash (the files then in its place are the unfinished run's).
 * Moves are renames within one folder tree, so setting aside a model or a checkpoint copies nothing.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { UsageError } from './errors';
import { faultPoint } from './fault-point';

/** Where a stash is assembled: a kill while the earlier files move leaves this, never a half-filled stash. */
export const stashStaging = (stash: string): string => `${stash}.staging`;

/** The file that marks a stash (and its staging folder) as made by `--force`: a folder of that name without it is someone's. */
export const REPLACED_MARKER = '.speedrl-replaced';

/** Whether `path` is a stash (or staging folder) this module made: a real directory (no link) holding the marker. */
function isOurs(path: string): boolean {
  try {
    return lstatSync(path).isDirectory() && existsSync(join(path, REPLACED_MARKER));
  } catch {
    return false;
  }
}

/** Whether anything (a file, a link, even a dangling one, a folder) is at `path`. */
function present(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Refuses (UsageError naming `flag` and the path) a stash or staging folder `--force` did not make: a file, a symbolic
 * link or a folder of that name made by hand would otherwise be taken for the stash (its files dropped at the end, or
 * the result in place removed as an unfinished run's). Call it before any work; it writes nothing.
 */
export function checkReplacedStash(stash: string, flag = '--out'): void {
  for (const path of [stash, stashStaging(stash)]) {
    if (present(path) && !isOurs(path)) {
      throw new UsageError(`${flag}: "${path}" is in the way: --force keeps the result it replaces there until the new one completes, and this is no folder --force made (a file, a link or a folder made by hand: it has no ${REPLACED_MARKER}); move it away (nothing was written)`);
    }
  }
}

/** The stash of a result folder `dir` (`dir/.replaced`), or of a result file `file` (`.NAME.replaced` beside it). */
export function replacedStashOf(path: string, kind: 'dir' | 'file'): string {
  return kind === 'dir' ? join(path, '.replaced') : join(dirname(path), `.${basename(path)}.replaced`);
}


/**
 * What {@link setAsideReplaced} did: moved the earlier result aside, kept the stash an unfinished `--force` left, or
 * nothing (no earlier result, no stash).
 */
export type SetAside = 'moved' | 'kept' | 'none';

/**
 * Moves the entries of `root` named in `entries` (paths relative to it: `eval.json`, `grids/a.png`; missing ones are
 * skipped) into `stash`, assembled in its staging folder and renamed into place once every entry is in. When `stash`
 * already exists, an earlier `--force` never completed: it holds the last complete result, and the `entries` it holds
 * too are the unfinished run's and are removed (those it lacks join it: moved back by hand, they may be the earlier
 * result's). A staging folder left by a kill is completed first. Nothing is made when nothing exists.
 */
export async function setAsideReplaced(root: string, entries: readonly string[], stash: string): Promise<SetAside> {
  checkReplacedStash(stash);
  if (isOurs(`${stash}.drop`)) await rm(`${stash}.drop`, { recursive: true, force: true });
  // a stash emptied by hand (its files moved back, the folder left): the result in place is that one, set aside again
  if (existsSync(stash) && readdirSync(stash).every((name) => name === REPLACED_MARKER)) await rm(stash, { recursive: true, force: true });
  if (existsSync(stash)) {
    for (const entry of entries) {
      const [from, to] = [join(root, entry), join(stash, entry)];
      if (!existsSync(from)) continue;
      if (existsSync(to)) {
        await rm(from, { recursive: true, force: true }); // the unfinished run's (the stash holds the earlier one's)
      } else { // the stash lacks it: maybe the earlier result's, moved back by hand; never deleted
        mkdirSync(dirname(to), { recursive: true });
        renameSync(from, to);
      }
    }
    return 'kept';
  }
  const staging = stashStaging(stash);
  if (!existsSync(staging) && !entries.some((entry) => existsSync(join(root, entry)))) return 'none';
  if (!existsSync(staging)) {
    mkdirSync(staging, { recursive: true });
    writeFileSync(join(staging, REPLACED_MARKER), `set aside by --force, ${new Date().toISOString()}: the result it replaces, deleted when the new one completes\n`);
  }
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
  if (isOurs(`${stash}.drop`)) await rm(`${stash}.drop`, { recursive: true, force: true }); // an earlier drop cut short
  if (!isOurs(stash)) return; // none, or someone's folder of that name: never deleted
  renameSync(stash, `${stash}.drop`);
  await rm(`${stash}.drop`, { recursive: true, force: true });
}

/** The note a run that set an earlier result aside prints: where it is kept and until when. */
export function replacedNote(stash: string, what: string): string {
  return `--force: ${what} it replaces is kept in ${stash} until this run completes (then deleted); to go back to it, move its files back and remove that folder\n`;
}
