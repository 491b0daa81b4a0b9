/**
 * Content keys for caches: SHA-256 of files by role, and one key over them and the options that shaped the cached
 * result. A cache stores its key and is used only when the key it would compute now is the same. Checkpoints record
 * the SHA-256 of their tensor file the same way and refuse weights changed after they were saved.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { UsageError } from './errors';

/** The file's SHA-256, hex. */
export async function sha256File(path: string): Promise<string> {
  return createHash('sha256').update(await readFile(path)).digest('hex');
}

/**
 * SHA-256 of each file in `paths` (role → path) and one key over those hashes and `extra` (JSON-serialisable
 * options that also shape the cached result, for example a version number and a limit).
 */
export async function contentKey(
  paths: Readonly<Record<string, string>>,
  extra: unknown,
): Promise<{ key: string; files: Record<string, string> }> {
  const files: Record<string, string> = {};
  for (const [role, path] of Object.entries(paths)) files[role] = await sha256File(path);
  const key = createHash('sha256').update(JSON.stringify({ files, extra })).digest('hex');
  return { key, files };
}

/** SHA-256 of `bytes`, hex: what a checkpoint records of its tensor file (checked by {@link checkRecordedSha256}). */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Refuses `file` (a UsageError naming it, prefixed with `flag` when given) when `recorded`, the hex SHA-256 read from
 * `recordedIn`, differs from the file's: weights edited or damaged after they were saved are never loaded or trained
 * on. A missing hash (undefined: a checkpoint of a version before hashes were recorded, or a removed field) is refused
 * too, since nothing could then be checked.
 */
export async function checkRecordedSha256(file: string, recorded: unknown, recordedIn: string, flag?: string): Promise<void> {
  await readRecordedFile(file, recorded, recordedIn, flag);
}

/**
 * The bytes of `file` once {@link checkRecordedSha256}'s check passed on them (the same errors). One read: the bytes
 * checked are the bytes a caller then loads.
 */
export async function readRecordedFile(file: string, recorded: unknown, recordedIn: string, flag?: string): Promise<Uint8Array> {
  const prefix = flag === undefined ? '' : `${flag}: `;
  const remedy = flag === '--resume' ? 'restore the file or start over with --force' : 'restore the file or write it again';
  if (recorded === undefined) {
    const again = flag === '--resume' ? 'start over with --force' : 'write it again with this version';
    throw new UsageError(`${prefix}${recordedIn} records no SHA-256 of "${file}" (written by a version before hashes were recorded, or the field was removed): the weights cannot be checked; ${again}`);
  }
  if (typeof recorded !== 'string' || !/^[0-9a-f]{64}$/.test(recorded)) {
    throw new UsageError(`${prefix}${recordedIn}: the recorded SHA-256 of "${file}" must be 64 hex digits, got ${JSON.stringify(recorded)}`);
  }
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new UsageError(`${prefix}checkpoint "${file}" cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const now = sha256Hex(bytes);
  if (now !== recorded) {
    throw new UsageError(`${prefix}checkpoint "${file}" has SHA-256 ${now.slice(0, 12)}…, not the ${recorded.slice(0, 12)}… recorded in ${recordedIn}: the weights changed after they were saved (edited, or damaged); ${remedy}`);
  }
  return bytes;
}
