/** Building and checking a {@link SampleState}: all-masked (or partially given) tokens `[B, L]` plus the bookkeeping. */
import { showValue } from '@speedrl/core';
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
  if (typeof value !== 'number') throw new TypeError(`${FILE}: field "${field}" must be an integer ≥ 1, got ${showValue(value)}`);
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${FILE}: field "${field}" must be an integer ≥ 1, got ${value}`);
}

/** Throws a TypeError unless `value` is an array or a typed array (a string or a number would otherwise be read as one). */
function checkArrayLike(value: unknown, field: string, what: string): asserts value is ArrayLike<unknown> {
  if (Array.isArray(value) || (ArrayBuffer.isView(value) && !(value instanceof DataView))) return;
  throw new TypeError(`${FILE}: field "${field}" must be ${what}, got ${showValue(value)}`);
}

/** A validated start state: step 0, masked where `initialTokens` holds `maskId` (everywhere by default). */
export function initState(options: InitStateOptions): SampleState {
  const { seqLen, vocabSize, maskId, steps } = options;
  positiveInteger(steps, 'steps (T)');
  positiveInteger(seqLen, 'seqLen');
  positiveInteger(vocabSize, 'vocabSize');
  if (typeof maskId !== 'number' || !Number.isInteger(maskId) || (maskId >= 0 && maskId < vocabSize) || maskId < -(2 ** 31) || maskId >= 2 ** 31) {
    const Err = typeof maskId === 'number' ? RangeError : TypeError;
    throw new Err(`${FILE}: field "maskId" must be an int32 outside the token ids 0..${vocabSize - 1} (usually K=${vocabSize}), got ${showValue(maskId)}`);
  }
  checkArrayLike(options.classes, 'classes', 'an Int32Array or an array of class ids [B]');
  const rawClasses: ArrayLike<unknown> = options.classes;
  const batch = rawClasses.length;
  if (batch < 1) throw new RangeError(`${FILE}: field "classes" must hold at least one class id, got none`);
  const numClasses = options.numClasses;
  if (numClasses !== undefined) positiveInteger(numClasses, 'numClasses');
  for (let b = 0; b < batch; b++) {
    const c = rawClasses[b];
    // index loop: a hole of a sparse array is checked too (as undefined); 2^31 and above would wrap in the Int32Array
    if (typeof c !== 'number' || !Number.isInteger(c) || c < 0 || c >= 2 ** 31 || (numClasses !== undefined && c >= numClasses)) {
      const range = numClasses === undefined ? 'an integer in [0, 2^31)' : `an integer in [0, ${numClasses})`;
      throw new (typeof c === 'number' ? RangeError : TypeError)(`${FILE}: field "classes[${b}]" must be ${range}, got ${showValue(c)}`);
    }
  }
  const classes = Int32Array.from(rawClasses as ArrayLike<number>);
  if (options.sampleIds !== undefined) checkArrayLike(options.sampleIds, 'sampleIds', 'an Int32Array or an array of sample ids [B]');
  const rawIds: ArrayLike<unknown> = options.sampleIds ?? Int32Array.from({ length: batch }, (_, b) => b);
  if (rawIds.length !== batch) throw new RangeError(`${FILE}: field "sampleIds" must have B=${batch} entries, got ${rawIds.length}`);
  for (let b = 0; b < rawIds.length; b++) {
    const id = rawIds[b];
    if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= 2 ** 31) {
      throw new (typeof id === 'number' ? RangeError : TypeError)(`${FILE}: field "sampleIds[${b}]" must be an integer in [0, 2^31), got ${showValue(id)}`);
    }
  }
  const sampleIds = Int32Array.from(rawIds as ArrayLike<number>);
  const n = batch * seqLen;
  let tokens: Int32Array;
  if (options.initialTokens === undefined) {
    tokens = new Int32Array(n).fill(maskId);
  } else {
    checkArrayLike(options.initialTokens, 'initialTokens', 'an Int32Array of token ids [B, L]');
    const raw: ArrayLike<unknown> = options.initialTokens;
    if (raw.length !== n) {
      throw new RangeError(`${FILE}: field "initialTokens" must have B·L = ${batch}·${seqLen} = ${n} entries, got ${raw.length}`);
    }
    for (let i = 0; i < n; i++) {
      const id = raw[i];
      // checked before the Int32Array copy, which would truncate 0.7 to 0 and wrap 2^32 + 3 to 3
      if (id !== maskId && (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id >= vocabSize)) {
        throw new (typeof id === 'number' ? RangeError : TypeError)(
          `${FILE}: field "initialTokens" has id ${showValue(id)} at [sample ${Math.floor(i / seqLen)}, position ${i % seqLen}], expected 0..K−1 = 0..${vocabSize - 1} or the mask id ${maskId} (an integer)`,
        );
      }
    }
    tokens = Int32Array.from(raw as ArrayLike<number>);
  }
  const mask = new Uint8Array(batch * seqLen);
  const initialMasked = new Int32Array(batch);
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i] === maskId) {
      mask[i] = 1;
      const b = Math.floor(i / seqLen);
      initialMasked[b] = (initialMasked[b] as number) + 1;
    }
  }
  return { batch, seqLen, vocabSize, maskId, tokens, mask, classes, sampleIds, initialMasked, step: 0, totalSteps: steps };
}

/** Throws when a state's arrays disagree with its B and L or its step is past T. */
export function validateState(state: SampleState): void {
  const { batch, seqLen } = state;
  const n = batch * seqLen;
  const bad = (field: string, expected: string, got: unknown): never => {
    throw new RangeError(`${FILE}: state field "${field}" must have ${expected}, got ${showValue(got)}`);
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
