/**
 * The token draws of one sample's masked positions in one step, into preallocated scratch: the stream's uniforms
 * first (one per position at temperature > 0, in position order), then each position's token and model
 * log-probability — approximate ({@link approxDraw}, with an error bound) where the policy allows it, exact where a
 * step asks ({@link exactDraw}) — and the committed draws' log π settled for the record ({@link settleDraw}). Exact
 * draws give bit for bit what `drawToken` with the stream would give, settled ones the same token and float32 log π.
 */
import type { Rng } from '@speedrl/core';
import { approxDraw, approxDrawCovers, float32IfCertain, modelLogProbError, policyLogProbError } from './approx-draw';
import { belowInfinity, type LogitsCheck } from './logits-check';
import { drawTokenWithUniform } from './policy';
import type { StepParams } from './step-arrays';
import type { SampleCommit } from './step-core';

const { abs } = Math; // bound once: global lookups are slow inside jest's vm context

/** Scratch of the draws of one sample (`[L]` arrays, `[K]` weights), reused across samples and steps. */
export interface DrawScratch {
  /** Positions drawn, in draw order. */
  readonly positions: Int32Array;
  /** The uniform of each draw. */
  readonly uniforms: Float64Array;
  /** Drawn token ids. */
  readonly tokens: Int32Array;
  /** log π(token) under the policy: exact where the draw is, else approximate until {@link settleDraw}. */
  readonly logProbs: Float64Array;
  /** Model log-probability log softmax(logits)[token], exact or approximate. */
  readonly modelLogProbs: Float64Array;
  /** Error bound of modelLogProbs; 0 where the draw is exact. */
  readonly errors: Float64Array;
  /** The confidence noise τ_t·g of each draw (confidence step). */
  readonly noise: Float64Array;
  /** The confidence of each draw (confidence step). */
  readonly confidence: Float64Array;
  /** Index order of the draws (the step's sort). */
  readonly order: Int32Array;
  /** A second index order (the confidence step's noise order). */
  readonly order2: Int32Array;
  /** A second per-draw value (the confidence step's largest lower bounds). */
  readonly values: Float64Array;
  /** `[K]` weights of the approximate draw. */
  readonly weights: Float64Array;
  /** Two-entry output of the approximate draw (model log-probability, log π). */
  readonly value: Float64Array;
}

/** Fresh scratch for samples of L positions over K logits. */
export function createDrawScratch(seqLen: number, vocabSize: number): DrawScratch {
  return {
    positions: new Int32Array(seqLen), uniforms: new Float64Array(seqLen), tokens: new Int32Array(seqLen), logProbs: new Float64Array(seqLen),
    modelLogProbs: new Float64Array(seqLen), errors: new Float64Array(seqLen), noise: new Float64Array(seqLen), confidence: new Float64Array(seqLen),
    order: new Int32Array(seqLen), order2: new Int32Array(seqLen), values: new Float64Array(seqLen),
    weights: new Float64Array(vocabSize), value: new Float64Array(2),
  };
}

/** Whether `scratch` fits L and K. */
export function scratchFits(scratch: DrawScratch, seqLen: number, vocabSize: number): boolean {
  return scratch.positions.length >= seqLen && scratch.weights.length >= vocabSize;
}

/** Writes the masked positions of sample b (ascending) into `scratch.positions` and returns their count. */
export function collectMasked(mask: Uint8Array, b: number, seqLen: number, scratch: DrawScratch): number {
  const base = b * seqLen;
  let n = 0;
  for (let p = 0; p < seqLen; p++) if (mask[base + p] === 1) scratch.positions[n++] = p;
  return n;
}

/** Draws the uniforms of n token draws from the stream, in draw order (none at temperature 0, as `drawToken`). */
export function drawUniforms(stream: Rng, n: number, temperature: number, scratch: DrawScratch): void {
  for (let i = 0; i < n; i++) scratch.uniforms[i] = temperature > 0 ? stream.uniform() : 0;
}

/** Draw i exactly (a no-op when it is); false when an earlier approximate result disagrees with the exact one. */
export function exactDraw(logits: Float32Array, b: number, seqLen: number, vocabSize: number, i: number, params: StepParams, scratch: DrawScratch): boolean {
  const err = scratch.errors[i] as number;
  if (err === 0) return true;
  const offset = (b * seqLen + (scratch.positions[i] as number)) * vocabSize;
  const d = drawTokenWithUniform(logits, offset, vocabSize, params.temperature, params.topK, scratch.uniforms[i] as number);
  const agrees = d.token === scratch.tokens[i] && abs(d.modelLogProb - (scratch.modelLogProbs[i] as number)) <= err;
  scratch.tokens[i] = d.token;
  scratch.logProbs[i] = d.logProb;
  scratch.modelLogProbs[i] = d.modelLogProb;
  scratch.errors[i] = 0;
  return agrees;
}

/**
 * Settles draw i for its record: its token is exact already (the approximate draw returns the exact one or declines), so
 * only log π is left, which the record holds as a float32. Where the approximate log π lies within its error bound of
 * one float32 ({@link float32IfCertain}; 0 at temperature 0, as the greedy draw's), that is the exact draw's float32 and
 * no exp is taken; else the draw is made exact ({@link exactDraw}, whose result it returns). The model log-probability
 * keeps its bound.
 */
export function settleDraw(logits: Float32Array, b: number, seqLen: number, vocabSize: number, i: number, params: StepParams, scratch: DrawScratch): boolean {
  if ((scratch.errors[i] as number) <= 0) return exactDraw(logits, b, seqLen, vocabSize, i, params, scratch); // exact, or not drawn
  const { temperature } = params;
  let settled = 0;
  if (temperature > 0) {
    const v = scratch.logProbs[i] as number;
    const z = (logits[(b * seqLen + (scratch.positions[i] as number)) * vocabSize + (scratch.tokens[i] as number)] as number) / temperature;
    settled = float32IfCertain(v, policyLogProbError(z, v));
  }
  if (Number.isNaN(settled)) return exactDraw(logits, b, seqLen, vocabSize, i, params, scratch); // cannot tell
  scratch.logProbs[i] = settled;
  return true;
}

/** Whether draws can be approximate for these parameters (a full softmax, and K within the error analysis). */
export function canApproximate(params: StepParams, vocabSize: number): boolean {
  return !(params.topK > 0 && params.topK < vocabSize) && approxDrawCovers(vocabSize);
}

/**
 * Draws position i of `scratch.positions` with its uniform already in scratch: approximately when `approximate`, else
 * — and wherever the approximation cannot tell — exactly. With `check`, the row is checked for NaN and +Infinity
 * (the approximate draw declines such rows) and `check.fail()` throws on one.
 */
export function drawOne(
  logits: Float32Array, b: number, seqLen: number, vocabSize: number, i: number, params: StepParams, scratch: DrawScratch, approximate: boolean,
  check?: LogitsCheck,
): void {
  const offset = (b * seqLen + (scratch.positions[i] as number)) * vocabSize;
  if (approximate) {
    const token = approxDraw(logits, offset, vocabSize, params.temperature, scratch.uniforms[i] as number, scratch.weights, scratch.value);
    if (token >= 0) {
      const m = scratch.value[0] as number;
      scratch.tokens[i] = token;
      scratch.logProbs[i] = scratch.value[1] as number;
      scratch.modelLogProbs[i] = m;
      scratch.errors[i] = modelLogProbError(m);
      return;
    }
  }
  checkRow(logits, offset, vocabSize, check);
  scratch.errors[i] = NOT_DRAWN; // exactDraw does not compare
  exactDraw(logits, b, seqLen, vocabSize, i, params, scratch);
}

/** `errors[i]` of a position not drawn (yet): its model log-probability is only known to be ≤ 0. */
export const NOT_DRAWN = -1;

/** Throws through `check` when the row at `offset` holds NaN or +Infinity (no-op without a check). */
export function checkRow(logits: Float32Array, offset: number, vocabSize: number, check?: LogitsCheck): void {
  if (check !== undefined && !belowInfinity(logits, offset, offset + vocabSize)) check.fail();
}

/** {@link drawOne} for the n positions in `scratch.positions`, approximate where {@link canApproximate} (settle the committed ones). */
export function drawPositions(
  logits: Float32Array, b: number, seqLen: number, vocabSize: number, n: number, params: StepParams, scratch: DrawScratch, check?: LogitsCheck,
): void {
  const useApprox = canApproximate(params, vocabSize);
  for (let i = 0; i < n; i++) drawOne(logits, b, seqLen, vocabSize, i, params, scratch, useApprox, check);
}

/** Makes every one of the n draws exact (the fallback when approximate values cannot decide). */
export function exactDrawAll(logits: Float32Array, b: number, seqLen: number, vocabSize: number, n: number, params: StepParams, scratch: DrawScratch): void {
  for (let i = 0; i < n; i++) exactDraw(logits, b, seqLen, vocabSize, i, params, scratch);
}

/** The draws `chosen` (indices into `scratch`) as one sample's commit: positions, tokens and their exact log-probs. */
export function pickCommits(scratch: DrawScratch, chosen: Int32Array): SampleCommit {
  const positions = new Int32Array(chosen.length);
  const tokens = new Int32Array(chosen.length);
  const logProbs = new Float64Array(chosen.length);
  chosen.forEach((i, c) => {
    positions[c] = scratch.positions[i] as number;
    tokens[c] = scratch.tokens[i] as number;
    logProbs[c] = scratch.logProbs[i] as number;
  });
  return { positions, tokens, logProbs };
}
