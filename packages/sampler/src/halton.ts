/**
 * Halton sampler (Besnier et al. 2025, "Halton Scheduler for Masked Generative Image Transformers"): positions are
 * revealed in the order of the 2-D Halton sequence (bases 2 and 3) over the token grid; the schedule says how many.
 */
import type { Rng } from '@speedrl/core';
import { locateDrawError } from './policy';
import { drawPositions, drawUniforms, pickCommits, settleDraw, type DrawScratch } from './position-draws';
import { nextMaskedCount } from './schedules';
import { stepMaskRatio } from './step-arrays';
import { applyCommits, beginStep, sampleStream, stepScratch, type SampleCommit, type StepContext } from './step-core';
import type { SampleState, SamplerConfig, StepResult } from './types';

const FILE = '@speedrl/sampler halton.ts';

/** Fork index of the per-sample stream that draws the random offset of the order (steps use forks 0..T−1 < 2^31). */
export const HALTON_OFFSET_STREAM = 2 ** 31;

/** The van der Corput radical inverse of i ≥ 0 in `base`: digits of i mirrored behind the point (Halton 1960). */
export function radicalInverse(i: number, base: number): number {
  let f = 1;
  let r = 0;
  let n = i;
  while (n > 0) {
    f /= base;
    r += f * (n % base);
    n = Math.floor(n / base);
  }
  return r;
}

const orderCache = new Map<string, Int32Array>();

/**
 * The reveal order of a height×width grid: points i = 1, 2, … of the Halton sequence (base 2 → row, base 3 → column),
 * scaled to cells (floor(h·H), floor(h·W)), repeats dropped, until every cell is listed; entries are row·W + col.
 */
export function haltonOrder(height: number, width: number): Int32Array {
  if (!Number.isInteger(height) || height < 1 || !Number.isInteger(width) || width < 1) {
    throw new RangeError(`${FILE}: grid height and width must be integers ≥ 1, got ${height}×${width}`);
  }
  const key = `${height}x${width}`;
  const cached = orderCache.get(key);
  if (cached !== undefined) return cached.slice();
  const cells = height * width;
  const seen = new Uint8Array(cells);
  const order = new Int32Array(cells);
  let filled = 0;
  for (let i = 1; filled < cells; i++) {
    if (i > 1000 * cells + 100000) throw new Error(`${FILE}: Halton order of ${key} did not cover the grid`);
    const row = Math.min(height - 1, Math.floor(radicalInverse(i, 2) * height));
    const col = Math.min(width - 1, Math.floor(radicalInverse(i, 3) * width));
    const cell = row * width + col;
    if (seen[cell] === 0) {
      seen[cell] = 1;
      order[filled++] = cell;
    }
  }
  orderCache.set(key, order);
  return order.slice();
}

/** Grid of L positions from the config: gridHeight × gridWidth, defaulting to √L × √L. */
export function haltonGrid(config: SamplerConfig, seqLen: number): { height: number; width: number } {
  const height = config.gridHeight > 0 ? config.gridHeight : config.gridWidth > 0 ? seqLen / config.gridWidth : Math.sqrt(seqLen);
  const width = config.gridWidth > 0 ? config.gridWidth : seqLen / height;
  if (!Number.isInteger(height) || !Number.isInteger(width) || height * width !== seqLen) {
    throw new RangeError(
      `${FILE}: fields "gridHeight"×"gridWidth" must tile L=${seqLen} positions, got ${config.gridHeight}×${config.gridWidth} (0 = √L)`,
    );
  }
  return { height, width };
}

/** Sample b's reveal order: {@link haltonOrder}, rolled by a per-sample offset when `haltonRandomOffset` (torch.roll semantics). */
export function sampleHaltonOrder(config: SamplerConfig, state: SampleState, rng: Rng, b: number): Int32Array {
  const { height, width } = haltonGrid(config, state.seqLen);
  const order = haltonOrder(height, width);
  if (!config.haltonRandomOffset) return order;
  const shift = rng.fork(state.sampleIds[b] as number).fork(HALTON_OFFSET_STREAM).int(order.length);
  return Int32Array.from(order, (_, i) => order[(i - shift + order.length) % order.length] as number);
}

/** Writes the first `count` masked positions of `order` for sample b into `scratch.positions` (reveal order). */
function revealPositions(state: SampleState, b: number, order: Int32Array, count: number, scratch: DrawScratch): void {
  const base = b * state.seqLen;
  let n = 0;
  for (let i = 0; i < order.length && n < count; i++) {
    const p = order[i] as number;
    if (state.mask[base + p] === 1) scratch.positions[n++] = p;
  }
}

/**
 * One Halton step on guided logits `[B, L, K]`: commits the first masked positions of the sample's Halton order, as
 * many as the schedule asks (same clamping as the confidence step), drawing each token from the policy in reveal order
 * with the stream `rng.fork(sampleId).fork(t)` (one uniform per draw, as `drawToken`; the draws are approximate and
 * settled to the exact draw's token and float32 log π, see `settleDraw`). No confidence noise: the record's gumbelScale is 0.
 */
export function haltonStep(logits: Float32Array, state: SampleState, rng: Rng, config: SamplerConfig, context?: StepContext): StepResult {
  const params = beginStep(logits, state, config, context);
  const { seqLen, vocabSize, step: t, totalSteps } = state;
  const scratch = stepScratch(state, context);
  const commits: SampleCommit[] = [];
  try {
    for (let b = 0; b < state.batch; b++) {
      const masked = countMasked(state, b);
      const total = state.initialMasked[b] as number;
      const keep = masked === 0 ? 0 : nextMaskedCount(stepMaskRatio(config, t, totalSteps, total), total, masked, t, totalSteps);
      const n = masked - keep;
      revealPositions(state, b, sampleHaltonOrder(config, state, rng, b), n, scratch);
      drawUniforms(sampleStream(rng, state, b), n, params.temperature, scratch);
      drawPositions(logits, b, seqLen, vocabSize, n, params, scratch);
      for (let i = 0; i < n; i++) settleDraw(logits, b, seqLen, vocabSize, i, params, scratch);
      commits.push(pickCommits(scratch, Int32Array.from({ length: n }, (_, i) => i)));
    }
  } catch (error) {
    throw locateDrawError(error, state.seqLen, state.step);
  }
  return applyCommits(state, commits, { ...params, gumbelScale: 0 }, config);
}

/** Masked positions of sample b. */
function countMasked(state: SampleState, b: number): number {
  let n = 0;
  for (let p = 0; p < state.seqLen; p++) n += state.mask[b * state.seqLen + p] as number;
  return n;
}
