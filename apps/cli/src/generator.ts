/**
 * A generator bundle on disk: `DIR/tokenizer/` (VQ-VAE) + `DIR/maskgit/` (transformer, optionally with its
 * `model.onnx`). Loads both and gives a LogitsFn on the chosen engine and a decoder to images.
 */
import { existsSync } from 'node:fs';
import { cp, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { contentKey, faultPoint } from '@speedrl/core';
import { join } from 'node:path';
import { createOrtLogitsFn, createTfjsLogitsFn, exportOnnx, loadModel, onnxModelIdentity, ONNX_FILE, type DisposableLogitsFn, type MaskGitConfig, type MaskGitParams } from '@speedrl/maskgit';
import { decode, disposeVqModel, loadVq, type VqModel } from '@speedrl/vq-tokenizer';
import { UsageError } from './errors';

/** Engines that run the transformer. */
export type Engine = 'ort' | 'tfjs';

/** Sub-directory names of a bundle. */
export const TOKENIZER_DIR = 'tokenizer';
export const MASKGIT_DIR = 'maskgit';

/** A loaded generator. */
export interface Generator {
  readonly config: MaskGitConfig;
  readonly logits: DisposableLogitsFn;
  readonly vq: VqModel;
  readonly engine: Engine;
  /** Tokens `[B, L]` → images `[B, 28, 28]` in [0, 1]. */
  decode(tokens: Int32Array): Promise<Float32Array>;
  dispose(): void;
}

/** Loads `dir` (a bundle) on `engine`; a missing part is a UsageError naming the path and what was expected. */
export async function loadGenerator(dir: string, engine: Engine, threads = 2): Promise<Generator> {
  if (!existsSync(dir)) throw new UsageError(`--model: directory "${dir}" does not exist (expected ${TOKENIZER_DIR}/ and ${MASKGIT_DIR}/ in it)`);
  for (const sub of [TOKENIZER_DIR, MASKGIT_DIR]) {
    if (!existsSync(join(dir, sub))) throw new UsageError(`--model: "${join(dir, sub)}" is missing (a model directory holds ${TOKENIZER_DIR}/ and ${MASKGIT_DIR}/)`);
  }
  const { model: vq } = await loadVq(join(dir, TOKENIZER_DIR));
  const { params, config, identity } = await loadModel(join(dir, MASKGIT_DIR));
  if (vq.config.codebookSize !== config.numCodes) {
    throw new UsageError(`${dir}: the tokenizer has ${vq.config.codebookSize} codes but the transformer expects ${config.numCodes}`);
  }
  const onnxPath = join(dir, MASKGIT_DIR, ONNX_FILE);
  // model.onnx is a derived file: used only when it was exported from exactly these weights, else rebuilt in memory
  const fresh = existsSync(onnxPath) && onnxModelIdentity(await readFile(onnxPath)) === identity;
  return generatorFromParams(params, config, vq, engine, threads, fresh ? onnxPath : undefined);
}

/**
 * A generator from in-memory transformer parameters and a loaded tokenizer (which it then owns and disposes);
 * `onnxPath`, when given, is used instead of exporting the graph (ort engine).
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
  return {
    config,
    logits,
    vq,
    engine,
    decode: async (tokens) => decode(vq, tokens),
    dispose: () => {
      logits.dispose();
      disposeVqModel(vq);
    },
  };
}

/**
 * Puts the tokenizer `from` into the bundle `dir` as `tokenizer/`, all or nothing: copied into a staging directory
 * that then takes its name, so a kill mid-copy never leaves a partial tokenizer that a later run would keep. An
 * existing `tokenizer/` with the same files is left as it is; one with other files is replaced.
 */
export async function installBundleTokenizer(from: string, dir: string): Promise<void> {
  const dest = join(dir, TOKENIZER_DIR);
  const files = ['model.safetensors', 'config.json'];
  const key = async (d: string) => (await contentKey(Object.fromEntries(files.map((f) => [f, join(d, f)])), null)).key;
  if (files.every((f) => existsSync(join(dest, f))) && (await key(dest)) === (await key(from))) return;
  const staging = `${dest}.staging`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await cp(from, staging, { recursive: true });
  faultPoint('bundle tokenizer: staged');
  await rm(dest, { recursive: true, force: true });
  await rename(staging, dest);
}
