/**
 * Feature sets for set-level metrics (docs/architecture.md, "Evaluation protocol"): validation shared by FCD, KID and
 * precision/recall.
 */

/** Row-major feature rows `[count, dim]`, e.g. penultimate features of the evaluation classifier. */
export interface FeatureSet {
  /** `[count, dim]` flattened. */
  readonly features: Float32Array | Float64Array;
  /** Number of rows (samples). */
  readonly count: number;
  /** Feature dimension. */
  readonly dim: number;
}

/** Throw `${where}: ${message}` (every metric names itself and the argument). */
export function metricError(where: string, message: string): never {
  throw new Error(`${where}: ${message}`);
}

/** Checks sizes and finiteness of `set` (the bad row and column are named); returns its dim. */
export function checkFeatureSet(set: FeatureSet, name: string, where: string): number {
  if (set === null || typeof set !== 'object' || !(set.features instanceof Float32Array || set.features instanceof Float64Array)) {
    metricError(where, `${name} must be { features: Float32Array | Float64Array, count, dim }`);
  }
  const { features, count, dim } = set;
  if (!Number.isInteger(dim) || dim <= 0) metricError(where, `${name}.dim must be a positive integer, got ${dim}`);
  if (!Number.isInteger(count) || count < 0) metricError(where, `${name}.count must be a non-negative integer, got ${count}`);
  if (count === 0) metricError(where, `${name} is empty (count = 0); expected at least one feature row`);
  if (features.length !== count * dim) {
    metricError(where, `${name}.features has length ${features.length}; expected count × dim = ${count} × ${dim} = ${count * dim}`);
  }
  for (let i = 0; i < features.length; i++) {
    const v = features[i] as number;
    if (v - v !== 0) {
      metricError(where, `${name} row ${Math.floor(i / dim)}, column ${i % dim} is ${v}; expected finite features (NaN/Inf upstream?)`);
    }
  }
  return dim;
}

/** Checks both sets and that their dims agree; returns the common dim. */
export function checkFeaturePair(a: FeatureSet, aName: string, b: FeatureSet, bName: string, where: string): number {
  const dimA = checkFeatureSet(a, aName, where);
  const dimB = checkFeatureSet(b, bName, where);
  if (dimA !== dimB) metricError(where, `feature dims differ: ${aName} has dim ${dimA}, ${bName} has dim ${dimB}`);
  return dimA;
}
