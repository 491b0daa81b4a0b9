/**
 * Classifier configurations (docs/architecture.md, "Speed-RL objective" and "Evaluation protocol"): the reward
 * classifier and the evaluation classifier are two different CNNs (width, depth, residual blocks, pooling, dropout,
 * feature size) with separate seeds, so a generator that fools the reward network is not automatically rewarded by the
 * metric.
 */
import { checkConfigFields, mergeConfig } from '@speedrl/core';
import type { ClassifierRole } from './types';

/** 2×2 down-sampling between stages. */
export type ClassifierPooling = 'avg' | 'max';

/** All settings of one classifier; stored in every checkpoint's config.json. */
export interface ClassifierConfig {
  /** Side of the square grey input in pixels (Fashion-MNIST: 28); divisible by 2^stages. */
  readonly imageSize: number;
  /** Number of classes (Fashion-MNIST: 10). */
  readonly numClasses: number;
  /** Pixel mean subtracted from inputs (Fashion-MNIST train set: 0.286): centred inputs train faster. */
  readonly inputMean: number;
  /** Pixel std dividing inputs (Fashion-MNIST train set: 0.353): unit-scale inputs suit He initialisation. */
  readonly inputStd: number;
  /** Channels per stage: stage 0 runs at imageSize/2 on a lossless 2× pixel-unshuffle of the input, each next at half size. */
  readonly stageChannels: readonly number[];
  /** Residual blocks (conv–ReLU–conv + skip, branch zero-initialised) of each stage after its first conv: depth without instability. */
  readonly stageResBlocks: readonly number[];
  /** Side of every square conv kernel (odd keeps SAME padding symmetric). */
  readonly kernelSize: number;
  /** Pooling between stages: 'avg' (cheapest gradient on wasm) or 'max' (sharper, a different inductive bias). */
  readonly pooling: ClassifierPooling;
  /** Width D of the penultimate dense layer, i.e. of the features given to rewards and FCD. */
  readonly featureDim: number;
  /** Dropout on the penultimate features while training (0 = off): regularises the larger network. */
  readonly dropout: number;
  /** Peak AdamW learning rate (Loshchilov & Hutter 2019, arXiv:1711.05101). */
  readonly learningRate: number;
  /** Cosine decay ends at learningRate × this on the last step (1 = constant). */
  readonly learningRateFloor: number;
  /** Linear warm-up steps before the cosine decay: avoids early blow-ups without normalisation layers. */
  readonly warmupSteps: number;
  /** Decoupled weight decay of conv and dense weights (not biases). */
  readonly weightDecay: number;
  /** Images per training step. */
  readonly batchSize: number;
  /** Epochs of a full-data run: reward 6 (~6–8 min on one core, tfjs-wasm), eval 7 (~14 min); both ≥ 91% in a PyTorch replica. */
  readonly epochs: number;
  /** Probability of a horizontal flip per training image (garments are left–right symmetric in label). */
  readonly flipProbability: number;
  /** Largest random shift in pixels (zero fill) per axis per training image (0 = off: it slowed short runs). */
  readonly maxShift: number;
}

/** Reward classifier (small, fast in the RL loop): 32→64 channels, no residual block, average pooling, 128-d features. */
export const DEFAULT_REWARD_CLASSIFIER_CONFIG: Readonly<ClassifierConfig> = Object.freeze({
  imageSize: 28,
  numClasses: 10,
  inputMean: 0.286,
  inputStd: 0.353,
  stageChannels: Object.freeze([32, 64]),
  stageResBlocks: Object.freeze([0, 0]),
  kernelSize: 3,
  pooling: 'avg',
  featureDim: 128,
  dropout: 0,
  learningRate: 2e-3,
  learningRateFloor: 0.05,
  warmupSteps: 100,
  weightDecay: 1e-4,
  batchSize: 64,
  epochs: 6,
  flipProbability: 0.5,
  maxShift: 0,
} satisfies ClassifierConfig);

/**
 * Evaluation classifier (larger, different design): 32→48 channels with a residual block at 7×7, max pooling,
 * dropout and 256-d features.
 */
export const DEFAULT_EVAL_CLASSIFIER_CONFIG: Readonly<ClassifierConfig> = Object.freeze({
  imageSize: 28,
  numClasses: 10,
  inputMean: 0.286,
  inputStd: 0.353,
  stageChannels: Object.freeze([32, 48]),
  stageResBlocks: Object.freeze([0, 1]),
  kernelSize: 3,
  pooling: 'max',
  featureDim: 256,
  dropout: 0.2,
  learningRate: 2e-3,
  learningRateFloor: 0.05,
  warmupSteps: 100,
  weightDecay: 5e-4,
  batchSize: 64,
  epochs: 7,
  flipProbability: 0.5,
  maxShift: 0,
} satisfies ClassifierConfig);

/**
 * Default seed of each role's run: different seeds as well as different architectures
 * (docs/architecture.md, "Evaluation protocol").
 */
export const CLASSIFIER_SEEDS: Readonly<Record<ClassifierRole, number>> = Object.freeze({ reward: 1701, eval: 2903 });

/** Names of the shipped presets. */
export type ClassifierPresetName = 'tiny' | 'fmnist';

/** Presets per role: `tiny` for tests (trains in a second, still two different designs), `fmnist` = the defaults. */
export const CLASSIFIER_PRESETS: Readonly<Record<ClassifierRole, Readonly<Record<ClassifierPresetName, Readonly<ClassifierConfig>>>>> =
  Object.freeze({
    reward: Object.freeze({
      tiny: Object.freeze({ ...DEFAULT_REWARD_CLASSIFIER_CONFIG, stageChannels: Object.freeze([8, 16]), featureDim: 16, warmupSteps: 0, batchSize: 16 }),
      fmnist: DEFAULT_REWARD_CLASSIFIER_CONFIG,
    }),
    eval: Object.freeze({
      tiny: Object.freeze({ ...DEFAULT_EVAL_CLASSIFIER_CONFIG, stageChannels: Object.freeze([8, 12]), featureDim: 24, warmupSteps: 0, batchSize: 16, maxShift: 1 }),
      fmnist: DEFAULT_EVAL_CLASSIFIER_CONFIG,
    }),
  });

/** The default config of `role`. */
export function defaultClassifierConfig(role: ClassifierRole): Readonly<ClassifierConfig> {
  return checkRole(role, 'defaultClassifierConfig') === 'reward' ? DEFAULT_REWARD_CLASSIFIER_CONFIG : DEFAULT_EVAL_CLASSIFIER_CONFIG;
}

/** The preset `name` of `role`; unknown names are an error that lists the known ones. */
export function classifierPreset(role: ClassifierRole, name: string): Readonly<ClassifierConfig> {
  const presets = CLASSIFIER_PRESETS[checkRole(role, 'classifierPreset')];
  if (!Object.prototype.hasOwnProperty.call(presets, name)) {
    throw new RangeError(`classifier preset: unknown preset "${name}"; expected one of ${Object.keys(presets).join(', ')}`);
  }
  return presets[name as ClassifierPresetName];
}

/** `role` if it is 'reward' or 'eval'; otherwise an error naming `source`. */
export function checkRole(role: unknown, source: string): ClassifierRole {
  if (role !== 'reward' && role !== 'eval') throw new TypeError(`${source}: role must be "reward" or "eval", got ${JSON.stringify(role)}`);
  return role;
}

type Check = (v: number) => boolean;
const positiveInt: Check = (v) => Number.isSafeInteger(v) && v > 0;
const unit: Check = (v) => v >= 0 && v <= 1;
const NUMBER_RULES: Readonly<Record<Exclude<keyof ClassifierConfig, 'stageChannels' | 'stageResBlocks' | 'pooling'>, readonly [Check, string]>> = {
  imageSize: [positiveInt, 'a positive integer'],
  numClasses: [(v) => positiveInt(v) && v >= 2, 'an integer ≥ 2'],
  inputMean: [Number.isFinite, 'a finite number'],
  inputStd: [(v) => Number.isFinite(v) && v > 0, 'a finite number > 0'],
  kernelSize: [(v) => positiveInt(v) && v % 2 === 1, 'a positive odd integer'],
  featureDim: [positiveInt, 'a positive integer'],
  dropout: [(v) => v >= 0 && v < 1, 'a number in [0, 1)'],
  learningRate: [(v) => Number.isFinite(v) && v > 0, 'a finite number > 0'],
  learningRateFloor: [unit, 'a number in [0, 1]'],
  warmupSteps: [(v) => Number.isSafeInteger(v) && v >= 0, 'a non-negative integer'],
  weightDecay: [(v) => Number.isFinite(v) && v >= 0, 'a finite number ≥ 0'],
  batchSize: [positiveInt, 'a positive integer'],
  epochs: [positiveInt, 'a positive integer'],
  flipProbability: [unit, 'a number in [0, 1]'],
  maxShift: [(v) => Number.isSafeInteger(v) && v >= 0, 'a non-negative integer'],
};
const KNOWN_FIELDS = [...Object.keys(NUMBER_RULES), 'stageChannels', 'stageResBlocks', 'pooling'];

/**
 * Checks every field of a config (e.g. parsed from config.json) and returns it frozen; errors name
 * `source`, the field, what was expected and what was found. Unknown fields are rejected too.
 */
export function validateClassifierConfig(config: unknown, source = 'classifier config'): Readonly<ClassifierConfig> {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new TypeError(`${source}: expected an object of ClassifierConfig fields, got ${JSON.stringify(config)}`);
  }
  const record = config as Record<string, unknown>;
  checkConfigFields(record, KNOWN_FIELDS, source);
  for (const [field, [check, expected]] of Object.entries(NUMBER_RULES)) {
    const value = record[field];
    if (typeof value !== 'number' || !check(value)) throw new TypeError(`${source}: field "${field}" must be ${expected}, got ${JSON.stringify(value)}`);
  }
  const stages = record.stageChannels;
  if (!Array.isArray(stages) || stages.length === 0 || !stages.every((c) => typeof c === 'number' && positiveInt(c))) {
    throw new TypeError(`${source}: field "stageChannels" must be a non-empty array of positive integers, got ${JSON.stringify(stages)}`);
  }
  const blocks = record.stageResBlocks;
  if (!Array.isArray(blocks) || blocks.length !== stages.length || !blocks.every((b) => typeof b === 'number' && Number.isSafeInteger(b) && b >= 0)) {
    throw new TypeError(`${source}: field "stageResBlocks" must be an array of ${stages.length} non-negative integers (one per stage), got ${JSON.stringify(blocks)}`);
  }
  if (record.pooling !== 'avg' && record.pooling !== 'max') {
    throw new TypeError(`${source}: field "pooling" must be "avg" or "max", got ${JSON.stringify(record.pooling)}`);
  }
  const c = record as unknown as ClassifierConfig;
  if (c.imageSize % 2 ** stages.length !== 0) {
    throw new TypeError(`${source}: field "imageSize" (${c.imageSize}) must be divisible by 2^stages = ${2 ** stages.length} (stageChannels has ${stages.length})`);
  }
  return Object.freeze({ ...c, stageChannels: Object.freeze([...(stages as number[])]), stageResBlocks: Object.freeze([...(blocks as number[])]) });
}

/** `base` (default: the role's default) with `overrides` applied, validated. */
export function resolveClassifierConfig(role: ClassifierRole, overrides: Partial<ClassifierConfig> = {}, base?: Readonly<ClassifierConfig>): Readonly<ClassifierConfig> {
  return validateClassifierConfig(mergeConfig<ClassifierConfig>(base ?? defaultClassifierConfig(role), overrides, 'resolveClassifierConfig')); // undefined keeps the base value
}

/**
 * Learning rate of step `step` (0-based) of a `totalSteps` run: linear warm-up, then one cosine decay
 * (Loshchilov & Hutter 2017, SGDR) from learningRate to learningRate × learningRateFloor.
 */
export function classifierLearningRate(config: Readonly<ClassifierConfig>, step: number, totalSteps: number): number {
  const warm = Math.min(config.warmupSteps, Math.max(totalSteps - 1, 0));
  if (step < warm) return (config.learningRate * (step + 1)) / (warm + 1);
  const span = totalSteps - 1 - warm;
  const progress = span <= 0 ? 0 : Math.min(1, (step - warm) / span);
  const floor = config.learningRateFloor;
  return config.learningRate * (floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * progress)));
}
