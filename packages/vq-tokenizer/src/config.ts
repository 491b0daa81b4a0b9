/**
 * VQ-VAE configuration (van den Oord, Vinyals & Kavukcuoglu 2017, "Neural Discrete Representation
 * Learning", arXiv:1711.00937): architecture, codebook, EMA and training settings, with presets.
 *
 * Reconstruction loss: MSE, not BCE. The tokenizer is judged by PSNR, which is a monotone function of
 * MSE, so MSE optimises the reported metric directly; Fashion-MNIST pixels are grey levels, not Bernoulli
 * outcomes (BCE's minimum is not zero for x ∉ {0,1}), and β = 0.25 was tuned in the paper against a
 * squared-error reconstruction term.
 */
import { checkConfigFields, mergeConfig, type LrSchedule } from '@speedrl/core';

/** Spatial reduction of the encoder: 4 gives a 7×7 token grid (49 tokens), 2 gives 14×14 (196 tokens). */
export type VqDownsample = 4 | 2;

/** All settings of a VQ-VAE tokenizer; stored in every checkpoint's config.json. */
export interface VqConfig {
  /** Side of the square grey input image in pixels (Fashion-MNIST / MNIST: 28). */
  readonly imageSize: number;
  /**
   * Encoder stride: 4 → 7×7 tokens (the default; docs/architecture.md, "Data, models and presets"), 2 → 14×14 tokens
   * for finer detail.
   */
  readonly downsample: VqDownsample;
  /** Hidden channels of the conv stacks: the main capacity knob (cost grows with its square). */
  readonly channels: number;
  /** Residual blocks (3×3 then 1×1 conv, as in the paper's §4.1) at token resolution in encoder and decoder. */
  readonly resBlocks: number;
  /** Dimension D of each code vector: small (32–64) keeps nearest-code search cheap and codes well used. */
  readonly codeDim: number;
  /** Number K of codes; token ids are 0..K-1 and the transformer's [MASK] id is K. */
  readonly codebookSize: number;
  /** Commitment weight β of β·||z_e − sg(e)||² (paper eq. 3: 0.25). */
  readonly beta: number;
  /** EMA decay γ of the codebook statistics (paper appendix A.1: 0.99). */
  readonly emaDecay: number;
  /** Laplace smoothing ε of the EMA cluster sizes, so no code divides by zero (VQ-VAE-2 / Sonnet: 1e-5). */
  readonly emaEpsilon: number;
  /** A code whose EMA count (expected assignments per batch) falls below this is re-seeded from the batch. */
  readonly deadCodeThreshold: number;
  /** Adam learning rate of the encoder and decoder (the codebook is learnt by EMA, not by gradients). */
  readonly learningRate: number;
  /** Cosine decay ends at learningRate × this on the run's last step (1 = constant); a low end sharpens reconstructions. */
  readonly learningRateFloor: number;
  /** Images per training step; also sets the EMA counts' initial scale (assignments per batch). */
  readonly batchSize: number;
  /** Encoder outputs sampled (seeded) for the k-means codebook initialisation. */
  readonly kmeansSampleSize: number;
  /** Lloyd iterations of the k-means initialisation ("a few" suffice after k-means++ seeding). */
  readonly kmeansIterations: number;
}

/**
 * Defaults: the 7×7, K = 512 tokenizer (docs/architecture.md, "Data, models and presets"; same as the `fmnist` preset).
 */
export const DEFAULT_VQ_CONFIG: Readonly<VqConfig> = Object.freeze({
  imageSize: 28,
  downsample: 4,
  channels: 64,
  resBlocks: 2,
  codeDim: 32,
  codebookSize: 512,
  beta: 0.25,
  emaDecay: 0.99,
  emaEpsilon: 1e-5,
  deadCodeThreshold: 1,
  learningRate: 1e-3,
  learningRateFloor: 0.1,
  batchSize: 64,
  kmeansSampleSize: 16384,
  kmeansIterations: 10,
} satisfies VqConfig);

/** Names of the shipped presets. */
export type VqPresetName = 'tiny' | 'fmnist';

/** Presets: `tiny` for tests and CI (trains in seconds), `fmnist` for the shipped Fashion-MNIST tokenizer. */
export const VQ_PRESETS: Readonly<Record<VqPresetName, Readonly<VqConfig>>> = Object.freeze({
  tiny: Object.freeze({
    ...DEFAULT_VQ_CONFIG,
    channels: 16,
    resBlocks: 0,
    codeDim: 16,
    codebookSize: 16,
    learningRate: 3e-3,
    batchSize: 16,
    kmeansSampleSize: 2048,
    kmeansIterations: 5,
  }),
  fmnist: DEFAULT_VQ_CONFIG,
});

/** The preset called `name`; unknown names are an error that lists the known ones. */
export function vqPreset(name: string): Readonly<VqConfig> {
  if (!Object.prototype.hasOwnProperty.call(VQ_PRESETS, name)) {
    throw new RangeError(`vq preset: unknown preset "${name}"; expected one of ${Object.keys(VQ_PRESETS).join(', ')}`);
  }
  return VQ_PRESETS[name as VqPresetName];
}

type Check = (v: number) => boolean;
const positiveInt: Check = (v) => Number.isSafeInteger(v) && v > 0;
const FIELD_RULES: Readonly<Record<keyof VqConfig, readonly [Check, string]>> = {
  imageSize: [positiveInt, 'a positive integer'],
  downsample: [(v) => v === 2 || v === 4, '2 or 4'],
  channels: [(v) => positiveInt(v) && v % 4 === 0, 'a positive multiple of 4'],
  resBlocks: [(v) => Number.isSafeInteger(v) && v >= 0, 'a non-negative integer'],
  codeDim: [positiveInt, 'a positive integer'],
  codebookSize: [(v) => positiveInt(v) && v >= 2, 'an integer ≥ 2'],
  beta: [(v) => Number.isFinite(v) && v >= 0, 'a finite number ≥ 0'],
  emaDecay: [(v) => v >= 0 && v < 1, 'a number in [0, 1)'],
  emaEpsilon: [(v) => Number.isFinite(v) && v >= 0, 'a finite number ≥ 0'],
  deadCodeThreshold: [(v) => Number.isFinite(v) && v >= 0, 'a finite number ≥ 0'],
  learningRate: [(v) => Number.isFinite(v) && v > 0, 'a finite number > 0'],
  learningRateFloor: [(v) => v >= 0 && v <= 1, 'a number in [0, 1]'],
  batchSize: [positiveInt, 'a positive integer'],
  kmeansSampleSize: [positiveInt, 'a positive integer'],
  kmeansIterations: [(v) => Number.isSafeInteger(v) && v >= 0, 'a non-negative integer'],
};

/**
 * Checks every field of a config (e.g. parsed from a config.json) and returns it frozen; errors name
 * `source`, the field, what was expected and what was found. Unknown fields are rejected too.
 */
export function validateVqConfig(config: unknown, source = 'vq config'): Readonly<VqConfig> {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new TypeError(`${source}: expected an object of VqConfig fields, got ${JSON.stringify(config)}`);
  }
  const record = config as Record<string, unknown>;
  checkConfigFields(record, FIELD_RULES, source);
  for (const [field, [check, expected]] of Object.entries(FIELD_RULES)) {
    const value = record[field];
    if (typeof value !== 'number' || !check(value)) {
      throw new TypeError(`${source}: field "${field}" must be ${expected}, got ${JSON.stringify(value)}`);
    }
  }
  const c = record as unknown as VqConfig;
  if (c.imageSize % c.downsample !== 0) {
    throw new TypeError(`${source}: field "imageSize" (${c.imageSize}) must be divisible by "downsample" (${c.downsample})`);
  }
  return Object.freeze({ ...c });
}

/** `base` (default {@link DEFAULT_VQ_CONFIG}) with `overrides` applied, validated. */
export function resolveVqConfig(overrides: Partial<VqConfig> = {}, base: Readonly<VqConfig> = DEFAULT_VQ_CONFIG): Readonly<VqConfig> {
  return validateVqConfig(mergeConfig<VqConfig>(base, overrides, 'resolveVqConfig')); // an override given as undefined keeps the base value
}

/** Side of the token grid: imageSize / downsample (7 for the default). */
export function latentSide(config: Readonly<VqConfig>): number {
  return config.imageSize / config.downsample;
}

/** Tokens per image: latentSide² (49 for the default). */
export function tokensPerImage(config: Readonly<VqConfig>): number {
  return latentSide(config) ** 2;
}

/**
 * Learning-rate schedule of a `totalSteps` run: cosine decay (Loshchilov & Hutter 2017, SGDR, one cycle) from
 * learningRate at step 0 to learningRate × learningRateFloor at the last step (totalSteps − 1), no warm-up.
 */
export function vqLrSchedule(config: Readonly<VqConfig>, totalSteps: number): LrSchedule {
  return { peak: config.learningRate, warmupSteps: 0, decay: 'cosine', totalSteps: totalSteps - 1, minRatio: config.learningRateFloor };
}

/** Stride-2 stages in encoder (and upsampling stages in decoder): log2(downsample). */
export function downsampleStages(config: Readonly<VqConfig>): number {
  return config.downsample === 4 ? 2 : 1;
}
