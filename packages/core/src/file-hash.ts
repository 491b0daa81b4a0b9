/**
 * Content keys for caches: SHA-256 of files by role, and one key over them and the options that shaped the cached
 * result. A cache stores its key and is used only when the key it would compute now is the same.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';

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
