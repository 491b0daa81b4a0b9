/**
 * A lock whose write fails after 'wx' created the file (a full disk) leaves no empty `.lock` behind, nor the directory
 * made for the refused run.
 */
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCK_FILE, acquireRunLock } from './run-lock';

jest.mock('node:fs', () => {
  const actual = jest.requireActual<typeof fs>('node:fs');
  return { ...actual, writeFileSync: jest.fn(actual.writeFileSync) };
});

describe('run lock on a full disk', () => {
  it('removes the empty lock file it created and the directory made for the run, and says why it failed', () => {
    const root = fs.mkdtempSync(join(tmpdir(), 'speedrl-lock-enospc-'));
    try {
      const dir = join(root, 'made-for-the-run');
      fs.mkdirSync(dir);
      jest.mocked(fs.writeFileSync).mockImplementationOnce((path) => {
        jest.requireActual<typeof fs>('node:fs').writeFileSync(path as string, ''); // created, then the write fails
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      });
      expect(() => acquireRunLock(dir, 'eval', '--out', LOCK_FILE, true)).toThrow(`--out: cannot write in "${dir}" (ENOSPC)`);
      expect(fs.existsSync(join(dir, LOCK_FILE))).toBe(false);
      expect(fs.existsSync(dir)).toBe(false);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
