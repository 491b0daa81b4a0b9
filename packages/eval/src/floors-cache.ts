/**
 * `floors.json` beside a model bundle: the reconstruction and held-out-train FCD floors, keyed by a SHA-256 over
 * the files they depend on (the tokenizer, the evaluation classifier, the test and train images) and the reference
 * size. `eval`, `compare` and `demo` load it when the key matches and recompute (and rewrite it) when it does not.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { contentKey, sha256Hex, writeJsonAtomic, type TextIo } from '@speedrl/core';
import { findIdxFile, idxFileNames } from '@speedrl/tensor-utils';
import { TOKENIZER_DIR } from '@speedrl/pipeline';
import type { Floors } from './reference';

/** File name of the floors cache inside a model bundle. */
export const FLOORS_FILE = 'floors.json';
/** Version of the key's recipe: bump it when the floors are computed differently. */
const FLOORS_KEY_VERSION = 1;

/** What the floors of a bundle depend on. */
export interface FloorsInputs {
  /** Model bundle directory (its tokenizer/ is used; floors.json lives here). */
  readonly modelDir: string;
  /** Evaluation classifier directory. */
  readonly classifierDir: string;
  /** IDX dataset directory. */
  readonly dataDir: string;
  /** Test images used as the reference (0 = all). */
  readonly refLimit: number;
}

/** SHA-256 of every input file by role, and the key over them and the reference size. */
export async function floorsKey(inputs: FloorsInputs): Promise<{ key: string; files: Record<string, string> }> {
  const paths: Record<string, string> = {
    'tokenizer/model.safetensors': join(inputs.modelDir, TOKENIZER_DIR, 'model.safetensors'),
    'tokenizer/config.json': join(inputs.modelDir, TOKENIZER_DIR, 'config.json'),
    'classifier/model.safetensors': join(inputs.classifierDir, 'model.safetensors'),
    'classifier/config.json': join(inputs.classifierDir, 'config.json'),
    'data/test-images': findIdxFile(inputs.dataDir, idxFileNames('test').images),
    'data/train-images': findIdxFile(inputs.dataDir, idxFileNames('train').images),
  };
  return contentKey(paths, { version: FLOORS_KEY_VERSION, refLimit: inputs.refLimit });
}

/** SHA-256 of the key and the floor numbers as saved: an edit of the numbers under a matching key is caught. */
function floorsSha(key: string, floors: unknown): string {
  return sha256Hex(new TextEncoder().encode(JSON.stringify({ key, floors })));
}

/** Where the floors came from. */
export interface CachedFloors {
  readonly floors: Floors;
  readonly source: 'cache' | 'computed';
  /** Why they were recomputed (no file, another key, an unreadable file), or undefined when loaded. */
  readonly reason: string | undefined;
}

/**
 * The floors of `inputs`: from `modelDir/floors.json` when its key matches, else from `compute()`, then written
 * there (a read-only bundle is left as it is; `warn` says so). Intact floors of other inputs (another --data,
 * --ref-limit or classifier) are kept, not replaced: the bundle is an input, and its floors.json may be the shipped
 * one (was: overwritten, so the next run on the usual inputs recomputed them).
 */
export async function loadOrComputeFloors(inputs: FloorsInputs, compute: () => Promise<Floors>, warn: (line: string) => void): Promise<CachedFloors> {
  const path = join(inputs.modelDir, FLOORS_FILE);
  const { key, files } = await floorsKey(inputs);
  let reason = `no ${path}`;
  let other = false; // intact floors of other inputs: kept
  if (existsSync(path)) {
    try {
      const saved = JSON.parse(await readFile(path, 'utf8')) as { key?: unknown; floors?: Partial<Floors>; sha256?: unknown };
      const f = saved.floors;
      const valid = f !== undefined && [f.reconstruction, f.trainHeldOut, f.heldOutTrainImages].every((v) => typeof v === 'number' && Number.isFinite(v));
      const intact = saved.sha256 === floorsSha(key, f); // numbers edited under a matching key (or a file written before the hash) are recomputed
      if (saved.key === key && valid && intact) return { floors: f as Floors, source: 'cache', reason: undefined };
      other = saved.key !== key && valid && saved.sha256 === floorsSha(saved.key as string, f);
      reason = saved.key !== key ? `${path} was computed from other files (key mismatch)${other ? '; it is kept, and these floors are not cached' : ''}` : valid ? `${path} has floors its recorded SHA-256 does not match (edited, or written before the hash)` : `${path} has no valid floors`;
    } catch (error) {
      reason = `${path} is unreadable (${(error as Error).message.split('\n')[0]})`;
    }
  }
  const floors = await compute();
  if (other) return { floors, source: 'computed', reason };
  try {
    await writeJsonAtomic(path, { key, files, refLimit: inputs.refLimit, floors, sha256: floorsSha(key, floors), computedAt: new Date().toISOString() });
  } catch (error) {
    warn(`floors: could not write ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); they will be recomputed next time\n`);
  }
  return { floors, source: 'computed', reason };
}

/** The floors of a bundle for `eval` and `compare`: {@link loadOrComputeFloors}, saying on stderr where they came from. */
export async function bundleFloors(inputs: FloorsInputs, io: Pick<TextIo, 'stderr'>, compute: () => Promise<Floors>): Promise<Floors> {
  const cached = await loadOrComputeFloors(inputs, async () => {
    io.stderr(`floors: tokenizer reconstructions of the test set (with ${inputs.modelDir}'s tokenizer), and held-out train images, each vs the test set\n`);
    return compute();
  }, io.stderr);
  io.stderr(cached.source === 'cache' ? `floors: loaded from ${join(inputs.modelDir, FLOORS_FILE)} (its key matches)\n` : `floors: recomputed because ${cached.reason}\n`);
  return cached.floors;
}
