/**
 * Tokenizer checkpoints (docs/architecture.md, "Data, models and presets"): a directory with `model.safetensors`
 * (weights, codebook, EMA state and Adam moments) and `config.json` (VqConfig, step, user metadata), replaced
 * atomically as a whole. Loading checks every tensor's dtype and shape against the config and names the tensor at
 * fault.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CHECKPOINT_COMPLETE_MARKER,
  encodeSafetensors,
  findCheckpointDir,
  readRecordedSafetensors,
  requireTensor,
  SafetensorsError,
  sha256Hex,
  writeCheckpointDir,
  type SafeTensorMap,
} from '@speedrl/core';
import type { TfAdamState } from '@speedrl/tensor-utils';
import { validateVqConfig, type VqConfig } from './config';
import { vqParamShapes, type VqModel } from './model';
import { newVariable } from './variables';

/** File names inside a checkpoint directory. */
export const VQ_WEIGHTS_FILE = 'model.safetensors';
/** See {@link VQ_WEIGHTS_FILE}. */
export const VQ_CONFIG_FILE = 'config.json';
/** `format` field of config.json and safetensors metadata. */
export const VQ_FORMAT = 'speedrl-vq-tokenizer';
const FORMAT_VERSION = 1;

/** Options of {@link saveVq}. */
export interface SaveVqOptions {
  /** Keep the Adam moments so training resumes exactly (default true; false for a smaller inference file). */
  readonly includeOptimizer?: boolean;
}

/** A loaded checkpoint: the model (ready to train on or to encode with) and the metadata saved with it. */
export interface LoadedVq {
  readonly model: VqModel;
  readonly metadata: Record<string, unknown>;
}

function f32(t: tf.Tensor): { dtype: 'F32'; shape: number[]; data: Float32Array } {
  return { dtype: 'F32', shape: [...t.shape], data: Float32Array.from(t.dataSync() as Float32Array) };
}

/** The checkpoint's tensors by name (the names {@link loadVq} expects). */
export function vqTensors(model: VqModel, includeOptimizer = true): SafeTensorMap {
  const { codebookSize: k, codeDim: d } = model.config;
  const out: SafeTensorMap = {};
  for (const [name, v] of model.params) out[name] = f32(v);
  out.codebook = f32(model.codebook);
  out['ema.cluster_size'] = { dtype: 'F32', shape: [k], data: Float32Array.from(model.ema.clusterSize) };
  out['ema.embed_sum'] = { dtype: 'F32', shape: [k, d], data: Float32Array.from(model.ema.embedSum) };
  if (includeOptimizer) {
    for (const [name, m] of model.optimizer.m) out[`optimizer.m.${name}`] = f32(m);
    for (const [name, v] of model.optimizer.v) out[`optimizer.v.${name}`] = f32(v);
  }
  return out;
}

/** Writes `model` (and JSON `metadata`, e.g. metrics) as a checkpoint directory `dir`, atomically. */
export async function saveVq(dir: string, model: VqModel, metadata: Record<string, unknown> = {}, options: SaveVqOptions = {}): Promise<void> {
  const includeOptimizer = options.includeOptimizer ?? true;
  const weights = encodeSafetensors(vqTensors(model, includeOptimizer), { format: VQ_FORMAT, step: String(model.step) }, join(dir, VQ_WEIGHTS_FILE));
  const config = {
    format: VQ_FORMAT,
    formatVersion: FORMAT_VERSION,
    config: model.config,
    step: model.step,
    optimizerStep: includeOptimizer ? model.optimizer.step : 0,
    codebookInit: model.codebookInit,
    weightsSha256: sha256Hex(weights), // checked on load: weights edited or damaged after saving are refused
    metadata,
  };
  await writeCheckpointDir(dir, { [VQ_WEIGHTS_FILE]: weights, [VQ_CONFIG_FILE]: `${JSON.stringify(config, null, 2)}\n` });
}

interface ConfigFile {
  config: Readonly<VqConfig>;
  step: number;
  optimizerStep: number;
  codebookInit: 'random' | 'kmeans';
  weightsSha256: unknown;
  metadata: Record<string, unknown>;
}

async function readConfigFile(path: string): Promise<ConfigFile> {
  if (!existsSync(path)) throw new Error(`VQ checkpoint: ${path} is missing (a checkpoint holds ${VQ_CONFIG_FILE} and ${VQ_WEIGHTS_FILE})`);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`VQ checkpoint: ${path} is not valid JSON (${(error as Error).message})`);
  }
  const r = (raw ?? {}) as Record<string, unknown>;
  if (r.format !== VQ_FORMAT) throw new Error(`VQ checkpoint: ${path}: field "format" must be "${VQ_FORMAT}", got ${JSON.stringify(r.format)}`);
  if (r.formatVersion !== FORMAT_VERSION) {
    throw new Error(`VQ checkpoint: ${path}: field "formatVersion" must be ${FORMAT_VERSION}, got ${JSON.stringify(r.formatVersion)}`);
  }
  const count = (field: string): number => {
    const v = r[field] ?? 0;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw new Error(`VQ checkpoint: ${path}: field "${field}" must be a non-negative integer, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const init = r.codebookInit ?? 'kmeans';
  if (init !== 'random' && init !== 'kmeans') {
    throw new Error(`VQ checkpoint: ${path}: field "codebookInit" must be "random" or "kmeans", got ${JSON.stringify(init)}`);
  }
  const metadata = r.metadata ?? {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new Error(`VQ checkpoint: ${path}: field "metadata" must be an object`);
  }
  return {
    config: validateVqConfig(r.config, `${path}: field "config"`),
    step: count('step'),
    optimizerStep: count('optimizerStep'),
    codebookInit: init,
    weightsSha256: r.weightsSha256,
    metadata: metadata as Record<string, unknown>,
  };
}

/**
 * Loads a checkpoint directory written by {@link saveVq}. Every tensor must have the dtype and shape the
 * config implies (errors name the file and tensor); tensors the config does not explain are rejected.
 * Adam moments are optional (all or none); without them training restarts the optimizer.
 */
export async function loadVq(dir: string): Promise<LoadedVq> {
  if (!existsSync(dir)) throw new Error(`VQ checkpoint directory ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new Error(`VQ checkpoint path ${dir} is not a directory`);
  // exactly the directory named: never a sibling <dir>.old (that fallback is a run's own resume, see openRunDir)
  if ((await findCheckpointDir(dir)) === undefined) {
    throw new Error(`VQ checkpoint directory ${dir} has no ${CHECKPOINT_COMPLETE_MARKER} marker (an interrupted write?); it is loaded only when complete, restore it or write it again`);
  }
  const header = await readConfigFile(join(dir, VQ_CONFIG_FILE));
  const weightsPath = join(dir, VQ_WEIGHTS_FILE);
  if (!existsSync(weightsPath)) throw new Error(`VQ checkpoint: ${weightsPath} is missing`);
  const contents = await readRecordedSafetensors(weightsPath, header.weightsSha256, join(dir, VQ_CONFIG_FILE)); // edited or damaged weights are refused
  const cfg = header.config;
  const shapes = vqParamShapes(cfg);
  const [k, d] = [cfg.codebookSize, cfg.codeDim];
  const expected = new Map<string, number[]>([...shapes, ['codebook', [k, d]], ['ema.cluster_size', [k]], ['ema.embed_sum', [k, d]]]);
  const arrays = new Map<string, Float32Array>();
  for (const [name, shape] of expected) arrays.set(name, requireTensor(contents, name, 'F32', shape, weightsPath).data);
  const optimizerNames = [...shapes.keys()].flatMap((n) => [`optimizer.m.${n}`, `optimizer.v.${n}`]);
  const present = optimizerNames.filter((n) => n in contents.tensors);
  if (present.length > 0 && present.length < optimizerNames.length) {
    const missing = optimizerNames.find((n) => !(n in contents.tensors)) as string;
    throw new SafetensorsError(weightsPath, missing, 'missing: optimizer state must be saved for all parameters or for none');
  }
  for (const name of present) {
    const shape = shapes.get(name.slice('optimizer.m.'.length)) as number[];
    expected.set(name, shape);
    arrays.set(name, requireTensor(contents, name, 'F32', shape, weightsPath).data);
  }
  for (const name of Object.keys(contents.tensors)) {
    if (!expected.has(name)) throw new SafetensorsError(weightsPath, name, `not expected by the config in ${VQ_CONFIG_FILE} (is it from another model?)`);
  }
  const variable = (name: string, trainable: boolean) => newVariable(() => tf.tensor(arrays.get(name) as Float32Array, expected.get(name)), trainable);
  const zeros = (name: string) => newVariable(() => tf.zeros(expected.get(name) as number[]), false);
  const params = new Map<string, tf.Variable>();
  for (const name of shapes.keys()) params.set(name, variable(name, true));
  const optimizer: TfAdamState = { m: new Map(), v: new Map(), step: present.length > 0 ? header.optimizerStep : 0 };
  for (const name of shapes.keys()) {
    optimizer.m.set(name, present.length > 0 ? variable(`optimizer.m.${name}`, false) : zeros(name));
    optimizer.v.set(name, present.length > 0 ? variable(`optimizer.v.${name}`, false) : zeros(name));
  }
  const model: VqModel = {
    config: cfg,
    params,
    codebook: variable('codebook', false),
    ema: { clusterSize: arrays.get('ema.cluster_size') as Float32Array, embedSum: arrays.get('ema.embed_sum') as Float32Array },
    optimizer,
    step: header.step,
    codebookInit: header.codebookInit,
  };
  return { model, metadata: header.metadata };
}
