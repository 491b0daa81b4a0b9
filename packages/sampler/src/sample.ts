/**
 * The sampling driver: calls the LogitsFn once per step (twice with classifier-free guidance: class, then null class),
 * combines, runs the configured pure step (confidence / Halton / adaptive) and collects the trajectory
 * (docs/architecture.md, "Sampler").
 */
import type { Rng } from '@speedrl/core';
import { adaptiveStep } from './adaptive';
import { resolveSamplerConfig } from './config';
import { confidenceStep } from './confidence-step';
import { haltonGrid, haltonStep } from './halton';
import { belowInfinity, checkLogitsShape, unmaskedRowsBelowInfinity, validateLogits, type LogitsCheck } from './logits-check';
import { guidedLogits } from './policy';
import { initState, maskedCounts } from './state';
import { createDrawScratch } from './position-draws';
import { resolveStepParams, validateStepArrays } from './step-arrays';
import type { StepContext } from './step-core';
import type { LogitsFn, SampleState, SamplerConfig, SamplerMethod, StepFn, StepRecord, StepResult, Trajectory } from './types';

const FILE = '@speedrl/sampler sample.ts';

/** The step function of each sampler method. */
export const STEP_FUNCTIONS: Readonly<Record<SamplerMethod, StepFn>> = Object.freeze({
  confidence: confidenceStep,
  halton: haltonStep,
  adaptive: adaptiveStep,
});

type StepWithContext = (logits: Float32Array, state: SampleState, rng: Rng, config: SamplerConfig, context?: StepContext) => StepResult;

const STEPS_WITH_CONTEXT: Readonly<Record<SamplerMethod, StepWithContext>> = { confidence: confidenceStep, halton: haltonStep, adaptive: adaptiveStep };

/** Arguments of {@link sample}. */
export interface SampleOptions {
  /** Class id per sample `[B]`. */
  readonly classes: Int32Array | readonly number[];
  /** T: number of steps (for the adaptive sampler, the cap). */
  readonly steps: number;
  /** Overrides of `DEFAULT_SAMPLER_CONFIG`. */
  readonly config?: Partial<SamplerConfig>;
  /** Seeded stream; sample b uses `rng.fork(sampleIds[b]).fork(t)` at step t and `rng` itself is never advanced. */
  readonly rng: Rng;
  /** Mask id (K; docs/architecture.md, "Data, models and presets"). */
  readonly maskId: number;
  /** L. */
  readonly seqLen: number;
  /** K: logits per position. */
  readonly vocabSize: number;
  /** When given, class ids must be < numClasses (and the guidance null class must be ≥ numClasses). */
  readonly numClasses?: number;
  /** Stable stream id per sample `[B]` (default 0..B−1): the same id, seed and class give the same sample in any batch. */
  readonly sampleIds?: Int32Array | readonly number[];
  /** Starting tokens `[B, L]` with the mask id where masked (inpainting); default all masked. */
  readonly initialTokens?: Int32Array;
  /** Called after every step with its record and the new state. */
  readonly onStep?: (record: StepRecord, state: SampleState) => void | Promise<void>;
}

/** What {@link sample} returns. */
export interface SampleResult {
  /** Final tokens `[B, L]`, no mask left. */
  readonly tokens: Int32Array;
  /** Every step's record. */
  readonly trajectory: Trajectory;
  /** LogitsFn calls made in total. */
  readonly nfe: number;
}

function checkSetup(config: SamplerConfig, state: SampleState, numClasses: number | undefined): void {
  const T = state.totalSteps;
  if (config.stepArrays !== null) validateStepArrays(config.stepArrays, T);
  if (config.method === 'halton') haltonGrid(config, state.seqLen);
  if (config.method !== 'adaptive') {
    state.initialMasked.forEach((n, b) => {
      if (n > 0 && n < T) {
        throw new RangeError(
          `${FILE}: steps T=${T} exceeds the ${n} masked tokens of sample ${b}; the ${config.method} sampler commits ≥ 1 token per step, so T ≤ L (use the adaptive sampler or fewer steps)`,
        );
      }
    });
  }
  const g = config.guidance;
  if (g !== null && numClasses !== undefined && g.nullClassId < numClasses) {
    throw new RangeError(`${FILE}: field "guidance.nullClassId" must not be a real class (< numClasses=${numClasses}), got ${g.nullClassId}`);
  }
}

/**
 * Calls the LogitsFn and checks its output's shape and values — all of them, or (`'unmasked'`, for steps that draw
 * from every masked row) those outside the masked rows, leaving the rest to the step's draws. Either way a bad value
 * throws the same error, naming this call and the first bad entry.
 */
async function callLogits(
  logitsFn: LogitsFn, state: SampleState, classes: Int32Array, what: string, values: LogitsCheck['checked'],
): Promise<{ logits: Float32Array; check: LogitsCheck }> {
  const logits = await logitsFn(state.tokens.slice(), classes);
  const label = `LogitsFn output (${what}, step ${state.step})`;
  const fail = (): never => {
    validateLogits(logits, state.batch, state.seqLen, state.vocabSize, label);
    throw new Error(`${FILE}: ${label} was found bad but validates`); // unreachable: the checks agree
  };
  checkLogitsShape(logits, state.batch, state.seqLen, state.vocabSize, label);
  const ok = values === 'all' ? belowInfinity(logits, 0, logits.length) : unmaskedRowsBelowInfinity(logits, state.mask, state.vocabSize);
  if (!ok) fail();
  return { logits, check: { checked: values, fail } };
}

/**
 * Samples B sequences from a LogitsFn (MaskGIT `parallel_decode` and variants). With guidance the LogitsFn is called with
 * the class ids and with the null class, and the step sees u + w_t·(c − u); NFE counts every call. Stops early once
 * nothing is masked (the adaptive sampler); throws on bad inputs, including T > L for scheduled samplers.
 */
export async function sample(logitsFn: LogitsFn, options: SampleOptions): Promise<SampleResult> {
  const config = resolveSamplerConfig(options.config);
  let state = initState({
    classes: options.classes,
    seqLen: options.seqLen,
    vocabSize: options.vocabSize,
    maskId: options.maskId,
    steps: options.steps,
    numClasses: options.numClasses,
    sampleIds: options.sampleIds,
    initialTokens: options.initialTokens,
  });
  checkSetup(config, state, options.numClasses);
  const stepFn = STEPS_WITH_CONTEXT[config.method];
  // Scratch reused by every step. Without guidance the confidence and adaptive steps check the masked rows as they draw
  // from them, so callLogits checks only the others; guided logits are checked before combining (see guidedLogits).
  const scratch = createDrawScratch(state.seqLen, state.vocabSize);
  const values: LogitsCheck['checked'] = config.guidance === null && config.method !== 'halton' ? 'unmasked' : 'all';
  const guided = config.guidance === null ? null : new Float32Array(state.batch * state.seqLen * state.vocabSize);
  const nullClasses = config.guidance === null ? null : new Int32Array(state.batch).fill(config.guidance.nullClassId);
  const { classes, sampleIds } = state;
  const records: StepRecord[] = [];
  const stepsUsed = new Int32Array(state.batch);
  let nfe = 0;
  for (let t = 0; t < state.totalSteps; t++) {
    const masked = maskedCounts(state);
    if (masked.every((n) => n === 0)) break;
    masked.forEach((n, b) => {
      if (n > 0) stepsUsed[b] = (stepsUsed[b] as number) + 1;
    });
    const conditional = await callLogits(logitsFn, state, classes.slice(), 'conditional pass', values);
    let { logits } = conditional;
    let check: LogitsCheck | undefined = conditional.check;
    nfe += 1;
    if (nullClasses !== null && guided !== null) {
      const unconditional = await callLogits(logitsFn, state, nullClasses.slice(), 'unconditional pass, null class', 'all');
      nfe += 1;
      if (unconditional.logits.buffer === logits.buffer && unconditional.logits.byteOffset === logits.byteOffset) {
        // the second call overwrote the first pass's logits: guidance would silently become unconditional sampling
        throw new RangeError(`${FILE}: logitsFn returned the same array for the conditional and the unconditional pass; guided sampling holds both at once, so return a new Float32Array on each call`);
      }
      const weight = resolveStepParams(config, t, state.totalSteps).cfgWeight ?? 1;
      const combined = guidedLogits(logits, unconditional.logits, weight, guided);
      logits = combined.logits;
      check = combined.checked ? check : undefined; // u + w·(c − u) may overflow: then the step checks it
    }
    const { state: next, record } = stepFn(logits, state, options.rng, config, { scratch, logits: check });
    records.push(record);
    state = next;
    await options.onStep?.(record, state);
  }
  return { tokens: state.tokens, trajectory: { classes, sampleIds, records, stepsUsed }, nfe };
}
