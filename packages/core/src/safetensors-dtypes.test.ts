import {
  bf16ToFloat32,
  dtypeByteSize,
  f16BitsToF32Bits,
  f16ToFloat32,
  f32BitsToF16Bits,
  float32ToBf16,
  float32ToF16,
  fromLittleEndianBytes,
  isArrayForDtype,
  isSafetensorsDtype,
  SAFETENSORS_DTYPES,
  swapByteOrder,
  toLittleEndianBytes,
} from './safetensors-dtypes';

const hex = (a: Uint16Array): string[] => Array.from(a, (v) => `0x${v.toString(16).padStart(4, '0')}`);

describe('float32ToF16 / f16ToFloat32 (IEEE 754 binary16, round-to-nearest-even)', () => {
  it('maps known values to known bit patterns', () => {
    const cases: Array<[number, number]> = [
      [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800], [0, 0x0000], [-0, 0x8000],
      [65504, 0x7bff], // largest finite f16
      [2 ** -14, 0x0400], // smallest normal
      [2 ** -24, 0x0001], // smallest subnormal
      [1023 * 2 ** -24, 0x03ff], // largest subnormal
      [1 / 3, 0x3555],
      [Infinity, 0x7c00], [-Infinity, 0xfc00],
    ];
    expect(hex(float32ToF16(cases.map(([v]) => v)))).toEqual(hex(Uint16Array.from(cases.map(([, b]) => b))));
  });

  it('rounds ties to even and overflows to infinity', () => {
    expect(hex(float32ToF16([
      1 + 2 ** -11, // halfway between 0x3c00 and 0x3c01: even is 0x3c00
      1 + 3 * 2 ** -11, // halfway between 0x3c01 and 0x3c02: even is 0x3c02
      1 + 2 ** -11 + 2 ** -20, // just above halfway: up
      65519, // below the 65520 midpoint: stays max finite
      65520, // midpoint between 65504 and 2^16: ties to even (Inf)
      1e6,
      2 ** -25, // halfway between 0 and the smallest subnormal: even is 0
      1.5 * 2 ** -25, // above halfway: smallest subnormal
      2 ** -26, // below halfway: 0
      -(2 ** -26), // keeps the sign
      3 * 2 ** -25, // halfway between subnormals 1 and 2: even is 2
      0x3ff * 2 ** -24 + 2 ** -25, // halfway between largest subnormal and smallest normal: even (normal)
    ]))).toEqual(hex(Uint16Array.from([0x3c00, 0x3c02, 0x3c01, 0x7bff, 0x7c00, 0x7c00, 0x0000, 0x0001, 0x0000, 0x8000, 0x0002, 0x0400])));
  });

  it('keeps NaN a NaN both ways', () => {
    const [h] = float32ToF16([NaN]);
    expect((h as number) & 0x7c00).toBe(0x7c00);
    expect((h as number) & 0x03ff).not.toBe(0);
    expect(Number.isNaN(f16ToFloat32([0x7e00])[0])).toBe(true);
    expect(Number.isNaN(f16ToFloat32([0xfc01])[0])).toBe(true);
    // A signalling-NaN f32 whose payload sits only in the low bits must not turn into Inf.
    expect(f32BitsToF16Bits(0x7f800001) & 0x03ff).not.toBe(0);
  });

  it('decodes known bit patterns exactly', () => {
    expect(Array.from(f16ToFloat32([0x3c00, 0xc000, 0x7bff, 0x0400, 0x0001, 0x03ff, 0x7c00, 0xfc00, 0x3555])))
      .toEqual([1, -2, 65504, 2 ** -14, 2 ** -24, 1023 * 2 ** -24, Infinity, -Infinity, Math.fround(0.333251953125)]);
    expect(Object.is(f16ToFloat32([0x8000])[0], -0)).toBe(true);
    expect(f16BitsToF32Bits(0x0001)).toBe(0x33800000); // 2^-24 as f32 bits
  });

  it('agrees with a brute-force nearest-value oracle over a sweep of f32 bit patterns', () => {
    const finite = f16ToFloat32(new Uint16Array(0x7c00).map((_, i) => i)); // non-negative finite, ascending
    const oracle = (x: number): number => {
      const a = Math.abs(x);
      let lo = 0;
      let hi = finite.length - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if ((finite[mid] as number) <= a) lo = mid;
        else hi = mid;
      }
      const dLo = a - (finite[lo] as number);
      const dHi = (finite[hi] as number) - a;
      let bits = dLo < dHi || (dLo === dHi && lo % 2 === 0) ? lo : hi;
      if (a >= 65520) bits = 0x7c00; // at or past the midpoint between 65504 and 2^16
      return (x < 0 || Object.is(x, -0) ? 0x8000 : 0) | bits;
    };
    const patterns = new Uint32Array(70000).map((_, i) => (i * 61363) >>> 0); // spread over all exponents
    const midpoints = Array.from(finite.subarray(1), (v, i) => ((finite[i] as number) + v) / 2); // every exact tie
    const values = Float32Array.from([...new Float32Array(patterns.buffer), ...midpoints, ...midpoints.map((v) => -v)]);
    const got = float32ToF16(values);
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (Number.isNaN(v)) continue;
      if (got[i] !== oracle(v)) throw new Error(`${v}: got 0x${got[i]?.toString(16)}, oracle 0x${oracle(v).toString(16)}`);
    }
  });

  it('round-trips all 65536 f16 bit patterns (NaNs stay NaN)', () => {
    const all = new Uint16Array(65536).map((_, i) => i);
    const back = float32ToF16(f16ToFloat32(all));
    for (let i = 0; i < 65536; i++) {
      const isNaN16 = (i & 0x7c00) === 0x7c00 && (i & 0x3ff) !== 0;
      if (isNaN16) expect(Number.isNaN(f16ToFloat32([back[i] as number])[0])).toBe(true);
      else if (back[i] !== i) throw new Error(`0x${i.toString(16)} came back as 0x${back[i]?.toString(16)}`);
    }
  });
});

describe('float32ToBf16 / bf16ToFloat32 (bfloat16, round-to-nearest-even)', () => {
  it('maps known values to known bit patterns', () => {
    expect(hex(float32ToBf16([1, -2, Math.PI, 0, -0, Infinity, -Infinity, 3.3895313892515355e38])))
      .toEqual(hex(Uint16Array.from([0x3f80, 0xc000, 0x4049, 0x0000, 0x8000, 0x7f80, 0xff80, 0x7f7f])));
  });

  it('rounds ties to even, overflows to infinity and keeps subnormals', () => {
    expect(hex(float32ToBf16([
      1 + 2 ** -8, // halfway between 0x3f80 and 0x3f81: even is 0x3f80
      1 + 3 * 2 ** -8, // halfway between 0x3f81 and 0x3f82: even is 0x3f82
      1 + 2 ** -8 + 2 ** -20, // above halfway: up
      3.4028234663852886e38, // f32 max rounds past bf16 max: Inf
      2 ** -133, // smallest bf16 subnormal
      2 ** -149, // smallest f32 subnormal: below half of 2^-133, becomes 0
    ]))).toEqual(hex(Uint16Array.from([0x3f80, 0x3f82, 0x3f81, 0x7f80, 0x0001, 0x0000])));
  });

  it('keeps NaN a NaN and decodes exactly', () => {
    const nanBits = float32ToBf16([NaN])[0] as number;
    expect(nanBits & 0x7f80).toBe(0x7f80);
    expect(nanBits & 0x007f).not.toBe(0);
    expect(Number.isNaN(bf16ToFloat32([0x7fc0])[0])).toBe(true);
    expect(Array.from(bf16ToFloat32([0x3f80, 0xc000, 0x4049, 0x7f80, 0x0001])))
      .toEqual([1, -2, 3.140625, Infinity, 2 ** -133]);
  });
});

describe('dtype table and byte order', () => {
  it('knows every dtype size and array class', () => {
    expect(SAFETENSORS_DTYPES.map((d) => `${d}:${dtypeByteSize(d)}`)).toEqual([
      'BOOL:1', 'U8:1', 'I8:1', 'I16:2', 'U16:2', 'F16:2', 'BF16:2', 'I32:4', 'U32:4', 'F32:4', 'F64:8', 'I64:8', 'U64:8',
    ]);
    expect(isSafetensorsDtype('F32')).toBe(true);
    expect(isSafetensorsDtype('F8_E4M3')).toBe(false);
    expect(isSafetensorsDtype('toString')).toBe(false);
    expect(isArrayForDtype('F16', new Uint16Array(1))).toBe(true);
    expect(isArrayForDtype('F16', new Float32Array(1))).toBe(false);
    expect(isArrayForDtype('I64', new BigInt64Array(1))).toBe(true);
  });

  it('swaps bytes per element for big-endian hosts', () => {
    expect(Array.from(swapByteOrder(Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]), 4))).toEqual([4, 3, 2, 1, 8, 7, 6, 5]);
    const le = toLittleEndianBytes(Uint8Array.from([0x12, 0x34]), 2, false);
    expect(Array.from(le)).toEqual([0x34, 0x12]);
    const src = Uint8Array.from([1, 0, 0, 0]);
    expect(Array.from(fromLittleEndianBytes('I32', src, true))).toEqual([1]);
    // On a big-endian host the bytes of each element are reversed before viewing them.
    expect(new Uint8Array(fromLittleEndianBytes('I32', src, false).buffer)).toEqual(Uint8Array.from([0, 0, 0, 1]));
    expect(Array.from(src)).toEqual([1, 0, 0, 0]); // the source is never modified
  });

  it('copies into an aligned array even from an odd offset', () => {
    const buf = Uint8Array.from([9, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]); // 1.0 as f64 at offset 1
    const out = fromLittleEndianBytes('F64', buf.subarray(1));
    expect(out).toBeInstanceOf(Float64Array);
    expect(Array.from(out)).toEqual([1]);
  });
});
