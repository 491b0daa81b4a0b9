import { linkSync, lstatSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appendJsonl, readJsonl, trimJsonlToStep } from './metrics-log';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'speedrl-jsonl-'));

describe('metrics.jsonl', () => {
  it('appends records as lines and reads them back; a missing file is empty', () => {
    const path = join(tmp(), 'metrics.jsonl');
    expect(readJsonl(path)).toEqual({ records: [], truncatedTail: false });
    appendJsonl(path, { step: 1, loss: 2.5 });
    appendJsonl(path, { step: 2, loss: NaN });
    expect(readFileSync(path, 'utf8')).toBe('{"step":1,"loss":2.5}\n{"step":2,"loss":null}\n');
    expect(readJsonl(path).records).toEqual([{ step: 1, loss: 2.5 }, { step: 2, loss: null }]);
  });

  it('a full disk names the file and says the lines already written are kept (Linux /dev/full answers ENOSPC)', () => {
    expect(() => appendJsonl('/dev/full', { step: 1 })).toThrow(expect.objectContaining({
      code: 'ENOSPC',
      message: '/dev/full: no space left on the device (ENOSPC); this line was not appended (lines already written are kept; --resume continues from the last checkpoint)',
    }));
  });

  it('tolerates a line cut off by a crash at the end, but not a bad line in the middle', () => {
    const path = join(tmp(), 'metrics.jsonl');
    writeFileSync(path, '{"step":1}\n{"step":2}\n{"step":3,"lo');
    expect(readJsonl(path)).toEqual({ records: [{ step: 1 }, { step: 2 }], truncatedTail: true });
    writeFileSync(path, '{"step":1}\ngarbage\n{"step":3}\n');
    expect(() => readJsonl(path)).toThrow(`${path}: line 2 is not valid JSON: garbage`);
  });

  it('a log hard-linked from another run becomes this run\'s own file on resume: appends never reach the other run', async () => {
    const dir = tmp();
    const original = join(dir, 'orig.jsonl');
    const copy = join(dir, 'copy.jsonl');
    appendJsonl(original, { step: 1 });
    appendJsonl(original, { step: 2 });
    linkSync(original, copy); // cp -al of a run directory
    expect(await trimJsonlToStep(copy, 2)).toBe(0); // nothing to drop, rewritten anyway
    appendJsonl(copy, { step: 3 });
    expect(readJsonl<{ step: number }>(original).records.map((r) => r.step)).toEqual([1, 2]);
    expect(readJsonl<{ step: number }>(copy).records.map((r) => r.step)).toEqual([1, 2, 3]);
  });

  it('a log that is a symbolic link to another run\'s (cp -rs) becomes this run\'s own file on resume', async () => {
    const dir = tmp();
    const original = join(dir, 'orig.jsonl');
    const copy = join(dir, 'copy.jsonl');
    appendJsonl(original, { step: 1 });
    symlinkSync(original, copy);
    expect(await trimJsonlToStep(copy, 1)).toBe(0);
    expect(lstatSync(copy).isSymbolicLink()).toBe(false);
    appendJsonl(copy, { step: 2 });
    expect(readJsonl<{ step: number }>(original).records.map((r) => r.step)).toEqual([1]);
    expect(readJsonl<{ step: number }>(copy).records.map((r) => r.step)).toEqual([1, 2]);
  });

  it('trims a log back to the checkpoint step on resume, dropping the cut-off tail', async () => {
    const path = join(tmp(), 'metrics.jsonl');
    writeFileSync(path, '{"step":1}\n{"step":2}\n{"event":"start"}\n{"step":3}\n{"step":4,"x');
    expect(await trimJsonlToStep(path, 2)).toBe(1);
    expect(readFileSync(path, 'utf8')).toBe('{"step":1}\n{"step":2}\n{"event":"start"}\n');
    expect(await trimJsonlToStep(path, 5)).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe('{"step":1}\n{"step":2}\n{"event":"start"}\n');
  });
});
