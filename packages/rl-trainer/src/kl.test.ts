import { exactKl, logSoftmaxRows } from './kl';

describe('exact KL', () => {
  it('is 0 for identical distributions and matches a hand computation', () => {
    const z = Float32Array.from([1, 2, 3, 0, 0, 0]);
    expect(Array.from(exactKl(z, z, 2, 3).perRow)).toEqual([0, 0]);
    // p_ref = (0.5, 0.5), p = (0.25, 0.75) (logits log of them): KL = 0.5 ln 2 + 0.5 ln(2/3)
    const kl = exactKl(Float32Array.from([0, 0]), Float32Array.from([Math.log(0.25), Math.log(0.75)]), 1, 2);
    expect(kl.mean).toBeCloseTo(0.5 * Math.log(2) + 0.5 * Math.log(2 / 3), 6);
    expect(Array.from(kl.refProbs)).toEqual([0.5, 0.5]);
  });

  it('has gradient softmax(z) − p_ref at the policy logits (finite differences)', () => {
    const ref = Float32Array.from([0.3, -1.2, 2.0, 0.1]);
    const z = Float64Array.from([1.0, 0.5, -0.7, 0.2]);
    const p = logSoftmaxRows(Float32Array.from(z), 1, 4).map(Math.exp);
    const pref = logSoftmaxRows(ref, 1, 4).map(Math.exp);
    for (let k = 0; k < 4; k++) {
      const h = 1e-3;
      const plus = Float32Array.from(z);
      const minus = Float32Array.from(z);
      plus[k] = (plus[k] as number) + h;
      minus[k] = (minus[k] as number) - h;
      const numeric = (exactKl(ref, plus, 1, 4).mean - exactKl(ref, minus, 1, 4).mean) / (2 * h);
      expect(numeric).toBeCloseTo((p[k] as number) - (pref[k] as number), 3);
    }
  });

  it('weights rows and rejects mismatched or non-finite input', () => {
    const ref = Float32Array.from([0, 0, 0, 0]);
    const z = Float32Array.from([0, 0, 0, Math.log(3)]);
    const kl = exactKl(ref, z, 2, 2, Float32Array.from([0, 1]));
    expect(kl.mean).toBeCloseTo(kl.perRow[1] as number, 7);
    expect(() => exactKl(ref, z.subarray(0, 2), 2, 2)).toThrow(/reference has 4 logits, policy 2/);
    expect(() => logSoftmaxRows(Float32Array.from([NaN, NaN]), 1, 2)).toThrow(/row 0 has no finite logit/);
    // a negative or NaN row weight would make the KL negative (or NaN): refused, naming the row
    expect(() => exactKl(ref, z, 2, 2, Float32Array.from([-1, -1]))).toThrow(/exactKl: weights\[0\] is -1; row weights must be finite and ≥ 0/);
    expect(() => exactKl(ref, z, 2, 2, Float32Array.from([0.5, NaN]))).toThrow(/weights\[1\] is NaN/);
  });
});
