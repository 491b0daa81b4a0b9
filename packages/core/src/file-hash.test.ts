import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkRecordedSha256, contentKey, sha256File, sha256Hex } from './file-hash';
import { encodeSafetensors, readRecordedSafetensors } from './safetensors';

describe('contentKey', () => {
  it('hashes a file as sha256sum does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hash-'));
    await writeFile(join(dir, 'a'), 'abc');
    expect(await sha256File(join(dir, 'a'))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('changes with a file, a role or the extra options, and only then', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hash-'));
    await writeFile(join(dir, 'a'), 'one');
    await writeFile(join(dir, 'b'), 'two');
    const base = await contentKey({ a: join(dir, 'a'), b: join(dir, 'b') }, { limit: 5 });
    expect((await contentKey({ a: join(dir, 'a'), b: join(dir, 'b') }, { limit: 5 })).key).toBe(base.key);
    expect((await contentKey({ a: join(dir, 'a'), b: join(dir, 'b') }, { limit: 6 })).key).not.toBe(base.key);
    expect((await contentKey({ a: join(dir, 'b'), b: join(dir, 'a') }, { limit: 5 })).key).not.toBe(base.key);
    await writeFile(join(dir, 'b'), 'two!');
    const changed = await contentKey({ a: join(dir, 'a'), b: join(dir, 'b') }, { limit: 5 });
    expect(changed.key).not.toBe(base.key);
    expect(changed.files.a).toBe(base.files.a);
  });
});

describe('checkRecordedSha256', () => {
  it('passes the file saved with the hash; refuses an edited file, a bad record or none, naming them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hash-'));
    const file = join(dir, 'model.safetensors');
    await writeFile(file, 'weights');
    const recorded = sha256Hex(await readFile(file));
    expect(recorded).toBe(await sha256File(file));
    await expect(checkRecordedSha256(file, recorded, 'config.json')).resolves.toBeUndefined();
    await expect(checkRecordedSha256(file, undefined, 'config.json')).rejects.toThrow(`config.json records no SHA-256 of "${file}"`);
    await writeFile(file, 'weightz');
    await expect(checkRecordedSha256(file, recorded, 'config.json')).rejects.toThrow(
      new RegExp(`^checkpoint "${file}" has SHA-256 \\w{12}…, not the ${recorded.slice(0, 12)}… recorded in config\\.json: the weights changed after they were saved \\(edited, or damaged\\); restore the file or write it again$`),
    );
    await expect(checkRecordedSha256(file, recorded, 'state.json', '--resume')).rejects.toThrow(/^--resume: checkpoint .*; restore the file or start over with --force$/);
    await expect(checkRecordedSha256(file, 'abc', 'state.json', '--resume')).rejects.toThrow('--resume: state.json: the recorded SHA-256 of');
    await expect(checkRecordedSha256(join(dir, 'gone'), recorded, 'config.json')).rejects.toThrow(`checkpoint "${join(dir, 'gone')}" cannot be read (ENOENT)`);
  });
});

describe('readRecordedSafetensors', () => {
  it('decodes the bytes it checked; refuses an edited checkpoint and one without a hash', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hash-'));
    const file = join(dir, 'model.safetensors');
    const bytes = encodeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float32Array([1.5, -2]) } });
    await writeFile(file, bytes);
    const recorded = sha256Hex(bytes);
    expect((await readRecordedSafetensors(file, recorded, 'config.json')).tensors.w?.data).toEqual(new Float32Array([1.5, -2]));
    await expect(readRecordedSafetensors(file, undefined, 'config.json')).rejects.toThrow(
      `config.json records no SHA-256 of "${file}" (written by a version before hashes were recorded, or the field was removed): the weights cannot be checked; write it again with this version`,
    );
    await expect(readRecordedSafetensors(file, undefined, 'state.json', '--resume')).rejects.toThrow(/^--resume: state\.json records no SHA-256 .*; start over with --force$/);
    await writeFile(file, encodeSafetensors({ w: { dtype: 'F32', shape: [2], data: new Float32Array([1.5, 2]) } }));
    await expect(readRecordedSafetensors(file, recorded, 'state.json', '--resume')).rejects.toThrow(/^--resume: checkpoint .* recorded in state\.json: the weights changed after they were saved/);
  });
});
