/**
 * Crash-safe file writes: write a temp file in the target's directory, fsync it, rename it over the target,
 * then fsync the directory. Readers see either the old file or the complete new one, never a partial write.
 */
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { faultPoint } from './fault-point';

/** Options for {@link writeFileAtomic}. */
export interface AtomicWriteOptions {
  /** Permission bits of the new file (before umask); default 0o666, Node's own default for new files. */
  mode?: number;
  /** Runs after the temp file is written and synced, just before the rename; a throw aborts the write (lets tests simulate a crash). */
  beforeRename?: (tempPath: string) => void | Promise<void>;
}

let tempCounter = 0;

/** A temp path next to `path`, unique per process (pid), per call (counter) and across restarts (hrtime). */
function tempPathFor(path: string): string {
  tempCounter += 1;
  const unique = `${process.pid}.${process.hrtime.bigint().toString(36)}.${tempCounter}`;
  return join(dirname(path), `.${basename(path)}.${unique}.tmp`);
}

/** fsyncs a directory so a rename inside it survives power loss; best effort (some platforms refuse). */
async function syncDirectory(dir: string): Promise<void> {
  let handle: FileHandle | undefined;
  try {
    handle = await open(dir, 'r');
    await handle.sync();
  } catch {
    // Windows and some file systems cannot open or fsync a directory; the rename itself is still atomic.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/**
 * A full disk or quota names the file it could not write (Node's ENOSPC message names none) and says what was
 * kept (`kept`, default: the atomic writer's guarantee); other errors pass unchanged.
 */
export function namedWriteError(error: unknown, path: string, kept = 'the file was not written and its earlier version, if any, is kept'): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code !== 'ENOSPC' && code !== 'EDQUOT') return error;
  const named = new Error(`${path}: ${code === 'ENOSPC' ? 'no space left on the device' : 'disk quota exceeded'} (${code}); ${kept}`) as NodeJS.ErrnoException;
  named.code = code;
  return named;
}

/** Writes `data` to `path` atomically (temp file in the same directory + fsync + rename); the temp file is removed on failure. */
export async function writeFileAtomic(path: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): Promise<void> {
  const tempPath = tempPathFor(path);
  let handle: FileHandle | undefined;
  try {
    handle = await open(tempPath, 'wx', options.mode ?? 0o666);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await options.beforeRename?.(tempPath);
    faultPoint(`write ${basename(path)}: before rename`);
    await rename(tempPath, path);
    faultPoint(`write ${basename(path)}: after rename`);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await unlink(tempPath).catch(() => undefined);
    throw namedWriteError(error, path);
  }
  await syncDirectory(dirname(path));
}

/** Writes `value` as pretty JSON (2-space indent, trailing newline) to `path` atomically, e.g. a config.json. */
export async function writeJsonAtomic(path: string, value: unknown, options: AtomicWriteOptions = {}): Promise<void> {
  let text: string | undefined;
  try {
    text = JSON.stringify(value, null, 2);
  } catch (error) {
    throw new Error(`${path}: value cannot be written as JSON (${(error as Error).message})`);
  }
  if (text === undefined) throw new Error(`${path}: value cannot be written as JSON (got ${typeof value})`);
  await writeFileAtomic(path, `${text}\n`, options);
}
