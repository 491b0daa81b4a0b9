/**
 * What every sampler step shares: input checks, the per-(sample, step) random stream, and turning the chosen
 * commits into the next {@link SampleState} and its {@link StepRecord}.
 */
import type { Rng } from '@speedrl/core';
import { validateLogits } from './policy';
import { validateState } from './state';
import { resolveStepParams, type StepParams } from './step-arrays';
import type { SampleState, SamplerConfig, StepRecord, StepResult } from './types';

/** Tokens a step commits for one sample (positions ascending after {@link applyCommits}). */
export interface SampleCommit {
  /** Committed positions. */
  readonly positions: number[];
  /** Committed token ids, aligned with positions. */
  readonly tokens: number[];
  /** log π of each committed token under the policy it was drawn from. */
  readonly logProbs: number[];
}

/** Validates state and logits `[B, L, K]` and returns the step's parameters. */
export function beginStep(logits: Float32Array, state: SampleState, config: SamplerConfig): StepParams {
  validateState(state);
  validateLogits(logits, state.batch, state.seqLen, state.vocabSize, 'logits passed to the step');
  return resolveStepParams(config, state.step, state.totalSteps);
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
  const tokens = state.tokens.slice();
  const mask = state.mask.slice();
  const committedPositions: Int32Array[] = [];
  const committedTokens: Int32Array[] = [];
  const committedLogProbs: Float32Array[] = [];
  const maskedAfter = new Int32Array(state.batch);
  commits.forEach((commit, b) => {
    const order = commit.positions.map((_, i) => i).sort((i, j) => (commit.positions[i] as number) - (commit.positions[j] as number));
    const positions = Int32Array.from(order, (i) => commit.positions[i] as number);
    const ids = Int32Array.from(order, (i) => commit.tokens[i] as number);
    const logProbs = Float32Array.from(order, (i) => commit.logProbs[i] as number);
    const base = b * state.seqLen;
    positions.forEach((p, i) => {
      if (mask[base + p] !== 1) throw new Error(`@speedrl/sampler step-core.ts: sample ${b} position ${p} committed twice or was not masked`);
      tokens[base + p] = ids[i] as number;
      mask[base + p] = 0;
    });
    committedPositions.push(positions);
    committedTokens.push(ids);
    committedLogProbs.push(logProbs);
  });
  for (let b = 0; b < state.batch; b++) {
    let n = 0;
    for (let p = 0; p < state.seqLen; p++) n += mask[b * state.seqLen + p] as number;
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
