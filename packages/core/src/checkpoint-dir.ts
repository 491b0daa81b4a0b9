/**
 * Multi-file checkpoints that are replaced as a whole: files are written into a fresh sibling directory,
 * which then takes the checkpoint's name by rename. A crash at any moment leaves either the previous
 * complete checkpoint or the new complete one (possibly under `<name>.old`), never a mix.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile, open } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { faultPoint } from './fault-point';

/** Name of the marker file written last into every complete checkpoint directory. */
export const CHECKPOINT_COMPLETE_MARKER = 'COMPLETE';

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } catch {
    // some platforms cannot fsync directories; rename is still atomic
  } finally {
    await handle.close();
  }
}

/**
 * Writes `files` (name → bytes or text) as the checkpoint directory `dir`, replacing any previous one
 * atomically. `write` may also stream large files itself into the staging directory it is given.
 */
export async function writeCheckpointDir(
  dir: string,
  files: Readonly<Record<string, Uint8Array | string>>,
  write?: (stagingDir: string) => Promise<void>,
): Promise<void> {
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const staging = join(parent, `.${basename(dir)}.${process.pid}.${Date.now()}.staging`);
  const old = `${dir}.old`;
  try {
    await mkdir(staging);
    for (const [name, data] of Object.entries(files)) {
      if (name.includes('/') || name.includes('\\') || name === CHECKPOINT_COMPLETE_MARKER) {
        throw new Error(`checkpoint ${dir}: bad file name "${name}"`);
      }
      await writeFile(join(staging, name), data);
      await fsyncPath(join(staging, name));
      faultPoint(`checkpoint ${basename(dir)}: staged ${name}`);
    }
    await write?.(staging);
    await writeFile(join(staging, CHECKPOINT_COMPLETE_MARKER), `${new Date().toISOString()}\n`);
    await fsyncPath(staging);
    faultPoint(`checkpoint ${basename(dir)}: complete in staging`);
    await rm(old, { recursive: true, force: true });
    if (existsSync(dir)) await rename(dir, old);
    faultPoint(`checkpoint ${basename(dir)}: between renames`);
    await rename(staging, dir);
    faultPoint(`checkpoint ${basename(dir)}: renamed`);
    await fsyncPath(parent);
    await rm(old, { recursive: true, force: true });
  } catch (error) {
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
}

/**
 * The complete checkpoint directory to load for `dir`: `dir` itself, or `<dir>.old` when a crash hit
 * between the two renames; undefined when there is none. Stale staging directories are removed.
 */
export async function findCheckpointDir(dir: string): Promise<string | undefined> {
  const parent = dirname(dir);
  if (existsSync(parent)) {
    for (const entry of await readdir(parent)) {
      if (entry.startsWith(`.${basename(dir)}.`) && entry.endsWith('.staging')) {
        await rm(join(parent, entry), { recursive: true, force: true });
      }
    }
  }
  for (const candidate of [dir, `${dir}.old`]) {
    if (existsSync(join(candidate, CHECKPOINT_COMPLETE_MARKER))) return candidate;
  }
  return undefined;
}
