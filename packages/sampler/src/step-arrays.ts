/**
 * Per-step parameters: the scalar rules of MaskGIT (schedule, linear Gumbel annealing, CFG warm-up) or explicit
 * AutoNAT-style arrays (Ni et al. 2024, "AutoNAT: Revisiting Non-Autoregressive Transformers…") that override them.
 */
import { showValue } from '@speedrl/core';
import { getSchedule } from './schedules';
import type { GuidanceConfig, SamplerConfig, StepArrays } from './types';

const FILE = '@speedrl/sampler step-arrays.ts';

/** The values one step uses. */
export interface StepParams {
  /** Softmax temperature of the token draws. */
  readonly temperature: number;
  /** Top-k truncation (0 = off). */
  readonly topK: number;
  /** Gumbel noise scale τ_t of the confidence. */
  readonly gumbelScale: number;
  /** Guidance weight w_t, or null without guidance. */
  readonly cfgWeight: number | null;
}

/** MaskGIT re-masking noise τ_t = τ0·(1 − (t+1)/T): linear in t, exactly 0 at the last step t = T−1. */
export function annealedGumbelScale(tau0: number, t: number, totalSteps: number): number {
  return t >= totalSteps - 1 ? 0 : tau0 * (1 - (t + 1) / totalSteps);
}

/** Guidance weight at step t: w, or with linear warm-up w·t/(T−1) (w at T = 1), as in Halton-MaskGIT's "linear" CFG. */
export function guidanceWeightAt(guidance: GuidanceConfig, t: number, totalSteps: number): number {
  if (guidance.warmup === 'none' || totalSteps <= 1) return guidance.weight;
  return (guidance.weight * t) / (totalSteps - 1);
}

function checkArray(values: readonly number[] | undefined, name: string, totalSteps: number, check: (v: number) => boolean, what: string): void {
  if (values === undefined) return;
  if (!Array.isArray(values) && !(ArrayBuffer.isView(values) && !(values instanceof DataView))) {
    throw new TypeError(`${FILE}: field "stepArrays.${name}" must be an array of T=${totalSteps} numbers, got ${showValue(values)}`);
  }
  if (values.length !== totalSteps) {
    throw new RangeError(`${FILE}: field "stepArrays.${name}" must have length T=${totalSteps}, got ${values.length}`);
  }
  // An index loop, not forEach: forEach skips the holes of a sparse array ([1, , 1]), which would then pass unchecked.
  for (let t = 0; t < values.length; t++) {
    const v: unknown = values[t];
    if (typeof v !== 'number') throw new TypeError(`${FILE}: field "stepArrays.${name}[${t}]" must be a number (${what}), got ${showValue(v)}`);
    if (!check(v)) throw new RangeError(`${FILE}: field "stepArrays.${name}[${t}]" must be ${what}, got ${v}`);
  }
}

/** Checks explicit arrays against T: lengths = T, ratios in [0, 1] non-increasing and ending at 0, temperatures/τ ≥ 0, weights finite. */
export function validateStepArrays(arrays: StepArrays, totalSteps: number): void {
  checkArray(arrays.maskRatios, 'maskRatios', totalSteps, (v) => v >= 0 && v <= 1, 'in [0, 1]');
  const ratios = arrays.maskRatios;
  if (ratios !== undefined) {
    for (let t = 1; t < ratios.length; t++) {
      if ((ratios[t] as number) > (ratios[t - 1] as number)) {
        throw new RangeError(`${FILE}: field "stepArrays.maskRatios" must be non-increasing, got ${ratios[t - 1]} then ${ratios[t]} at step ${t}`);
      }
    }
    if (ratios[ratios.length - 1] !== 0) {
      throw new RangeError(`${FILE}: field "stepArrays.maskRatios" must end at 0 (all committed), got ${ratios[ratios.length - 1]}`);
    }
  }
  const finiteNonNegative = (v: number): boolean => v >= 0 && Number.isFinite(v);
  checkArray(arrays.temperatures, 'temperatures', totalSteps, finiteNonNegative, 'finite and ≥ 0');
  checkArray(arrays.gumbelScales, 'gumbelScales', totalSteps, finiteNonNegative, 'finite and ≥ 0');
  checkArray(arrays.cfgWeights, 'cfgWeights', totalSteps, Number.isFinite, 'finite');
}

function checkStep(t: number, totalSteps: number): void {
  if (!Number.isInteger(totalSteps) || totalSteps < 1) throw new RangeError(`${FILE}: steps T must be an integer ≥ 1, got ${showValue(totalSteps)}`);
  if (!Number.isInteger(t) || t < 0 || t >= totalSteps) throw new RangeError(`${FILE}: step t must be an integer in [0, ${totalSteps}), got ${showValue(t)}`);
}

/** The temperature, top-k, τ_t and w_t of step t of T: per-step arrays where given, else the scalar rules. */
export function resolveStepParams(config: SamplerConfig, t: number, totalSteps: number): StepParams {
  checkStep(t, totalSteps);
  const arrays = config.stepArrays;
  if (arrays !== null) validateStepArrays(arrays, totalSteps);
  const g = config.guidance;
  return {
    temperature: arrays?.temperatures?.[t] ?? config.temperature,
    topK: config.topK,
    gumbelScale: arrays?.gumbelScales?.[t] ?? annealedGumbelScale(config.gumbelScale, t, totalSteps),
    cfgWeight: g === null ? null : (arrays?.cfgWeights?.[t] ?? guidanceWeightAt(g, t, totalSteps)),
  };
}

/** Fraction γ of the N initially masked tokens that should still be masked after step t: arrays, else schedule((t+1)/T, N). */
export function stepMaskRatio(config: SamplerConfig, t: number, totalSteps: number, totalTokens: number): number {
  checkStep(t, totalSteps);
  const ratio = config.stepArrays?.maskRatios?.[t];
  return ratio ?? getSchedule(config.schedule)((t + 1) / totalSteps, totalTokens);
}
