/**
 * Output paths checked before any work starts: the directory is created when missing and must be writable, so an
 * unwritable `--out` is a usage error naming the flag (exit 2), not a raw EACCES after minutes of sampling.
 */
import { constants, existsSync, lstatSync, readlinkSync, realpathSync, statSync } from 'node:fs';
import { access, mkdir } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UsageError } from './errors';

const FS_REASONS: Readonly<Record<string, string>> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EEXIST: 'a file of that name is in the way',
  ENOSPC: 'no space left on the device',
  ENOENT: 'a part of the path cannot be created',
  EISDIR: 'it is a directory',
};

/** A short human reason for a file-system error (its code in brackets). */
export function fsReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === undefined ? (error as Error).message : `${FS_REASONS[code] ?? 'cannot write'} (${code})`;
}

/** Creates `dir` when missing and checks that it is a writable directory; else a UsageError naming `flag`. */
export async function ensureWritableDir(dir: string, flag: string): Promise<void> {
  if (isLinkTo(dir) === 'missing') { // was: "a part of the path cannot be created (ENOENT)"
    throw new UsageError(`${flag}: "${dir}" is a symbolic link to "${readlinkSync(dir)}", which does not exist; create that directory, or choose another ${flag} (nothing was written)`);
  }
  try {
    await mkdir(dir, { recursive: true });
    await access(dir, constants.W_OK | constants.X_OK);
  } catch (error) {
    throw new UsageError(`${flag}: cannot write to "${dir}": ${fsReason(error)}`);
  }
}

/** Checks that `file` can be written (its directory created and writable; an existing file writable and not a directory). */
export async function ensureWritableFile(file: string, flag: string): Promise<void> {
  // "t.json/" names a directory: the final rename would fail with ENOTDIR after all the work
  if (/[\\/]$/.test(file)) throw new UsageError(`${flag}: "${file}" ends with a path separator, so it names a directory; give a file name`);
  await ensureWritableDir(dirname(file), flag);
  if (isLinkTo(file) !== undefined) { // the result is renamed into place: it would replace the link, never write what it points to
    throw new UsageError(`${flag}: "${file}" is a symbolic link (to "${readlinkSync(file)}"); the file is written by a rename that would replace the link, not its target: give the target's path, or another ${flag} (nothing was written)`);
  }
  if (!existsSync(file)) return;
  try {
    await access(file, constants.W_OK);
  } catch (error) {
    throw new UsageError(`${flag}: cannot write "${file}": ${fsReason(error)}`);
  }
  if (statSync(file).isDirectory()) throw new UsageError(`${flag}: "${file}" is a directory; give a file name`);
}

/** Whether `p` is a symbolic link, and whether what it points to exists; undefined when it is no link. */
function isLinkTo(p: string): 'present' | 'missing' | undefined {
  try {
    if (!lstatSync(p).isSymbolicLink()) return undefined;
  } catch {
    return undefined;
  }
  return existsSync(p) ? 'present' : 'missing';
}

/** `p` with symbolic links resolved, as far as it exists (the missing tail appended). */
export function realPathOf(p: string): string {
  let head = resolve(p);
  const tail: string[] = [];
  while (!existsSync(head) && dirname(head) !== head) {
    tail.unshift(basename(head));
    head = dirname(head);
  }
  return join(realpathSync(head), ...tail);
}

/** Whether the path `inner` is `outer` or lies below it, compared as given (resolve or `realPathOf` them first). */
export function isWithin(outer: string, inner: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || !(rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel));
}

/**
 * Refuses an output `out` that is one of the command's inputs or lies inside one (real paths, so a symbolic link into an
 * input counts): `inputs` maps each input's flag to its path. A UsageError naming `outFlag` and the input's flag.
 */
export function checkOutsideInputs(out: string, inputs: Readonly<Record<string, string>>, outFlag = '--out'): void {
  const target = realPathOf(out);
  for (const [flag, input] of Object.entries(inputs)) {
    if (isWithin(realPathOf(input), target)) {
      throw new UsageError(`${outFlag}: "${out}" is inside ${flag} "${input}", an input of this command; writing there would replace its files. Choose another ${outFlag} (nothing was written)`);
    }
  }
}
