import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKPOINT_COMPLETE_MARKER, findCheckpointDir, writeCheckpointDir } from './checkpoint-dir';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'speedrl-ckpt-'));

describe('checkpoint directories', () => {
  it('writes all files and a completion marker, and replaces the previous checkpoint whole', async () => {
    const root = tmp();
    const dir = join(root, 'checkpoint');
    expect(await findCheckpointDir(dir)).toBeUndefined();
    await writeCheckpointDir(dir, { 'state.json': '{"step":1}', 'model.bin': new Uint8Array([1, 2]) });
    await writeCheckpointDir(dir, { 'state.json': '{"step":2}' });
    expect(await findCheckpointDir(dir)).toBe(dir);
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe('{"step":2}');
    expect(existsSync(join(dir, 'model.bin'))).toBe(false);
    expect(existsSync(join(dir, CHECKPOINT_COMPLETE_MARKER))).toBe(true);
    expect(readdirSync(root).sort()).toEqual(['checkpoint']);
  });

  it('keeps the previous checkpoint when writing the new one fails, and cleans up the staging dir', async () => {
    const root = tmp();
    const dir = join(root, 'ckpt');
    await writeCheckpointDir(dir, { 'state.json': 'old' });
    await expect(writeCheckpointDir(dir, { 'state.json': 'new' }, async () => {
      throw new Error('disk full');
    })).rejects.toThrow('disk full');
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe('old');
    expect(readdirSync(root)).toEqual(['ckpt']);
    await expect(writeCheckpointDir(dir, { '../escape': 'x' })).rejects.toThrow(/bad file name "..\/escape"/);
  });

  it('falls back to <dir>.old after a crash between the renames, and ignores incomplete directories', async () => {
    const root = tmp();
    const dir = join(root, 'ckpt');
    await writeCheckpointDir(dir, { 'state.json': 'v1' });
    renameSync(dir, `${dir}.old`); // crash right after the first rename
    expect(await findCheckpointDir(dir)).toBe(`${dir}.old`);
    await writeCheckpointDir(dir, { 'state.json': 'v2' });
    expect(await findCheckpointDir(dir)).toBe(dir);
    expect(existsSync(`${dir}.old`)).toBe(false);
  });
});
