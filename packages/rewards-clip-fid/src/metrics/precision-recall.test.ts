import { Rng } from '@speedrl/core';
import type { FeatureSet } from './features';
import { knnRadii, precisionRecall } from './precision-recall';

const set1d = (values: number[]): FeatureSet => ({ features: Float32Array.from(values), count: values.length, dim: 1 });

/** Precision/recall written out directly with sorted distance lists. */
function naivePr(gen: FeatureSet, real: FeatureSet, k: number): [number, number] {
  const d = gen.dim;
  const dist = (a: FeatureSet, i: number, b: FeatureSet, j: number): number => {
    let s = 0;
    for (let t = 0; t < d; t++) s += ((a.features[i * d + t] as number) - (b.features[j * d + t] as number)) ** 2;
    return Math.sqrt(s);
  };
  const radii = (s: FeatureSet): number[] =>
    Array.from({ length: s.count }, (_, i) => Array.from({ length: s.count }, (_, j) => dist(s, i, s, j)).filter((_, j) => j !== i).sort((a, b) => a - b)[k - 1] as number);
  const rr = radii(real);
  const rg = radii(gen);
  const inside = (q: FeatureSet, p: FeatureSet, r: number[]): number =>
    Array.from({ length: q.count }, (_, i) => r.some((ri, j) => dist(q, i, p, j) <= ri + 1e-9)).filter(Boolean).length / q.count;
  return [inside(gen, real, rr), inside(real, gen, rg)];
}

describe('precisionRecall (k = 3)', () => {
  // Real R = {0, 1, 2, 3, 10}: 3-NN radii 3, 2, 2, 3, 9 → manifold [−3, 3] ∪ [−1, 3] ∪ [0, 4] ∪ [0, 6] ∪ [1, 19] = [−3, 19].
  // Generated G = {0, .5, 1, 1.5, 20, 21, 22, 23}: radii 1.5, 1, 1, 1.5, 3, 2, 2, 3 → manifold [−1.5, 3] ∪ [17, 26].
  // Precision: 0, .5, 1, 1.5 ∈ [−3, 19], 20..23 ∉ → 4/8. Recall: 0, 1, 2, 3 (boundary of the ball around 1.5) ∈, 10 ∉ → 4/5.
  const real = set1d([0, 1, 2, 3, 10]);
  const gen = set1d([0, 0.5, 1, 1.5, 20, 21, 22, 23]);

  it('matches the hand-worked 1-D example', () => {
    expect(Array.from(knnRadii(real, 3))).toEqual([3, 2, 2, 3, 9]);
    expect(Array.from(knnRadii(gen, 3))).toEqual([1.5, 1, 1, 1.5, 3, 2, 2, 3]);
    const r = precisionRecall(gen, real);
    expect(r.precision).toBe(0.5);
    expect(r.recall).toBe(0.8);
    expect(r.k).toBe(3);
  });

  it('gives (1, 1) for identical sets and (0, 0) for far-apart sets', () => {
    const rng = Rng.fromSeed(1);
    const a: FeatureSet = { features: rng.fillNormal(new Float32Array(50 * 4)), count: 50, dim: 4 };
    expect(precisionRecall(a, a)).toMatchObject({ precision: 1, recall: 1 });
    const far: FeatureSet = { ...a, features: a.features.map((v) => v + 100) };
    expect(precisionRecall(far, a)).toMatchObject({ precision: 0, recall: 0 });
  });

  it('equals a direct computation for sizes off the block and 4-row grid', () => {
    const rng = Rng.fromSeed(2);
    const g: FeatureSet = { features: rng.fillNormal(new Float32Array(37 * 3)), count: 37, dim: 3 };
    const r: FeatureSet = { features: rng.fillNormal(new Float32Array(53 * 3)).map((v) => v + 2), count: 53, dim: 3 };
    const [p, q] = naivePr(g, r, 3);
    for (const blockSize of [8, 256]) {
      const res = precisionRecall(g, r, { blockSize });
      expect(res.precision).toBeCloseTo(p, 12);
      expect(res.recall).toBeCloseTo(q, 12);
    }
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1);
    expect(q).toBeGreaterThan(0);
    expect(q).toBeLessThan(1);
  });

  it('rejects sets of ≤ k rows, NaN rows, dim mismatches and bad configs', () => {
    expect(() => precisionRecall(set1d([0, 1, 2]), real)).toThrow(/generated has 3 rows; k-NN radii with k = 3 need at least k \+ 1 = 4/);
    expect(() => precisionRecall(gen, set1d([0, 1, NaN, 3, 4]))).toThrow(/real row 2, column 0 is NaN/);
    expect(() => precisionRecall(gen, { features: new Float32Array(10), count: 5, dim: 2 })).toThrow(/feature dims differ: generated has dim 1, real has dim 2/);
    expect(() => precisionRecall(gen, real, { k: 0 })).toThrow(/config.k must be an integer ≥ 1, got 0/);
    expect(() => knnRadii(set1d([]), 3)).toThrow(/set is empty/);
  });
});
