/**
 * An exclusive lock on a run directory: `DIR/.lock` holds the owner's pid, command and start time, created with
 * O_EXCL so two writers can never both hold it. A lock whose process is gone (killed, crashed) is stale and is taken
 * over. Locks are released when the command that took them ends (`runCli` calls `releaseLocksSince`) and, failing
 * that, when the process exits.
 */
import { readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UsageError } from '@speedrl/core';

/** File name of the lock inside a run directory. */
export const LOCK_FILE = '.lock';

/** What a lock file records. */
export interface LockHolder {
  readonly pid: number;
  readonly command: string;
  readonly startedAt: string;
}

const held: string[] = []; // lock paths this process holds, in the order taken

function readHolder(path: string): LockHolder | undefined {
  try {
    const value = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockHolder>;
    return typeof value.pid === 'number' ? { pid: value.pid, command: String(value.command), startedAt: String(value.startedAt) } : undefined;
  } catch {
    return undefined; // unreadable or half-written: treated as stale
  }
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
}

let exitHookInstalled = false;

/**
 * Takes the lock of `dir` for `command` (`lockName` inside it: `.lock`, or `.<file>.lock` for one output file). A live holder (another process, or this one) is refused with a usage error
 * naming `flag`, the directory and the holder; a stale lock is replaced. Returns the function that releases it.
 */
export function acquireRunLock(dir: string, command: string, flag = '--out', lockName = LOCK_FILE): () => void {
  const path = join(dir, lockName);
  if (!exitHookInstalled) {
    process.on('exit', () => [...held].forEach(releasePath));
    exitHookInstalled = true;
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, JSON.stringify({ pid: process.pid, command, startedAt: new Date().toISOString() }), { flag: 'wx' });
      held.push(path);
      return () => releasePath(path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'EEXIST') throw new UsageError(`${flag}: cannot write in "${dir}" (${code ?? (error as Error).message})`);
      const holder = readHolder(path);
      if (holder !== undefined && processAlive(holder.pid)) {
        const who = holder.pid === process.pid ? 'this process' : `process ${holder.pid}`;
        throw new UsageError(`${flag}: "${dir}" is in use by ${who} (${holder.command}, since ${holder.startedAt}); wait for it to finish or stop it`);
      }
      try {
        unlinkSync(path); // stale: its process is gone
      } catch {
        // another process removed it first; try again
      }
    }
  }
  throw new UsageError(`${flag}: could not take the lock of "${dir}"; another process keeps taking it`);
}

/** Runs `body` holding the lock of `dir` (see {@link acquireRunLock}) and releases it however `body` ends. */
export async function withRunLock<T>(dir: string, command: string, body: () => Promise<T>, flag = '--out', lockName = LOCK_FILE): Promise<T> {
  const release = acquireRunLock(dir, command, flag, lockName);
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
