/**
 * Class accuracy of generated samples under the evaluation classifier (docs/architecture.md, "Evaluation protocol"):
 * argmax of logits vs the conditioning class.
 */
import { metricError } from './features';

/** Result of {@link classAccuracy}. */
export interface AccuracyResult {
  /** Fraction of samples whose argmax class equals their conditioning class. */
  readonly accuracy: number;
  readonly correct: number;
  readonly count: number;
  /** Accuracy per conditioning class `[numClasses]`; NaN for a class with no samples (not an error: nothing to measure). */
  readonly perClass: Float64Array;
  /** Samples per conditioning class `[numClasses]`. */
  readonly perClassCount: Int32Array;
}

/** Index of the largest of `numClasses` logits in row `row` (first one on ties). */
export function argmaxRow(logits: ArrayLike<number>, row: number, numClasses: number): number {
  const off = row * numClasses;
  let best = 0;
  let bestValue = logits[off] as number;
  for (let c = 1; c < numClasses; c++) {
    const v = logits[off + c] as number;
    if (v > bestValue) {
      best = c;
      bestValue = v;
    }
  }
  return best;
}

/** Accuracy of `logits` `[count, numClasses]` against the conditioning `classes` `[count]`. */
export function classAccuracy(logits: Float32Array, classes: Int32Array, count: number, numClasses: number): AccuracyResult {
  const where = 'accuracy.ts classAccuracy';
  if (!Number.isInteger(numClasses) || numClasses < 1) metricError(where, `numClasses must be a positive integer, got ${numClasses}`);
  if (!Number.isInteger(count) || count < 1) metricError(where, `count must be a positive integer (the sample set is empty?), got ${count}`);
  if (logits.length !== count * numClasses) {
    metricError(where, `logits has length ${logits.length}; expected count × numClasses = ${count} × ${numClasses} = ${count * numClasses}`);
  }
  if (classes.length !== count) metricError(where, `classes has length ${classes.length}; expected count = ${count}`);
  const perClassCount = new Int32Array(numClasses);
  const perClassCorrect = new Int32Array(numClasses);
  let correct = 0;
  for (let i = 0; i < count; i++) {
    const c = classes[i] as number;
    if (!Number.isInteger(c) || c < 0 || c >= numClasses) metricError(where, `classes[${i}] = ${c}; expected a class id in [0, ${numClasses})`);
    for (let j = 0; j < numClasses; j++) {
      const v = logits[i * numClasses + j] as number;
      if (v - v !== 0) metricError(where, `logits row ${i}, column ${j} is ${v}; expected finite logits`);
    }
    perClassCount[c] = (perClassCount[c] as number) + 1;
    if (argmaxRow(logits, i, numClasses) === c) {
      correct++;
      perClassCorrect[c] = (perClassCorrect[c] as number) + 1;
    }
  }
  const perClass = new Float64Array(numClasses);
  for (let c = 0; c < numClasses; c++) {
    const n = perClassCount[c] as number;
    perClass[c] = n === 0 ? NaN : (perClassCorrect[c] as number) / n;
  }
  return { accuracy: correct / count, correct, count, perClass, perClassCount };
}
