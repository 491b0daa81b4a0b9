/**
 * Stale-lock takeover: of two processes that both read the same dead holder's lock, only the first replaces it (the
 * second must not remove the fresh lock the first just took), and a lock file that does not parse yet is being
 * written, so it is waited for rather than taken over at once.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE, LOCK_WRITE_GRACE_MS, acquireRunLock, lockMark, parseHolder, releaseLocksSince, takeOverStaleLock } from './run-lock';

const DEAD_PID = 2 ** 22 + 12345; // above Linux's pid_max default: no such process

describe('run lock takeover', () => {
  const root = mkdtempSync(join(tmpdir(), 'speedrl-lock-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const dirOf = (name: string): string => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    return dir;
  };

  it('removes a stale lock only while it still holds the stale text; a fresh lock taken meanwhile stands', () => {
    const dir = dirOf('race');
    const path = join(dir, LOCK_FILE);
    const stale = JSON.stringify({ pid: DEAD_PID, command: 'dead', startedAt: '2026-01-01T00:00:00.000Z' });
    // A and B both read `stale`; A takes it over and writes its own lock; then B's takeover comes too late
    writeFileSync(path, stale);
    expect(takeOverStaleLock(path, stale)).toBe(true); // A
    const fresh = JSON.stringify({ pid: process.pid, command: 'A', startedAt: '2026-01-01T00:00:01.000Z' });
    writeFileSync(path, fresh, { flag: 'wx' });
    expect(takeOverStaleLock(path, stale)).toBe(false); // B: finds A's lock, puts it back
    expect(readFileSync(path, 'utf8')).toBe(fresh);
    expect(readdirSync(dir)).toEqual([LOCK_FILE]); // nothing left aside
    rmSync(path);
    expect(takeOverStaleLock(path, stale)).toBe(false); // gone meanwhile
  });

  it('a lock naming this process that this process does not hold is an earlier process\'s (a reused id): taken over', () => {
    const dir = dirOf('reused-pid');
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: process.pid, command: 'before the restart', startedAt: 'x' }));
    const mark = lockMark();
    acquireRunLock(dir, 'test');
    expect(parseHolder(readFileSync(join(dir, LOCK_FILE), 'utf8'))?.command).toBe('test');
    releaseLocksSince(mark);
  });

  it('takes over a dead holder\'s lock; refuses a live one', () => {
    const dir = dirOf('dead');
    writeFileSync(join(dir, LOCK_FILE), JSON.stringify({ pid: DEAD_PID, command: 'dead', startedAt: 'x' }));
    const mark = lockMark();
    acquireRunLock(dir, 'test');
    expect(parseHolder(readFileSync(join(dir, LOCK_FILE), 'utf8'))?.pid).toBe(process.pid);
    expect(() => acquireRunLock(dir, 'again')).toThrow(/in use by this process/);
    releaseLocksSince(mark);
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  it('waits for a lock file that does not parse yet (being written), then takes it over once the grace has passed', () => {
    const dir = dirOf('half');
    const path = join(dir, LOCK_FILE);
    writeFileSync(path, '{"pid":'); // a writer between creating and writing it
    const mark = lockMark();
    const t0 = Date.now();
    acquireRunLock(dir, 'test');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(LOCK_WRITE_GRACE_MS - 100); // not taken over at once
    releaseLocksSince(mark);
    writeFileSync(path, '');
    const old = (Date.now() - 10 * LOCK_WRITE_GRACE_MS) / 1000;
    utimesSync(path, old, old); // left unparsable by a crash long ago: stale
    const t1 = Date.now();
    acquireRunLock(dir, 'test');
    expect(Date.now() - t1).toBeLessThan(LOCK_WRITE_GRACE_MS);
    releaseLocksSince(mark);
  });

  it('a directory made for the run is removed with its lock when it stays empty, kept when it holds files', () => {
    const empty = join(root, 'made');
    mkdirSync(empty);
    const mark = lockMark();
    acquireRunLock(empty, 'test', '--out', LOCK_FILE, true);
    releaseLocksSince(mark);
    expect(existsSync(empty)).toBe(false);
    const used = dirOf('used');
    acquireRunLock(used, 'test', '--out', LOCK_FILE, true);
    writeFileSync(join(used, 'run.json'), '{}');
    releaseLocksSince(mark);
    expect(readdirSync(used)).toEqual(['run.json']);
  });

  it('a lock beside an output file names that file (the --out typed), not the folder the lock lies in', () => {
    const dir = dirOf('beside');
    const mark = lockMark();
    try {
      acquireRunLock(dir, 'tune-schedule', '--out', '.tuned.json.lock', false, 'beside/tuned.json');
      expect(() => acquireRunLock(dir, 'tune-schedule', '--out', '.tuned.json.lock', false, 'beside/tuned.json'))
        .toThrow(/^--out: "beside\/tuned\.json" is in use by this process \(tune-schedule, since .*\); wait for it to finish or stop it\. If no speedrl command is writing it/);
    } finally {
      releaseLocksSince(mark);
    }
  });
});
