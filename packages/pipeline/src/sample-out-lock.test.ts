import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleOutLock, withSampleOutLock } from './sample-out-lock';

let tmp: string;
beforeEach(() => { tmp = mkdtempSync(join(tmpdir(), 'sample-lock-')); });
afterEach(() => rmSync(tmp, { recursive: true, force: true }));

describe('sampleOutLock', () => {
  it('is .<name>.lock beside the output: a file, a png-dir, or the target of a png-dir given as a symbolic link', () => {
    expect(sampleOutLock('png', join(tmp, 'grid.png'))).toEqual({ dir: tmp, lockName: '.grid.png.lock' });
    expect(sampleOutLock('npz', 's.npz')).toEqual({ dir: '.', lockName: '.s.npz.lock' });
    mkdirSync(join(tmp, 'real'));
    symlinkSync('real', join(tmp, 'link'));
    expect(sampleOutLock('png-dir', join(tmp, 'link'))).toMatchObject({ lockName: '.real.lock' });
  });
});

describe('withSampleOutLock', () => {
  it('refuses a second writer of the same --out while one runs, naming --out and the holder (was: both ran, one set silently replaced)', async () => {
    const out = join(tmp, 'samples');
    let inner: unknown;
    await withSampleOutLock('png-dir', out, false, {}, async () => {
      expect(readdirSync(tmp)).toEqual(['.samples.lock']);
      inner = await withSampleOutLock('png-dir', out, true, {}, async () => 'ran').catch((error: Error) => error);
    });
    expect(String(inner)).toMatch(new RegExp(`^UsageError: --out: "${out}" is in use by this process \\(sample, since `)); // was: --out: "…" is being written: "<its folder>" is in use
    expect(readdirSync(tmp)).toEqual([]); // released
    // another live process's lock (our parent's pid) beside a PNG --out
    writeFileSync(join(tmp, '.grid.png.lock'), JSON.stringify({ pid: process.ppid, command: 'sample', startedAt: 'then' }));
    let ran = false;
    await expect(withSampleOutLock('png', join(tmp, 'grid.png'), true, {}, async () => { ran = true; }))
      .rejects.toThrow(`--out: "${join(tmp, 'grid.png')}" is in use by process ${process.ppid} (sample, since then); wait for it to finish or stop it. If no speedrl command is writing it`);
    expect(ran).toBe(false);
  });

  it('checks --out again under the lock: an --out that exists by then is refused without --force, before the body runs', async () => {
    const out = join(tmp, 'g.png');
    await expect(withSampleOutLock('png', out, false, {}, async () => {
      writeFileSync(out, 'written meanwhile');
      return withSampleOutLock('png', join(tmp, 'other.png'), false, {}, async () => 'nested ok');
    })).resolves.toBe('nested ok');
    await expect(withSampleOutLock('png', out, false, {}, async () => 'ran')).rejects.toThrow(/g\.png" already exists; pass --force/);
    expect(existsSync(join(tmp, '.g.png.lock'))).toBe(false);
  });
});
