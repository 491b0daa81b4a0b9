/**
 * MaskGIT transformer configuration (Chang et al. 2022, "MaskGIT: Masked Generative Image Transformer"):
 * a bidirectional pre-LN transformer over [class token, L image tokens] predicting the K codes of each image token.
 */
import { checkConfigFields } from '@speedrl/core';

/** Hyper-parameters of the class-conditional MaskGIT transformer. */
export interface MaskGitConfig {
  /** K: codebook size of the tokenizer; image token ids are 0..K-1, the `[MASK]` id is K (input vocab K+1). */
  numCodes: number;
  /** L: image tokens per image (7×7 = 49 for 28×28 images); the transformer sees L+1 positions with the class token. */
  seqLen: number;
  /** Number of real classes (Fashion-MNIST: 10); the null class id numClasses is used for classifier-free guidance. */
  numClasses: number;
  /** Model width d: the embedding and residual-stream size. */
  dim: number;
  /** Number of transformer blocks. */
  depth: number;
  /** Attention heads; dim must be divisible by heads. */
  heads: number;
  /** MLP hidden size as a multiple of dim (4 in GPT-2 / ViT). */
  mlpRatio: number;
  /** Dropout rate on attention output, MLP output and embeddings during training (0: off; inference never drops). */
  dropout: number;
  /** LayerNorm epsilon (1e-5 as PyTorch's nn.LayerNorm, so the PyTorch peer matches). */
  layerNormEps: number;
  /** Std of the normal init of weights and embeddings (0.02, GPT-2). */
  initStd: number;
}

/** Default configuration: the shipped Fashion-MNIST model (same as the `fmnist` preset). */
export const DEFAULT_MASKGIT_CONFIG: Readonly<MaskGitConfig> = Object.freeze({
  numCodes: 512,
  seqLen: 49,
  numClasses: 10,
  dim: 256,
  depth: 6,
  heads: 8,
  mlpRatio: 4,
  dropout: 0,
  layerNormEps: 1e-5,
  initStd: 0.02,
});

/** Named presets: `tiny` for tests and CI (seconds), `fmnist` for the shipped models (the PyTorch peer's shape). */
export const MASKGIT_PRESETS: Readonly<Record<'tiny' | 'fmnist', Readonly<MaskGitConfig>>> = Object.freeze({
  tiny: Object.freeze({ ...DEFAULT_MASKGIT_CONFIG, numCodes: 16, dim: 32, depth: 2, heads: 2 }),
  fmnist: DEFAULT_MASKGIT_CONFIG,
});

/** Name of a preset in {@link MASKGIT_PRESETS}. */
export type MaskGitPresetName = keyof typeof MASKGIT_PRESETS;

/** Returns a preset merged with overrides, validated. */
export function maskGitPreset(name: MaskGitPresetName, overrides: Partial<MaskGitConfig> = {}): MaskGitConfig {
  const base = MASKGIT_PRESETS[name];
  if (base === undefined) {
    throw new RangeError(`maskgit config: unknown preset "${String(name)}"; expected one of ${Object.keys(MASKGIT_PRESETS).join(', ')}`);
  }
  return validateMaskGitConfig({ ...base, ...overrides });
}

const INTEGER_FIELDS = ['numCodes', 'seqLen', 'numClasses', 'dim', 'depth', 'heads', 'mlpRatio'] as const;

/**
 * Checks every field (positive integers, dim divisible by heads, dropout in [0, 1), positive eps/std) and
 * returns a plain copy; `source` names the file or caller in errors. Unknown fields are rejected.
 */
export function validateMaskGitConfig(value: unknown, source = 'maskgit config'): MaskGitConfig {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError(`${source}: expected an object with fields ${Object.keys(DEFAULT_MASKGIT_CONFIG).join(', ')}`);
  }
  const v = value as Record<string, unknown>;
  checkConfigFields(v, DEFAULT_MASKGIT_CONFIG, source);
  const out: Record<string, number> = {};
  for (const key of Object.keys(DEFAULT_MASKGIT_CONFIG) as (keyof MaskGitConfig)[]) {
    const x = v[key];
    if (typeof x !== 'number' || !Number.isFinite(x)) {
      throw new TypeError(`${source}: field "${key}" must be a finite number, got ${JSON.stringify(x)}`);
    }
    out[key] = x;
  }
  const c = out as unknown as MaskGitConfig;
  for (const key of INTEGER_FIELDS) {
    if (!Number.isInteger(c[key]) || c[key] < 1) {
      throw new RangeError(`${source}: field "${key}" must be a positive integer, got ${c[key]}`);
    }
  }
  if (c.dim % c.heads !== 0) {
    throw new RangeError(`${source}: field "dim" (${c.dim}) must be divisible by "heads" (${c.heads})`);
  }
  if (!(c.dropout >= 0 && c.dropout < 1)) throw new RangeError(`${source}: field "dropout" must be in [0, 1), got ${c.dropout}`);
  if (!(c.layerNormEps > 0)) throw new RangeError(`${source}: field "layerNormEps" must be > 0, got ${c.layerNormEps}`);
  if (!(c.initStd > 0)) throw new RangeError(`${source}: field "initStd" must be > 0, got ${c.initStd}`);
  return { ...c };
}

/** `[MASK]` token id (= numCodes): the input id of a masked image position. */
export function maskTokenId(config: MaskGitConfig): number {
  return config.numCodes;
}

/** Null class id (= numClasses): the unconditional input for classifier-free guidance. */
export function nullClassId(config: MaskGitConfig): number {
  return config.numClasses;
}

/**
 * Forward-pass FLOPs (2 per multiply-add, matmuls only) for `batch` sequences: per block QKV, scores, A·V,
 * output projection and the MLP over L+1 positions, then the head over the L image positions.
 * A training step costs about 3× this (forward + backward).
 */
export function forwardFlops(config: MaskGitConfig, batch: number): number {
  const t = config.seqLen + 1;
  const d = config.dim;
  const hidden = d * config.mlpRatio;
  const perBlock = 2 * t * d * 3 * d + 2 * 2 * t * t * d + 2 * t * d * d + 2 * 2 * t * d * hidden;
  const head = 2 * config.seqLen * d * config.numCodes;
  return batch * (config.depth * perBlock + head);
}
