/**
 * Weight interpolation of two model bundles of one architecture and tokenizer: θ = (1 − α)·θ_base + α·θ_tuned, the
 * "WiSE-FT" robust fine-tuning of Wortsman et al. 2022 (arXiv:2109.01903) and the "rewarded soups" of Ramé et al.
 * 2023 (arXiv:2306.04488). The result is an ordinary bundle (written with `writeBundle`, so its identity, ONNX export
 * and tokenizer key are those any command writes) that records where it came from in its transformer's metadata.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { UsageError, checkOutsideInputs, isWithin, realPathOf, writeCheckpointDir } from '@speedrl/core';
import { disposeVqModel } from '@speedrl/vq-tokenizer';
import type { MaskGitParams } from '@speedrl/maskgit';
import { MASKGIT_DIR, TOKENIZER_DIR, loadBundle, writeBundle, type LoadedBundle } from './bundle';

/** The floors cache of @speedrl/eval (`FLOORS_FILE`): keyed on the tokenizer, classifier and data files only. */
const FLOORS_FILE = 'floors.json';

/** What {@link interpolateModel} reads and writes. */
export interface InterpolateModelOptions {
  /** Bundle θ_base (α = 0). */
  readonly base: string;
  /** Bundle θ_tuned (α = 1): same config, tensors and tokenizer as `base`. */
  readonly tuned: string;
  /** Weight of `tuned`, in [0, 1]. */
  readonly alpha: number;
  /** Output bundle directory: must be missing or empty unless `force`. */
  readonly out: string;
  /** Replace an existing non-empty `out`. */
  readonly force?: boolean;
}

/** What {@link interpolateModel} wrote. */
export interface InterpolateModelResult {
  readonly out: string;
  /** Model identity of the interpolated transformer (its config.json's `identity`). */
  readonly identity: string;
  readonly baseIdentity: string;
  readonly tunedIdentity: string;
  /** Whether the base's floors.json was carried over (its key depends on the tokenizer only, shared by all three). */
  readonly floorsCopied: boolean;
}

/**
 * (1 − α)·base + α·tuned, tensor by tensor (float64 arithmetic, rounded once to float32); α = 0 and α = 1 copy
 * `base` and `tuned` bit for bit. Both maps must hold the same names and shapes (see {@link interpolateModel}).
 */
export function interpolateParams(base: MaskGitParams, tuned: MaskGitParams, alpha: number): MaskGitParams {
  checkAlpha(alpha);
  const out: MaskGitParams = new Map();
  for (const [name, b] of base) {
    const t = tuned.get(name);
    if (t === undefined || t.data.length !== b.data.length) throw new Error(`interpolateParams: tensor "${name}" differs between the two models`);
    let data: Float32Array;
    if (alpha === 0) data = b.data.slice();
    else if (alpha === 1) data = t.data.slice();
    else {
      data = new Float32Array(b.data.length);
      for (let i = 0; i < data.length; i++) data[i] = (1 - alpha) * (b.data[i] as number) + alpha * (t.data[i] as number);
    }
    out.set(name, { shape: [...b.shape], data });
  }
  return out;
}

function checkAlpha(alpha: number): void {
  if (!Number.isFinite(alpha) || alpha < 0 || alpha > 1) throw new UsageError(`--alpha: must be a finite number in [0, 1], got ${String(alpha)}`);
}

/** Refuses two bundles that cannot be interpolated: other config fields, tensor names or shapes, or tokenizer. */
function checkCompatible(base: LoadedBundle, tuned: LoadedBundle, o: InterpolateModelOptions): void {
  for (const key of Object.keys(base.config) as (keyof LoadedBundle['config'])[]) {
    if (base.config[key] !== tuned.config[key]) {
      throw new UsageError(`--tuned: config field "${key}" is ${String(tuned.config[key])} in "${o.tuned}" but ${String(base.config[key])} in --base "${o.base}"; only models of one architecture can be interpolated`);
    }
  }
  for (const [name, b] of base.params) {
    const t = tuned.params.get(name);
    if (t === undefined) throw new UsageError(`--tuned: "${o.tuned}" has no tensor "${name}" (present in --base "${o.base}")`);
    if (t.shape.join(',') !== b.shape.join(',')) {
      throw new UsageError(`--tuned: tensor "${name}" has shape [${t.shape.join(', ')}] in "${o.tuned}" but [${b.shape.join(', ')}] in --base "${o.base}"`);
    }
  }
  const extra = [...tuned.params.keys()].find((name) => !base.params.has(name));
  if (extra !== undefined) throw new UsageError(`--tuned: "${o.tuned}" has a tensor "${extra}" that --base "${o.base}" lacks`);
  if (base.tokenizerKey !== tuned.tokenizerKey) {
    throw new UsageError(`--tuned: "${o.tuned}" has another tokenizer than --base "${o.base}" (key ${tuned.tokenizerKey.slice(0, 12)}… vs ${base.tokenizerKey.slice(0, 12)}…); token ids mean different codes`);
  }
}

/** Refuses an `out` that is an input, lies in or holds one, or (without `force`) already has files; before any work. */
function checkOut(o: InterpolateModelOptions): void {
  checkOutsideInputs(o.out, { '--base': o.base, '--tuned': o.tuned });
  for (const [flag, input] of [['--base', o.base], ['--tuned', o.tuned]] as const) {
    if (isWithin(realPathOf(o.out), realPathOf(input))) throw new UsageError(`--out: "${o.out}" holds ${flag} "${input}"; replacing it would delete that input`);
  }
  if (existsSync(o.out) && !statSync(o.out).isDirectory()) throw new UsageError(`--out: "${o.out}" is a file, not a directory`);
  // the atomic swap moves an existing --out to "<out>.old" and removes it: a folder of that name would be lost
  if (existsSync(`${o.out}.old`)) throw new UsageError(`--out: "${o.out}.old" exists; writing "${o.out}" would remove it (the swap's spare name). Move it away, or choose another --out`);
  if (!existsSync(o.out) || readdirSync(o.out).length === 0) return;
  if (o.force !== true) throw new UsageError(`--out: "${o.out}" exists and is not empty; choose another directory or pass --force to replace it`);
  if (!madeByInterpolate(o.out)) throw new UsageError(`--out: --force replaces only a bundle this tool wrote, and "${o.out}" is none (its maskgit/config.json records no "interpolate"); choose another --out`);
}

/** Whether `dir` holds a bundle {@link interpolateModel} wrote (its transformer's metadata says `command: "interpolate"`). */
function madeByInterpolate(dir: string): boolean {
  try {
    const config = JSON.parse(readFileSync(join(dir, MASKGIT_DIR, 'config.json'), 'utf8')) as { metadata?: { command?: unknown } };
    return config.metadata?.command === 'interpolate';
  } catch {
    return false;
  }
}

/**
 * Writes the bundle `out` = (1 − α)·`base` + α·`tuned` (WiSE-FT, Wortsman et al. 2022): its transformer via
 * `writeBundle` (config, identity, ONNX export), the base's tokenizer (identical to the tuned one's, checked), the
 * base's floors.json when it has one (the floors key covers the tokenizer, classifier and data, not the transformer;
 * eval re-checks it on read). Provenance goes into the transformer's metadata: `command: "interpolate"`, `base`,
 * `tuned`, `alpha`, `baseIdentity`, `tunedIdentity` (and `tokenizerKey`, as every bundle records it). The directory
 * appears all at once (staged, then renamed; an existing one is replaced only with `force`). Errors are UsageErrors
 * naming the flag (`--base`, `--tuned`, `--alpha`, `--out`).
 */
export async function interpolateModel(options: InterpolateModelOptions): Promise<InterpolateModelResult> {
  // "soup/" is the folder "soup": its swap partner is "soup.old", never a folder inside it (was: EINVAL renaming into itself)
  const o = { ...options, out: options.out.length > 1 ? options.out.replace(/[\\/]+$/, '') : options.out };
  checkAlpha(o.alpha);
  checkOut(o);
  const base = await loadBundle(o.base, '--base');
  disposeVqModel(base.vq);
  const tuned = await loadBundle(o.tuned, '--tuned');
  disposeVqModel(tuned.vq);
  checkCompatible(base, tuned, o);
  const params = interpolateParams(base.params, tuned.params, o.alpha);
  const metadata = {
    command: 'interpolate', base: o.base, tuned: o.tuned, alpha: o.alpha,
    baseIdentity: base.identity, tunedIdentity: tuned.identity, tokenizerKey: base.tokenizerKey,
  };
  const floors = join(o.base, FLOORS_FILE);
  const floorsCopied = existsSync(floors);
  await writeCheckpointDir(o.out, {}, async (staging) => {
    await writeBundle(staging, params, base.config, join(o.base, TOKENIZER_DIR), metadata);
    if (floorsCopied) await copyFile(floors, join(staging, FLOORS_FILE));
  });
  const written = await loadBundle(o.out, '--out'); // read back exactly as every command will
  disposeVqModel(written.vq);
  return { out: o.out, identity: written.identity, baseIdentity: base.identity, tunedIdentity: tuned.identity, floorsCopied };
}
