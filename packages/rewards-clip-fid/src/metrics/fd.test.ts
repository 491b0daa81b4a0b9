import { Rng } from '@speedrl/core';
import { fcd, featureGaussian } from './fd';
import type { FeatureSet } from './features';

function normalSet(rng: Rng, count: number, dim: number, shift: readonly number[] = []): FeatureSet {
  const features = rng.fillNormal(new Float32Array(count * dim));
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) features[i * dim + j] = (features[i * dim + j] as number) + (shift[j] ?? 0);
  return { features, count, dim };
}

describe('fcd', () => {
  it('is ≈ 0 for a set against itself, and against its own stored Gaussian', () => {
    const set = normalSet(Rng.fromSeed(1), 200, 6);
    expect(fcd(set, set)).toBeLessThan(1e-8);
    expect(fcd(set, featureGaussian(set))).toBeLessThan(1e-8);
  });

  it('equals ||c||² for a set against the same set shifted by c (same covariance)', () => {
    const a = normalSet(Rng.fromSeed(2), 300, 4);
    const c = [1, -2, 0.5, 0];
    const b = { ...a, features: a.features.map((v, i) => v + (c[i % 4] as number)) };
    expect(fcd(a, b)).toBeCloseTo(1 + 4 + 0.25, 4);
  });

  it('matches the closed form for diagonal Gaussians: ||Δμ||² + Σ(√a − √b)²', () => {
    const g1 = { mean: Float64Array.of(0, 0, 0), cov: Float64Array.of(1, 0, 0, 0, 4, 0, 0, 0, 9) };
    const g2 = { mean: Float64Array.of(1, 2, 0), cov: Float64Array.of(4, 0, 0, 0, 1, 0, 0, 0, 9) };
    expect(fcd(g1, g2)).toBeCloseTo(5 + 1 + 1 + 0, 10);
  });

  it('features vs a stored Gaussian equals features vs the features it came from', () => {
    const rng = Rng.fromSeed(3);
    const gen = normalSet(rng, 150, 5, [0.3, 0, 0, 0, 0]);
    const ref = normalSet(rng, 180, 5);
    expect(fcd(gen, featureGaussian(ref))).toBeCloseTo(fcd(gen, ref), 12);
    expect(fcd(gen, ref)).toBeGreaterThan(0.05);
  });

  it('rejects NaN features naming the row, n ≤ d, empty sets, dim mismatches and malformed Gaussians', () => {
    const set = normalSet(Rng.fromSeed(4), 20, 3);
    const bad = { ...set, features: set.features.slice() };
    bad.features[3 * 7 + 2] = NaN;
    expect(() => fcd(bad, set)).toThrow(/generated row 7, column 2 is NaN/);
    expect(() => fcd(set, { ...set, features: set.features.map((v, i) => (i === 4 ? Infinity : v)) })).toThrow(/reference row 1, column 1 is Infinity/);
    expect(() => fcd(normalSet(Rng.fromSeed(5), 8, 8), set)).toThrow(/n = 8 rows of dim d = 8.*singular by construction.*at least d \+ 1 = 9/);
    expect(() => fcd({ features: new Float32Array(0), count: 0, dim: 3 }, set)).toThrow(/generated is empty/);
    expect(() => fcd(set, normalSet(Rng.fromSeed(6), 20, 4))).toThrow(/feature dims differ: generated has dim 3, reference has dim 4/);
    expect(() => fcd({ features: new Float32Array(10), count: 4, dim: 3 }, set)).toThrow(/length 10; expected count × dim = 4 × 3 = 12/);
    expect(() => fcd(set, { mean: Float64Array.of(0, 0, NaN), cov: new Float64Array(9) })).toThrow(/reference.mean\[2\] is NaN/);
  });
});
