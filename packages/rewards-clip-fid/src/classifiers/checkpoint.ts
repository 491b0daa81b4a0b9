/**
 * Classifier checkpoints (docs/architecture.md, "Data, models and presets"): a directory with `model.safetensors`
 * (weights and, optionally, AdamW moments) and `config.json` (format, role, ClassifierConfig, step, user metadata),
 * replaced atomically. config.json records the SHA-256 of model.safetensors; loading refuses weights whose hash differs
 * (edited or damaged after saving) and checks every tensor's dtype and shape against the config, naming the tensor at fault.
 */
import * as tf from '@tensorflow/tfjs';
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CHECKPOINT_COMPLETE_MARKER, encodeSafetensors, findCheckpointDir, readRecordedSafetensors, requireTensor, SafetensorsError, sha256Hex, writeCheckpointDir,
  type SafeTensorMap,
} from '@speedrl/core';
import type { TfAdamState } from '@speedrl/tensor-utils';
import { checkRole, validateClassifierConfig, type ClassifierConfig } from './config';
import { buildClassifier, classifierParamShapes, type Classifier } from './model';
import type { ClassifierRole } from './types';

/** File names inside a checkpoint directory. */
export const CLASSIFIER_WEIGHTS_FILE = 'model.safetensors';
/** See {@link CLASSIFIER_WEIGHTS_FILE}. */
export const CLASSIFIER_CONFIG_FILE = 'config.json';
/** `format` field of config.json and of the safetensors metadata. */
export const CLASSIFIER_FORMAT = 'speedrl-classifier';
const FORMAT_VERSION = 1;

/** Options of {@link saveClassifier}. */
export interface SaveClassifierOptions {
  /** Keep the AdamW moments so training resumes exactly (default true; false for a smaller shipped file). */
  readonly includeOptimizer?: boolean;
}

/** A loaded checkpoint: the model (its `role` as saved) and the metadata saved with it. */
export interface LoadedClassifier {
  readonly model: Classifier;
  readonly role: ClassifierRole;
  readonly metadata: Record<string, unknown>;
}

function f32(t: tf.Tensor): { dtype: 'F32'; shape: number[]; data: Float32Array } {
  return { dtype: 'F32', shape: [...t.shape], data: Float32Array.from(t.dataSync() as Float32Array) };
}

/** The checkpoint's tensors by name: parameters, then `optimizer.m.<name>` / `optimizer.v.<name>` when included. */
export function classifierTensors(model: Classifier, includeOptimizer = true): SafeTensorMap {
  const out: SafeTensorMap = {};
  for (const [name, v] of model.params) out[name] = f32(v);
  if (includeOptimizer) {
    for (const [name, m] of model.optimizer.m) out[`optimizer.m.${name}`] = f32(m);
    for (const [name, v] of model.optimizer.v) out[`optimizer.v.${name}`] = f32(v);
  }
  return out;
}

/** Writes `model` and JSON `metadata` (e.g. test accuracy) as the checkpoint directory `dir`, atomically. */
export async function saveClassifier(dir: string, model: Classifier, metadata: Record<string, unknown> = {}, options: SaveClassifierOptions = {}): Promise<void> {
  const includeOptimizer = options.includeOptimizer ?? true;
  const weights = encodeSafetensors(
    classifierTensors(model, includeOptimizer),
    { format: CLASSIFIER_FORMAT, role: model.role, step: String(model.step) },
    join(dir, CLASSIFIER_WEIGHTS_FILE),
  );
  const config = {
    format: CLASSIFIER_FORMAT,
    formatVersion: FORMAT_VERSION,
    role: model.role,
    config: model.config,
    step: model.step,
    optimizerStep: includeOptimizer ? model.optimizer.step : 0,
    weightsSha256: sha256Hex(weights), // checked on load: weights edited or damaged after saving are refused
    metadata,
  };
  await writeCheckpointDir(dir, { [CLASSIFIER_WEIGHTS_FILE]: weights, [CLASSIFIER_CONFIG_FILE]: `${JSON.stringify(config, null, 2)}\n` });
}

interface ConfigFile {
  role: ClassifierRole;
  config: Readonly<ClassifierConfig>;
  step: number;
  optimizerStep: number;
  weightsSha256: unknown;
  metadata: Record<string, unknown>;
}

async function readConfigFile(path: string): Promise<ConfigFile> {
  if (!existsSync(path)) throw new Error(`classifier checkpoint: ${path} is missing (a checkpoint holds ${CLASSIFIER_CONFIG_FILE} and ${CLASSIFIER_WEIGHTS_FILE})`);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new Error(`classifier checkpoint: ${path} is not valid JSON (${(error as Error).message})`);
  }
  const r = (raw ?? {}) as Record<string, unknown>;
  if (r.format !== CLASSIFIER_FORMAT) {
    throw new Error(`classifier checkpoint: ${path}: field "format" must be "${CLASSIFIER_FORMAT}", got ${JSON.stringify(r.format)}`);
  }
  if (r.formatVersion !== FORMAT_VERSION) {
    throw new Error(`classifier checkpoint: ${path}: field "formatVersion" must be ${FORMAT_VERSION}, got ${JSON.stringify(r.formatVersion)}`);
  }
  const count = (field: string): number => {
    const v = r[field] ?? 0;
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) {
      throw new Error(`classifier checkpoint: ${path}: field "${field}" must be a non-negative integer, got ${JSON.stringify(v)}`);
    }
    return v;
  };
  const metadata = r.metadata ?? {};
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new Error(`classifier checkpoint: ${path}: field "metadata" must be an object`);
  }
  return {
    role: checkRole(r.role, `classifier checkpoint: ${path}: field "role"`),
    config: validateClassifierConfig(r.config, `${path}: field "config"`),
    step: count('step'),
    optimizerStep: count('optimizerStep'),
    weightsSha256: r.weightsSha256,
    metadata: metadata as Record<string, unknown>,
  };
}

/**
 * Loads a checkpoint directory written by {@link saveClassifier}. Every tensor must have the dtype and shape
 * the config implies (errors name the file and tensor); unexpected tensors are rejected. AdamW moments are
 * optional (all or none); without them training restarts the optimizer.
 */
export async function loadClassifier(dir: string): Promise<LoadedClassifier> {
  if (!existsSync(dir)) throw new Error(`classifier checkpoint directory ${dir} does not exist`);
  if (!statSync(dir).isDirectory()) throw new Error(`classifier checkpoint path ${dir} is not a directory`);
  // exactly the directory named: never a sibling <dir>.old (that fallback is a run's own resume, see openRunDir)
  if ((await findCheckpointDir(dir)) === undefined) {
    throw new Error(`classifier checkpoint directory ${dir} has no ${CHECKPOINT_COMPLETE_MARKER} marker (an interrupted write?); it is loaded only when complete, restore it or write it again`);
  }
  const header = await readConfigFile(join(dir, CLASSIFIER_CONFIG_FILE));
  const weightsPath = join(dir, CLASSIFIER_WEIGHTS_FILE);
  if (!existsSync(weightsPath)) throw new Error(`classifier checkpoint: ${weightsPath} is missing`);
  const contents = await readRecordedSafetensors(weightsPath, header.weightsSha256, join(dir, CLASSIFIER_CONFIG_FILE)); // edited or damaged weights are refused
  const shapes = classifierParamShapes(header.config);
  const expected = new Map(shapes);
  const optimizerNames = [...shapes.keys()].flatMap((n) => [`optimizer.m.${n}`, `optimizer.v.${n}`]);
  const present = optimizerNames.filter((n) => n in contents.tensors);
  if (present.length > 0 && present.length < optimizerNames.length) {
    const missing = optimizerNames.find((n) => !(n in contents.tensors)) as string;
    throw new SafetensorsError(weightsPath, missing, 'missing: optimizer state must be saved for all parameters or for none');
  }
  for (const name of present) expected.set(name, shapes.get(name.slice('optimizer.m.'.length)) as number[]);
  for (const name of Object.keys(contents.tensors)) {
    if (!expected.has(name)) throw new SafetensorsError(weightsPath, name, `not expected by the config in ${CLASSIFIER_CONFIG_FILE} (is it from another model?)`);
  }
  const arrays = new Map<string, Float32Array>();
  for (const [name, shape] of expected) arrays.set(name, requireTensor(contents, name, 'F32', shape, weightsPath).data);
  const variable = (name: string, trainable: boolean): tf.Variable =>
    tf.tidy(() => tf.variable(tf.tensor(arrays.get(name) as Float32Array, expected.get(name)), trainable));
  const zeros = (name: string): tf.Variable => tf.tidy(() => tf.variable(tf.zeros(expected.get(name) as number[]), false));
  const params = new Map<string, tf.Variable>();
  for (const name of shapes.keys()) params.set(name, variable(name, true));
  const optimizer: TfAdamState = { m: new Map(), v: new Map(), step: present.length > 0 ? header.optimizerStep : 0 };
  for (const name of shapes.keys()) {
    optimizer.m.set(name, present.length > 0 ? variable(`optimizer.m.${name}`, false) : zeros(name));
    optimizer.v.set(name, present.length > 0 ? variable(`optimizer.v.${name}`, false) : zeros(name));
  }
  const model = buildClassifier(header.role, header.config, params, optimizer, header.step);
  return { model, role: header.role, metadata: header.metadata };
}
