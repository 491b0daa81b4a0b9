/**
 * Types of the sampler package: the model is only ever seen as a {@link LogitsFn}; a sampler step is a pure
 * function of (logits, state, rng, config) that returns the next state and a {@link StepRecord} for RL
 * (docs/architecture.md, "Sampler").
 */
import type { Rng } from '@speedrl/core';

/**
 * The model as the sampler sees it: logits `[B, L, K]` for tokens `[B, L]` (masked positions hold the mask id)
 * and class ids `[B]`. Must treat its inputs as read-only, handle every row independently of the others, and return
 * a new array on each call (guided sampling holds the conditional and the unconditional logits at once).
 */
export type LogitsFn = (tokens: Int32Array, classes: Int32Array) => Promise<Float32Array>;

/** Which positions a step commits: MaskGIT confidence, a fixed Halton order, or a probability threshold. */
export type SamplerMethod = 'confidence' | 'halton' | 'adaptive';

/** Classifier-free guidance (Ho & Salimans 2022): logits_u + w·(logits_c − logits_u), unconditional = null class. */
export interface GuidanceConfig {
  /** Guidance weight w: 0 gives the unconditional model, 1 the conditional one, > 1 extrapolates. */
  readonly weight: number;
  /**
   * Class id of the unconditional ("null") class the model was trained with (10 = numClasses; docs/architecture.md,
   * "Data, models and presets").
   */
  readonly nullClassId: number;
  /** 'linear' ramps w_t = w·t/(T−1) from 0 at the first step to w at the last (Halton-MaskGIT); 'none' keeps w. */
  readonly warmup: 'none' | 'linear';
}

/** AutoNAT-style explicit per-step values (Ni et al. 2024); each array has length T and overrides the scalar rule. */
export interface StepArrays {
  /** Fraction of the initially masked tokens still masked after step t; non-increasing in [0, 1], last = 0. */
  readonly maskRatios?: readonly number[];
  /** Softmax temperature used to draw tokens at step t (≥ 0; 0 = argmax). */
  readonly temperatures?: readonly number[];
  /** Gumbel noise scale τ_t added to the confidence at step t (≥ 0). */
  readonly gumbelScales?: readonly number[];
  /** Guidance weight w_t at step t (needs `guidance` for the null class id). */
  readonly cfgWeights?: readonly number[];
}

/** The adaptive sampler's commits per step: a floor count, the schedule's count as a floor, or the schedule's count with an early exit (`SamplerConfig.adaptiveMinPerStep`). */
export type AdaptiveMinPerStep = number | 'schedule' | 'exit';

/** How to sample; every field has a default in `DEFAULT_SAMPLER_CONFIG`. */
export interface SamplerConfig {
  /** Which positions are committed each step. */
  readonly method: SamplerMethod;
  /** Mask schedule name from the registry (cosine, arccos, linear, exp, log, pow-k). */
  readonly schedule: string;
  /** Softmax temperature of the token draws (0 = argmax). */
  readonly temperature: number;
  /** Keep only the k most likely tokens before drawing (0 = off). */
  readonly topK: number;
  /** τ0 of the re-masking noise τ_t = τ0·(1 − (t+1)/T) (MaskGIT `choice_temperature`). */
  readonly gumbelScale: number;
  /** Classifier-free guidance, or null for one conditional LogitsFn call per step. */
  readonly guidance: GuidanceConfig | null;
  /** Explicit per-step values overriding the schedule/temperature/τ/w rules, or null. */
  readonly stepArrays: StepArrays | null;
  /** Adaptive sampler: commit every masked token whose model probability is ≥ this. */
  readonly adaptiveThreshold: number;
  /**
   * Adaptive sampler: tokens committed at least per step (the hybrid), the most probable draws topping up those over
   * the threshold; `'schedule'` = the count the confidence sampler's schedule commits at step t of T; 0 or 1 = plain;
   * `'exit'` = exactly the schedule's count, or every remaining draw at once when all of them pass the threshold (the
   * confidence sampler with an early exit).
   */
  readonly adaptiveMinPerStep: AdaptiveMinPerStep;
  /**
   * Adaptive sampler: rank the draws that top up to the floor (at least one) by confidence log p + τ_t·g, g ~ Gumbel,
   * as the confidence sampler ranks (τ_t from `gumbelScale`, annealed), instead of by probability alone.
   */
  readonly adaptiveChoiceNoise: boolean;
  /** Halton sampler: grid height × width of the L positions (0 = √L, which must then be an integer). */
  readonly gridHeight: number;
  /** Halton sampler: grid width (0 = L / gridHeight). */
  readonly gridWidth: number;
  /** Halton sampler: roll the Halton order by a per-sample random offset (Halton-MaskGIT `randomize`). */
  readonly haltonRandomOffset: boolean;
}

/** The decoding state of a batch; steps never mutate it, they return a new one. */
export interface SampleState {
  /** Batch size B. */
  readonly batch: number;
  /** Sequence length L (image tokens). */
  readonly seqLen: number;
  /** Codebook size K: logits have K entries per position and token ids are 0..K−1. */
  readonly vocabSize: number;
  /** Id written at masked positions (K; "Data, models and presets"). */
  readonly maskId: number;
  /** Token ids `[B, L]`; masked positions hold `maskId`. */
  readonly tokens: Int32Array;
  /** `[B, L]`, 1 = masked. */
  readonly mask: Uint8Array;
  /** Class ids `[B]`. */
  readonly classes: Int32Array;
  /** Stable per-sample stream ids `[B]`: sample b draws from `rng.fork(sampleIds[b])`, whatever the batch holds. */
  readonly sampleIds: Int32Array;
  /** Masked count of each sample before the first step `[B]` (the N of the schedule). */
  readonly initialMasked: Int32Array;
  /** Steps done so far (t of the next step). */
  readonly step: number;
  /** T (the cap for the adaptive sampler). */
  readonly totalSteps: number;
}

/** What one step did, enough for RL to recompute the policy's log-probabilities. */
export interface StepRecord {
  /** Index t of this step. */
  readonly step: number;
  /** T. */
  readonly totalSteps: number;
  /** Tokens before the step `[B, L]` (the model input). */
  readonly tokensBefore: Int32Array;
  /** Mask before the step `[B, L]`, 1 = masked. */
  readonly maskBefore: Uint8Array;
  /** Per sample, the positions committed at this step (ascending). */
  readonly committedPositions: readonly Int32Array[];
  /** Per sample, the token ids committed at those positions. */
  readonly committedTokens: readonly Int32Array[];
  /** Per sample, log π(token) under the guided, temperature-scaled, top-k-truncated distribution they were drawn from. */
  readonly committedLogProbs: readonly Float32Array[];
  /** Per sample, tokens still masked after the step `[B]`. */
  readonly maskedAfter: Int32Array;
  /** Temperature used at this step. */
  readonly temperature: number;
  /** Top-k used at this step (0 = off). */
  readonly topK: number;
  /** Gumbel scale τ_t used at this step (0 for samplers that do not use confidence noise). */
  readonly gumbelScale: number;
  /** Guidance weight w_t used, or null without guidance. */
  readonly cfgWeight: number | null;
  /** LogitsFn calls this step cost (2 with guidance, else 1). */
  readonly nfe: number;
}

/** The whole decoding path of a batch. */
export interface Trajectory {
  /** Class ids `[B]`. */
  readonly classes: Int32Array;
  /** Per-sample stream ids `[B]`. */
  readonly sampleIds: Int32Array;
  /** One record per step run. */
  readonly records: readonly StepRecord[];
  /** Steps each sample needed until nothing was masked `[B]` (≤ T; fewer for the adaptive sampler). */
  readonly stepsUsed: Int32Array;
}

/** A pure sampler step ("Sampler"): `logits` `[B, L, K]` are already guided. */
export type StepFn = (logits: Float32Array, state: SampleState, rng: Rng, config: SamplerConfig) => StepResult;

/** Result of a {@link StepFn}. */
export interface StepResult {
  /** The state after the step. */
  readonly state: SampleState;
  /** What the step did. */
  readonly record: StepRecord;
}
