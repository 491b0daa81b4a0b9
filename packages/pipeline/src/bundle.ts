/**
 * A model bundle on disk: `DIR/tokenizer/` (VQ-VAE) + `DIR/maskgit/` (transformer, optionally with its `model.onnx`).
 * Loads both and gives a LogitsFn on the chosen engine and a decoder to images; the content keys that identify a
 * tokenizer (recorded in the transformer's metadata) and a whole bundle; and the all-or-nothing install of a bundle's
 * tokenizer. Every command that reads or writes a bundle goes through here.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { UsageError, contentKey, faultPoint } from '@speedrl/core';
import { join } from 'node:path';
import {
  createOrtLogitsFn, createTfjsLogitsFn, exportOnnx, loadModel, onnxModelIdentity, readModelConfig, readModelMetadata, saveModel, writeOnnxModel, ONNX_FILE,
  type DisposableLogitsFn, type MaskGitConfig, type MaskGitParams,
} from '@speedrl/maskgit';
import { createOrtVqDecoder, decode, disposeVqModel, loadVq, type OrtVqDecoder, type VqModel } from '@speedrl/vq-tokenizer';

/** Engines that run the transformer. */
export type Engine = 'ort' | 'tfjs';

/** Sub-directory of a bundle that holds the VQ tokenizer. */
export const TOKENIZER_DIR = 'tokenizer';
/** Sub-directory of a bundle that holds the MaskGIT transformer (and its `model.onnx`). */
export const MASKGIT_DIR = 'maskgit';

/** A loaded generator. */
export interface Generator {
  readonly config: MaskGitConfig;
  readonly logits: DisposableLogitsFn;
  readonly vq: VqModel;
  readonly engine: Engine;
  /** Tokens `[B, L]` → images `[B, 28, 28]` in [0, 1], on the generator's engine (onnxruntime or tfjs). */
  decode(tokens: Int32Array): Promise<Float32Array>;
  /** Frees the transformer engine and the tokenizer. */
  dispose(): void;
}

/** A bundle's parts, loaded and checked to belong together (see `loadBundle`). */
export interface LoadedBundle {
  readonly config: MaskGitConfig;
  readonly params: MaskGitParams;
  /** The transformer's identity (hash of its weights and config). */
  readonly identity: string;
  readonly metadata: Record<string, unknown>;
  /** Content key of `tokenizer/` (what a bundle written from these weights records as `tokenizerKey`). */
  readonly tokenizerKey: string;
  readonly vq: VqModel;
}

/**
 * Loads the tokenizer and transformer of the bundle `dir` and checks that they belong together (codebook size, and the
 * recorded tokenizer key where the bundle has one); a missing part or a mismatch is a UsageError naming `flag` and the
 * path. The caller owns `vq` (disposeVqModel).
 */
export async function loadBundle(dir: string, flag = '--model'): Promise<LoadedBundle> {
  if (!existsSync(dir)) throw new UsageError(`${flag}: directory "${dir}" does not exist (expected ${TOKENIZER_DIR}/ and ${MASKGIT_DIR}/ in it)`);
  for (const sub of [TOKENIZER_DIR, MASKGIT_DIR]) {
    if (!existsSync(join(dir, sub))) throw new UsageError(`${flag}: "${join(dir, sub)}" is missing (a model directory holds ${TOKENIZER_DIR}/ and ${MASKGIT_DIR}/)`);
  }
  let loaded: Awaited<ReturnType<typeof loadModel>>;
  try {
    loaded = await loadModel(join(dir, MASKGIT_DIR));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${flag}: ${(error as Error).message.split('\n')[0]}`); // e.g. weights and config.json of two different saves
  }
  const { params, config, identity, metadata } = loaded;
  const key = await tokenizerKey(join(dir, TOKENIZER_DIR));
  // bundles written since tokenizer keys exist record theirs: a tokenizer/ from another model would decode noise
  if (typeof metadata.tokenizerKey === 'string' && metadata.tokenizerKey !== key) {
    throw new UsageError(
      `${flag}: ${dir}: ${TOKENIZER_DIR}/ is not the tokenizer the transformer in ${MASKGIT_DIR}/ was trained on (its files differ from the recorded key); restore the bundle's own tokenizer`,
    );
  }
  let vq: VqModel;
  try {
    vq = (await loadVq(join(dir, TOKENIZER_DIR))).model;
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${flag}: ${(error as Error).message.split('\n')[0]}`);
  }
  if (vq.config.codebookSize !== config.numCodes) {
    disposeVqModel(vq);
    throw new UsageError(`${flag}: ${dir}: the tokenizer has ${vq.config.codebookSize} codes but the transformer expects ${config.numCodes}`);
  }
  return { config, params, identity, metadata, tokenizerKey: key, vq };
}

/** Loads `dir` (a bundle: `tokenizer/` + `maskgit/`) as a generator on `engine`. */
export async function loadGenerator(dir: string, engine: Engine, threads = 2): Promise<Generator> {
  const { params, config, identity, vq } = await loadBundle(dir);
  const onnxPath = join(dir, MASKGIT_DIR, ONNX_FILE);
  // model.onnx is a derived file: used only when it was exported from exactly these weights, else rebuilt in memory
  const fresh = existsSync(onnxPath) && onnxModelIdentity(await readFile(onnxPath)) === identity;
  return generatorFromParams(params, config, vq, engine, threads, fresh ? onnxPath : undefined);
}

/**
 * A generator from in-memory transformer parameters and a loaded tokenizer (which it then owns and disposes);
 * `onnxPath`, when given, is used instead of exporting the graph (ort engine). On `ort` the decoder runs on
 * onnxruntime too (`createOrtVqDecoder`), on `tfjs` with the tokenizer's tfjs `decode`.
 */
export async function generatorFromParams(
  params: MaskGitParams, config: MaskGitConfig, vq: VqModel, engine: Engine, threads = 2, onnxPath?: string,
): Promise<Generator> {
  let logits: DisposableLogitsFn;
  if (engine === 'ort') {
    logits = await createOrtLogitsFn(onnxPath ?? exportOnnx(params, config), { intraOpNumThreads: threads });
  } else {
    logits = createTfjsLogitsFn(params, config);
  }
  // the decoder runs on the same engine as the transformer (its images equal tfjs's to float rounding)
  let decoder: OrtVqDecoder | undefined;
  try {
    decoder = engine === 'ort' ? await createOrtVqDecoder(vq, { intraOpNumThreads: threads }) : undefined;
  } catch (error) {
    await logits.dispose();
    throw error;
  }
  return {
    config,
    logits,
    vq,
    engine,
    decode: async (tokens) => (decoder === undefined ? decode(vq, tokens) : decoder.decode(tokens)),
    dispose: () => {
      logits.dispose();
      void decoder?.dispose();
      disposeVqModel(vq);
    },
  };
}

/** Files that make a tokenizer or a transformer what it is (their content keys identify it). */
const TOKENIZER_FILES = ['model.safetensors', 'config.json'] as const;
const MASKGIT_FILES = ['model.safetensors', 'config.json'] as const;

/** SHA-256 key of a tokenizer directory's files: recorded in the transformer's metadata as `tokenizerKey`. */
export async function tokenizerKey(tokenizerDir: string): Promise<string> {
  return (await contentKey(Object.fromEntries(TOKENIZER_FILES.map((f) => [f, join(tokenizerDir, f)])), null)).key;
}

/**
 * SHA-256 key of a whole bundle (transformer and tokenizer files): results computed from a bundle (eval cells, an RL
 * run's base) record it, so a bundle changed at the same path is never mixed with them.
 */
export async function bundleIdentity(dir: string): Promise<string> {
  const paths = Object.fromEntries([
    ...MASKGIT_FILES.map((f) => [`${MASKGIT_DIR}/${f}`, join(dir, MASKGIT_DIR, f)]),
    ...TOKENIZER_FILES.map((f) => [`${TOKENIZER_DIR}/${f}`, join(dir, TOKENIZER_DIR, f)]),
  ]);
  return (await contentKey(paths, null)).key;
}

/**
 * Puts the tokenizer `from` into the bundle `dir` as `tokenizer/`, all or nothing: copied into a staging directory
 * that then takes its name, so a kill mid-copy never leaves a partial tokenizer that a later run would keep. An
 * existing `tokenizer/` with the same files is left as it is; one with other files is replaced.
 */
export async function installBundleTokenizer(from: string, dir: string): Promise<void> {
  const dest = join(dir, TOKENIZER_DIR);
  if (TOKENIZER_FILES.every((f) => existsSync(join(dest, f))) && (await tokenizerKey(dest)) === (await tokenizerKey(from))) return;
  const staging = `${dest}.staging`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await cp(from, staging, { recursive: true });
  faultPoint('bundle tokenizer: staged');
  await rm(dest, { recursive: true, force: true });
  await rename(staging, dest);
}

/**
 * Writes the bundle `dir` for `params`: maskgit/ (weights, config with `metadata`, and the ONNX export) and the
 * tokenizer `tokenizer` installed as tokenizer/ (all or nothing; kept when it already has the same files).
 */
export async function writeBundle(dir: string, params: MaskGitParams, config: MaskGitConfig, tokenizer: string, metadata: Record<string, unknown>): Promise<void> {
  await saveModel(join(dir, MASKGIT_DIR), params, config, metadata);
  await writeOnnxModel(join(dir, MASKGIT_DIR), params, config);
  await installBundleTokenizer(tokenizer, dir);
}

/**
 * Refuses, before any work, a `flag` directory that is no model bundle (tokenizer/ and a readable maskgit/config.json)
 * or whose token count is below a step count of `steps`; UsageErrors name `flag` (`--steps` for the count).
 */
export async function checkBundleSteps(dir: string, flag: string, steps: readonly number[]): Promise<void> {
  let seqLen: number;
  try {
    seqLen = (await readModelConfig(join(dir, MASKGIT_DIR))).seqLen;
  } catch (error) {
    throw new UsageError(`${flag}: "${dir}" is not a model bundle (${(error as Error).message.split('\n')[0]}); give a directory holding tokenizer/ and maskgit/, or "none"`);
  }
  if (!existsSync(join(dir, TOKENIZER_DIR))) throw new UsageError(`${flag}: "${dir}" has no ${TOKENIZER_DIR}/; give a directory holding tokenizer/ and maskgit/, or "none"`);
  const tooLong = steps.filter((t) => t > seqLen);
  if (tooLong.length > 0) throw new UsageError(`--steps: each T must be ≤ ${seqLen}, the token count of ${flag} "${dir}"; got ${tooLong.join(',')}`);
}

/** The iterations (Speed-RL) a bundle's transformer was saved after, from its config.json metadata; -1 when unknown or unreadable. */
export async function bundleIterations(dir: string): Promise<number> {
  try {
    const { iterations } = await readModelMetadata(join(dir, MASKGIT_DIR));
    return typeof iterations === 'number' ? iterations : -1;
  } catch {
    return -1;
  }
}

/**
 * Refuses (UsageError naming `flag`) an accelerated bundle that is not derived from the bundle `base`: one that
 * records no base (a model trained from scratch, or the base itself), or whose recorded base has other files. A
 * recorded base not found from here (a path relative to another directory) is not judged; the note says so.
 */
export async function checkDerivedFrom(dir: string, base: string, flag: string): Promise<string | undefined> {
  const { base: recorded } = await readModelMetadata(join(dir, MASKGIT_DIR)).catch(() => ({ base: undefined }));
  if (typeof recorded !== 'string') {
    throw new UsageError(`${flag}: "${dir}" records no base model (not made by speedrl accelerate from one); give a Speed-RL model of --base "${base}", or "none"`);
  }
  if (!existsSync(join(recorded, MASKGIT_DIR))) return `${flag}: its base "${recorded}" is not found from here, so it was not checked against --base`;
  if ((await bundleIdentity(recorded)) !== (await bundleIdentity(base))) {
    throw new UsageError(`${flag}: "${dir}" was made from "${recorded}", whose files differ from --base "${base}"; give a Speed-RL model of that base, or "none"`);
  }
  return undefined;
}
