import { frechetDistance } from './frechet';
import {
  checkGaussian,
  createMoments,
  finalizeMoments,
  gaussianFromFeatures,
  gaussianFromJson,
  gaussianFromTensors,
  gaussianToJson,
  gaussianToTensors,
  mean,
  mergeMoments,
  std,
  updateMoments,
  type GaussianStats,
  type Moments,
} from './stats';

/** Tiny local xorshift32 (Marsaglia 2003) → uniform (0, 1) and standard normals (Box–Muller). */
function makeRng(seed: number): { uniform: () => number; normal: () => number } {
  let s = seed >>> 0 || 1;
  const uniform = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return (s + 0.5) / 4294967296;
  };
  const normal = (): number => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  return { uniform, normal };
}

/** Correlated features [n, dim]: x = offset + A z with a fixed random mixing matrix A. */
function features(seed: number, n: number, dim: number, offset = 0): Float64Array {
  const rng = makeRng(seed);
  const a = Array.from({ length: dim * dim }, () => rng.normal());
  const out = new Float64Array(n * dim);
  const z = new Float64Array(dim);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < dim; j++) z[j] = rng.normal();
    for (let i = 0; i < dim; i++) {
      let v = offset + i;
      for (let j = 0; j < dim; j++) v += (a[i * dim + j] as number) * (z[j] as number);
      out[r * dim + i] = v;
    }
  }
  return out;
}

/** Naive two-pass reference: mean, then Σ (x − μ)(x − μ)ᵀ / (n − ddof). */
function twoPass(x: ArrayLike<number>, n: number, dim: number, ddof = 1): GaussianStats {
  const mu = new Float64Array(dim);
  for (let r = 0; r < n; r++) for (let j = 0; j < dim; j++) mu[j] = (mu[j] as number) + (x[r * dim + j] as number) / n;
  const cov = new Float64Array(dim * dim);
  for (let r = 0; r < n; r++) {
    for (let i = 0; i < dim; i++) {
      for (let j = 0; j < dim; j++) {
        const di = (x[r * dim + i] as number) - (mu[i] as number);
        const dj = (x[r * dim + j] as number) - (mu[j] as number);
        cov[i * dim + j] = (cov[i * dim + j] as number) + (di * dj) / (n - ddof);
      }
    }
  }
  return { mean: mu, cov, count: n };
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

describe('streaming moments', () => {
  const dim = 5;
  const n = 257;
  const x = features(12345, n, dim, 3);

  it('one pass equals a naive two-pass computation (1e-10)', () => {
    const g = gaussianFromFeatures(x, n, dim);
    const ref = twoPass(x, n, dim);
    expect(g.count).toBe(n);
    expect(maxAbsDiff(g.mean, ref.mean)).toBeLessThan(1e-10);
    expect(maxAbsDiff(g.cov, ref.cov)).toBeLessThan(1e-10);
    // ddof = 0 divides by n instead of n − 1.
    const g0 = finalizeMoments(updateMoments(createMoments(dim), x, n), { ddof: 0 });
    expect(maxAbsDiff(g0.cov, twoPass(x, n, dim, 0).cov)).toBeLessThan(1e-10);
    expect(g0.cov[0]).not.toBeCloseTo(g.cov[0] as number, 6);
  });

  it('merging random chunks equals the one-pass result (1e-10), in any merge order', () => {
    const onePass = gaussianFromFeatures(x, n, dim);
    const rng = makeRng(777);
    for (let trial = 0; trial < 5; trial++) {
      const parts: Moments[] = [];
      let start = 0;
      while (start < n) {
        const len = Math.min(n - start, 1 + Math.floor(rng.uniform() * 40));
        parts.push(updateMoments(createMoments(dim), x.subarray(start * dim, (start + len) * dim), len));
        start += len;
      }
      expect(parts.length).toBeGreaterThan(3);
      // Sequential left fold, and a tree reduction of the reversed list.
      const seq = parts.reduce((acc, p) => mergeMoments(acc, p), createMoments(dim));
      let level = parts.slice().reverse();
      while (level.length > 1) {
        const next: Moments[] = [];
        for (let i = 0; i < level.length; i += 2) next.push(level[i + 1] ? mergeMoments(level[i] as Moments, level[i + 1] as Moments) : (level[i] as Moments));
        level = next;
      }
      for (const m of [seq, level[0] as Moments]) {
        const g = finalizeMoments(m);
        expect(g.count).toBe(n);
        expect(maxAbsDiff(g.mean, onePass.mean)).toBeLessThan(1e-10);
        expect(maxAbsDiff(g.cov, onePass.cov)).toBeLessThan(1e-10);
      }
    }
  });

  it('streaming row by row matches too, and stays accurate with a huge offset (no E[x²] − E[x]² cancellation)', () => {
    const big = features(99, 200, 3, 1e8);
    let m = createMoments(3);
    for (let r = 0; r < 200; r++) m = updateMoments(m, big.subarray(r * 3, r * 3 + 3), 1);
    const g = finalizeMoments(m);
    const ref = twoPass(big, 200, 3);
    for (let k = 0; k < 9; k++) expect(Math.abs((g.cov[k] as number) - (ref.cov[k] as number))).toBeLessThan(1e-6 * (1 + Math.abs(ref.cov[k] as number)));
    expect(maxAbsDiff(g.mean, ref.mean)).toBeLessThan(1e-6);
  });

  it('is pure: inputs are untouched and the covariance is exactly symmetric', () => {
    const m0 = updateMoments(createMoments(dim), x.subarray(0, 10 * dim), 10);
    const snapshot = { count: m0.count, mean: m0.mean.slice(), m2: m0.m2.slice() };
    const m1 = updateMoments(m0, x.subarray(10 * dim, 20 * dim), 10);
    mergeMoments(m0, m1);
    expect(m0.count).toBe(10);
    expect(Array.from(m0.mean)).toEqual(Array.from(snapshot.mean));
    expect(Array.from(m0.m2)).toEqual(Array.from(snapshot.m2));
    expect(m1.count).toBe(20);
    const { cov } = finalizeMoments(m1);
    for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) expect(cov[i * dim + j]).toBe(cov[j * dim + i]);
  });

  it('accepts Float32Array features (accumulates in float64)', () => {
    const f32 = Float32Array.from([1, 2, 3, 5, 5, 9]);
    const g = gaussianFromFeatures(f32, 3, 2);
    expect(Array.from(g.mean)).toEqual([3, 16 / 3]);
    // var(x) = ((−2)² + 0 + 2²)/2 = 4; var(y) = ((−10/3)² + (−1/3)² + (11/3)²)/2 = 111/9; cov = (20/3 + 0 + 22/3)/2 = 7
    expect(g.cov[0]).toBeCloseTo(4, 12);
    expect(g.cov[3]).toBeCloseTo(111 / 9, 12);
    expect(g.cov[1]).toBeCloseTo(7, 12);
    expect(g.cov[2]).toBeCloseTo(7, 12);
  });

  it('rejects bad input with clear messages', () => {
    const m = createMoments(2);
    expect(() => createMoments(0)).toThrow(/stats\.ts createMoments: dim must be a positive integer, got 0/);
    expect(() => updateMoments(m, new Float64Array(0), 0)).toThrow(/updateMoments: n must be a positive integer \(empty input is an error\)/);
    expect(() => updateMoments(m, new Float64Array(5), 3)).toThrow(/features has length 5; expected n × dim = 3 × 2 = 6/);
    expect(() => updateMoments(m, Float64Array.from([1, 2, 3, NaN]), 2)).toThrow(/features row 1, column 1 is NaN/);
    expect(() => updateMoments(m, Float32Array.from([Infinity, 2]), 1)).toThrow(/features row 0, column 0 is Infinity/);
    expect(() => finalizeMoments(m)).toThrow(/finalizeMoments: no samples accumulated \(count = 0\)/);
    const one = updateMoments(m, Float64Array.from([1, 2]), 1);
    expect(() => finalizeMoments(one)).toThrow(/ddof \(1\) must be < count \(1\)/);
    expect(Array.from(finalizeMoments(one, { ddof: 0 }).cov)).toEqual([0, 0, 0, 0]);
    expect(() => finalizeMoments(one, { ddof: -1 })).toThrow(/ddof must be a non-negative integer, got -1/);
    expect(() => finalizeMoments(one, { ddf: 0 } as never)).toThrow(/finalizeMoments: unknown field "ddf"; expected only ddof/);
    expect(() => mergeMoments(m, createMoments(3))).toThrow(/mergeMoments: dimension mismatch: a.dim = 2, b.dim = 3/);
  });
});

describe('mean / std', () => {
  it('computes textbook values', () => {
    const xs = [2, 4, 4, 4, 5, 5, 7, 9];
    expect(mean(xs)).toBe(5);
    expect(std(xs, { ddof: 0 })).toBe(2);
    expect(std(xs)).toBeCloseTo(Math.sqrt(32 / 7), 14);
    expect(std(Float32Array.from([3, 3, 3]))).toBe(0);
  });

  it('rejects empty input and ddof ≥ length', () => {
    expect(() => mean([])).toThrow(/stats\.ts mean: values is empty/);
    expect(() => std([1])).toThrow(/std: ddof \(1\) must be < values.length \(1\)/);
  });
});

describe('Gaussian serialisation', () => {
  const g = gaussianFromFeatures(features(5, 50, 3), 50, 3);

  it('round-trips exactly through JSON text', () => {
    const back = gaussianFromJson(JSON.parse(JSON.stringify(gaussianToJson(g))));
    expect(back.count).toBe(50);
    expect(Array.from(back.mean)).toEqual(Array.from(g.mean));
    expect(Array.from(back.cov)).toEqual(Array.from(g.cov));
    expect(gaussianToJson(g).dim).toBe(3);
  });

  it('round-trips through named float64 tensors with shapes', () => {
    const t = gaussianToTensors(g, 'real.');
    expect(Object.keys(t).sort()).toEqual(['real.count', 'real.cov', 'real.mean']);
    expect(t['real.cov']?.shape).toEqual([3, 3]);
    expect(t['real.mean']?.shape).toEqual([3]);
    expect(t['real.count']?.data[0]).toBe(50);
    const back = gaussianFromTensors(t, 'real.');
    expect(Array.from(back.cov)).toEqual(Array.from(g.cov));
    expect(back.count).toBe(50);
    expect(() => gaussianFromTensors(t)).toThrow(/gaussianFromTensors: missing tensor "count"/);
  });

  it('rejects malformed data', () => {
    expect(() => gaussianFromJson(null)).toThrow(/expected an object/);
    expect(() => gaussianFromJson({ count: 2, mean: [0, 1], cov: [1, 0, 0] })).toThrow(/json\.cov has length 3; expected dim² = 4/);
    expect(() => gaussianFromJson({ count: 2, mean: [0, null], cov: [1, 0, 0, 1] })).toThrow(/field mean\[1\] is null; expected a number/);
    expect(() => gaussianFromJson({ dim: 3, count: 2, mean: [0, 1], cov: [1, 0, 0, 1] })).toThrow(/field dim \(3\) != mean.length \(2\)/);
    expect(() => gaussianToJson({ mean: Float64Array.of(0), cov: Float64Array.of(NaN), count: 1 })).toThrow(/gaussian\.cov\[0, 0\] is NaN/);
  });

  it('rejects a covariance that is not symmetric (it was symmetrised silently: FD 0 for a corrupted matrix)', () => {
    const skew = { mean: Float64Array.of(0, 0), cov: Float64Array.of(1, 0.5, -0.5, 1), count: 10 };
    const unit = { mean: Float64Array.of(0, 0), cov: Float64Array.of(1, 0, 0, 1), count: 10 };
    expect(() => frechetDistance(skew, unit)).toThrow(/frechetDistance: g1\.cov is not symmetric: cov\[0, 1\] = 0\.5 but cov\[1, 0\] = -0\.5/);
    expect(() => checkGaussian(skew)).toThrow(/gaussian\.cov is not symmetric/);
    // float rounding of a symmetric matrix is not an asymmetry
    expect(checkGaussian({ ...unit, cov: Float64Array.of(1, 0.3, 0.3 + 1e-12, 1) })).toBe(2);
    expect(checkGaussian(g)).toBe(3);
  });
});
