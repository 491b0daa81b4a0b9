/** Sampler configuration: frozen defaults, merging of partial configs and validation with the bad field named. */
import { checkConfigFields, mergeConfig, showValue } from '@speedrl/core';
import { getSchedule } from './schedules';
import type { GuidanceConfig, SamplerConfig, StepArrays } from './types';

const FILE = '@speedrl/sampler config.ts';

/** Defaults (MaskGIT `parallel_decode` unless noted). */
export const DEFAULT_SAMPLER_CONFIG: SamplerConfig = Object.freeze({
  method: 'confidence', // MaskGIT's confidence-based parallel decoding
  schedule: 'cosine', // the MaskGIT paper's best schedule
  temperature: 1, // draw from the model's own distribution
  topK: 0, // no truncation: the policy is the full softmax, which RL needs
  gumbelScale: 4.5, // MaskGIT `choice_temperature` default
  guidance: null, // one LogitsFn call per step unless CFG is asked for
  stepArrays: null, // the scalar rules above unless explicit per-step values are given
  adaptiveThreshold: 0.9, // commit tokens the model is ≥ 90 % sure of
  adaptiveMinPerStep: 0, // plain threshold decoding (at least the most probable draw); 'schedule' = the hybrid, 'exit' = scheduled with an early exit
  adaptiveChoiceNoise: false, // the top-up ranks by probability (without noise samples collapse: checkpoints/adaptive-v1)
  gridHeight: 0, // √L: 7×7 for the 49-token Fashion-MNIST tokenizer
  gridWidth: 0, // L / gridHeight
  haltonRandomOffset: false, // Halton-MaskGIT `randomize=False` default: one fixed order
} as const);

/** Default guidance block: w = 1 is plain conditional sampling; null class 10 = numClasses of Fashion-MNIST. */
export const DEFAULT_GUIDANCE: GuidanceConfig = Object.freeze({
  weight: 1, // conditional model, no extrapolation
  nullClassId: 10, // class ids 0..9, null class 10 ("Data, models and presets")
  warmup: 'none', // constant weight
} as const);

/**
 * The guidance of a user-facing CFG weight w of u + w·(c − u) (docs/architecture.md, "Classifier-free guidance"):
 * 0 ("off") and 1 are plain conditional sampling, one pass per step (null); w > 1 guides with two passes per step.
 * 0 < w < 1 (toward unconditional samples, still labelled by class) and w < 0 are refused, so the weight has one
 * continuous meaning: "off" is never a hair away from unconditional sampling.
 */
export function guidanceForWeight(weight: number, nullClassId: number): GuidanceConfig | null {
  if (weight === 0 || weight === 1) return null;
  if (!Number.isFinite(weight) || weight < 1) {
    throw new RangeError(`${FILE}: guidance weight must be 0 (off, plain conditional sampling, as w = 1) or a finite w ≥ 1 in u + w·(c − u), got ${showValue(weight)} (0 < w < 1 moves toward unconditional samples under class labels)`);
  }
  return { weight, nullClassId, warmup: 'none' };
}

/** The fields a `stepArrays` block may have (each optional): a misspelt one is refused rather than ignored. */
const STEP_ARRAY_FIELDS: Readonly<Record<keyof StepArrays, undefined>> = Object.freeze({
  maskRatios: undefined, temperatures: undefined, gumbelScales: undefined, cfgWeights: undefined,
});

/** A full config from a partial one: missing fields from {@link DEFAULT_SAMPLER_CONFIG}, guidance from {@link DEFAULT_GUIDANCE}; validated. */
export function resolveSamplerConfig(partial: Partial<SamplerConfig> = {}): SamplerConfig {
  const merged = mergeConfig(DEFAULT_SAMPLER_CONFIG, partial, FILE);
  const guidance = partial.guidance === undefined || partial.guidance === null ? null : mergeConfig(DEFAULT_GUIDANCE, partial.guidance, `${FILE}: field "guidance"`);
  if (partial.stepArrays !== undefined && partial.stepArrays !== null) checkConfigFields(partial.stepArrays, STEP_ARRAY_FIELDS, `${FILE}: field "stepArrays"`);
  const config: SamplerConfig = { ...merged, guidance, stepArrays: partial.stepArrays ?? null };
  validateSamplerConfig(config);
  return config;
}

function nonNegativeFinite(value: number, field: string): void {
  if (typeof value !== 'number') throw new TypeError(`${FILE}: field "${field}" must be a finite number ≥ 0, got ${showValue(value)}`);
  if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`${FILE}: field "${field}" must be a finite number ≥ 0, got ${value}`);
}

function nonNegativeInteger(value: number, field: string): void {
  if (typeof value !== 'number') throw new TypeError(`${FILE}: field "${field}" must be an integer ≥ 0, got ${showValue(value)}`);
  if (!Number.isInteger(value) || value < 0) throw new RangeError(`${FILE}: field "${field}" must be an integer ≥ 0, got ${value}`);
}

/** Throws a RangeError (TypeError for a value of the wrong type) naming the field when a config value is out of range (step arrays are checked against T later). */
export function validateSamplerConfig(config: SamplerConfig): void {
  if (config.method !== 'confidence' && config.method !== 'halton' && config.method !== 'adaptive') {
    throw new RangeError(`${FILE}: field "method" must be "confidence", "halton" or "adaptive", got ${showValue(config.method)}`);
  }
  if (typeof config.schedule !== 'string') {
    throw new TypeError(`${FILE}: field "schedule" must be a schedule name (a string such as "cosine" or "pow-2"), got ${showValue(config.schedule)}`);
  }
  getSchedule(config.schedule);
  nonNegativeFinite(config.temperature, 'temperature');
  nonNegativeInteger(config.topK, 'topK');
  nonNegativeFinite(config.gumbelScale, 'gumbelScale');
  if (typeof config.adaptiveThreshold !== 'number' || !(config.adaptiveThreshold > 0 && config.adaptiveThreshold <= 1)) {
    const Err = typeof config.adaptiveThreshold === 'number' ? RangeError : TypeError;
    throw new Err(`${FILE}: field "adaptiveThreshold" must be in (0, 1], got ${showValue(config.adaptiveThreshold)}`);
  }
  if (config.adaptiveMinPerStep !== 'schedule' && config.adaptiveMinPerStep !== 'exit') nonNegativeInteger(config.adaptiveMinPerStep, 'adaptiveMinPerStep (an integer ≥ 0, "schedule" or "exit")');
  if (typeof config.adaptiveChoiceNoise !== 'boolean') {
    throw new TypeError(`${FILE}: field "adaptiveChoiceNoise" must be a boolean (true or false), got ${showValue(config.adaptiveChoiceNoise)}`);
  }
  nonNegativeInteger(config.gridHeight, 'gridHeight');
  nonNegativeInteger(config.gridWidth, 'gridWidth');
  if (typeof config.haltonRandomOffset !== 'boolean') {
    throw new TypeError(`${FILE}: field "haltonRandomOffset" must be a boolean (true or false), got ${showValue(config.haltonRandomOffset)}`);
  }
  const g = config.guidance;
  if (g !== null) {
    if (typeof g !== 'object') throw new TypeError(`${FILE}: field "guidance" must be an object { weight, nullClassId, warmup } or null, got ${showValue(g)}`);
    if (typeof g.weight !== 'number') throw new TypeError(`${FILE}: field "guidance.weight" must be a finite number, got ${showValue(g.weight)}`);
    if (!Number.isFinite(g.weight)) throw new RangeError(`${FILE}: field "guidance.weight" must be finite, got ${g.weight}`);
    // The null class fills an Int32Array of class ids: 2^31 and above would wrap to another (possibly real) class.
    if (typeof g.nullClassId !== 'number' || !Number.isInteger(g.nullClassId) || g.nullClassId < 0 || g.nullClassId >= 2 ** 31) {
      const Err = typeof g.nullClassId === 'number' ? RangeError : TypeError;
      throw new Err(`${FILE}: field "guidance.nullClassId" must be an integer in [0, 2^31) (an int32 class id), got ${showValue(g.nullClassId)}`);
    }
    if (g.warmup !== 'none' && g.warmup !== 'linear') {
      throw new RangeError(`${FILE}: field "guidance.warmup" must be "none" or "linear", got ${showValue(g.warmup)}`);
    }
  }
  const arrays = config.stepArrays;
  if (arrays !== null && (typeof arrays !== 'object' || Array.isArray(arrays))) {
    throw new TypeError(`${FILE}: field "stepArrays" must be an object of per-step arrays or null, got ${showValue(arrays)}`);
  }
  if (arrays?.cfgWeights !== undefined && g === null) {
    throw new RangeError(`${FILE}: field "stepArrays.cfgWeights" needs "guidance" (for the null class id)`);
  }
}
