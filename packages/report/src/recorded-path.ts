/**
 * Paths an eval.json or compare.json records (its model directories, its base eval.json) are as the user typed them,
 * relative to the directory that command ran in, which the file does not record. Its `options.out` is typed relative
 * to the same directory, and the file lies in that `--out`: taking `--out` off the end of the file's folder gives that
 * directory back, so a report run from anywhere reads the files the result was computed from, not others of the same
 * name. When that cannot be told (an absolute `--out`, a result moved since), the path is read from here and every
 * message about it says why it may name another file.
 */
import { dirname, isAbsolute, normalize, resolve, sep } from 'node:path';
import { realpathSync } from 'node:fs';

/** Where a recorded path is read. */
export interface RecordedPath {
  /** The path to read: absolute when anchored, else the recorded one as is (read from this process's directory). */
  readonly path: string;
  /** Where it was looked for, in words: `at /abs (relative to /dir, where FILE's command ran)`, or `from here`. */
  readonly where: string;
  /** Why a relative path could not be anchored to the directory the file's command ran in; absent when it was, or is absolute. */
  readonly unanchored?: string;
}

const segments = (p: string): string[] => normalize(p).split(/[\\/]+/).filter((s) => s !== '' && s !== '.');
const leadingUps = (segs: readonly string[]): number => {
  const k = segs.findIndex((s) => s !== '..');
  return k < 0 ? segs.length : k;
};

function realOrSelf(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    return p;
  }
}

/**
 * The directory the command that wrote `file` ran in, told from the `--out` it records (`out`, typed relative to that
 * directory): `base` with `up` unknown folders below it (an `--out` that starts with `..`). A string says why it
 * cannot be told.
 */
export function writtenFrom(file: string, out: unknown): { readonly base: string; readonly up: number } | string {
  if (typeof out !== 'string' || out === '') return 'it records no --out';
  if (isAbsolute(out)) return `its --out "${out}" was absolute`;
  const segs = segments(out);
  const up = leadingUps(segs);
  const tail = segs.slice(up);
  const folder = resolve(dirname(file));
  for (const dir of new Set([folder, realOrSelf(folder)])) {
    const parts = dir.split(sep);
    const at = parts.length - tail.length;
    if (at >= 1 && tail.every((s, i) => parts[at + i] === s)) return { base: parts.slice(0, at).join(sep) || sep, up };
  }
  return `it lies in "${dirname(file)}", which its --out "${out}" does not name (moved since?)`;
}

/**
 * Where `recorded`, a path that `file` records (`out`: the `--out` it records), is read: an absolute path as is; a
 * relative one from the directory the file's command ran in (see {@link writtenFrom}), or, when that cannot be told,
 * from here with the reason in `unanchored`.
 */
export function locateRecorded(file: string, out: unknown, recorded: string): RecordedPath {
  if (isAbsolute(recorded)) return { path: recorded, where: `at ${recorded}` };
  const from = writtenFrom(file, out);
  const segs = segments(recorded);
  const unanchored = typeof from === 'string' ? from
    : leadingUps(segs) < from.up ? `its --out "${String(out)}" starts above the directory it ran in, and "${recorded}" does not reach it` : undefined;
  if (unanchored !== undefined || typeof from === 'string') {
    return { path: recorded, where: 'from here', unanchored: `"${recorded}" is relative to the directory "${file}" was written from, which cannot be told: ${unanchored}` };
  }
  const path = resolve(from.base, ...segs.slice(from.up));
  return { path, where: `at ${path}` };
}

/** The `--out` a result file records (`options.out`), if any. */
export const recordedOut = (data: object): unknown => (data as { options?: { out?: unknown } }).options?.out;
