import { Rng } from '@speedrl/core';
import type { FeatureSet } from './features';
import { kid, mmd2Unbiased } from './kid';

const kernel = (x: Float32Array, i: number, y: Float32Array, j: number, d: number): number => {
  let dot = 0;
  for (let k = 0; k < d; k++) dot += (x[i * d + k] as number) * (y[j * d + k] as number);
  return (dot / d + 1) ** 3;
};

/** The unbiased MMD² written out directly (no blocks, no packing). */
function naiveMmd2(x: FeatureSet, y: FeatureSet): number {
  const m = x.count;
  const d = x.dim;
  let xx = 0;
  let yy = 0;
  let xy = 0;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < m; j++) {
      if (i !== j) {
        xx += kernel(x.features as Float32Array, i, x.features as Float32Array, j, d);
        yy += kernel(y.features as Float32Array, i, y.features as Float32Array, j, d);
      }
      xy += kernel(x.features as Float32Array, i, y.features as Float32Array, j, d);
    }
  }
  return (xx + yy) / (m * (m - 1)) - (2 * xy) / (m * m);
}

function gaussianPair(seed: number, n: number, dim: number, shift: number): [FeatureSet, FeatureSet] {
  const rng = Rng.fromSeed(seed);
  const a = rng.fillNormal(new Float32Array(n * dim));
  const b = rng.fillNormal(new Float32Array(n * dim)).map((v, i) => (i % dim === 0 ? v + shift : v));
  return [{ features: a, count: n, dim }, { features: b, count: n, dim }];
}

describe('mmd2Unbiased', () => {
  it('matches a hand computation: X = {0, 1}, Y = {1, 2} in 1-D gives 1 + 27 − 18.5 = 9.5', () => {
    // k(x, y) = (xy + 1)³: XX off-diagonal k(0,1) = 1; YY k(1,2) = 27; XY: 1 + 1 + 8 + 27 = 37 → 2·37/4 = 18.5.
    const x = { features: Float32Array.of(0, 1), count: 2, dim: 1 };
    const y = { features: Float32Array.of(1, 2), count: 2, dim: 1 };
    expect(mmd2Unbiased(x, y)).toBeCloseTo(9.5, 12);
  });

  it('equals the direct double sum for sizes that are not multiples of 4 or of the block', () => {
    const [x, y] = gaussianPair(11, 37, 5, 0.7);
    expect(mmd2Unbiased(x, y, 8)).toBeCloseTo(naiveMmd2(x, y), 10);
    expect(mmd2Unbiased(x, y, 256)).toBeCloseTo(naiveMmd2(x, y), 10);
  });
});

describe('kid', () => {
  it('is ≈ 0 for two samples of the same distribution (and may be slightly negative)', () => {
    const values = [100, 101, 102, 103].map((seed) => {
      const [x, y] = gaussianPair(seed, 400, 8, 0);
      return kid(x, y, Rng.fromSeed(7), { subsetSize: 200, numSubsets: 20 }).mean;
    });
    for (const v of values) expect(Math.abs(v)).toBeLessThan(0.03);
    expect(values.some((v) => v < 0)).toBe(true);
  });

  it('is > 0 for shifted Gaussians and grows with the shift', () => {
    const at = (shift: number): number => {
      const [x, y] = gaussianPair(100, 400, 8, shift);
      return kid(x, y, Rng.fromSeed(7), { subsetSize: 200, numSubsets: 20 }).mean;
    };
    const [k0, k1, k2, k3] = [at(0), at(0.5), at(1), at(2)] as [number, number, number, number];
    expect(k1).toBeGreaterThan(0.05);
    expect(k1).toBeGreaterThan(k0);
    expect(k2).toBeGreaterThan(k1);
    expect(k3).toBeGreaterThan(k2);
  });

  it('is reproducible from the seed, reports mean/std over subsets, and caps the subset size', () => {
    const [x, y] = gaussianPair(5, 60, 4, 0.5);
    const a = kid(x, y, Rng.fromSeed(3), { subsetSize: 1000, numSubsets: 6 });
    const b = kid(x, y, Rng.fromSeed(3), { subsetSize: 1000, numSubsets: 6 });
    expect(Array.from(a.values)).toEqual(Array.from(b.values));
    expect(a.subsetSize).toBe(60);
    const mean = a.values.reduce((s, v) => s + v, 0) / 6;
    expect(a.mean).toBeCloseTo(mean, 12);
    expect(a.std).toBeCloseTo(Math.sqrt(a.values.reduce((s, v) => s + (v - mean) ** 2, 0) / 6), 12);
    // A subset of all rows is a permutation of the sets: equal to the full-set estimator.
    expect(a.values[0]).toBeCloseTo(mmd2Unbiased(x, y), 10);
    const c = kid(x, y, Rng.fromSeed(4), { subsetSize: 20, numSubsets: 6 });
    expect(c.std).toBeGreaterThan(0);
  });

  it('gives each subset the MMD² of its own rows, whether the generated kernel rows are kept whole or summed per subset', () => {
    const subsetsOf = (x: FeatureSet, y: FeatureSet, seed: number, m: number, count: number): number[] => {
      const rng = Rng.fromSeed(seed); // the draws kid makes: generated rows, then real rows, per subset
      const pick = (set: FeatureSet, rows: Int32Array): FeatureSet => ({
        features: Float32Array.from(Array.from(rows).flatMap((r) => Array.from(set.features.subarray(r * set.dim, (r + 1) * set.dim)))),
        count: rows.length, dim: set.dim,
      });
      return Array.from({ length: count }, () => {
        const gi = rng.permutation(x.count).subarray(0, m);
        const ri = rng.permutation(y.count).subarray(0, m);
        return naiveMmd2(pick(x, gi), pick(y, ri));
      });
    };
    // 40 generated rows, 50 subsets of 20: the whole kernel rows (40 × 140 values) cost less than the subsets' sums
    const [g, r0] = gaussianPair(11, 40, 6, 0.7);
    const r = { features: Float32Array.of(...r0.features, ...gaussianPair(12, 100, 6, 0.7)[1].features.subarray(0, 60 * 6)), count: 100, dim: 6 };
    const whole = kid(g, r, Rng.fromSeed(5), { subsetSize: 20, numSubsets: 50 });
    subsetsOf(g, r, 5, 20, 50).forEach((v, s) => expect(whole.values[s]).toBeCloseTo(v, 10));
    // 2 subsets of 10 out of 200 rows: the per-subset sums are cheaper
    const [x, y] = gaussianPair(13, 200, 6, 0.3);
    const few = kid(x, y, Rng.fromSeed(6), { subsetSize: 10, numSubsets: 2 });
    subsetsOf(x, y, 6, 10, 2).forEach((v, s) => expect(few.values[s]).toBeCloseTo(v, 10));
  });

  it('rejects NaN rows, dim mismatches, empty sets and bad configs', () => {
    const [x, y] = gaussianPair(6, 10, 3, 0);
    const bad = { ...x, features: x.features.map((v, i) => (i === 3 * 4 ? NaN : v)) };
    expect(() => kid(bad, y, Rng.fromSeed(1))).toThrow(/generated row 4, column 0 is NaN/);
    expect(() => kid(x, { features: new Float32Array(20), count: 10, dim: 2 }, Rng.fromSeed(1))).toThrow(/feature dims differ/);
    expect(() => kid(x, { features: new Float32Array(0), count: 0, dim: 3 }, Rng.fromSeed(1))).toThrow(/real is empty/);
    expect(() => kid(x, y, Rng.fromSeed(1), { numSubsets: 0 })).toThrow(/config.numSubsets must be an integer ≥ 1, got 0/);
    expect(() => kid(x, y, Rng.fromSeed(1), { blockSize: 6 })).toThrow(/blockSize must be a positive multiple of 4/);
    // A misspelt field from plain JavaScript is refused, not ignored in favour of the default.
    expect(() => kid(x, y, Rng.fromSeed(1), { subsets: 3 } as never)).toThrow(/kid: unknown field "subsets"; expected only subsetSize, numSubsets, blockSize/);
  });
});
