/** `checkRunWritable`: a resumed or forced run refuses, before writing, what it would append to or replace but may not. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRunWritable } from './run-dir';

describe('checkRunWritable', () => {
  const dir = mkdtempSync(join(tmpdir(), 'speedrl-run-writable-'));
  beforeAll(() => {
    for (const d of ['checkpoint', 'model/maskgit', 'grids', 'eval-mine']) mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(join(dir, 'metrics.jsonl'), '{"step":1}\n');
    writeFileSync(join(dir, 'model', 'maskgit', 'config.json'), '{}');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const denied = (...blocked: string[]) => (path: string): void => {
    if (blocked.includes(path)) throw Object.assign(new Error('EACCES'), { code: 'EACCES' });
  };

  it('names metrics.jsonl, a checkpoint folder or a product folder this process may not write (was: EACCES, exit 1, mid-run)', () => {
    for (const path of [join(dir, 'metrics.jsonl'), join(dir, 'checkpoint'), join(dir, 'model', 'maskgit')]) {
      expect(() => checkRunWritable(dir, ['model', 'grids'], denied(path))).toThrow(
        `--out: "${path}" is not writable here (EACCES), and the run appends to, replaces or removes it; fix its permissions (written as another user?) or choose another --out (nothing was written)`,
      );
    }
  });

  it('checks folders and metrics.jsonl only, and only those the run writes', () => {
    // files inside product folders are replaced by rename (their folder's permission counts); other folders are the user's
    expect(() => checkRunWritable(dir, ['model', 'grids'], denied(join(dir, 'model', 'maskgit', 'config.json'), join(dir, 'eval-mine')))).not.toThrow();
    expect(() => checkRunWritable(dir, ['model', 'grids'])).not.toThrow();
  });
});
