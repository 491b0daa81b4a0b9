import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHECKPOINT_COMPLETE_MARKER, findCheckpointDir, removeStaleStagingDirs, verifyCheckpointDir, writeCheckpointDir } from './checkpoint-dir';

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

  it('a full disk while staging names the checkpoint directory and keeps the previous checkpoint', async () => {
    const root = tmp();
    const dir = join(root, 'ckpt');
    await writeCheckpointDir(dir, { 'state.json': 'old' });
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    await expect(writeCheckpointDir(dir, { 'state.json': 'new' }, async () => {
      throw full;
    })).rejects.toMatchObject({ code: 'ENOSPC', message: `${dir}: no space left on the device (ENOSPC); the checkpoint was not written and the previous one, if any, is kept` });
    expect(readFileSync(join(dir, 'state.json'), 'utf8')).toBe('old');
    expect(readdirSync(root)).toEqual(['ckpt']);
  });

  it('falls back to <dir>.old after a crash between the renames, and ignores incomplete directories', async () => {
    const root = tmp();
    const dir = join(root, 'ckpt');
    await writeCheckpointDir(dir, { 'state.json': 'v1' });
    renameSync(dir, `${dir}.old`); // crash right after the first rename
    expect(await findCheckpointDir(dir, { fallbackToOld: true })).toBe(`${dir}.old`);
    await writeCheckpointDir(dir, { 'state.json': 'v2' });
    expect(await findCheckpointDir(dir)).toBe(dir);
    expect(existsSync(`${dir}.old`)).toBe(false);
  });

  it('loads exactly the directory named by default: never a sibling <dir>.old, and an incomplete <dir> never falls back', async () => {
    const root = tmp();
    const dir = join(root, 'classifier');
    await writeCheckpointDir(dir, { 'state.json': 'old' });
    renameSync(dir, `${dir}.old`);
    expect(await findCheckpointDir(dir)).toBeUndefined(); // strict: an input is what the user named
    mkdirSync(dir);
    writeFileSync(join(dir, 'state.json'), 'new, copied by hand'); // no COMPLETE marker: a copy, not our swap
    expect(await findCheckpointDir(dir)).toBeUndefined();
    expect(await findCheckpointDir(dir, { fallbackToOld: true })).toBeUndefined(); // the swap never leaves this pair
    rmSync(dir, { recursive: true });
    expect(await findCheckpointDir(dir, { fallbackToOld: true })).toBe(`${dir}.old`);
  });

  it('finding a checkpoint deletes nothing; only a writer removes staging dirs, and only those of dead processes', async () => {
    const root = tmp();
    const dir = join(root, 'ckpt');
    await writeCheckpointDir(dir, { 'state.json': 'v1' });
    const live = `.ckpt.${process.pid}.1.staging`; // a concurrent writer's (this process stands in for it)
    const dead = '.ckpt.2147483646.1.staging'; // no such process
    for (const name of [live, dead]) mkdirSync(join(root, name));
    expect(await findCheckpointDir(dir)).toBe(dir);
    expect(await findCheckpointDir(dir, { fallbackToOld: true })).toBe(dir);
    expect(readdirSync(root).sort()).toEqual([live, dead, 'ckpt'].sort());
    expect(await removeStaleStagingDirs(dir)).toEqual([dead]);
    expect(readdirSync(root).sort()).toEqual([live, 'ckpt'].sort());
    mkdirSync(join(root, dead));
    await writeCheckpointDir(dir, { 'state.json': 'v2' }); // the writer cleans up before it stages its own
    expect(readdirSync(root).sort()).toEqual([live, 'ckpt'].sort());
  });

  it('the marker records the SHA-256 of every file (those a writer streams into subfolders too); verifyCheckpointDir refuses any edit', async () => {
    const root = tmp();
    const dir = join(root, 'checkpoint');
    await writeCheckpointDir(dir, { 'trainer.json': '{"iteration":30}', 'policy.bin': new Uint8Array([1, 2, 3]) }, async (staging) => {
      mkdirSync(join(staging, 'maskgit'));
      writeFileSync(join(staging, 'maskgit', 'config.json'), '{"heads":4}');
    });
    const marker = JSON.parse(readFileSync(join(dir, CHECKPOINT_COMPLETE_MARKER), 'utf8')) as { completedAt: string; sha256: Record<string, string> };
    expect(Object.keys(marker.sha256).sort()).toEqual(['maskgit/config.json', 'policy.bin', 'trainer.json']);
    expect(Number.isNaN(Date.parse(marker.completedAt))).toBe(false);
    await expect(verifyCheckpointDir(dir)).resolves.toBeUndefined();
    // a hand-edited iteration (was: resumed from iteration 20 with the state of 30), a file in a subfolder, a lost file
    writeFileSync(join(dir, 'trainer.json'), '{"iteration":20}');
    await expect(verifyCheckpointDir(dir)).rejects.toThrow(
      `--resume: "${join(dir, 'trainer.json')}" is not the file the run saved (its SHA-256 differs from the one "${join(dir, CHECKPOINT_COMPLETE_MARKER)}" records: edited by hand, or damaged); restore it, or start over with --force`,
    );
    writeFileSync(join(dir, 'trainer.json'), '{"iteration":30}');
    writeFileSync(join(dir, 'maskgit', 'config.json'), '{"heads":8}');
    await expect(verifyCheckpointDir(dir, 'do X')).rejects.toThrow(/maskgit\/config\.json" is not the file the run saved .*; do X$/);
    writeFileSync(join(dir, 'maskgit', 'config.json'), '{"heads":4}');
    rmSync(join(dir, 'policy.bin'));
    await expect(verifyCheckpointDir(dir)).rejects.toThrow(`--resume: "${join(dir, 'policy.bin')}" is missing from the checkpoint (COMPLETE lists it)`);
    writeFileSync(join(dir, 'policy.bin'), new Uint8Array([1, 2, 3]));
    await expect(verifyCheckpointDir(dir)).resolves.toBeUndefined();
    // a marker without the record (an older writer's timestamp, or edited): nothing vouches for the files
    for (const text of ['2026-12-01T00:00:00.000Z\n', '{"completedAt":"x"}', '{"sha256":{}}']) {
      writeFileSync(join(dir, CHECKPOINT_COMPLETE_MARKER), text);
      await expect(verifyCheckpointDir(dir)).rejects.toThrow(`--resume: "${join(dir, CHECKPOINT_COMPLETE_MARKER)}" records no SHA-256 of the checkpoint's files`);
    }
  });

  it('verifyCheckpointDir refuses a file the marker does not list: one added by hand, or one left out of an edited marker', async () => {
    const root = tmp();
    const dir = join(root, 'checkpoint');
    writeFileSync(join(root, 'run.json'), '{"command":"x"}');
    await writeCheckpointDir(dir, { 'trainer.json': '{"iteration":30}', 'policy.bin': new Uint8Array([1, 2, 3]) });
    mkdirSync(join(dir, 'extra'));
    writeFileSync(join(dir, 'extra', 'optimizer.bin'), 'x');
    await expect(verifyCheckpointDir(dir)).rejects.toThrow(
      `--resume: "${join(dir, 'extra', 'optimizer.bin')}" is not one of the files the run saved ("${join(dir, CHECKPOINT_COMPLETE_MARKER)}" does not list it: added by hand, or the marker edited); remove it, or restore it, or start over with --force`,
    );
    rmSync(join(dir, 'extra'), { recursive: true });
    writeFileSync(join(dir, '.DS_Store'), 'x'); // hidden files are no state a loader reads
    await expect(verifyCheckpointDir(dir)).resolves.toBeUndefined();
    // a marker edited to vouch for a file outside the checkpoint only (was: every file inside could then be edited freely)
    const { createHash } = await import('node:crypto');
    const sha = createHash('sha256').update('{"command":"x"}').digest('hex');
    writeFileSync(join(dir, CHECKPOINT_COMPLETE_MARKER), JSON.stringify({ sha256: { '../run.json': sha } }));
    writeFileSync(join(dir, 'trainer.json'), '{"iteration":20}');
    await expect(verifyCheckpointDir(dir)).rejects.toThrow(`--resume: "${join(dir, 'policy.bin')}" is not one of the files the run saved`);
  });
});
