/**
 * Multi-file checkpoints that are replaced as a whole: files are written into a fresh sibling directory,
 * which then takes the checkpoint's name by rename. A crash at any moment leaves either the previous
 * complete checkpoint or the new complete one (possibly under `<name>.old`), never a mix.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile, open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { namedWriteError } from './atomic-write';
import { UsageError } from './errors';
import { faultPoint } from './fault-point';
import { sha256File } from './file-hash';

/** Name of the marker file written last into every complete checkpoint directory. */
export const CHECKPOINT_COMPLETE_MARKER = 'COMPLETE';

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } catch {
    // some platforms cannot fsync directories; rename is still atomic
  } finally {
    await handle.close();
  }
}

/**
 * Writes `files` (name → bytes or text) as the checkpoint directory `dir`, replacing any previous one
 * atomically. `write` may also stream large files itself into the staging directory it is given.
 */
export async function writeCheckpointDir(
  dir: string,
  files: Readonly<Record<string, Uint8Array | string>>,
  write?: (stagingDir: string) => Promise<void>,
): Promise<void> {
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const staging = join(parent, `.${basename(dir)}.${process.pid}.${Date.now()}.staging`);
  const old = `${dir}.old`;
  await removeStaleStagingDirs(dir);
  try {
    await mkdir(staging);
    for (const [name, data] of Object.entries(files)) {
      if (name.includes('/') || name.includes('\\') || name === CHECKPOINT_COMPLETE_MARKER) {
        throw new Error(`checkpoint ${dir}: bad file name "${name}"`);
      }
      await writeFile(join(staging, name), data);
      await fsyncPath(join(staging, name));
      faultPoint(`checkpoint ${basename(dir)}: staged ${name}`);
    }
    await write?.(staging);
    const marker = { completedAt: new Date().toISOString(), sha256: await hashTree(staging) };
    await writeFile(join(staging, CHECKPOINT_COMPLETE_MARKER), `${JSON.stringify(marker, null, 2)}\n`);
    await fsyncPath(staging);
    faultPoint(`checkpoint ${basename(dir)}: complete in staging`);
    await rm(old, { recursive: true, force: true });
    if (existsSync(dir)) await rename(dir, old);
    faultPoint(`checkpoint ${basename(dir)}: between renames`);
    await rename(staging, dir);
    faultPoint(`checkpoint ${basename(dir)}: renamed`);
    await fsyncPath(parent);
    await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw namedWriteError(error, dir, 'the checkpoint was not written and the previous one, if any, is kept');
  }
}

/** How {@link findCheckpointDir} looks for a complete checkpoint. */
export interface FindCheckpointOptions {
  /**
   * Also accept `<dir>.old` when `dir` itself is absent: the one state a kill between the two renames of
   * {@link writeCheckpointDir} leaves. Only for a run's own checkpoint, resumed under its lock; an input the user
   * named is loaded exactly as named (default false).
   */
  readonly fallbackToOld?: boolean;
}

/**
 * The complete checkpoint directory to load for `dir`: `dir` itself when it holds its COMPLETE marker; with
 * `fallbackToOld`, `<dir>.old` when `dir` does not exist (a crash between the two renames). An existing `dir`
 * without its marker is never replaced by `<dir>.old` (the swap never leaves that state: a copy cut short).
 * Undefined when there is none. Reads only: nothing is removed (see {@link removeStaleStagingDirs}).
 */
export async function findCheckpointDir(dir: string, options: FindCheckpointOptions = {}): Promise<string | undefined> {
  if (existsSync(join(dir, CHECKPOINT_COMPLETE_MARKER))) return dir;
  const old = `${dir}.old`;
  if (options.fallbackToOld === true && !existsSync(dir) && existsSync(join(old, CHECKPOINT_COMPLETE_MARKER))) return old;
  return undefined;
}

/** Every file under `dir` by its relative path ('/'-separated, sorted), the marker itself left out. */
async function treeFiles(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const entry of (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const rel = `${prefix}${entry.name}`;
    if (entry.isDirectory()) out.push(...(await treeFiles(join(dir, entry.name), `${rel}/`)));
    else if (rel !== CHECKPOINT_COMPLETE_MARKER) out.push(rel);
  }
  return out;
}

/** SHA-256 of every file under `dir` by its relative path ('/'-separated), the marker itself left out. */
async function hashTree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const rel of await treeFiles(dir)) out[rel] = await sha256File(join(dir, ...rel.split('/')));
  return out;
}

/**
 * Refuses (a UsageError naming the file) a complete checkpoint directory whose files are not those it was written with:
 * its COMPLETE marker records the SHA-256 of every file (`writeCheckpointDir`), so a state file edited by hand (an
 * iteration, a seed) or a damaged tensor file is caught before a resume trusts it, and so is a file the marker does not
 * list (added, or left out of an edited marker). A marker without that record (deleted, or written by an older
 * speedrl) is refused too. `remedy` says what to do.
 */
export async function verifyCheckpointDir(dir: string, remedy = 'restore it, or start over with --force'): Promise<void> {
  const markerPath = join(dir, CHECKPOINT_COMPLETE_MARKER);
  let recorded: unknown;
  try {
    recorded = (JSON.parse(await readFile(markerPath, 'utf8')) as { sha256?: unknown } | null)?.sha256;
  } catch {
    recorded = undefined;
  }
  if (typeof recorded !== 'object' || recorded === null || Object.keys(recorded).length === 0) {
    throw new UsageError(`--resume: "${markerPath}" records no SHA-256 of the checkpoint's files (written by an older speedrl, or edited), so nothing shows they are those the run saved; ${remedy}`);
  }
  for (const [name, want] of Object.entries(recorded as Record<string, unknown>)) {
    const path = join(dir, ...name.split('/'));
    const have = existsSync(path) ? await sha256File(path) : undefined;
    if (have === want) continue;
    const what = have === undefined
      ? `is missing from the checkpoint (${CHECKPOINT_COMPLETE_MARKER} lists it)`
      : `is not the file the run saved (its SHA-256 differs from the one "${markerPath}" records: edited by hand, or damaged)`;
    throw new UsageError(`--resume: "${path}" ${what}; ${remedy}`);
  }
  // a file the marker does not list was not saved by the run (added by hand, or its entry dropped from an edited marker);
  // hidden files (.DS_Store, an editor's swap file) are no state any loader reads
  const unlisted = (await treeFiles(dir)).find((rel) => !Object.hasOwn(recorded, rel) && !rel.split('/').some((part) => part.startsWith('.')));
  if (unlisted !== undefined) {
    throw new UsageError(`--resume: "${join(dir, ...unlisted.split('/'))}" is not one of the files the run saved ("${markerPath}" does not list it: added by hand, or the marker edited); remove it, or ${remedy}`);
  }
}

/** Whether process `pid` is alive (a process of another user counts as alive). */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes the staging directories (`.NAME.PID.TIME.staging`) that writers of the checkpoint `dir` left when killed:
 * only those of processes no longer alive, so a concurrent writer's is never touched. For writers (a run holding its
 * lock, {@link writeCheckpointDir}); loaders never call it. Returns the names removed.
 */
export async function removeStaleStagingDirs(dir: string): Promise<string[]> {
  const parent = dirname(dir);
  if (!existsSync(parent)) return [];
  const prefix = `.${basename(dir)}.`;
  const removed: string[] = [];
  for (const entry of await readdir(parent)) {
    if (!entry.startsWith(prefix) || !entry.endsWith('.staging')) continue;
    const pid = Number(entry.slice(prefix.length).split('.')[0]);
    if (Number.isSafeInteger(pid) && pid > 0 && (pid === process.pid || pidAlive(pid))) continue;
    await rm(join(parent, entry), { recursive: true, force: true });
    removed.push(entry);
  }
  return removed;
}
