/**
 * MaskGIT confidence step (Chang et al. 2022; google-research/maskgit `parallel_decode`): draw a token at every masked
 * position, score it by confidence = log p(token) + τ_t·Gumbel, keep the schedule's number of least confident masked.
 */
import type { Rng } from '@speedrl/core';
import { locateDrawError } from './policy';
import { nextMaskedCount } from './schedules';
import {
  NOT_DRAWN, canApproximate, checkRow, collectMasked, drawOne, drawPositions, drawUniforms, exactDrawAll, pickCommits, settleDraw, type DrawScratch,
} from './position-draws';
import { stepMaskRatio, type StepParams } from './step-arrays';
import type { LogitsCheck } from './logits-check';
import { applyCommits, beginStep, rowCheck, sampleStream, stepScratch, type SampleCommit, type StepContext } from './step-core';
import type { SampleState, SamplerConfig, StepResult } from './types';

/**
 * One confidence step on guided logits `[B, L, K]`. Tokens are drawn from the policy π = softmax(logits/temperature)
 * (top-k truncated), whose log π is recorded; the confidence uses the guided model's untempered log-probability
 * log softmax(logits)[token] plus τ_t·g, g ~ Gumbel(0, 1), τ_t = τ0·(1 − (t+1)/T); known tokens count as +∞.
 * The number left masked is floor(N·γ((t+1)/T)) clamped by {@link nextMaskedCount}; confidence ties re-mask the lower
 * position. Per sample, the stream `rng.fork(sampleId).fork(t)` first draws the tokens (position order), then the noise.
 * Draws are approximate and ranked by confidences whose error bounds cannot change the committed set (else they are
 * recomputed exactly); committed draws are settled to the float32 log π the exact draw records (`settleDraw`),
 * so the result is that of exact arithmetic.
 */
export function confidenceStep(logits: Float32Array, state: SampleState, rng: Rng, config: SamplerConfig, context?: StepContext): StepResult {
  const params = beginStep(logits, state, config, context, true);
  const scratch = stepScratch(state, context);
  const commits: SampleCommit[] = [];
  const check = rowCheck(context);
  try {
    for (let b = 0; b < state.batch; b++) commits.push(commitSample(logits, state, rng, config, params, b, scratch, check));
  } catch (error) {
    throw locateDrawError(error, state.seqLen, state.step);
  }
  return applyCommits(state, commits, params, config);
}

function commitSample(
  logits: Float32Array, state: SampleState, rng: Rng, config: SamplerConfig, params: StepParams, b: number, scratch: DrawScratch, check?: LogitsCheck,
): SampleCommit {
  const { seqLen, vocabSize, step: t, totalSteps } = state;
  const n = collectMasked(state.mask, b, seqLen, scratch);
  if (n === 0) return { positions: [], tokens: [], logProbs: [] };
  const total = state.initialMasked[b] as number;
  const keep = nextMaskedCount(stepMaskRatio(config, t, totalSteps, total), total, n, t, totalSteps);
  const stream = sampleStream(rng, state, b);
  drawUniforms(stream, n, params.temperature, scratch);
  const { noise, order } = scratch;
  const gumbelScale = params.gumbelScale;
  for (let i = 0; i < n; i++) noise[i] = gumbelScale > 0 ? gumbelScale * stream.gumbel() : 0; // drawn after the tokens' uniforms
  if (keep > 0 && gumbelScale > 0 && canApproximate(params, vocabSize)) drawByNoise(logits, b, seqLen, vocabSize, n, n - keep, params, scratch, check);
  else drawPositions(logits, b, seqLen, vocabSize, n, params, scratch, check);
  let exact = keep === 0;
  if (!rankSeparates(scratch, n, keep)) {
    exactDrawAll(logits, b, seqLen, vocabSize, n, params, scratch);
    exact = true;
    rankSeparates(scratch, n, keep);
  }
  let agrees = true;
  for (let r = keep; r < n; r++) agrees = settleDraw(logits, b, seqLen, vocabSize, order[r] as number, params, scratch) && agrees;
  if (!agrees && !exact) {
    // An approximate value was off by more than its bound (never expected): decide again on exact values.
    exactDrawAll(logits, b, seqLen, vocabSize, n, params, scratch);
    rankSeparates(scratch, n, keep);
  }
  return pickCommits(scratch, order.slice(keep, n));
}

/**
 * Draws approximately in decreasing order of noise and stops once no position left can be committed: a model
 * log-probability is ≤ 0, so confidence ≤ noise, and a position whose noise is below the lower bounds of `nCommit`
 * drawn ones stays masked whatever it would draw. Those are left {@link NOT_DRAWN} (their rows still checked); the
 * stream was drawn from beforehand, so the order of the draws changes nothing.
 */
function drawByNoise(
  logits: Float32Array, b: number, seqLen: number, vocabSize: number, n: number, nCommit: number, params: StepParams, scratch: DrawScratch,
  check?: LogitsCheck,
): void {
  const { noise, modelLogProbs, errors, order2: byNoise, values: top } = scratch;
  sortIndices(byNoise, n, noise, -1);
  let filled = 0; // top[0..filled) ascending: the largest confidence lower bounds so far, at most nCommit
  let r = 0;
  for (; r < n; r++) {
    const i = byNoise[r] as number;
    if (filled === nCommit && (noise[i] as number) < (top[0] as number)) break;
    drawOne(logits, b, seqLen, vocabSize, i, params, scratch, true, check);
    const lower = (modelLogProbs[i] as number) + (noise[i] as number) - (errors[i] as number);
    insertLargest(top, filled, nCommit, lower);
    if (filled < nCommit) filled += 1;
  }
  for (; r < n; r++) {
    const i = byNoise[r] as number;
    checkRow(logits, (b * seqLen + (scratch.positions[i] as number)) * vocabSize, vocabSize, check);
    modelLogProbs[i] = 0;
    errors[i] = NOT_DRAWN;
  }
}

/** Adds `value` to the ascending list top[0..filled) that keeps the `capacity` largest values seen. */
function insertLargest(top: Float64Array, filled: number, capacity: number, value: number): void {
  if (filled < capacity) {
    let k = filled;
    for (; k > 0 && (top[k - 1] as number) > value; k--) top[k] = top[k - 1] as number;
    top[k] = value;
  } else if (value > (top[0] as number)) {
    let k = 0; // drop the smallest
    for (; k + 1 < filled && (top[k + 1] as number) < value; k++) top[k] = top[k + 1] as number;
    top[k] = value;
  }
}

/**
 * Sorts the n draws by confidence (model log-probability + noise; ties → lower index), as `scratch.order`, and says
 * whether the first `keep` (re-masked) are below the rest by more than the error bounds, so that exact values would
 * re-mask the same set.
 */
function rankSeparates(scratch: DrawScratch, n: number, keep: number): boolean {
  const { modelLogProbs, errors, noise, confidence, order } = scratch;
  for (let i = 0; i < n; i++) confidence[i] = (modelLogProbs[i] as number) + (noise[i] as number);
  sortIndices(order, n, confidence, 1);
  if (keep === 0 || keep === n) return true;
  let keptUpper = -Infinity;
  for (let r = 0; r < keep; r++) {
    const i = order[r] as number;
    const upper = (confidence[i] as number) + ((errors[i] as number) === NOT_DRAWN ? 0 : (errors[i] as number)); // not drawn: ≤ noise
    if (upper > keptUpper) keptUpper = upper;
  }
  let committedLower = Infinity;
  for (let r = keep; r < n; r++) {
    const i = order[r] as number;
    if ((errors[i] as number) === NOT_DRAWN) return false;
    const lower = (confidence[i] as number) - (errors[i] as number);
    if (lower < committedLower) committedLower = lower;
  }
  return keptUpper < committedLower;
}

/**
 * Sets order[0..n) to the indices 0..n−1 sorted by `values` (ascending for direction 1, descending for −1), ties →
 * lower index: an insertion sort for the few dozen positions of a sample (no comparator calls), else the built-in sort.
 */
function sortIndices(order: Int32Array, n: number, values: Float64Array, direction: 1 | -1): void {
  for (let i = 0; i < n; i++) order[i] = i;
  if (n > 64) {
    order.subarray(0, n).sort((i, j) => direction * ((values[i] as number) - (values[j] as number)) || i - j);
    return;
  }
  for (let i = 1; i < n; i++) {
    const v = direction * (values[i] as number);
    let k = i;
    for (; k > 0 && direction * (values[order[k - 1] as number] as number) > v; k--) order[k] = order[k - 1] as number;
    order[k] = i;
  }
}
