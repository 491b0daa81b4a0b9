/**
 * An exclusive lock on a run directory: `DIR/.lock` holds the owner's pid, command and start time, created with
 * O_EXCL so two writers can never both hold it. A lock whose process is gone (killed, crashed) is stale and is taken
 * over: renamed away under a name of this process's own, checked to be the dead holder's, and only then replaced, so
 * two processes taking over the same stale lock cannot both win. A lock that does not parse is being written (or
 * cut short by a crash): it counts as held for a short grace, then as stale. Locks are released when the command that
 * took them ends (`runCli` calls `releaseLocksSince`) and, failing that, when the process exits.
 */
import { linkSync, readFileSync, readdirSync, renameSync, rmdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError, realPathOf } from '@speedrl/core';

/** File name of the lock inside a run directory. */
export const LOCK_FILE = '.lock';

/** What a lock file records. */
export interface LockHolder {
  readonly pid: number;
  readonly command: string;
  readonly startedAt: string;
}

const held: string[] = []; // lock paths this process holds, in the order taken
const removeDirOnRelease = new Set<string>(); // locks whose directory this process created: removed when left empty

/** How long a lock file that does not parse counts as being written (its writer between create and write). */
export const LOCK_WRITE_GRACE_MS = 2000;

/** The holder a lock file's text records, or undefined when it does not parse. */
export function parseHolder(text: string): LockHolder | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockHolder> | null;
    return typeof value?.pid === 'number' ? { pid: value.pid, command: String(value.command), startedAt: String(value.startedAt) } : undefined;
  } catch {
    return undefined;
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // gone
  }
}

function readHolder(path: string): LockHolder | undefined {
  const text = readText(path);
  return text === undefined ? undefined : parseHolder(text);
}

/** Whether the lock at `path` is stale: its holder is dead, or it has not parsed for longer than the grace. */
function lockState(path: string, now: number): { text: string; holder?: LockHolder; stale: boolean } | undefined {
  const text = readText(path);
  if (text === undefined) return undefined;
  const holder = parseHolder(text);
  // our own pid on a lock this process does not hold: an earlier process that had the same id (a container's pid 1,
  // ids reused after a reboot) left it, so it is stale
  if (holder !== undefined) return { text, holder, stale: !processAlive(holder.pid) || (holder.pid === process.pid && !held.includes(path)) };
  let age = Infinity;
  try {
    age = now - statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
  return { text, stale: age > LOCK_WRITE_GRACE_MS };
}

/**
 * The holder of the lock at `path` when another live process holds it (its job is writing that directory now);
 * undefined when there is no lock, a stale one, or one this process holds.
 */
export function otherLiveHolder(path: string): LockHolder | undefined {
  const state = lockState(path, Date.now());
  return state?.holder === undefined || state.stale || state.holder.pid === process.pid ? undefined : state.holder;
}

/** Whether `name` is a lock file: a run directory's `.lock`, or `.<file>.lock` of one output file. */
export const isLockFile = (name: string): boolean => /^\.(.*\.)?lock$/.test(name);
/** Results a speedrl command writes (with a live lock, what makes a directory another job's). */
const RESULT_FILES: ReadonlySet<string> = new Set(['run.json', 'eval.json', 'compare.json', 'ablate.json']);

/** The first path under `path` (itself included; links not followed) that is another job's: a live lock or a result file. */
export function otherJobUnder(path: string): string | undefined {
  let entries;
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch {
    return undefined; // a file, or gone
  }
  for (const e of entries) {
    const p = join(path, e.name);
    if (e.isFile() && (RESULT_FILES.has(e.name) || (isLockFile(e.name) && otherLiveHolder(p) !== undefined))) return p;
    const inner = e.isDirectory() ? otherJobUnder(p) : undefined;
    if (inner !== undefined) return inner;
  }
  return undefined;
}

/**
 * Refuses an `out` inside a directory that another live process holds the run lock of: that job writes its products
 * there (a final model over this run's files, or `--force` removing them while this run writes).
 */
export function checkOutsideLockedRuns(out: string): void {
  for (let dir = dirname(realPathOf(out)); ; dir = dirname(dir)) {
    const holder = otherLiveHolder(join(dir, LOCK_FILE));
    if (holder !== undefined) {
      throw new UsageError(`--out: "${out}" is inside "${dir}", which process ${holder.pid} (${holder.command}, since ${holder.startedAt}) is writing; its products and --force would mix with or remove this run. Choose an --out outside it (nothing was written)`);
    }
    if (dirname(dir) === dir) return;
  }
}

/**
 * Removes the lock at `path` if it still holds `staleText`: renames it to a name of this process's own (atomic; of
 * two processes racing, one gets ENOENT), then puts back a lock that turned out to be another's fresh one.
 * Returns whether the stale lock was removed.
 */
export function takeOverStaleLock(path: string, staleText: string): boolean {
  const aside = `${path}.${process.pid}.${process.hrtime.bigint()}.stale`;
  try {
    renameSync(path, aside);
  } catch {
    return false; // another process moved it first
  }
  const text = readText(aside);
  if (text !== staleText) {
    // a live holder's lock, created after we read the stale one: restore it (link fails only if a third took the name)
    try {
      linkSync(aside, path);
    } catch {
      // the name is taken again: that holder's lock stands
    }
    unlinkSync(aside);
    return false;
  }
  unlinkSync(aside);
  return true;
}

/** Whether process `pid` is alive (signal 0 probes without signalling; EPERM means alive but not ours). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function releasePath(path: string): void {
  const i = held.lastIndexOf(path);
  if (i >= 0) held.splice(i, 1);
  try {
    if (readHolder(path)?.pid === process.pid) unlinkSync(path);
  } catch {
    // already gone
  }
  if (removeDirOnRelease.delete(path)) {
    try {
      rmdirSync(dirname(path)); // only if empty: the run never started
    } catch {
      // it holds files: kept
    }
  }
}

let exitHookInstalled = false;

/** Blocks the thread for `ms` milliseconds (a lock being written is waited for; the lock API is synchronous). */
const sleepSync = (ms: number): void => {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
};

/**
 * Takes the lock of `dir` for `command` (`lockName` inside it: `.lock`, or `.<file>.lock` for one output file). A live
 * holder (another process, or this one) is refused with a usage error naming `flag`, what the lock guards (`guarded`:
 * the path the user gave, by default `dir`; the output file or folder for a lock beside it) and the holder; a stale
 * lock is taken over (renamed aside and checked, `takeOverStaleLock`). With `removeDir`, releasing the lock also removes
 * `dir` when it is empty (a directory the caller created for a run that never started). Returns the function that releases it.
 */
export function acquireRunLock(dir: string, command: string, flag = '--out', lockName = LOCK_FILE, removeDir = false, guarded = dir): () => void {
  const path = join(dir, lockName);
  if (!exitHookInstalled) {
    process.on('exit', () => [...held].forEach(releasePath));
    exitHookInstalled = true;
  }
  const deadline = Date.now() + 2 * LOCK_WRITE_GRACE_MS;
  for (let attempt = 0; attempt < 100 && Date.now() <= deadline; attempt++) {
    try {
      writeFileSync(path, JSON.stringify({ pid: process.pid, command, startedAt: new Date().toISOString() }), { flag: 'wx' });
      held.push(path);
      if (removeDir) removeDirOnRelease.add(path);
      return () => releasePath(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') {
        // 'wx' may have created the file before its write failed (a full disk): an empty lock of ours, removed with the
        // directory made for this run, so a refused run leaves nothing behind
        for (const remove of [() => statSync(path).size === 0 && unlinkSync(path), () => removeDir && rmdirSync(dir)]) {
          try {
            remove();
          } catch {
            // not created, or the directory holds other files: kept
          }
        }
        throw new UsageError(`${flag}: cannot write in "${dir}" (${code ?? (error as Error).message})`);
      }
      const state = lockState(path, Date.now());
      if (state === undefined) continue; // released meanwhile: try again
      if (state.holder !== undefined && !state.stale) {
        const who = state.holder.pid === process.pid ? 'this process' : `process ${state.holder.pid}`;
        throw new UsageError(
          `${flag}: "${guarded}" is in use by ${who} (${state.holder.command}, since ${state.holder.startedAt}); wait for it to finish or stop it. ` +
            `If no speedrl command is writing it (process ids are reused after a reboot), remove "${path}"`,
        );
      }
      if (!state.stale) sleepSync(50); // being written: its holder is between creating and writing it
      else takeOverStaleLock(path, state.text); // whoever removes it, the next attempt sees what stands
    }
  }
  throw new UsageError(`${flag}: could not take the lock of "${guarded}"; another process keeps taking it, or its lock file does not parse (remove "${path}" if no process is writing it)`);
}

/**
 * Runs `body` holding the lock of `dir` (see {@link acquireRunLock}, `guarded` the path its messages name) and releases
 * it however `body` ends; with `removeDir` (a directory the caller created for this command) `dir` goes too when `body` left it empty.
 */
export async function withRunLock<T>(dir: string, command: string, body: () => Promise<T>, flag = '--out', lockName = LOCK_FILE, removeDir = false, guarded = dir): Promise<T> {
  const release = acquireRunLock(dir, command, flag, lockName, removeDir, guarded);
  try {
    return await body();
  } finally {
    release();
  }
}

/** How many locks are held now: `releaseLocksSince(mark)` releases those taken after it (nested commands). */
export function lockMark(): number {
  return held.length;
}

/** Releases every lock taken since `mark`, newest first. */
export function releaseLocksSince(mark: number): void {
  while (held.length > mark) releasePath(held[held.length - 1] as string);
}
