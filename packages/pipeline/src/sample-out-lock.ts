/**
 * `speedrl sample` holds the run lock (run-lock.ts) of its `--out` from its check to its final rename, so two samples
 * writing one `--out` cannot replace each other's set unseen (of two, the second is refused, naming --out). The lock
 * sits beside the output as `.<name>.lock`, for a png-dir as for one file: a png-dir is replaced by renaming a new
 * directory into place, which would carry away a lock inside it.
 */
import { basename, dirname } from 'node:path';
import { checkSampleOut, pngDirTarget, type SampleFormat } from '@speedrl/tensor-utils';
import { acquireRunLock } from './run-lock';

/** Where the lock of a sample set's `out` lives: the directory beside it and the lock's file name there. */
export function sampleOutLock(format: SampleFormat, out: string): { readonly dir: string; readonly lockName: string } {
  const path = format === 'png-dir' ? pngDirTarget(out) : out; // a png-dir through a symbolic link: its target's lock
  return { dir: dirname(path), lockName: `.${basename(path)}.lock` };
}

/**
 * Checks `out` as `checkSampleOut` does (before any work), then runs `body` holding the lock of `out` (see
 * {@link sampleOutLock}) and checks `out` again under it: a set another sample wrote meanwhile is refused like any other
 * existing `out`. A live holder is a UsageError naming --out and that process.
 */
export async function withSampleOutLock<T>(
  format: SampleFormat, out: string, force: boolean, inputs: Readonly<Record<string, string>>, body: () => Promise<T>,
): Promise<T> {
  await checkSampleOut(format, out, force, inputs); // also creates the folder the lock goes in
  const { dir, lockName } = sampleOutLock(format, out);
  const release = acquireRunLock(dir, 'sample', '--out', lockName, false, out); // refusals name --out as given, not the folder the lock lies in
  try {
    await checkSampleOut(format, out, force, inputs);
    return await body();
  } finally {
    release();
  }
}
