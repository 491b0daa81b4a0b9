/**
 * Checks of logits buffers `[B, L, K]`: type and length, and that no entry is NaN or +Infinity — for the whole buffer,
 * or only for the rows of unmasked positions (the sampling loop leaves the rows of masked positions to the step's
 * draws, which read them anyway and report a bad value through {@link LogitsCheck}).
 */

const FILE = '@speedrl/sampler policy.ts'; // the errors' origin as users have seen it

/** How a step should treat its logits' values: checked by the caller in full, in the unmasked rows only, or not at all. */
export interface LogitsCheck {
  /** 'all': every value was checked; 'unmasked': the rows of unmasked positions were, the step checks the rows it draws from. */
  readonly checked: 'all' | 'unmasked';
  /** Throws the caller's error for a bad value (called when a step finds one in a row it reads). */
  readonly fail: () => never;
}

/** Throws unless `logits` is a Float32Array of B·L·K values (naming expected vs got). */
export function checkLogitsShape(logits: Float32Array, batch: number, seqLen: number, vocabSize: number, what: string): void {
  const expected = batch * seqLen * vocabSize;
  if (!(logits instanceof Float32Array)) throw new TypeError(`${FILE}: ${what} must be a Float32Array [B, L, K], got ${Object.prototype.toString.call(logits)}`);
  if (logits.length !== expected) {
    throw new RangeError(`${FILE}: ${what} has ${logits.length} values, expected B·L·K = ${batch}·${seqLen}·${vocabSize} = ${expected}`);
  }
}

/** Checks a logits buffer `[B, L, K]`: its length (naming expected vs got) and that no entry is NaN or +Infinity. */
export function validateLogits(logits: Float32Array, batch: number, seqLen: number, vocabSize: number, what: string): void {
  checkLogitsShape(logits, batch, seqLen, vocabSize, what);
  if (belowInfinity(logits, 0, logits.length)) return;
  for (let i = 0; i < logits.length; i++) {
    const v = logits[i] as number;
    if (!(v < Infinity)) {
      // NaN or +Infinity: the one comparison above is false exactly for these
      const b = Math.floor(i / (seqLen * vocabSize));
      const pos = Math.floor(i / vocabSize) % seqLen;
      throw new RangeError(`${FILE}: ${what} has ${v} at [sample ${b}, position ${pos}, token ${i % vocabSize}]; logits must not be NaN or +Infinity`);
    }
  }
}

/**
 * Whether no entry of logits[start, end) is NaN or +Infinity, four at a time: a sum of four float32 values in double
 * cannot overflow, is NaN or +Infinity exactly when one of them is NaN or +Infinity (−Infinity alone stays
 * −Infinity), and costs less than four compare-and-branch.
 */
export function belowInfinity(logits: Float32Array, start: number, end: number): boolean {
  const end4 = end - ((end - start) % 4);
  for (let i = start; i < end4; i += 4) {
    if (!((logits[i] as number) + (logits[i + 1] as number) + ((logits[i + 2] as number) + (logits[i + 3] as number)) < Infinity)) return false;
  }
  for (let i = end4; i < end; i++) if (!((logits[i] as number) < Infinity)) return false;
  return true;
}

/** Whether the rows `[K]` of the unmasked positions (mask 0) hold no NaN or +Infinity. */
export function unmaskedRowsBelowInfinity(logits: Float32Array, mask: Uint8Array, vocabSize: number): boolean {
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 0 && !belowInfinity(logits, i * vocabSize, (i + 1) * vocabSize)) return false;
  }
  return true;
}
