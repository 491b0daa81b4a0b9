/**
 * MaskGIT model directories (docs/architecture.md, "Data, models and presets"): `model.safetensors` (float32
 * parameters, atomically written) and `config.json` (`{ format, formatVersion, config, metadata }`). Loading checks
 * every shape against the config.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { readSafetensors, writeJsonAtomic, writeSafetensors, type SafeTensorMap } from '@speedrl/core';
import { DEFAULT_MASKGIT_CONFIG, validateMaskGitConfig, type MaskGitConfig } from './config';
import { checkParams, paramSpecs, shapeSize, type MaskGitParams } from './params';

/** File name of the weights inside a model directory. */
export const WEIGHTS_FILE = 'model.safetensors';
/** File name of the config inside a model directory. */
export const CONFIG_FILE = 'config.json';
/** `format` field of config.json and the safetensors `__metadata__`, identifying a MaskGIT checkpoint. */
export const MODEL_FORMAT = 'speedrl-maskgit';
/** Current `formatVersion` of config.json. */
export const MODEL_FORMAT_VERSION = 1;

/**
 * The identity of a model: SHA-256 over its config (canonical JSON, fields in {@link DEFAULT_MASKGIT_CONFIG} order)
 * and every parameter's name, shape and float32 bytes in `paramSpecs` order. Written into config.json and the ONNX
 * export, so a config edited after saving (same shapes, other meaning), weights from another save, or a stale
 * `model.onnx` are detected.
 */
export function modelIdentity(params: MaskGitParams, config: MaskGitConfig): string {
  const cfg = validateMaskGitConfig(config, 'modelIdentity: config');
  const hash = createHash('sha256');
  hash.update(JSON.stringify(Object.keys(DEFAULT_MASKGIT_CONFIG).map((k) => [k, cfg[k as keyof MaskGitConfig]])));
  for (const spec of paramSpecs(cfg)) {
    const p = params.get(spec.name);
    if (p === undefined) throw new Error(`modelIdentity: parameter "${spec.name}" is missing`);
    hash.update(`${spec.name}[${p.shape.join(',')}]`);
    hash.update(new Uint8Array(p.data.buffer, p.data.byteOffset, p.data.byteLength));
  }
  return hash.digest('hex');
}

/** JSON-serialisable extra information stored with a model (training command, metrics, …). */
export type ModelMetadata = Record<string, unknown>;

/** A loaded model directory. */
export interface LoadedModel {
  params: MaskGitParams;
  config: MaskGitConfig;
  metadata: ModelMetadata;
  /** {@link modelIdentity} of what was loaded (checked against config.json's `identity`). */
  identity: string;
}

/** Writes `params` and `config` (plus optional metadata) into `dir` (created if needed), each file atomically. */
export async function saveModel(
  dir: string,
  params: MaskGitParams,
  config: MaskGitConfig,
  metadata: ModelMetadata = {},
): Promise<void> {
  const cfg = validateMaskGitConfig(config, `saveModel(${dir}): config`);
  checkParams(params, cfg, `saveModel(${dir})`);
  await mkdir(dir, { recursive: true });
  const tensors: SafeTensorMap = {};
  for (const spec of paramSpecs(cfg)) {
    const p = params.get(spec.name);
    if (p !== undefined) tensors[spec.name] = { dtype: 'F32', shape: [...p.shape], data: p.data };
  }
  const identity = modelIdentity(params, cfg);
  await writeSafetensors(join(dir, WEIGHTS_FILE), tensors, { format: MODEL_FORMAT, identity });
  // config.json last: a save killed in between leaves the old config, whose identity no longer matches the weights
  await writeJsonAtomic(join(dir, CONFIG_FILE), { format: MODEL_FORMAT, formatVersion: MODEL_FORMAT_VERSION, config: cfg, identity, metadata });
}

/** The validated config of the model in `dir` without reading its weights (for checks before any work). */
export async function readModelConfig(dir: string): Promise<MaskGitConfig> {
  const configPath = join(dir, CONFIG_FILE);
  return parseConfigFile(await readRequired(configPath), configPath).config;
}

/** The metadata of a model directory's config.json (command, iterations, base, …) without loading its weights; errors name the file. */
export async function readModelMetadata(dir: string): Promise<ModelMetadata> {
  const configPath = join(dir, CONFIG_FILE);
  return parseConfigFile(await readRequired(configPath), configPath).metadata;
}

/**
 * Reads a model directory written by {@link saveModel}; errors name the directory, the file and the tensor at fault.
 * config.json's `identity` must match the weights and the config itself; a config without one is refused (nothing could be checked).
 */
export async function loadModel(dir: string): Promise<LoadedModel> {
  const isDir = await stat(dir).then((s) => s.isDirectory(), () => false);
  if (!isDir) throw new Error(`loadModel: model directory "${dir}" does not exist (expected ${CONFIG_FILE} and ${WEIGHTS_FILE} in it)`);
  const configPath = join(dir, CONFIG_FILE);
  const weightsPath = join(dir, WEIGHTS_FILE);
  const { config, metadata, identity: saved } = parseConfigFile(await readRequired(configPath), configPath);
  if (saved === undefined) {
    throw new Error(`loadModel: ${configPath} records no "identity" (written by a version before identities were recorded, or the field was removed): the weights cannot be checked; save the model again with this version`);
  }
  const weightsExist = await stat(weightsPath).then((s) => s.isFile(), () => false);
  if (!weightsExist) throw new Error(`loadModel: missing weights file "${weightsPath}"`);
  const { tensors } = await readSafetensors(weightsPath);
  const params: MaskGitParams = new Map();
  for (const spec of paramSpecs(config)) {
    const t = tensors[spec.name];
    if (t === undefined) throw new Error(`${weightsPath}: tensor "${spec.name}" is missing (required by ${configPath})`);
    if (t.dtype !== 'F32') throw new Error(`${weightsPath}: tensor "${spec.name}" has dtype ${t.dtype}, expected F32`);
    if (t.shape.length !== spec.shape.length || t.shape.some((n, j) => n !== spec.shape[j])) {
      throw new Error(
        `${weightsPath}: tensor "${spec.name}" has shape [${t.shape.join(', ')}], expected [${spec.shape.join(', ')}] from ${configPath}`,
      );
    }
    if (t.data.length !== shapeSize(spec.shape)) throw new Error(`${weightsPath}: tensor "${spec.name}" has the wrong size`);
    params.set(spec.name, { shape: [...t.shape], data: t.data });
  }
  const extra = Object.keys(tensors).filter((name) => !params.has(name));
  if (extra.length > 0) throw new Error(`${weightsPath}: unexpected tensor "${extra[0]}" (not a parameter of the config in ${configPath})`);
  checkParams(params, config, weightsPath);
  const identity = modelIdentity(params, config);
  if (saved !== identity) {
    throw new Error(
      `loadModel: ${configPath} and ${weightsPath} do not belong together (identity ${saved.slice(0, 12)}… recorded, ${identity.slice(0, 12)}… found): ` +
        'the config was edited after saving, or the two files come from different saves',
    );
  }
  return { params, config, metadata, identity };
}

async function readRequired(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`loadModel: cannot read "${path}"${code === 'ENOENT' ? ' (file missing)' : `: ${String(error)}`}`);
  }
}

function parseConfigFile(text: string, path: string): { config: MaskGitConfig; metadata: ModelMetadata; identity: string | undefined } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new Error(`${path}: expected a JSON object`);
  const obj = json as Record<string, unknown>;
  if (obj.format !== MODEL_FORMAT) {
    throw new Error(`${path}: field "format" must be "${MODEL_FORMAT}", got ${JSON.stringify(obj.format)}`);
  }
  if (obj.formatVersion !== MODEL_FORMAT_VERSION) {
    throw new Error(`${path}: field "formatVersion" must be ${MODEL_FORMAT_VERSION}, got ${JSON.stringify(obj.formatVersion)}`);
  }
  const config = validateMaskGitConfig(obj.config, `${path}: config`);
  const meta = obj.metadata ?? {};
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) throw new Error(`${path}: field "metadata" must be an object`);
  if (obj.identity !== undefined && (typeof obj.identity !== 'string' || !/^[0-9a-f]{64}$/.test(obj.identity))) {
    throw new Error(`${path}: field "identity" must be a SHA-256 hex string, got ${JSON.stringify(obj.identity)}`);
  }
  return { config, metadata: meta as ModelMetadata, identity: obj.identity as string | undefined };
}
