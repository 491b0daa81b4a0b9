import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from './atomic-write';

describe('writeFileAtomic', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'atomic-write-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names the file when the disk is full (ENOSPC), keeping the old file', async () => {
    const path = join(dir, 'eval.json');
    writeFileSync(path, 'old');
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    await expect(writeFileAtomic(path, 'new', { beforeRename: () => { throw full; } })).rejects.toMatchObject({ code: 'ENOSPC', message: expect.stringContaining(path) });
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['eval.json']);
  });

  it('creates and replaces files, leaving no temp files behind', async () => {
    const path = join(dir, 'w.bin');
    await writeFileAtomic(path, Uint8Array.from([1, 2, 3]));
    expect(Array.from(readFileSync(path))).toEqual([1, 2, 3]);
    await writeFileAtomic(path, 'replaced');
    expect(readFileSync(path, 'utf8')).toBe('replaced');
    expect(readdirSync(dir)).toEqual(['w.bin']);
  });

  it('keeps the old file intact and removes the temp file when the write fails before the rename', async () => {
    const path = join(dir, 'model.safetensors');
    writeFileSync(path, 'old contents');
    let tempSeen = '';
    const crash = async () =>
      writeFileAtomic(path, 'new contents that never land', {
        beforeRename: (temp) => {
          tempSeen = temp;
          expect(readFileSync(temp, 'utf8')).toBe('new contents that never land'); // fully written before the rename
          throw new Error('simulated crash');
        },
      });
    await expect(crash()).rejects.toThrow('simulated crash');
    expect(tempSeen.startsWith(join(dir, '.model.safetensors.'))).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('old contents');
    expect(readdirSync(dir)).toEqual(['model.safetensors']);
  });

  it('removes the temp file when the rename itself fails (target is a non-empty directory)', async () => {
    const path = join(dir, 'taken');
    mkdirSync(path);
    writeFileSync(join(path, 'keep.txt'), 'x');
    await expect(writeFileAtomic(path, 'data')).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST|EPERM/);
    expect(statSync(path).isDirectory()).toBe(true);
    expect(readdirSync(dir)).toEqual(['taken']);
  });

  it('fails cleanly when the directory does not exist', async () => {
    const path = join(dir, 'missing', 'f.json');
    await expect(writeFileAtomic(path, 'x')).rejects.toThrow(/ENOENT/);
    expect(existsSync(join(dir, 'missing'))).toBe(false);
  });

  it('lets concurrent writers to one path each land whole', async () => {
    const path = join(dir, 'c.txt');
    const contents = ['a'.repeat(5000), 'b'.repeat(7000), 'c'.repeat(3000)];
    await Promise.all(contents.map((c) => writeFileAtomic(path, c)));
    expect(contents).toContain(readFileSync(path, 'utf8'));
    expect(readdirSync(dir)).toEqual(['c.txt']);
  });
});

describe('writeJsonAtomic', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'atomic-json-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes pretty JSON with a trailing newline', async () => {
    const path = join(dir, 'config.json');
    await writeJsonAtomic(path, { dim: 64, layers: [1, 2] });
    expect(readFileSync(path, 'utf8')).toBe('{\n  "dim": 64,\n  "layers": [\n    1,\n    2\n  ]\n}\n');
  });

  it('rejects values JSON cannot hold, naming the path, and leaves the old file alone', async () => {
    const path = join(dir, 'config.json');
    writeFileSync(path, '{"old":true}');
    await expect(writeJsonAtomic(path, { big: 1n })).rejects.toThrow(`${path}: value cannot be written as JSON (Do not know how to serialize a BigInt)`);
    await expect(writeJsonAtomic(path, undefined)).rejects.toThrow(`${path}: value cannot be written as JSON (got undefined)`);
    expect(readFileSync(path, 'utf8')).toBe('{"old":true}');
    expect(readdirSync(dir)).toEqual(['config.json']);
  });
});
