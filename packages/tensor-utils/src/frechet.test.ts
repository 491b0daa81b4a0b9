import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { frechetDistance, frechetDistanceFromFeatures, symmetricSqrt, traceSqrtProduct } from './frechet';
import { gaussianFromFeatures } from './stats';

/** Tiny local xorshift32 (Marsaglia 2003) → standard normals (Box–Muller). */
function makeNormal(seed: number): () => number {
  let s = seed >>> 0 || 1;
  const uniform = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
}

const flat = (m: Matrix): Float64Array => Float64Array.from(m.to1DArray());
const fromFlat = (a: ArrayLike<number>, n: number): Matrix => Matrix.from1DArray(n, n, Array.from(a));

/** Random orthogonal [n, n] by Gram–Schmidt on a Gaussian matrix. */
function randomOrthogonal(n: number, normal: () => number): Matrix {
  const cols: number[][] = [];
  while (cols.length < n) {
    const v = Array.from({ length: n }, normal);
    for (const c of cols) {
      const dot = c.reduce((s, ci, i) => s + ci * (v[i] as number), 0);
      for (let i = 0; i < n; i++) v[i] = (v[i] as number) - dot * (c[i] as number);
    }
    const norm = Math.hypot(...v);
    cols.push(v.map((x) => x / norm));
  }
  return new Matrix(cols).transpose();
}

/** Q diag(d) Qᵀ, flat. */
function withEigen(q: Matrix, d: number[]): Float64Array {
  return flat(q.mmul(Matrix.diag(d)).mmul(q.transpose()));
}

/** Random SPD [n, n] = A Aᵀ / n + 0.1 I. */
function randomSpd(n: number, normal: () => number): Float64Array {
  const a = new Matrix(Array.from({ length: n }, () => Array.from({ length: n }, normal)));
  return flat(a.mmul(a.transpose()).div(n).add(Matrix.eye(n).mul(0.1)));
}

const g = (mean: number[], cov: ArrayLike<number>) => ({ mean: Float64Array.from(mean), cov: Float64Array.from(cov) });

describe('frechetDistance against closed forms', () => {
  it('is 0 for identical Gaussians (1e-9), including a singular one', () => {
    const normal = makeNormal(1);
    const a = g([1, -2, 3, 0, 0.5, 2, -1, 4], randomSpd(8, normal));
    expect(Math.abs(frechetDistance(a, a))).toBeLessThan(1e-9);
    const q = randomOrthogonal(5, normal);
    const s = g([0, 0, 0, 0, 0], withEigen(q, [2, 0.5, 0, 0, 0]));
    const d = frechetDistance(s, s);
    expect(d).toBeGreaterThanOrEqual(0);
    expect(d).toBeLessThan(1e-9);
  });

  it('1-D: (μ1 − μ2)² + (σ1 − σ2)²', () => {
    // μ = 1, σ = 2 vs μ = −0.5, σ = 0.5 → 1.5² + 1.5² = 4.5
    expect(frechetDistance(g([1], [4]), g([-0.5], [0.25]))).toBeCloseTo(4.5, 12);
  });

  it('diagonal: Σ (μ1i − μ2i)² + Σ (σ1i − σ2i)²', () => {
    const s1 = [1, 2, 0.5, 3];
    const s2 = [0.3, 2, 1.5, 0.1];
    const m1 = [0, 1, 2, 3];
    const m2 = [1, 1, -1, 3.5];
    const expected = m1.reduce((s, m, i) => s + (m - (m2[i] as number)) ** 2, 0) + s1.reduce((s, v, i) => s + (v - (s2[i] as number)) ** 2, 0);
    const d = frechetDistance(g(m1, flat(Matrix.diag(s1.map((v) => v * v)))), g(m2, flat(Matrix.diag(s2.map((v) => v * v)))));
    expect(expected).toBeCloseTo(1 + 9 + 0.25 + 0.49 + 1 + 8.41, 12);
    expect(d).toBeCloseTo(expected, 10);
  });

  it('commuting (shared eigenbasis Q): ||Δμ||² + Σ (√a_i − √b_i)²', () => {
    const normal = makeNormal(2);
    const q = randomOrthogonal(6, normal);
    const a = [3, 1, 0.2, 5, 0.01, 2];
    const b = [1, 1, 0.8, 0.5, 0.04, 7];
    const expected = 0.5 ** 2 + a.reduce((s, ai, i) => s + (Math.sqrt(ai) - Math.sqrt(b[i] as number)) ** 2, 0);
    const d = frechetDistance(g([0, 0, 0, 0, 0, 0.5], withEigen(q, a)), g([0, 0, 0, 0, 0, 0], withEigen(q, b)));
    expect(d).toBeCloseTo(expected, 10);
  });

  it('near-singular commuting covariances (eigenvalues down to 1e-12 and exact zeros)', () => {
    const q = randomOrthogonal(6, makeNormal(3));
    const a = [1, 1e-6, 1e-12, 0, 0, 2];
    const b = [1e-12, 4e-6, 0, 0, 1e-10, 2];
    const expected = a.reduce((s, ai, i) => s + (Math.sqrt(ai) - Math.sqrt(b[i] as number)) ** 2, 0);
    const d = frechetDistance(g([0, 0, 0, 0, 0, 0], withEigen(q, a)), g([0, 0, 0, 0, 0, 0], withEigen(q, b)));
    expect(Math.abs(d - expected)).toBeLessThan(1e-9); // observed ≈ 1.2e-10: √ of EVD noise ~ε·‖Σ‖ on the 1e-12 modes
  });

  it('rank-deficient: features in a 2-D subspace of 5-D vs full-rank features, against the analytic value', () => {
    const normal = makeNormal(4);
    const u = randomOrthogonal(5, normal).subMatrix(0, 4, 0, 1); // [5, 2] orthonormal columns
    const n = 400;
    const z = new Float64Array(n * 2);
    for (let k = 0; k < z.length; k++) z[k] = normal() * (k % 2 === 0 ? 2 : 0.7) + 1;
    const x = flat(Matrix.from1DArray(n, 2, Array.from(z)).mmul(u.transpose())); // rows x = U z, [n, 5]
    const y = new Float64Array(n * 5);
    for (let k = 0; k < y.length; k++) y[k] = normal() * (1 + (k % 5) * 0.3);
    const gx = gaussianFromFeatures(x, n, 5);
    const gy = gaussianFromFeatures(y, n, 5);
    // Analytic: Σx = U Cz Uᵀ (Cz the 2×2 sample covariance of z), so the nonzero eigenvalues of Σx Σy are those of the
    // 2×2 P = Cz (Uᵀ Σy U); for PSD-similar P, √λ1 + √λ2 = √(tr P + 2 √det P).
    const gz = gaussianFromFeatures(z, n, 2);
    const p = fromFlat(gz.cov, 2).mmul(u.transpose().mmul(fromFlat(gy.cov, 5)).mmul(u));
    const trP = p.get(0, 0) + p.get(1, 1);
    const detP = p.get(0, 0) * p.get(1, 1) - p.get(0, 1) * p.get(1, 0);
    const muX = flat(u.mmul(Matrix.columnVector(Array.from(gz.mean))));
    muX.forEach((m, i) => expect(Math.abs(m - (gx.mean[i] as number))).toBeLessThan(1e-12)); // μx = U μz
    const meanTerm = muX.reduce((s, m, i) => s + (m - (gy.mean[i] as number)) ** 2, 0);
    const trace = (c: Float64Array, d: number): number => Array.from({ length: d }, (_, i) => c[i * d + i] as number).reduce((s, v) => s + v, 0);
    const expected = meanTerm + trace(gz.cov, 2) + trace(gy.cov, 5) - 2 * Math.sqrt(trP + 2 * Math.sqrt(detP));
    const d = frechetDistanceFromFeatures(x, n, y, n, 5);
    expect(Math.abs(d - expected)).toBeLessThan(1e-9 * expected);
    expect(Math.abs(frechetDistanceFromFeatures(y, n, x, n, 5) - expected)).toBeLessThan(1e-9 * expected);
  });

  it('hand-checked 2×2 non-diagonal examples', () => {
    // Σ1 = I, Σ2 = [[2,1],[1,2]] (eigenvalues 3 and 1): Σ1^{1/2} Σ2 Σ1^{1/2} = Σ2, so Tr sqrt = √3 + 1 and
    // d = Tr Σ1 + Tr Σ2 − 2(√3 + 1) = 2 + 4 − 2√3 − 2 = 4 − 2√3 ≈ 0.535898.
    expect(frechetDistance(g([0, 0], [1, 0, 0, 1]), g([0, 0], [2, 1, 1, 2]))).toBeCloseTo(4 - 2 * Math.sqrt(3), 12);
    // Σ1 = diag(4, 1) → Σ1^{1/2} = diag(2, 1); M = diag(2,1)·[[2,1],[1,2]]·diag(2,1) = [[8,2],[2,2]], tr M = 10,
    // det M = 16 − 4 = 12, so Tr sqrt M = √(10 + 2√12) = √(10 + 4√3). Means (1, −1) vs (0, 0) add 2:
    // d = 2 + 5 + 4 − 2√(10 + 4√3) ≈ 0.70058.
    const expected = 11 - 2 * Math.sqrt(10 + 4 * Math.sqrt(3));
    expect(frechetDistance(g([1, -1], [4, 0, 0, 1]), g([0, 0], [2, 1, 1, 2]))).toBeCloseTo(expected, 12);
    expect(traceSqrtProduct([4, 0, 0, 1], [2, 1, 1, 2])).toBeCloseTo(Math.sqrt(10 + 4 * Math.sqrt(3)), 12);
  });

  it('is symmetric, d(a, b) = d(b, a), and matches Σ √λ(Σ1 Σ2) from a general (non-symmetric) EVD', () => {
    const normal = makeNormal(5);
    const dim = 7;
    const c1 = randomSpd(dim, normal);
    const c2 = randomSpd(dim, normal);
    const a = g(Array.from({ length: dim }, normal), c1);
    const b = g(Array.from({ length: dim }, normal), c2);
    const dab = frechetDistance(a, b);
    expect(dab).toBeGreaterThan(0.1);
    expect(Math.abs(dab - frechetDistance(b, a))).toBeLessThan(1e-10 * dab);
    const evd = new EigenvalueDecomposition(fromFlat(c1, dim).mmul(fromFlat(c2, dim)));
    const ref = evd.realEigenvalues.reduce((s, l) => s + Math.sqrt(l), 0);
    expect(Math.abs(traceSqrtProduct(c1, c2) - ref)).toBeLessThan(1e-10 * ref);
  });
});

describe('symmetricSqrt', () => {
  it('returns a symmetric S with S·S = A, inferring dim', () => {
    const a = randomSpd(6, makeNormal(6));
    const s = symmetricSqrt(a);
    const sm = fromFlat(s, 6);
    expect(sm.isSymmetric()).toBe(true);
    const back = flat(sm.mmul(sm));
    for (let k = 0; k < 36; k++) expect(Math.abs((back[k] as number) - (a[k] as number))).toBeLessThan(1e-12);
  });

  it('symmetrises its input and clips tiny negative eigenvalues to 0', () => {
    // [[4, 1e-16], [0, −1e-14]] → symmetrised ≈ diag(4, −1e-14) → sqrt ≈ diag(2, 0).
    const s = symmetricSqrt([4, 1e-16, 0, -1e-14], 2);
    expect(s[0]).toBeCloseTo(2, 14);
    expect(Math.abs(s[1] as number)).toBeLessThan(1e-14);
    expect(s[3]).toBe(0);
  });

  it('rejects non-square, non-finite and clearly indefinite matrices', () => {
    expect(() => symmetricSqrt([1, 2, 3])).toThrow(/frechet\.ts symmetricSqrt: matrix has length 3; expected a square \[2, 2\] matrix/);
    expect(() => symmetricSqrt([1, 0, 0, 1], 3)).toThrow(/expected a square \[3, 3\] matrix \(9 entries\)/);
    expect(() => symmetricSqrt([1, 0, NaN, 1])).toThrow(/matrix\[1, 0\] is NaN; expected a finite number/);
    expect(() => symmetricSqrt([1, 0, 0, -0.5])).toThrow(/matrix is not positive semi-definite: eigenvalue -0.5/);
  });
});

describe('frechetDistance input checks', () => {
  it('rejects dimension mismatch, non-square covariance and non-finite values', () => {
    const a = g([0, 0], [1, 0, 0, 1]);
    expect(() => frechetDistance(a, g([0, 0, 0], [1, 0, 0, 0, 1, 0, 0, 0, 1]))).toThrow(/frechetDistance: dimension mismatch: g1 has dim 2, g2 has dim 3/);
    expect(() => frechetDistance(a, g([0, 0], [1, 0, 0]))).toThrow(/g2\.cov has length 3; expected dim² = 4/);
    expect(() => frechetDistance(g([0, Infinity], [1, 0, 0, 1]), a)).toThrow(/g1\.mean\[1\] is Infinity/);
    expect(() => frechetDistance(a, g([0, 0], [1, 0, 0, NaN]))).toThrow(/g2\.cov\[1, 1\] is NaN/);
    expect(() => frechetDistance(g([0, 0], [-1, 0, 0, 1]), a)).toThrow(/cov1 is not positive semi-definite/);
  });

  it('throws on a large negative result instead of clamping it', () => {
    // Σ1 = diag(1, 0) hides Σ2's negative direction from Σ1^{1/2} Σ2 Σ1^{1/2} = diag(1, 0): d = 1 + (1 − 5) − 2 = −5.
    expect(() => frechetDistance(g([0, 0], [1, 0, 0, 0]), g([0, 0], [1, 0, 0, -5]))).toThrow(/result -5 is negative beyond round-off/);
  });

  it('frechetDistanceFromFeatures checks its feature arrays', () => {
    expect(() => frechetDistanceFromFeatures(new Float32Array(6), 3, new Float32Array(5), 3, 2)).toThrow(/features has length 5; expected n × dim = 3 × 2 = 6/);
    expect(() => frechetDistanceFromFeatures(new Float32Array(2), 1, new Float32Array(4), 2, 2)).toThrow(/ddof \(1\) must be < count \(1\)/);
  });
});

describe('FrechetOptions checks', () => {
  it('refuses tolerances that switch the PSD check off, negative ones and misspelt keys (was: FD 0 for cov = diag(1, −1))', () => {
    const indefinite = g([0, 0], [1, 0, 0, -1]);
    const a = g([0, 0], [1, 0, 0, 1]);
    expect(() => frechetDistance(indefinite, indefinite)).toThrow(/not positive semi-definite/); // the default checks it
    expect(() => frechetDistance(indefinite, indefinite, { negativeTolerance: Number.NaN })).toThrow(
      /frechet\.ts frechetDistance: option "negativeTolerance" must be a finite number in \[0, 1\), got NaN/,
    );
    expect(() => frechetDistance(indefinite, indefinite, { negativeTolerance: 1e9 })).toThrow(RangeError);
    expect(() => frechetDistance(a, a, { resultTolerance: -1 })).toThrow(/option "resultTolerance" must be a finite number in \[0, 1\), got -1/);
    expect(() => frechetDistance(a, a, { resultTolerance: Infinity })).toThrow(/got Infinity/);
    expect(() => frechetDistance(a, a, { negativeTolerence: 0.1 } as never)).toThrow(
      /frechet\.ts frechetDistance: options: unknown field "negativeTolerence"; expected only negativeTolerance, resultTolerance/,
    );
    expect(() => symmetricSqrt([1, 0, 0, -1], 2, { negativeTolerance: '0.1' as never })).toThrow(/symmetricSqrt: option "negativeTolerance" must be a finite number in \[0, 1\), got "0.1"/);
    expect(() => traceSqrtProduct([1, 0, 0, -1], [1, 0, 0, 1], 2, { negativeTolerance: 2 })).toThrow(/traceSqrtProduct: option "negativeTolerance"/);
    expect(() => frechetDistanceFromFeatures(new Float32Array(6), 3, new Float32Array(6), 3, 2, { resultTolerance: 1 })).toThrow(
      /frechetDistanceFromFeatures: option "resultTolerance" must be a finite number in \[0, 1\), got 1/,
    );
    // a key given as undefined keeps the default; tolerances in [0, 1) are used as before
    expect(frechetDistance(a, g([1, 0], [1, 0, 0, 1]), { negativeTolerance: undefined, resultTolerance: 0 })).toBeCloseTo(1, 12);
    expect(() => frechetDistance(g([0, 0], [1, 0, 0, -1e-3]), a, { negativeTolerance: 0.01 })).not.toThrow();
  });
});
