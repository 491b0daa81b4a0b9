import { argmaxRow, classAccuracy } from './accuracy';

describe('classAccuracy', () => {
  it('counts argmax == conditioning class, overall and per class (hand case)', () => {
    // 4 samples, 3 classes: argmax rows are 0, 2, 1, 1 (row 3 ties 1 vs 2 → first, 1).
    const logits = Float32Array.of(5, 1, 0, 0, 1, 3, -1, 2, 0, 0, 4, 4);
    const classes = Int32Array.of(0, 2, 2, 1);
    const r = classAccuracy(logits, classes, 4, 3);
    expect(r.correct).toBe(3);
    expect(r.accuracy).toBe(0.75);
    expect(Array.from(r.perClassCount)).toEqual([1, 1, 2]);
    expect(r.perClass[0]).toBe(1);
    expect(r.perClass[1]).toBe(1);
    expect(r.perClass[2]).toBe(0.5);
    expect(argmaxRow(logits, 3, 3)).toBe(1);
  });

  it('reports NaN accuracy for a class with no samples', () => {
    const r = classAccuracy(Float32Array.of(1, 0, 0), Int32Array.of(0), 1, 3);
    expect(r.accuracy).toBe(1);
    expect(Number.isNaN(r.perClass[1])).toBe(true);
  });

  it('rejects bad sizes, class ids and non-finite logits with clear errors', () => {
    expect(() => classAccuracy(new Float32Array(5), Int32Array.of(0, 1), 2, 3)).toThrow(/logits has length 5; expected count × numClasses = 2 × 3 = 6/);
    expect(() => classAccuracy(new Float32Array(6), Int32Array.of(0), 2, 3)).toThrow(/classes has length 1; expected count = 2/);
    expect(() => classAccuracy(new Float32Array(6), Int32Array.of(0, 3), 2, 3)).toThrow(/classes\[1\] = 3; expected a class id in \[0, 3\)/);
    expect(() => classAccuracy(Float32Array.of(0, 0, 0, 0, NaN, 0), Int32Array.of(0, 1), 2, 3)).toThrow(/logits row 1, column 1 is NaN/);
    expect(() => classAccuracy(new Float32Array(0), new Int32Array(0), 0, 3)).toThrow(/count must be a positive integer/);
    // From plain JavaScript the classes may arrive in a float array: a fractional id is not a class.
    expect(() => classAccuracy(new Float32Array(6), Float32Array.of(0, 1.5) as unknown as Int32Array, 2, 3)).toThrow(/classes\[1\] = 1.5; expected a class id/);
  });
});
