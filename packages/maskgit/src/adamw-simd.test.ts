import { Rng } from '@speedrl/core';
import { createSimdAdamW, type AdamWStep } from './adamw-simd';

/** The JS update of `adamw.ts` (float64, the same order), for reference. */
function reference(p: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, k: AdamWStep, from: number, to: number): void {
  for (let i = from; i < to; i++) {
    const gi = (g[i] as number) * k.clipScale;
    const mi = k.b1 * (m[i] as number) + k.c1 * gi;
    const vi = k.b2 * (v[i] as number) + k.c2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = (p[i] as number) * k.decay - (k.stepSize * mi) / (Math.sqrt(vi * k.invBc2) + k.eps);
  }
}

test('runs where Node runs (WebAssembly SIMD) and matches the JS update bit for bit over several steps', () => {
  const sizes = [1, 3, 4, 37, 1024, 4099];
  const simd = createSimdAdamW(sizes);
  expect(simd).toBeDefined();
  if (simd === undefined) return;
  const rng = Rng.fromSeed(4);
  const ps = sizes.map((n) => Float32Array.from({ length: n }, () => rng.normal(0, 1)));
  const refs = ps.map((p) => ({ p: new Float32Array(p), m: new Float32Array(p.length), v: new Float32Array(p.length) }));
  for (let t = 1; t <= 5; t++) {
    const k: AdamWStep = {
      clipScale: 0.3 + 0.1 * t, b1: 0.9, b2: 0.999, c1: 1 - 0.9, c2: 1 - 0.999, decay: t % 2 === 0 ? 1 : 1 - 1e-3 * t,
      stepSize: 1e-3 / (1 - 0.9 ** t), invBc2: 1 / (1 - 0.999 ** t), eps: 1e-8,
    };
    sizes.forEach((n, i) => {
      const g = Float32Array.from({ length: n }, () => rng.normal(0, 2) * (i === 2 ? 1e-30 : 1)); // tensor 2: subnormal squares
      const r = refs[i] as { p: Float32Array; m: Float32Array; v: Float32Array };
      reference(r.p, g, r.m, r.v, k, 0, n);
      const p = ps[i] as Float32Array;
      const done = simd.update(i, p, g, k);
      expect(done).toBe(n - (n % 4));
      reference(p, g, simd.m[i] as Float32Array, simd.v[i] as Float32Array, k, done, n);
    });
  }
  sizes.forEach((_, i) => {
    const r = refs[i] as { p: Float32Array; m: Float32Array; v: Float32Array };
    expect(Array.from(ps[i] as Float32Array)).toEqual(Array.from(r.p));
    expect(Array.from(simd.m[i] as Float32Array)).toEqual(Array.from(r.m));
    expect(Array.from(simd.v[i] as Float32Array)).toEqual(Array.from(r.v));
  });
});
