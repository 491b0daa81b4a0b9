/**
 * Speed-RL checkpoints (docs/architecture.md, "Speed-RL objective"): one directory replaced atomically
 * (`writeCheckpointDir`) holding `policy.safetensors` (parameters and optimizer state of the policy) and `trainer.json`
 * (iteration, rng state, config, the caller's reward-normaliser state, the policy's JSON metadata and the tensor
 * manifest, and the SHA-256 of policy.safetensors). Reading validates everything and names the file and the field that is
 * wrong; weights whose SHA-256 differs from the recorded one (edited, bit rot) are refused as a usage error.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  Rng, UsageError, encodeSafetensors, findCheckpointDir, readRecordedSafetensors, sha256Hex, writeCheckpointDir, type RngState, type SafeTensor,
} from '@speedrl/core';
import { resolveSpeedRlConfig, type SpeedRlConfig } from './config';
import type { PolicyState, TrainablePolicy } from './policy';

/** File of the policy tensors inside a checkpoint directory. */
export const POLICY_STATE_FILE = 'policy.safetensors';
/** File of everything else inside a checkpoint directory. */
export const TRAINER_STATE_FILE = 'trainer.json';
/** `format` field of trainer.json. */
export const SPEED_RL_CHECKPOINT_FORMAT = 'speedrl-rl-checkpoint';
const VERSION = 1;

/** Everything needed to resume a run exactly. */
export interface SpeedRlCheckpoint {
  /** Iterations done (the next one to run). */
  readonly iteration: number;
  /** The run's rng (the loop never advances it; forks derive from it). */
  readonly rng: RngState;
  readonly config: SpeedRlConfig;
  readonly policy: PolicyState;
  /** The caller's reward-normaliser state (JSON), e.g. `combineRewards(...).state()`. */
  readonly normalizer?: unknown;
  /** Anything else the caller wants back (JSON). */
  readonly extra?: Record<string, unknown>;
}

/** Writes `checkpoint` as the directory `dir`, replacing any previous checkpoint there atomically. */
export async function writeSpeedRlCheckpoint(dir: string, checkpoint: SpeedRlCheckpoint): Promise<void> {
  const tensors: Record<string, SafeTensor> = {};
  const manifest: Record<string, number[]> = {};
  for (const [name, t] of Object.entries(checkpoint.policy.tensors)) {
    tensors[name] = { dtype: 'F32', shape: [...t.shape], data: t.data };
    manifest[name] = [...t.shape];
  }
  const policyBytes = encodeSafetensors(tensors, undefined, join(dir, POLICY_STATE_FILE));
  const trainer = {
    format: SPEED_RL_CHECKPOINT_FORMAT,
    version: VERSION,
    iteration: checkpoint.iteration,
    rng: checkpoint.rng,
    config: checkpoint.config,
    policyMeta: checkpoint.policy.meta,
    tensors: manifest,
    policySha256: sha256Hex(policyBytes),
    normalizer: checkpoint.normalizer ?? null,
    extra: checkpoint.extra ?? {},
  };
  await writeCheckpointDir(dir, {
    [POLICY_STATE_FILE]: policyBytes,
    [TRAINER_STATE_FILE]: `${JSON.stringify(trainer, null, 2)}\n`,
  });
}

function fail(file: string, field: string, detail: string): Error {
  return new Error(`checkpoint ${file}: field "${field}" ${detail}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

async function readTrainerJson(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new Error(`checkpoint ${file}: cannot read the file (${(error as Error).message})`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(`checkpoint ${file}: not valid JSON (truncated?): ${(error as Error).message}`);
  }
  if (!isRecord(parsed)) throw new Error(`checkpoint ${file}: expected a JSON object`);
  if (parsed.format !== SPEED_RL_CHECKPOINT_FORMAT) throw fail(file, 'format', `must be "${SPEED_RL_CHECKPOINT_FORMAT}", got ${JSON.stringify(parsed.format)}`);
  if (parsed.version !== VERSION) throw fail(file, 'version', `must be ${VERSION}, got ${JSON.stringify(parsed.version)}`);
  return parsed;
}

/** Reads and validates the checkpoint in `dir` (or `<dir>.old` after a crash mid-replace). */
export async function readSpeedRlCheckpoint(dir: string): Promise<SpeedRlCheckpoint> {
  const found = await findCheckpointDir(dir, { fallbackToOld: true }); // the run's own checkpoint (resumed under its lock)
  if (found === undefined) throw new Error(`checkpoint ${dir}: no complete checkpoint (no COMPLETE marker in ${dir}, nor ${dir}.old in place of a missing ${dir})`);
  const trainerFile = join(found, TRAINER_STATE_FILE);
  const policyFile = join(found, POLICY_STATE_FILE);
  const t = await readTrainerJson(trainerFile);
  const iteration = t.iteration;
  if (!Number.isInteger(iteration) || (iteration as number) < 0) throw fail(trainerFile, 'iteration', `must be an integer ≥ 0, got ${JSON.stringify(iteration)}`);
  let rng: RngState;
  try {
    rng = Rng.fromState(t.rng as RngState).state();
  } catch (error) {
    throw fail(trainerFile, 'rng', `is not a valid rng state: ${(error as Error).message}`);
  }
  if (!isRecord(t.config)) throw fail(trainerFile, 'config', 'must be an object');
  let config: SpeedRlConfig;
  try {
    config = resolveSpeedRlConfig(t.config as Partial<SpeedRlConfig>);
  } catch (error) {
    throw fail(trainerFile, 'config', `is invalid: ${(error as Error).message}`);
  }
  if (!isRecord(t.policyMeta)) throw fail(trainerFile, 'policyMeta', 'must be an object');
  const manifest = t.tensors;
  if (!isRecord(manifest)) throw fail(trainerFile, 'tensors', 'must be an object of tensor name → shape');
  if (t.extra !== undefined && !isRecord(t.extra)) throw fail(trainerFile, 'extra', 'must be an object');
  let contents;
  try {
    contents = await readRecordedSafetensors(policyFile, t.policySha256, trainerFile, '--resume'); // weights edited or damaged after saving are refused
  } catch (error) {
    if (error instanceof UsageError) throw error; // the SHA-256 refusal, as it is
    throw new Error(`checkpoint ${policyFile}: ${(error as Error).message}`);
  }
  const tensors: Record<string, { shape: number[]; data: Float32Array }> = {};
  for (const [name, shape] of Object.entries(manifest)) {
    const tensor = contents.tensors[name];
    if (tensor === undefined) throw new Error(`checkpoint ${policyFile}: tensor "${name}" (listed in ${TRAINER_STATE_FILE}) is missing`);
    if (tensor.dtype !== 'F32') throw new Error(`checkpoint ${policyFile}: tensor "${name}" has dtype ${tensor.dtype}, expected F32`);
    if (JSON.stringify(tensor.shape) !== JSON.stringify(shape)) {
      throw new Error(`checkpoint ${policyFile}: tensor "${name}" has shape ${JSON.stringify(tensor.shape)}, ${TRAINER_STATE_FILE} says ${JSON.stringify(shape)}`);
    }
    tensors[name] = { shape: [...tensor.shape], data: tensor.data as Float32Array };
  }
  const unlisted = Object.keys(contents.tensors).filter((name) => !(name in manifest));
  if (unlisted.length > 0) throw new Error(`checkpoint ${policyFile}: tensors ${JSON.stringify(unlisted)} are not listed in ${TRAINER_STATE_FILE}`);
  return {
    iteration: iteration as number,
    rng,
    config,
    policy: { tensors, meta: t.policyMeta },
    normalizer: t.normalizer ?? undefined,
    extra: (t.extra as Record<string, unknown> | undefined) ?? {},
  };
}

/** Checks that a checkpoint's policy tensors have the names and shapes of `policy`'s own state, naming the first mismatch. */
export async function checkPolicyState(state: PolicyState, policy: TrainablePolicy, where: string): Promise<void> {
  const expected = (await policy.saveState()).tensors;
  for (const [name, t] of Object.entries(expected)) {
    const got = state.tensors[name];
    if (got === undefined) throw new Error(`${where}: tensor "${name}" is missing (the policy has it with shape ${JSON.stringify(t.shape)})`);
    if (JSON.stringify([...got.shape]) !== JSON.stringify([...t.shape])) {
      throw new Error(`${where}: tensor "${name}" has shape ${JSON.stringify(got.shape)}, the policy expects ${JSON.stringify(t.shape)}`);
    }
  }
  const extra = Object.keys(state.tensors).filter((name) => !(name in expected));
  if (extra.length > 0) throw new Error(`${where}: tensors ${JSON.stringify(extra)} are not part of the policy's state`);
}

/** Reads `dir`, checks it against `policy`, loads the policy state and returns the rest (rng rebuilt) for `runSpeedRl`. */
export async function restoreSpeedRlCheckpoint(
  dir: string,
  policy: TrainablePolicy,
): Promise<Omit<SpeedRlCheckpoint, 'rng' | 'policy'> & { rng: Rng }> {
  const checkpoint = await readSpeedRlCheckpoint(dir);
  await checkPolicyState(checkpoint.policy, policy, `checkpoint ${join(dir, POLICY_STATE_FILE)}`);
  await policy.loadState(checkpoint.policy);
  const { rng, policy: _policy, ...rest } = checkpoint;
  return { ...rest, rng: Rng.fromState(rng) };
}
