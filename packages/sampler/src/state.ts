/** Building and checking a {@link SampleState}: all-masked (or partially given) tokens `[B, L]` plus the bookkeeping. */
import type { SampleState } from './types';

const FILE = '@speedrl/sampler state.ts';

/** What {@link initState} needs. */
export interface InitStateOptions {
  /** Class ids `[B]`. */
  readonly classes: Int32Array | readonly number[];
  /** Sequence length L. */
  readonly seqLen: number;
  /** Codebook size K. */
  readonly vocabSize: number;
  /** Mask id (outside 0..K−1: K, "Data, models and presets"). */
  readonly maskId: number;
  /** T (cap for the adaptive sampler). */
  readonly steps: number;
  /** When given, class ids must be < numClasses. */
  readonly numClasses?: number;
  /** Stable stream id per sample `[B]` (default 0..B−1); keep a sample's id to reproduce it in any batch. */
  readonly sampleIds?: Int32Array | readonly number[];
  /** Starting tokens `[B, L]` with `maskId` where masked (inpainting); default all masked. */
  readonly initialTokens?: Int32Array;
}

function positiveInteger(value: number, field: string): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${FILE}: field "${field}" must be an integer ≥ 1, got ${value}`);
}

/** A validated start state: step 0, masked where `initialTokens` holds `maskId` (everywhere by default). */
export function initState(options: InitStateOptions): SampleState {
  const { seqLen, vocabSize, maskId, steps } = options;
  positiveInteger(steps, 'steps (T)');
  positiveInteger(seqLen, 'seqLen');
  positiveInteger(vocabSize, 'vocabSize');
  if (!Number.isInteger(maskId) || (maskId >= 0 && maskId < vocabSize) || maskId < -(2 ** 31) || maskId >= 2 ** 31) {
    throw new RangeError(`${FILE}: field "maskId" must be an int32 outside the token ids 0..${vocabSize - 1} (usually K=${vocabSize}), got ${maskId}`);
  }
  const classes = Int32Array.from(options.classes);
  const batch = classes.length;
  if (batch < 1) throw new RangeError(`${FILE}: field "classes" must hold at least one class id, got none`);
  const numClasses = options.numClasses;
  if (numClasses !== undefined) positiveInteger(numClasses, 'numClasses');
  classes.forEach((c, b) => {
    if (c !== options.classes[b] || c < 0 || (numClasses !== undefined && c >= numClasses)) {
      const range = numClasses === undefined ? 'an integer ≥ 0' : `an integer in [0, ${numClasses})`;
      throw new RangeError(`${FILE}: field "classes[${b}]" must be ${range}, got ${options.classes[b]}`);
    }
  });
  const sampleIds = options.sampleIds === undefined ? Int32Array.from({ length: batch }, (_, b) => b) : Int32Array.from(options.sampleIds);
  if (sampleIds.length !== batch) throw new RangeError(`${FILE}: field "sampleIds" must have B=${batch} entries, got ${sampleIds.length}`);
  const rawIds = options.sampleIds ?? sampleIds;
  for (let b = 0; b < rawIds.length; b++) {
    const id = rawIds[b] as number;
    if (!Number.isInteger(id) || id < 0 || id >= 2 ** 31) {
      throw new RangeError(`${FILE}: field "sampleIds[${b}]" must be an integer in [0, 2^31), got ${id}`);
    }
  }
  const tokens = options.initialTokens === undefined ? new Int32Array(batch * seqLen).fill(maskId) : Int32Array.from(options.initialTokens);
  if (tokens.length !== batch * seqLen) {
    throw new RangeError(`${FILE}: field "initialTokens" must have B·L = ${batch}·${seqLen} = ${batch * seqLen} entries, got ${tokens.length}`);
  }
  const mask = new Uint8Array(batch * seqLen);
  const initialMasked = new Int32Array(batch);
  for (let i = 0; i < tokens.length; i++) {
    const id = tokens[i] as number;
    if (id === maskId) {
      mask[i] = 1;
      const b = Math.floor(i / seqLen);
      initialMasked[b] = (initialMasked[b] as number) + 1;
    } else if (id < 0 || id >= vocabSize) {
      throw new RangeError(
        `${FILE}: field "initialTokens" has id ${id} at [sample ${Math.floor(i / seqLen)}, position ${i % seqLen}], expected 0..K−1 = 0..${vocabSize - 1} or the mask id ${maskId}`,
      );
    }
  }
  return { batch, seqLen, vocabSize, maskId, tokens, mask, classes, sampleIds, initialMasked, step: 0, totalSteps: steps };
}

/** Throws when a state's arrays disagree with its B and L or its step is past T. */
export function validateState(state: SampleState): void {
  const { batch, seqLen } = state;
  const n = batch * seqLen;
  const bad = (field: string, expected: string, got: number): never => {
    throw new RangeError(`${FILE}: state field "${field}" must have ${expected}, got ${got}`);
  };
  if (state.tokens.length !== n) bad('tokens', `B·L = ${n} entries`, state.tokens.length);
  if (state.mask.length !== n) bad('mask', `B·L = ${n} entries`, state.mask.length);
  if (state.classes.length !== batch) bad('classes', `B = ${batch} entries`, state.classes.length);
  if (state.sampleIds.length !== batch) bad('sampleIds', `B = ${batch} entries`, state.sampleIds.length);
  if (state.initialMasked.length !== batch) bad('initialMasked', `B = ${batch} entries`, state.initialMasked.length);
  if (!Number.isInteger(state.step) || state.step < 0 || state.step >= state.totalSteps) {
    bad('step', `an integer in [0, T=${state.totalSteps})`, state.step);
  }
}

/** Masked positions of sample b, ascending. */
export function maskedPositions(state: SampleState, b: number): number[] {
  const out: number[] = [];
  const base = b * state.seqLen;
  for (let p = 0; p < state.seqLen; p++) if (state.mask[base + p] === 1) out.push(p);
  return out;
}

/** Tokens still masked per sample `[B]`. */
export function maskedCounts(state: SampleState): Int32Array {
  const out = new Int32Array(state.batch);
  for (let b = 0; b < state.batch; b++) {
    let n = 0;
    for (let p = 0; p < state.seqLen; p++) n += state.mask[b * state.seqLen + p] as number;
    out[b] = n;
  }
  return out;
}
