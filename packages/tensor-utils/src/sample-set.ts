/**
 * Sample sets for outside tools (FID and friends): generated grey images with their class labels, written as one PNG
 * grid (`png`), a folder of PNGs per class (`png-dir`) or a numpy `.npz` (`npz`). Files are written atomically and a
 * png-dir is built in a hidden staging folder beside `out` and renamed into place, so a killed run leaves no partial
 * output (at most a `.NAME.*.staging` folder beside it); it carries a manifest (`speedrl-sample.json`) that `--force`
 * requires and goes by.
 */
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { faultPoint, namedWriteError, removeStaleStagingDirs, UsageError, writeFileAtomic } from '@speedrl/core';
import { writeNpz } from './npz';
import { greyImageToPng, imageGridToPng } from './png';
import { SAMPLE_PNG_TEXT, withPngText } from './png-text';
import { checkSampleOut, pngDirTarget, stagingDirOf } from './sample-out';
import { SAMPLE_MANIFEST, readSampleManifest, removeListedSampleSet, sampleManifestText } from './sample-manifest';

export { checkSampleOut, checkSampleSize } from './sample-out';

/** The formats `writeSampleSet` writes. */
export const SAMPLE_FORMATS = ['png', 'png-dir', 'npz'] as const;
/** One of `SAMPLE_FORMATS`. */
export type SampleFormat = (typeof SAMPLE_FORMATS)[number];

/** Default output path of each format (a file for png and npz, a directory for png-dir). */
export const DEFAULT_SAMPLE_OUT: Readonly<Record<SampleFormat, string>> = Object.freeze({
  png: 'samples.png', 'png-dir': 'samples', npz: 'samples.npz',
});

/** Generated images and their labels: `images` is row-major `[n, height, width]` grey in [0, 1]; `labels` has n class ids. */
export interface SampleSet {
  /** Pixel values in [0, 1] (clamped; NaN is an error). */
  images: Float32Array;
  /** Class id of each image. */
  labels: readonly number[];
  /** Image height in pixels. */
  height: number;
  /** Image width in pixels. */
  width: number;
  /** Name of each class id (folder names, grid row labels); a missing one is `class K`. */
  classNames: readonly string[];
}

/** Images written per class, in order of first appearance. */
export interface SampleClassCount {
  /** Class id. */
  class: number;
  /** Class name. */
  name: string;
  /** Images of this class. */
  count: number;
}

/** What `writeSampleSet` wrote. */
export interface SampleSetSummary {
  /** The format written. */
  format: SampleFormat;
  /** The file or directory written. */
  path: string;
  /** Images written. */
  count: number;
  /** Images per class. */
  perClass: SampleClassCount[];
  /** png-dir: the earlier set's folder, set aside and left because it held files its manifest does not list (added during the write). */
  kept?: string;
}

/** The output path for `format`: `out`, or the format's default; an `out` whose extension contradicts the format is a UsageError naming --out. */
export function sampleOutPath(format: SampleFormat, out?: string): string {
  const path = out ?? DEFAULT_SAMPLE_OUT[format];
  const ext = /\.(png|npz)$/i.exec(path)?.[1]?.toLowerCase();
  if (format === 'png-dir' && ext !== undefined) {
    throw new UsageError(`--out: "${path}" names a .${ext} file; --format png-dir writes a directory (e.g. ${DEFAULT_SAMPLE_OUT['png-dir']}/)`);
  }
  if (format !== 'png-dir' && ext !== format) throw new UsageError(`--out: must name a .${format} file for --format ${format} (got "${path}")`);
  return path;
}

/** Folder name of a class in a png-dir: `<id>-<name>` with the name lowercased and runs of other characters as '-' (`0-t-shirt-top`). */
export function classDirName(id: number, name: string): string {
  const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');
  return `${id}-${slug === '' ? 'class' : slug}`;
}

/** Images as bytes: round(clamp(v, 0, 1) · 255), as the PNG grids quantise; NaN is an error. */
export function imagesToUint8(images: Float32Array): Uint8Array {
  const out = new Uint8Array(images.length);
  for (let i = 0; i < images.length; i++) {
    const v = images[i] ?? Number.NaN;
    if (Number.isNaN(v)) throw new Error(`imagesToUint8: value ${i} is NaN`);
    out[i] = Math.round(Math.min(1, Math.max(0, v)) * 255);
  }
  return out;
}

/** Images per class in order of first appearance. */
export function countPerClass(labels: readonly number[], classNames: readonly string[]): SampleClassCount[] {
  const counts = new Map<number, number>();
  for (const c of labels) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts].map(([id, count]) => ({ class: id, name: classNames[id] ?? `class ${id}`, count }));
}

function checkSet(set: SampleSet): void {
  const n = set.labels.length;
  if (set.images.length !== n * set.height * set.width) {
    throw new Error(`writeSampleSet: ${set.images.length} pixel values; ${n} labels of [${set.height}, ${set.width}] images need ${n * set.height * set.width}`);
  }
  if (!set.labels.every((c) => Number.isInteger(c) && c >= 0)) throw new Error('writeSampleSet: labels must be integers >= 0');
}

/** Options of `writeSampleSet`. */
export interface WriteSampleSetOptions {
  /** Replace an earlier sample set at `out` (a PNG, an npz sample set, or a png-dir's class folders; see `checkSampleOut`). */
  force?: boolean;
  /** png-dir: what the set was drawn from (model and its content key, steps, seed, …), recorded in its manifest. */
  source?: Readonly<Record<string, unknown>>;
  /** png-dir: runs once the staging folder is complete, just before it is renamed to `out` (tests simulate a crash here). */
  beforeRename?: (stagingDir: string) => void | Promise<void>;
}

/**
 * Writes a png-dir: `out/<id>-<name>/<nnnnn>.png` (grey PNGs, numbered per class from 00000) and, last, its manifest
 * `speedrl-sample.json`, staged then renamed; an earlier set (`force`) loses only the files its manifest lists. Returns
 * the earlier set's folder when it held files the manifest does not list, which are left there.
 */
async function writePngDir(set: SampleSet, bytes: Uint8Array, out: string, options: WriteSampleSetOptions): Promise<string | undefined> {
  await checkSampleOut('png-dir', out, options.force ?? false);
  const target = pngDirTarget(out); // a symbolic link: the set goes into its target
  await removeStaleStagingDirs(target); // staging folders of killed writers (dead pids) of this set
  const staging = stagingDirOf(target);
  const size = set.height * set.width;
  const next = new Map<number, number>();
  try {
    const classes = countPerClass(set.labels, set.classNames).map((c) => ({ ...c, dir: classDirName(c.class, c.name) }));
    for (const { dir } of classes) await mkdir(join(staging, dir), { recursive: true });
    for (let i = 0; i < set.labels.length; i++) {
      const id = set.labels[i] ?? 0;
      const k = next.get(id) ?? 0;
      next.set(id, k + 1);
      const dir = classDirName(id, set.classNames[id] ?? `class ${id}`);
      await writeFile(join(staging, dir, `${String(k).padStart(5, '0')}.png`), greyImageToPng(bytes.subarray(i * size, (i + 1) * size), set.height, set.width));
    }
    await writeFileAtomic(join(staging, SAMPLE_MANIFEST), sampleManifestText(classes, options.source)); // last: the set is complete
    await options.beforeRename?.(staging);
    faultPoint(`write ${basename(target)}/: before rename`);
    if (existsSync(target) && readdirSync(target).length > 0) {
      const old = staging.replace(/\.staging$/, '.old');
      await rename(target, old); // --force (checked above): the earlier set goes aside, then what it lists goes once the new one is in
      await rename(staging, target);
      const earlier = readSampleManifest(old);
      return typeof earlier !== 'string' && removeListedSampleSet(old, earlier) ? undefined : old;
    }
    await rename(staging, target); // onto a missing or empty directory: one atomic step
    return undefined;
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw namedWriteError(error, out, 'the sample set was not written; an earlier one, if any, is kept');
  }
}

/**
 * Writes `set` to `out` in `format` (png: one labelled row per class when labels come in equal runs; npz: `images`
 * uint8, `labels` int64); an existing `out` is refused unless `options.force` and it holds an earlier sample set.
 */
export async function writeSampleSet(set: SampleSet, format: SampleFormat, out: string, options: WriteSampleSetOptions = {}): Promise<SampleSetSummary> {
  checkSet(set);
  if (format !== 'png-dir') await checkSampleOut(format, out, options.force ?? false); // png-dir: checked where it is written
  const perClass = countPerClass(set.labels, set.classNames);
  const n = set.labels.length;
  if (format === 'png') {
    const columns = Math.max(1, ...perClass.map((c) => c.count));
    const rows = set.labels.every((c, i) => c === perClass[Math.floor(i / columns)]?.class); // one class per row
    const grid = imageGridToPng({
      images: set.images, n, height: set.height, width: set.width, scale: 2,
      ...(rows ? { columns, rowLabels: perClass.map((c) => c.name) } : {}),
    });
    await writeFileAtomic(out, withPngText(grid, SAMPLE_PNG_TEXT.keyword, SAMPLE_PNG_TEXT.text)); // marked: --force replaces only such a PNG
  } else if (format === 'npz') {
    await writeNpz(out, {
      images: { data: imagesToUint8(set.images), shape: [n, set.height, set.width] },
      labels: { data: BigInt64Array.from(set.labels, (c) => BigInt(c)), shape: [n] },
    });
  } else {
    const kept = await writePngDir(set, imagesToUint8(set.images), out, options);
    if (kept !== undefined) return { format, path: out, count: n, perClass, kept };
  }
  return { format, path: out, count: n, perClass };
}
