/**
 * Checks on a sample set's `--out` before any sampling (see `writeSampleSet`): an existing file or a non-empty
 * directory is replaced only with `--force`, and then only when it holds an earlier sample set of the same format; a
 * png-dir's staging folder is created once up front, so an unwritable location fails before the work, not after it.
 */
import { closeSync, existsSync, lstatSync, openSync, readdirSync, readFileSync, readlinkSync, readSync, realpathSync, statSync } from 'node:fs';
import { mkdir, rmdir } from 'node:fs/promises';
import { totalmem } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { checkOutsideInputs, ensureWritableDir, ensureWritableFile, UsageError } from '@speedrl/core';
import { readZipNames } from './npz';
import { SAMPLE_PNG_TEXT, pngTextOf } from './png-text';
import { readSampleSetIn } from './sample-manifest';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Members of an npz sample set, sorted. */
const NPZ_MEMBERS = ['images.npy', 'labels.npy'];

const reason = (error: unknown): string => (error as NodeJS.ErrnoException).code ?? String((error as Error | undefined)?.message ?? error);
const listed = (names: readonly string[]): string => `${names.slice(0, 3).join(', ')}${names.length > 3 ? ', …' : ''}`;

/** The first `n` bytes of `path`. */
function head(path: string, n: number): Buffer {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(n);
    return buf.subarray(0, readSync(fd, buf, 0, n, 0));
  } finally {
    closeSync(fd);
  }
}

/** Why the existing file `path` is not an earlier sample set of `format` (`is not a PNG`, `holds x.npy`), or undefined when it is one. */
export function sampleFileProblem(format: 'png' | 'npz', path: string): string | undefined {
  if (format === 'png') {
    if (!head(path, 8).equals(PNG_SIGNATURE)) return 'is not a PNG (it lacks the PNG signature)';
    // a PNG sample writes says so (png-text.ts); another PNG (a run's grid, a figure) is someone's file
    return pngTextOf(readFileSync(path))[SAMPLE_PNG_TEXT.keyword] === SAMPLE_PNG_TEXT.text ? undefined : `is a PNG that speedrl sample did not write (it has no "${SAMPLE_PNG_TEXT.keyword}: ${SAMPLE_PNG_TEXT.text}" text)`;
  }
  let names: string[];
  try {
    names = readZipNames(path);
  } catch (error) {
    return `is not a zip archive (${reason(error)})`;
  }
  const sorted = [...names].sort();
  if (sorted.length === NPZ_MEMBERS.length && sorted.every((n, i) => n === NPZ_MEMBERS[i])) return undefined;
  return names.length === 0 ? 'is an empty zip archive' : `holds ${listed(sorted)}`;
}

/** The directory a png-dir `out` names: itself, or the target of a symbolic link (a dangling link is a UsageError naming --out). */
export function pngDirTarget(out: string): string {
  if (!existsSync(out) && lstatOrUndefined(out)?.isSymbolicLink() === true) {
    throw new UsageError(`--out: "${out}" is a symbolic link to "${readlinkSync(out)}", which does not exist; create it or give a directory`);
  }
  return existsSync(out) ? realpathSync(out) : resolve(out);
}

function lstatOrUndefined(path: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

/** A hidden staging folder beside `target`, unique to this process and call. */
export function stagingDirOf(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${process.hrtime.bigint().toString(36)}.staging`);
}

async function checkSampleFile(format: 'png' | 'npz', out: string, force: boolean): Promise<void> {
  await ensureWritableFile(out, '--out');
  if (!existsSync(out)) return;
  if (!force) throw new UsageError(`--out: "${out}" already exists; pass --force to replace it (nothing was overwritten)`);
  const problem = sampleFileProblem(format, out);
  if (problem === undefined) return;
  const replaces = format === 'npz' ? 'an earlier sample set (an .npz holding exactly images.npy and labels.npy)' : 'a PNG grid speedrl sample wrote';
  throw new UsageError(`--out: "${out}" ${problem}; --force replaces only ${replaces} (nothing was overwritten)`);
}

/**
 * Checks before any work that `out` can take the format's output; else a UsageError naming --out. png and npz: a new
 * file, or with `force` an existing PNG or npz sample set (`images.npy` + `labels.npy`). png-dir (a symbolic link
 * stands for its target): a new or empty directory, or with `force` one that holds only an earlier set, as its
 * manifest (`speedrl-sample.json`, sample-manifest.ts) lists it; its
 * staging folder is created and removed here, so an unwritable location fails now. `inputs` (flag → path, e.g. the
 * `--model` directory) are never written: an `out` inside one is refused, even with `force`.
 */
export async function checkSampleOut(format: 'png' | 'png-dir' | 'npz', out: string, force = false, inputs: Readonly<Record<string, string>> = {}): Promise<void> {
  checkOutsideInputs(out, inputs);
  if (format !== 'png-dir') return checkSampleFile(format, out, force);
  const target = pngDirTarget(out);
  await ensureWritableDir(dirname(target), '--out');
  const probe = stagingDirOf(target);
  try {
    await mkdir(probe);
    await rmdir(probe);
  } catch (error) {
    throw new UsageError(`--out: cannot create a staging folder in "${dirname(target)}" for "${out}": ${reason(error)}`);
  }
  if (!existsSync(target)) return;
  if (!statSync(target).isDirectory()) throw new UsageError(`--out: "${out}" is a file; --format png-dir writes a directory`);
  const held = readdirSync(target).sort();
  if (held.length === 0) return;
  if (!force) {
    throw new UsageError(`--out: "${out}" is not empty (it holds ${listed(held)}); choose another --out, or pass --force to replace the sample set in it (nothing was overwritten)`);
  }
  const set = readSampleSetIn(target); // its manifest, and nothing it does not list
  if ('problem' in set) {
    throw new UsageError(`--out: "${out}" ${set.problem}, so it is not a png-dir set speedrl sample wrote; --force replaces only such a set (nothing was overwritten)`);
  }
}

/** Most pixel values one sample set may hold: a typed array's limit (2^32 − 1) less room for the npz headers (no zip64). */
const MAX_SAMPLE_VALUES = 2 ** 32 - 2 ** 20;

/**
 * Refuses, before sampling, `perClass` × `classes` images of height × width that cannot be held: more values than a
 * typed array takes, or more than `memory` bytes at ≈ 6 bytes per pixel (float32 images, their bytes, the encoded file);
 * the UsageError names --n.
 */
export function checkSampleSize(perClass: number, classes: number, height: number, width: number, memory = totalmem()): void {
  const count = perClass * classes;
  const values = count * height * width;
  const bytes = values * 6;
  if (values <= MAX_SAMPLE_VALUES && bytes <= memory) return;
  const gib = (b: number): string => (b / 2 ** 30).toFixed(1);
  const limit = values > MAX_SAMPLE_VALUES ? `more pixels than one array holds (${MAX_SAMPLE_VALUES})` : `more than this machine's ${gib(memory)} GiB`;
  throw new UsageError(
    `--n: ${perClass} images per class × ${classes} class(es) = ${count} images of ${height}×${width} need about ${gib(bytes)} GiB of memory, ${limit}; ` +
      'lower --n, or write several sample sets (--class, --seed)',
  );
}
