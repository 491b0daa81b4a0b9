/**
 * Fréchet distance between Gaussians (Dowson & Landau 1982; used as FID by Heusel et al. 2017):
 *   d² = ||μ1 − μ2||² + Tr(Σ1 + Σ2 − 2 (Σ1 Σ2)^{1/2}).
 * Tr((Σ1 Σ2)^{1/2}) is computed in float64 through the symmetric PSD matrix Σ1^{1/2} Σ2 Σ1^{1/2} (same eigenvalues as
 * Σ1 Σ2), so it stays accurate for singular / near-singular covariances where scipy-style sqrtm(Σ1 Σ2) struggles.
 */
import { mergeConfig } from '@speedrl/core';
import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { checkGaussian, gaussianFromFeatures, type FeatureArray, type GaussianStats } from './stats';

/** Tolerances of the eigen-based square roots and of the final clamp. */
export interface FrechetOptions {
  /** Eigenvalues below −negativeTolerance·max|λ| mean the input is not PSD → throw (covariances from float32 data sit well inside). */
  negativeTolerance?: number;
  /** A result below −resultTolerance·(||Δμ||² + TrΣ1 + TrΣ2) is a bug, not round-off → throw; smaller negatives clamp to 0. */
  resultTolerance?: number;
}

/** Defaults for `FrechetOptions`. */
export const DEFAULT_FRECHET_OPTIONS: Readonly<Required<FrechetOptions>> = Object.freeze({
  negativeTolerance: 1e-6, // float64 EVD error is ~1e-15·||A||; 1e-6 leaves room for float32-rounded inputs
  resultTolerance: 1e-6, // Tr-sqrt round-off is ≪ 1e-6 of the total scale; anything larger signals invalid input
});

const FILE = 'frechet.ts';

function fail(fn: string, message: string): never {
  throw new Error(`${FILE} ${fn}: ${message}`);
}

/**
 * The options over {@link DEFAULT_FRECHET_OPTIONS} (a misspelt key throws; one given as undefined keeps the default),
 * each tolerance a finite number in [0, 1): a tolerance t ≥ 1 (or NaN) would switch its check off, since no eigenvalue
 * is below −1·max|λ| and no result is below −1·(||Δμ||² + TrΣ1 + TrΣ2).
 */
function resolveOptions(fn: string, options: FrechetOptions | undefined): Required<FrechetOptions> {
  const o = mergeConfig(DEFAULT_FRECHET_OPTIONS, options, `${FILE} ${fn}: options`);
  for (const key of ['negativeTolerance', 'resultTolerance'] as const) {
    const v: unknown = o[key];
    if (typeof v !== 'number') {
      const shown = typeof v === 'bigint' ? `${v}n` : (JSON.stringify(v) ?? String(v));
      throw new TypeError(`${FILE} ${fn}: option "${key}" must be a finite number in [0, 1), got ${shown}`);
    }
    if (!(v >= 0 && v < 1)) throw new RangeError(`${FILE} ${fn}: option "${key}" must be a finite number in [0, 1), got ${v}`);
  }
  return o;
}

/** Validate a flat row-major square matrix; returns its side length. */
function squareDim(fn: string, name: string, matrix: ArrayLike<number>, dim?: number): number {
  const n = dim ?? Math.round(Math.sqrt(matrix.length));
  if (!Number.isInteger(n) || n <= 0) fail(fn, `${name}: dim must be a positive integer, got ${n}`);
  if (matrix.length !== n * n) fail(fn, `${name} has length ${matrix.length}; expected a square [${n}, ${n}] matrix (${n * n} entries)`);
  for (let k = 0; k < matrix.length; k++) {
    const v = matrix[k] as number;
    if (!Number.isFinite(v)) fail(fn, `${name}[${Math.floor(k / n)}, ${k % n}] is ${v}; expected a finite number`);
  }
  return n;
}

/** (A + Aᵀ)/2 of a flat row-major `[n, n]` matrix, as an ml-matrix Matrix (exactly symmetric). */
function symmetrised(a: ArrayLike<number>, n: number): Matrix {
  const m = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    for (let j = i; j < n; j++) {
      const v = 0.5 * ((a[i * n + j] as number) + (a[j * n + i] as number));
      m.set(i, j, v);
      m.set(j, i, v);
    }
  }
  return m;
}

/** Eigenvalues of a symmetric Matrix, with |λ| ≤ n·ε·max|λ| set to 0 and large negatives rejected. */
function psdEigen(fn: string, name: string, m: Matrix, negativeTolerance: number): { values: number[]; vectors: Matrix } {
  const evd = new EigenvalueDecomposition(m, { assumeSymmetric: true });
  const values = evd.realEigenvalues.slice();
  let maxAbs = 0;
  for (const v of values) maxAbs = Math.max(maxAbs, Math.abs(v));
  const clip = m.rows * Number.EPSILON * maxAbs; // below the EVD's own resolution: treat as exactly 0
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (v < -negativeTolerance * maxAbs) {
      fail(fn, `${name} is not positive semi-definite: eigenvalue ${v} < −${negativeTolerance}·max|λ| (${maxAbs})`);
    }
    if (v <= clip) values[i] = 0;
  }
  return { values, vectors: evd.eigenvectorMatrix };
}

/** V diag(√λ) Vᵀ as a Matrix, upper triangle mirrored so the result is exactly symmetric. */
function sqrtFromEigen(values: number[], vectors: Matrix): Matrix {
  const n = values.length;
  const v = vectors.to2DArray();
  const roots = values.map((x) => Math.sqrt(x));
  const out = new Matrix(n, n);
  for (let i = 0; i < n; i++) {
    const vi = v[i] as number[];
    for (let j = i; j < n; j++) {
      const vj = v[j] as number[];
      let sum = 0;
      for (let k = 0; k < n; k++) sum += (vi[k] as number) * (roots[k] as number) * (vj[k] as number);
      out.set(i, j, sum);
      out.set(j, i, sum);
    }
  }
  return out;
}

/** Symmetric PSD square root of a flat row-major `[dim, dim]` matrix via float64 EVD (input symmetrised, tiny negative λ → 0). */
export function symmetricSqrt(matrix: ArrayLike<number>, dim?: number, options: FrechetOptions = {}): Float64Array {
  const fn = 'symmetricSqrt';
  const negTol = resolveOptions(fn, options).negativeTolerance;
  const n = squareDim(fn, 'matrix', matrix, dim);
  const { values, vectors } = psdEigen(fn, 'matrix', symmetrised(matrix, n), negTol);
  return Float64Array.from(sqrtFromEigen(values, vectors).to1DArray());
}

/** Tr((Σ1 Σ2)^{1/2}) = Σ √max(λᵢ, 0), λᵢ the eigenvalues of Σ1^{1/2} Σ2 Σ1^{1/2}; both inputs `[dim, dim]`. */
export function traceSqrtProduct(cov1: ArrayLike<number>, cov2: ArrayLike<number>, dim?: number, options: FrechetOptions = {}): number {
  const fn = 'traceSqrtProduct';
  const negTol = resolveOptions(fn, options).negativeTolerance;
  const n = squareDim(fn, 'cov1', cov1, dim);
  squareDim(fn, 'cov2', cov2, n);
  const e1 = psdEigen(fn, 'cov1', symmetrised(cov1, n), negTol);
  const s1 = sqrtFromEigen(e1.values, e1.vectors);
  const product = s1.mmul(symmetrised(cov2, n)).mmul(s1);
  const e = psdEigen(fn, 'Σ1^{1/2} Σ2 Σ1^{1/2} (cov2)', symmetrised(product.to1DArray(), n), negTol);
  let trace = 0;
  for (const v of e.values) trace += Math.sqrt(v);
  return trace;
}

/** Fréchet distance d² between N(μ1, Σ1) and N(μ2, Σ2) (Heusel et al. 2017, eq. 6); ≥ 0, symmetric in its arguments. */
export function frechetDistance(
  g1: Pick<GaussianStats, 'mean' | 'cov'>,
  g2: Pick<GaussianStats, 'mean' | 'cov'>,
  options: FrechetOptions = {},
): number {
  const fn = 'frechetDistance';
  const resolved = resolveOptions(fn, options);
  const dim = checkGaussian({ ...g1, count: 0 }, 'g1', fn);
  const dim2 = checkGaussian({ ...g2, count: 0 }, 'g2', fn);
  if (dim !== dim2) fail(fn, `dimension mismatch: g1 has dim ${dim}, g2 has dim ${dim2}`);
  let meanTerm = 0;
  for (let i = 0; i < dim; i++) {
    const d = (g1.mean[i] as number) - (g2.mean[i] as number);
    meanTerm += d * d;
  }
  let tr1 = 0;
  let tr2 = 0;
  for (let i = 0; i < dim; i++) {
    tr1 += g1.cov[i * dim + i] as number;
    tr2 += g2.cov[i * dim + i] as number;
  }
  const d2 = meanTerm + tr1 + tr2 - 2 * traceSqrtProduct(g1.cov, g2.cov, dim, resolved);
  if (d2 >= 0) return d2;
  const resTol = resolved.resultTolerance;
  const scale = meanTerm + Math.abs(tr1) + Math.abs(tr2);
  if (d2 < -resTol * scale) fail(fn, `result ${d2} is negative beyond round-off (scale ${scale}); inputs are not valid covariances`);
  return 0;
}

/** Fréchet distance between the sample Gaussians (ddof = 1) of feature sets a `[nA, dim]` and b `[nB, dim]`. */
export function frechetDistanceFromFeatures(
  a: FeatureArray,
  nA: number,
  b: FeatureArray,
  nB: number,
  dim: number,
  options: FrechetOptions = {},
): number {
  const resolved = resolveOptions('frechetDistanceFromFeatures', options); // before the feature statistics are computed
  return frechetDistance(gaussianFromFeatures(a, nA, dim), gaussianFromFeatures(b, nB, dim), resolved);
}
