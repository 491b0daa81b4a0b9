import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentKey, sha256File } from './file-hash';

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
