/**
 * The record a png-dir sample set carries: `OUT/speedrl-sample.json`, written last into the staging folder (so it
 * appears with the complete set), naming the command, what the set was drawn from and the files it wrote. `--force`
 * replaces only a directory that carries it and holds nothing it does not list, and then deletes only the files it
 * lists: a folder of class PNGs laid out the same way by someone else (real images for an FID tool) is never removed.
 */
import { lstatSync, readdirSync, readFileSync, rmdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

/** File name of a png-dir set's manifest. */
export const SAMPLE_MANIFEST = 'speedrl-sample.json';
/** The command a manifest names. */
const SAMPLE_COMMAND = 'speedrl sample';
const IMAGE_FILE = /^(\d{5,})\.png$/;

/** One class folder of a png-dir set: its numbered PNGs are `00000.png` … `count − 1` (5 digits or more). */
export interface SampleManifestClass {
  /** Class id. */
  readonly class: number;
  /** Class name. */
  readonly name: string;
  /** Folder name (`classDirName`). */
  readonly dir: string;
  /** PNGs written in it. */
  readonly count: number;
}

/** What `speedrl-sample.json` holds. */
export interface SampleManifest {
  /** Always `speedrl sample`. */
  readonly command: string;
  /** Always `png-dir`. */
  readonly format: string;
  /** What the set was drawn from (the model as typed and its content key, steps, seed, …), as the writer's caller gave it. */
  readonly source: Readonly<Record<string, unknown>>;
  /** The class folders written and how many PNGs each. */
  readonly classes: readonly SampleManifestClass[];
}

/** The manifest of a png-dir set of `classes` drawn from `source`, as JSON text. */
export function sampleManifestText(classes: readonly SampleManifestClass[], source: Readonly<Record<string, unknown>> = {}): string {
  const manifest: SampleManifest = { command: SAMPLE_COMMAND, format: 'png-dir', source, classes };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

/** The manifest `text` holds, or why it is not one of `speedrl sample`'s. */
export function parseSampleManifest(text: string): SampleManifest | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'does not parse as JSON';
  }
  const m = value as Partial<SampleManifest> | null;
  if (m?.command !== SAMPLE_COMMAND || m.format !== 'png-dir') return `does not say "command": "${SAMPLE_COMMAND}", "format": "png-dir"`;
  const ok = Array.isArray(m.classes) && m.classes.every((c: Partial<SampleManifestClass> | null) =>
    typeof c?.dir === 'string' && /^[^/\\.][^/\\]*$/.test(c.dir) && Number.isSafeInteger(c.count) && (c.count ?? -1) >= 0);
  return ok ? (m as SampleManifest) : 'has no valid "classes" list (folder names and counts)';
}

/** The manifest in `dir`, or why there is none of `speedrl sample`'s (no file, or one that is not its). */
export function readSampleManifest(dir: string): SampleManifest | string {
  let text: string;
  try {
    text = readFileSync(join(dir, SAMPLE_MANIFEST), 'utf8');
  } catch {
    return `has no ${SAMPLE_MANIFEST} (the record speedrl sample writes with each png-dir set; folders laid out like one are not enough)`;
  }
  const manifest = parseSampleManifest(text);
  return typeof manifest === 'string' ? `has a ${SAMPLE_MANIFEST} that ${manifest}` : manifest;
}

/** Whether `file` is one of the numbered PNGs a manifest class of `count` images lists. */
const listedImage = (file: string, count: number): boolean => {
  const k = IMAGE_FILE.exec(file)?.[1];
  return k !== undefined && String(Number(k)).padStart(5, '0') === k && Number(k) < count;
};

/**
 * Reads the manifest of the png-dir set in `dir` and checks that `dir` holds nothing else: every entry is the manifest,
 * a class folder it lists, or in such a folder a regular file it lists. Returns the manifest, or what keeps `dir` from
 * being a set `speedrl sample` wrote (the entries it does not list, up to a few, or why it has no manifest).
 */
export function readSampleSetIn(dir: string): { manifest: SampleManifest } | { problem: string } {
  const manifest = readSampleManifest(dir);
  if (typeof manifest === 'string') return { problem: manifest };
  const counts = new Map(manifest.classes.map((c) => [c.dir, c.count]));
  const unlisted: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (name === SAMPLE_MANIFEST) continue;
    const count = counts.get(name);
    if (count === undefined || !lstatSync(join(dir, name)).isDirectory()) {
      unlisted.push(name);
      continue;
    }
    for (const file of readdirSync(join(dir, name)).sort()) {
      if (!listedImage(file, count)) unlisted.push(`${name}/${file}`);
      else if (!lstatSync(join(dir, name, file)).isFile()) unlisted.push(`${name}/${file} (not a file)`);
    }
  }
  if (unlisted.length === 0) return { manifest };
  return { problem: `holds ${unlisted.slice(0, 3).join(', ')}${unlisted.length > 3 ? ', …' : ''}, which its ${SAMPLE_MANIFEST} does not list` };
}

/**
 * Deletes from `dir` only what `manifest` lists (its PNGs, then each class folder and `dir` itself when left empty, the
 * manifest last). Returns whether `dir` is gone; anything it did not list (added since the check) is left in place.
 */
export function removeListedSampleSet(dir: string, manifest: SampleManifest): boolean {
  const quietly = <T>(act: () => T, otherwise: T): T => {
    try {
      return act();
    } catch {
      return otherwise; // already gone, or a folder that holds unlisted files: kept
    }
  };
  for (const { dir: classDir, count } of manifest.classes) {
    for (const file of quietly(() => readdirSync(join(dir, classDir), { withFileTypes: true }), [])) {
      if (file.isFile() && listedImage(file.name, count)) quietly(() => unlinkSync(join(dir, classDir, file.name)), undefined);
    }
    quietly(() => rmdirSync(join(dir, classDir)), undefined);
  }
  if (readdirSync(dir).some((name) => name !== SAMPLE_MANIFEST)) return false;
  quietly(() => unlinkSync(join(dir, SAMPLE_MANIFEST)), undefined);
  return quietly(() => {
    rmdirSync(dir);
    return true;
  }, false);
}
