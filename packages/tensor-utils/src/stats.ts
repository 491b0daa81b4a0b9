/**
 * Streaming mean / covariance of feature vectors (Welford 1962; Chan, Golub & LeVeque 1979 pairwise update),
 * float64 internally, plus JSON / tensor (de)serialisation of the resulting Gaussian.
 *
 * Design: the accumulator is an immutable value. `updateMoments` and `mergeMoments` never touch their inputs and
 * return a fresh `Moments`; this makes chunked / parallel accumulation (map → merge) trivially correct. The cost is
 * one `dim × dim` copy per call, negligible next to the `n × dim²` scatter work of a batch.
 */
import { checkConfigFields } from '@speedrl/core';

/** Row-major feature matrix accepted by the accumulator, shape `[n, dim]`. */
export type FeatureArray = Float32Array | Float64Array;

/** Accumulated first and second central moments (treat as immutable). `m2` is the centred scatter, shape `[dim, dim]`. */
export interface Moments {
  readonly dim: number;
  readonly count: number;
  /** Running mean, shape `[dim]`. */
  readonly mean: Float64Array;
  /** Sum of (x − mean)(x − mean)ᵀ over all rows, row-major `[dim, dim]`. */
  readonly m2: Float64Array;
}

/** A multivariate Gaussian summary: mean `[dim]`, covariance `[dim, dim]` (row-major) and the sample count. */
export interface GaussianStats {
  mean: Float64Array;
  cov: Float64Array;
  count: number;
}

/** Options of `finalizeMoments`. */
export interface FinalizeOptions {
  /** Delta degrees of freedom: the divisor is `count − ddof` (1 = unbiased sample covariance, as numpy.cov). */
  ddof?: number;
}

/** JSON-friendly form of a `GaussianStats` (plain numbers round-trip doubles exactly through JSON). */
export interface GaussianJson {
  dim: number;
  count: number;
  mean: number[];
  cov: number[];
}

/** One named float64 tensor, ready for a safetensors writer. */
export interface F64Tensor {
  dtype: 'F64';
  shape: number[];
  data: Float64Array;
}

const FILE = 'stats.ts';

function fail(fn: string, message: string): never {
  throw new Error(`${FILE} ${fn}: ${message}`);
}

function checkDim(fn: string, dim: number): void {
  if (!Number.isInteger(dim) || dim <= 0) fail(fn, `dim must be a positive integer, got ${dim}`);
}

/** Empty accumulator for `dim`-dimensional features. */
export function createMoments(dim: number): Moments {
  checkDim('createMoments', dim);
  return { dim, count: 0, mean: new Float64Array(dim), m2: new Float64Array(dim * dim) };
}

/** Exact moments of one batch `[n, dim]` (two-pass in float64): mean and centred scatter. */
function batchMoments(features: FeatureArray, n: number, dim: number): Moments {
  const mean = new Float64Array(dim);
  for (let r = 0; r < n; r++) {
    const off = r * dim;
    for (let j = 0; j < dim; j++) {
      const v = features[off + j] as number;
      if (!Number.isFinite(v)) fail('updateMoments', `features row ${r}, column ${j} is ${v}; expected a finite number`);
      mean[j] = (mean[j] as number) + v;
    }
  }
  for (let j = 0; j < dim; j++) mean[j] = (mean[j] as number) / n;
  const m2 = new Float64Array(dim * dim);
  const d = new Float64Array(dim);
  for (let r = 0; r < n; r++) {
    const off = r * dim;
    for (let j = 0; j < dim; j++) d[j] = (features[off + j] as number) - (mean[j] as number);
    for (let i = 0; i < dim; i++) {
      const di = d[i] as number;
      if (di === 0) continue;
      const row = i * dim;
      for (let j = i; j < dim; j++) m2[row + j] = (m2[row + j] as number) + di * (d[j] as number);
    }
  }
  for (let i = 0; i < dim; i++) for (let j = 0; j < i; j++) m2[i * dim + j] = m2[j * dim + i] as number;
  return { dim, count: n, mean, m2 };
}

/** Add a batch of `n` feature rows `[n, dim]` to `m`; returns a new state (Chan et al. 1979 pairwise combine). */
export function updateMoments(m: Moments, features: FeatureArray, n: number): Moments {
  if (!Number.isInteger(n) || n <= 0) fail('updateMoments', `n must be a positive integer (empty input is an error), got ${n}`);
  if (features.length !== n * m.dim) {
    fail('updateMoments', `features has length ${features.length}; expected n × dim = ${n} × ${m.dim} = ${n * m.dim}`);
  }
  return mergeMoments(m, batchMoments(features, n, m.dim));
}

/** Combine two accumulators (Chan, Golub & LeVeque 1979): δ = μb − μa, M2 = M2a + M2b + δδᵀ·na·nb/n. */
export function mergeMoments(a: Moments, b: Moments): Moments {
  if (a.dim !== b.dim) fail('mergeMoments', `dimension mismatch: a.dim = ${a.dim}, b.dim = ${b.dim}`);
  const dim = a.dim;
  if (b.count === 0) return { dim, count: a.count, mean: a.mean.slice(), m2: a.m2.slice() };
  if (a.count === 0) return { dim, count: b.count, mean: b.mean.slice(), m2: b.m2.slice() };
  const count = a.count + b.count;
  const wb = b.count / count;
  const w = (a.count * b.count) / count;
  const delta = new Float64Array(dim);
  const mean = new Float64Array(dim);
  for (let j = 0; j < dim; j++) {
    const dj = (b.mean[j] as number) - (a.mean[j] as number);
    delta[j] = dj;
    mean[j] = (a.mean[j] as number) + dj * wb;
  }
  const m2 = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) {
    const row = i * dim;
    const wdi = w * (delta[i] as number);
    for (let j = i; j < dim; j++) {
      const v = (a.m2[row + j] as number) + (b.m2[row + j] as number) + wdi * (delta[j] as number);
      m2[row + j] = v;
      m2[j * dim + i] = v; // mirror the upper triangle: keeps the scatter exactly symmetric
    }
  }
  return { dim, count, mean, m2 };
}

/** Mean `[dim]` and covariance `[dim, dim]` = M2 / (count − ddof) of the accumulated features. */
export function finalizeMoments(m: Moments, options: FinalizeOptions = {}): GaussianStats {
  checkConfigFields(options, ['ddof'], 'finalizeMoments'); // a misspelt "ddf" would silently keep ddof 1
  const ddof = options.ddof ?? 1;
  if (!Number.isInteger(ddof) || ddof < 0) fail('finalizeMoments', `ddof must be a non-negative integer, got ${ddof}`);
  if (m.count === 0) fail('finalizeMoments', 'no samples accumulated (count = 0)');
  if (ddof >= m.count) fail('finalizeMoments', `ddof (${ddof}) must be < count (${m.count})`);
  const inv = 1 / (m.count - ddof);
  const cov = new Float64Array(m.dim * m.dim);
  for (let k = 0; k < cov.length; k++) cov[k] = (m.m2[k] as number) * inv;
  return { mean: m.mean.slice(), cov, count: m.count };
}

/** Gaussian of the rows of `features` `[n, dim]` in one call (sample covariance by default, ddof = 1). */
export function gaussianFromFeatures(features: FeatureArray, n: number, dim: number, options: FinalizeOptions = {}): GaussianStats {
  return finalizeMoments(updateMoments(createMoments(dim), features, n), options);
}

/** Arithmetic mean of a non-empty number array. */
export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) fail('mean', 'values is empty; expected at least one number');
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i] as number;
  return s / values.length;
}

/** Standard deviation sqrt(Σ(x − x̄)² / (n − ddof)) (two-pass); ddof defaults to 1 as torch.std. */
export function std(values: ArrayLike<number>, options: FinalizeOptions = {}): number {
  const ddof = options.ddof ?? 1;
  if (!Number.isInteger(ddof) || ddof < 0) fail('std', `ddof must be a non-negative integer, got ${ddof}`);
  if (ddof >= values.length) fail('std', `ddof (${ddof}) must be < values.length (${values.length})`);
  const mu = mean(values);
  let s = 0;
  for (let i = 0; i < values.length; i++) {
    const d = (values[i] as number) - mu;
    s += d * d;
  }
  return Math.sqrt(s / (values.length - ddof));
}

/** Check that `g` is a well-formed Gaussian and return its dimension. */
export function checkGaussian(g: GaussianStats, name = 'gaussian', fn = 'checkGaussian'): number {
  const dim = g.mean.length;
  if (dim === 0) fail(fn, `${name}.mean is empty; expected length dim ≥ 1`);
  if (g.cov.length !== dim * dim) fail(fn, `${name}.cov has length ${g.cov.length}; expected dim² = ${dim * dim} (square [${dim}, ${dim}])`);
  if (!Number.isInteger(g.count) || g.count < 0) fail(fn, `${name}.count must be a non-negative integer, got ${g.count}`);
  for (let i = 0; i < dim; i++) {
    if (!Number.isFinite(g.mean[i] as number)) fail(fn, `${name}.mean[${i}] is ${g.mean[i]}; expected a finite number`);
  }
  for (let k = 0; k < g.cov.length; k++) {
    if (!Number.isFinite(g.cov[k] as number)) {
      fail(fn, `${name}.cov[${Math.floor(k / dim)}, ${k % dim}] is ${g.cov[k]}; expected a finite number`);
    }
  }
  // a covariance is symmetric; one that is not (a transposed or corrupted matrix) would be silently symmetrised later
  for (let i = 0; i < dim; i++) {
    for (let j = i + 1; j < dim; j++) {
      const a = g.cov[i * dim + j] as number;
      const b = g.cov[j * dim + i] as number;
      const scale = Math.sqrt(Math.abs((g.cov[i * dim + i] as number) * (g.cov[j * dim + j] as number)));
      if (Math.abs(a - b) > 1e-5 * scale + 1e-12) fail(fn, `${name}.cov is not symmetric: cov[${i}, ${j}] = ${a} but cov[${j}, ${i}] = ${b}`);
    }
  }
  return dim;
}

/** Plain-JSON form of a Gaussian (exact round trip through JSON.stringify / JSON.parse). */
export function gaussianToJson(g: GaussianStats): GaussianJson {
  const dim = checkGaussian(g, 'gaussian', 'gaussianToJson');
  return { dim, count: g.count, mean: Array.from(g.mean), cov: Array.from(g.cov) };
}

/** Parse and validate the output of `gaussianToJson` (e.g. after JSON.parse). */
export function gaussianFromJson(json: unknown): GaussianStats {
  const fn = 'gaussianFromJson';
  if (typeof json !== 'object' || json === null) fail(fn, 'expected an object {dim, count, mean, cov}');
  const o = json as Partial<Record<keyof GaussianJson, unknown>>;
  if (!Array.isArray(o.mean) || !Array.isArray(o.cov)) fail(fn, 'fields mean and cov must be number arrays');
  if (typeof o.count !== 'number') fail(fn, `field count must be a number, got ${typeof o.count}`);
  if (o.dim !== undefined && o.dim !== o.mean.length) fail(fn, `field dim (${String(o.dim)}) != mean.length (${o.mean.length})`);
  for (const [field, arr] of [['mean', o.mean], ['cov', o.cov]] as const) {
    const bad = arr.findIndex((v) => typeof v !== 'number');
    if (bad >= 0) fail(fn, `field ${field}[${bad}] is ${String(arr[bad])}; expected a number (JSON null usually means NaN was stored)`);
  }
  const g: GaussianStats = { mean: Float64Array.from(o.mean as number[]), cov: Float64Array.from(o.cov as number[]), count: o.count };
  checkGaussian(g, 'json', fn);
  return g;
}

/** Named float64 tensors `${prefix}mean` [dim], `${prefix}cov` [dim, dim], `${prefix}count` [1] for a safetensors file. */
export function gaussianToTensors(g: GaussianStats, prefix = ''): Record<string, F64Tensor> {
  const dim = checkGaussian(g, 'gaussian', 'gaussianToTensors');
  return {
    [`${prefix}mean`]: { dtype: 'F64', shape: [dim], data: g.mean.slice() },
    [`${prefix}cov`]: { dtype: 'F64', shape: [dim, dim], data: g.cov.slice() },
    [`${prefix}count`]: { dtype: 'F64', shape: [1], data: Float64Array.of(g.count) },
  };
}

/** Inverse of `gaussianToTensors`: read `${prefix}mean`, `${prefix}cov`, `${prefix}count` (any float array data). */
export function gaussianFromTensors(
  tensors: Record<string, { data: ArrayLike<number> } | undefined>,
  prefix = '',
): GaussianStats {
  const fn = 'gaussianFromTensors';
  const get = (key: string): ArrayLike<number> => tensors[`${prefix}${key}`]?.data ?? fail(fn, `missing tensor "${prefix}${key}"`);
  const count = get('count');
  if (count.length !== 1) fail(fn, `tensor "${prefix}count" has ${count.length} elements; expected 1`);
  const g: GaussianStats = { mean: Float64Array.from(get('mean')), cov: Float64Array.from(get('cov')), count: count[0] as number };
  checkGaussian(g, 'tensors', fn);
  return g;
}

/** Largest |a_i − b_i| over two equally long arrays (engine parity checks); a length mismatch is an error. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new RangeError(`maxAbsDiff: lengths differ (${a.length} vs ${b.length})`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}
