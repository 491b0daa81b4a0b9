/**
 * What every sampler step shares: input checks, the per-(sample, step) random stream, and turning the chosen
 * commits into the next {@link SampleState} and its {@link StepRecord}.
 */
import type { Rng } from '@speedrl/core';
import { checkLogitsShape, validateLogits, type LogitsCheck } from './logits-check';
import { createDrawScratch, scratchFits, type DrawScratch } from './position-draws';
import { validateState } from './state';
import { resolveStepParams, type StepParams } from './step-arrays';
import type { SampleState, SamplerConfig, StepRecord, StepResult } from './types';

/** Tokens a step commits for one sample (positions ascending after {@link applyCommits}). */
export interface SampleCommit {
  /** Committed positions. */
  readonly positions: ArrayLike<number>;
  /** Committed token ids, aligned with positions. */
  readonly tokens: ArrayLike<number>;
  /** log π of each committed token under the policy it was drawn from. */
  readonly logProbs: ArrayLike<number>;
}

/**
 * What `sample()` hands its steps besides (logits, state, rng, config): scratch reused across steps, and how far it
 * has checked the logits. Results do not depend on it; a step called without one allocates and checks everything.
 */
export interface StepContext {
  /** Draw scratch sized for the state's L and K. */
  readonly scratch?: DrawScratch;
  /** What the caller checked of the logits' values; absent: nothing. */
  readonly logits?: LogitsCheck;
}

/**
 * Validates the state and the logits `[B, L, K]` and returns the step's parameters. Values are not checked again where
 * the context says the caller did — in full, or outside the masked rows when `drawsEveryMaskedRow` (the step's draws
 * then check those rows, see `drawPositions`).
 */
export function beginStep(logits: Float32Array, state: SampleState, config: SamplerConfig, context?: StepContext, drawsEveryMaskedRow = false): StepParams {
  validateState(state);
  const checked = context?.logits?.checked;
  if (checked === 'all' || (checked === 'unmasked' && drawsEveryMaskedRow)) {
    checkLogitsShape(logits, state.batch, state.seqLen, state.vocabSize, 'logits passed to the step');
  } else {
    validateLogits(logits, state.batch, state.seqLen, state.vocabSize, 'logits passed to the step');
  }
  return resolveStepParams(config, state.step, state.totalSteps);
}

/** The check a step's draws must make of the masked rows: the caller's, when it left those rows to the step. */
export function rowCheck(context?: StepContext): LogitsCheck | undefined {
  return context?.logits?.checked === 'unmasked' ? context.logits : undefined;
}

/** The context's scratch when it fits the state, else fresh scratch. */
export function stepScratch(state: SampleState, context?: StepContext): DrawScratch {
  const scratch = context?.scratch;
  return scratch !== undefined && scratchFits(scratch, state.seqLen, state.vocabSize) ? scratch : createDrawScratch(state.seqLen, state.vocabSize);
}

/**
 * The random stream of sample b at this step: `rng.fork(sampleIds[b]).fork(step)`. It depends only on the seed, the
 * sample's id and t — not on the batch around it nor on how far `rng` has advanced — so steps are pure and a sample
 * is reproduced exactly in any batch (given a LogitsFn that treats rows independently).
 */
export function sampleStream(rng: Rng, state: SampleState, b: number): Rng {
  return rng.fork(state.sampleIds[b] as number).fork(state.step);
}

/** LogitsFn calls per step for a config: 2 with guidance (conditional + null class), else 1. */
export function nfePerStep(config: SamplerConfig): number {
  return config.guidance === null ? 1 : 2;
}

/** Applies the commits (one per sample) to a copy of the state and builds the step's record (τ_t as given in `params`). */
export function applyCommits(state: SampleState, commits: readonly SampleCommit[], params: StepParams, config: SamplerConfig): StepResult {
  const { seqLen } = state;
  const tokens = state.tokens.slice();
  const mask = state.mask.slice();
  const committedPositions: Int32Array[] = [];
  const committedTokens: Int32Array[] = [];
  const committedLogProbs: Float32Array[] = [];
  const maskedAfter = new Int32Array(state.batch);
  const slot = new Int32Array(seqLen);
  commits.forEach((commit, b) => {
    const n = commit.positions.length;
    const base = b * seqLen;
    slot.fill(-1);
    for (let i = 0; i < n; i++) {
      const p = commit.positions[i] as number;
      if (!(p >= 0 && p < seqLen) || mask[base + p] !== 1 || slot[p] !== -1) {
        throw new Error(`@speedrl/sampler step-core.ts: sample ${b} position ${p} committed twice or was not masked`);
      }
      slot[p] = i;
    }
    const positions = new Int32Array(n);
    const ids = new Int32Array(n);
    const logProbs = new Float32Array(n);
    let j = 0;
    for (let p = 0; p < seqLen && j < n; p++) {
      const i = slot[p] as number;
      if (i < 0) continue;
      positions[j] = p;
      ids[j] = commit.tokens[i] as number;
      logProbs[j] = commit.logProbs[i] as number;
      tokens[base + p] = ids[j] as number;
      mask[base + p] = 0;
      j += 1;
    }
    committedPositions.push(positions);
    committedTokens.push(ids);
    committedLogProbs.push(logProbs);
  });
  for (let b = 0; b < state.batch; b++) {
    let n = 0;
    for (let p = 0; p < seqLen; p++) n += mask[b * seqLen + p] as number;
    maskedAfter[b] = n;
  }
  const record: StepRecord = {
    step: state.step,
    totalSteps: state.totalSteps,
    tokensBefore: state.tokens.slice(),
    maskBefore: state.mask.slice(),
    committedPositions,
    committedTokens,
    committedLogProbs,
    maskedAfter,
    temperature: params.temperature,
    topK: params.topK,
    gumbelScale: params.gumbelScale,
    cfgWeight: params.cfgWeight,
    nfe: nfePerStep(config),
  };
  return { state: { ...state, tokens, mask, step: state.step + 1 }, record };
}
