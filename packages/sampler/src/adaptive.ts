/**
 * Adaptive (threshold) sampler: each step draws a token at every masked position and commits all whose model
 * probability reaches a threshold — at least the most probable one, and everything at the step cap T — so a
 * confident model finishes in fewer steps (in the spirit of confidence-threshold parallel decoding for masked models).
 * The hybrid (`adaptiveMinPerStep`) commits at least a floor per step — a count, or the schedule's count at step t of
 * T — topping up with the most probable remaining draws, so it finishes within T like a scheduled sampler. With
 * `'exit'` it commits exactly the schedule's count (the confidence sampler's choice, with the choice noise), or every
 * remaining draw at once when all of them pass the threshold: a scheduled sampler that stops early where the model is
 * sure of the whole rest of the image (docs/architecture.md, "Sampler").
 */
import type { Rng } from '@speedrl/core';
import { collectMasked, drawPositions, drawUniforms, exactDraw, exactDrawAll, pickCommits, settleDraw, type DrawScratch } from './position-draws';
import { locateDrawError } from './policy';
import { nextMaskedCount } from './schedules';
import { stepMaskRatio, type StepParams } from './step-arrays';
import { applyCommits, beginStep, rowCheck, sampleStream, stepScratch, type SampleCommit, type StepContext } from './step-core';
import type { SampleState, SamplerConfig, StepResult } from './types';

/**
 * One adaptive step on guided logits `[B, L, K]`: tokens are drawn from the policy (stream `rng.fork(sampleId).fork(t)`,
 * position order) and committed where the guided model's untempered probability softmax(logits)[token] ≥
 * `adaptiveThreshold`; if none passes, the most probable draw (ties → lower position) is committed; at t = T−1 all are.
 * With a floor (`adaptiveMinPerStep`) above that count, the most probable others (exact model probabilities, ties →
 * lower position) top it up. No Gumbel noise (the record's gumbelScale is 0) unless `adaptiveChoiceNoise`: then the
 * top-up (to at least one) ranks by confidence log p + τ_t·g as the confidence step does, g drawn after the tokens from
 * the same stream, and the record keeps τ_t. Draws are exact within their error bound
 * of a decision and committed draws are settled to the float32 log π the exact draw records (`settleDraw`), so
 * the result is that of exact arithmetic.
 */
export function adaptiveStep(logits: Float32Array, state: SampleState, rng: Rng, config: SamplerConfig, context?: StepContext): StepResult {
  const params = beginStep(logits, state, config, context, true);
  const scratch = stepScratch(state, context);
  const threshold = Math.log(config.adaptiveThreshold);
  const check = rowCheck(context);
  const commits: SampleCommit[] = [];
  const noisy = config.adaptiveChoiceNoise && params.gumbelScale > 0;
  try {
    for (let b = 0; b < state.batch; b++) {
      const n = collectMasked(state.mask, b, state.seqLen, scratch);
      const stream = sampleStream(rng, state, b);
      drawUniforms(stream, n, params.temperature, scratch);
      // the choice noise, drawn after the tokens' uniforms (as the confidence step draws it); zero without it
      for (let i = 0; i < n; i++) scratch.noise[i] = noisy ? params.gumbelScale * stream.gumbel() : 0;
      const last = state.step === state.totalSteps - 1;
      drawPositions(logits, b, state.seqLen, state.vocabSize, n, params, scratch, check);
      const floor = minimumCommits(config, state, b, n);
      // with noise the threshold's draws need no fallback: the top-up to at least one ranks by noisy confidence
      const chosen = last ? settleAll(logits, state, b, n, params, scratch)
        : config.adaptiveMinPerStep === 'exit' ? chooseOrExit(logits, state, b, n, params, threshold, Math.max(floor, Math.min(n, 1)), scratch)
          : chooseWithFloor(logits, state, b, n, params, threshold, noisy ? Math.max(floor, Math.min(n, 1)) : floor, scratch, !noisy);
      commits.push(pickCommits(scratch, chosen));
    }
  } catch (error) {
    throw locateDrawError(error, state.seqLen, state.step);
  }
  return applyCommits(state, commits, { ...params, gumbelScale: noisy ? params.gumbelScale : 0 }, config);
}

/**
 * The draws to commit (before t = T−1): model log-probability ≥ threshold, else the first most probable. Draws within
 * their error bound of a decision are made exact first; null when an exact value contradicts its approximation.
 */
function choose(logits: Float32Array, state: SampleState, b: number, n: number, params: StepParams, threshold: number, scratch: DrawScratch, fallback = true): Int32Array | null {
  const { modelLogProbs, errors, order } = scratch;
  const { seqLen, vocabSize } = state;
  let count = 0;
  for (let i = 0; i < n; i++) {
    const m = modelLogProbs[i] as number;
    const above = m >= threshold;
    if (errors[i] !== 0 && (m - (errors[i] as number) < threshold) !== (m + (errors[i] as number) < threshold)) {
      exactDraw(logits, b, seqLen, vocabSize, i, params, scratch);
      if ((modelLogProbs[i] as number) >= threshold) order[count++] = i;
    } else if (above) {
      order[count++] = i;
    }
  }
  if (fallback && count === 0 && n > 0) {
    const best = mostProbable(logits, state, b, n, params, scratch);
    if (best < 0) return null;
    order[count++] = best;
  }
  for (let c = 0; c < count; c++) if (!settleDraw(logits, b, seqLen, vocabSize, order[c] as number, params, scratch)) return null;
  return order.slice(0, count);
}

/** All n draws, settled for their records (the step cap commits everything; a settled draw's token is exact). */
function settleAll(logits: Float32Array, state: SampleState, b: number, n: number, params: StepParams, scratch: DrawScratch): Int32Array {
  for (let i = 0; i < n; i++) settleDraw(logits, b, state.seqLen, state.vocabSize, i, params, scratch);
  return Int32Array.from({ length: n }, (_, i) => i);
}

/**
 * The first draw of largest model log-probability: candidates are those whose bound reaches the best lower bound;
 * they are made exact and compared in index order (strict >, as a plain scan would). −1 on a contradiction.
 */
function mostProbable(logits: Float32Array, state: SampleState, b: number, n: number, params: StepParams, scratch: DrawScratch): number {
  const { modelLogProbs, errors } = scratch;
  let bestLower = -Infinity;
  for (let i = 0; i < n; i++) {
    const lower = (modelLogProbs[i] as number) - (errors[i] as number);
    if (lower > bestLower) bestLower = lower;
  }
  let best = -1;
  for (let i = 0; i < n; i++) {
    if ((modelLogProbs[i] as number) + (errors[i] as number) < bestLower) continue;
    if (!exactDraw(logits, b, state.seqLen, state.vocabSize, i, params, scratch)) return -1;
    if (best < 0 || (modelLogProbs[i] as number) > (modelLogProbs[best] as number)) best = i;
  }
  return best;
}

/**
 * The hybrid's floor of sample b at step t (≤ n masked): `adaptiveMinPerStep`, or with `'schedule'` (and `'exit'`) the tokens the
 * confidence sampler's schedule commits at step t of T from the sample's N initially masked (docs/architecture.md, "Sampler").
 */
export function minimumCommits(config: SamplerConfig, state: SampleState, b: number, n: number): number {
  const floor = config.adaptiveMinPerStep;
  if (floor !== 'schedule' && floor !== 'exit') return Math.min(n, floor);
  const { step: t, totalSteps } = state;
  const total = state.initialMasked[b] as number;
  let before = total;
  let after = total;
  for (let s = 0; s <= t; s++) {
    before = after;
    after = nextMaskedCount(stepMaskRatio(config, s, totalSteps, total), total, before, s, totalSteps);
  }
  return Math.min(n, before - after);
}

/**
 * `'exit'` before t = T−1: every draw when all pass the threshold (the rest of the image in this step), else exactly
 * `count` of them, the most confident ({@link topUp} from none: the confidence sampler's choice). Decided on exact
 * values where an error bound straddles the threshold or the ranking.
 */
function chooseOrExit(logits: Float32Array, state: SampleState, b: number, n: number, params: StepParams, threshold: number, count: number, scratch: DrawScratch): Int32Array {
  const passing = choose(logits, state, b, n, params, threshold, scratch, false);
  if (passing !== null && passing.length === n) return passing;
  const none = new Int32Array(0);
  const ranked = passing === null ? null : topUp(logits, state, b, n, params, none, count, scratch);
  if (ranked !== null) return ranked;
  exactDrawAll(logits, b, state.seqLen, state.vocabSize, n, params, scratch);
  const exact = choose(logits, state, b, n, params, threshold, scratch, false);
  return exact !== null && exact.length === n ? exact : (topUp(logits, state, b, n, params, none, count, scratch) ?? none);
}

/**
 * The draws to commit before t = T−1: {@link choose}'s, topped up to `floor` ({@link topUp}); where an exact value
 * contradicts its approximation (never expected), both are decided again on exact values.
 */
function chooseWithFloor(
  logits: Float32Array, state: SampleState, b: number, n: number, params: StepParams, threshold: number, floor: number, scratch: DrawScratch, fallback = true,
): Int32Array {
  const chosen = choose(logits, state, b, n, params, threshold, scratch, fallback);
  if (chosen !== null && floor <= chosen.length) return chosen;
  const topped = chosen === null ? null : topUp(logits, state, b, n, params, chosen, floor, scratch);
  if (topped !== null) return topped;
  exactDrawAll(logits, b, state.seqLen, state.vocabSize, n, params, scratch);
  const exact = choose(logits, state, b, n, params, threshold, scratch, fallback) ?? new Int32Array(0);
  return floor > exact.length ? (topUp(logits, state, b, n, params, exact, floor, scratch) ?? exact) : exact;
}

/**
 * `chosen` (draw indices) plus the most probable other draws (exact model log-probabilities; ties → lower index) up to
 * `floor`: ranked on approximate values, made exact only where their error bounds do not separate the ones taken from
 * the rest; the ones taken are settled. Null when a settled draw contradicts its approximation.
 */
function topUp(
  logits: Float32Array, state: SampleState, b: number, n: number, params: StepParams, chosen: Int32Array, floor: number, scratch: DrawScratch,
): Int32Array | null {
  const { modelLogProbs, noise } = scratch;
  const taken = new Uint8Array(n);
  for (const i of chosen) taken[i] = 1;
  const rest = Array.from({ length: n }, (_, i) => i).filter((i) => taken[i] === 0);
  // by confidence: model log-probability plus the choice noise (zero unless adaptiveChoiceNoise)
  const byProbability = (a: number, c: number): number => (modelLogProbs[c] as number) + (noise[c] as number) - (modelLogProbs[a] as number) - (noise[a] as number) || a - c;
  rest.sort(byProbability);
  const need = floor - chosen.length;
  if (!separates(rest, need, scratch)) {
    exactDrawAll(logits, b, state.seqLen, state.vocabSize, n, params, scratch);
    rest.sort(byProbability);
  }
  const picked = rest.slice(0, need);
  for (const i of picked) if (!settleDraw(logits, b, state.seqLen, state.vocabSize, i, params, scratch)) return null;
  return Int32Array.from([...chosen, ...picked]);
}

/** Whether the first `need` of `ranked` are above the others by more than their error bounds (so exact values take the same). */
function separates(ranked: readonly number[], need: number, scratch: DrawScratch): boolean {
  const { modelLogProbs, errors, noise } = scratch;
  let takenLower = Infinity;
  let restUpper = -Infinity;
  for (let r = 0; r < ranked.length; r++) {
    const i = ranked[r] as number;
    const m = (modelLogProbs[i] as number) + (noise[i] as number);
    const e = errors[i] as number;
    if (e < 0) return false; // not drawn: no bound
    if (r < need) takenLower = Math.min(takenLower, m - e);
    else restUpper = Math.max(restUpper, m + e);
  }
  return takenLower > restUpper;
}
