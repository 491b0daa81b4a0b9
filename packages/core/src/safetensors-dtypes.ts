/**
 * Safetensors element types, their JS typed-array representation, little-endian byte copies and
 * IEEE 754 half (F16) / bfloat16 (BF16) bit converters. Format: huggingface/safetensors `Dtype`.
 */

/** Typed array holding each safetensors dtype's elements; F16/BF16 hold raw 16-bit patterns, BOOL holds 0/1 bytes. */
export interface SafetensorsArrayTypes {
  BOOL: Uint8Array;
  U8: Uint8Array;
  I8: Int8Array;
  I16: Int16Array;
  U16: Uint16Array;
  F16: Uint16Array;
  BF16: Uint16Array;
  I32: Int32Array;
  U32: Uint32Array;
  F32: Float32Array;
  F64: Float64Array;
  I64: BigInt64Array;
  U64: BigUint64Array;
}

/** A safetensors dtype name as written in the header's `"dtype"` field. */
export type SafetensorsDtype = keyof SafetensorsArrayTypes;

/** One tensor: `data` is row-major with `shape.reduce(*)` elements (scalar: shape `[]`, one element). */
export type SafeTensor<D extends SafetensorsDtype = SafetensorsDtype> = {
  [K in D]: { dtype: K; shape: number[]; data: SafetensorsArrayTypes[K] };
}[D];

type TypedArrayCtor = {
  new (buffer: ArrayBuffer, byteOffset?: number, length?: number): SafetensorsArrayTypes[SafetensorsDtype];
  new (length: number): SafetensorsArrayTypes[SafetensorsDtype];
};

interface DtypeInfo {
  /** Bytes per element. */
  size: number;
  /** Position in the reference `Dtype` enum (ascending alignment); the writer sorts by it, descending. */
  rank: number;
  /** The typed array class that holds the elements. */
  ctor: TypedArrayCtor;
}

/** Per-dtype element size, reference enum rank and array class (huggingface/safetensors `Dtype::bitsize`). */
const DTYPES: Readonly<Record<SafetensorsDtype, DtypeInfo>> = Object.freeze({
  BOOL: { size: 1, rank: 0, ctor: Uint8Array },
  U8: { size: 1, rank: 1, ctor: Uint8Array },
  I8: { size: 1, rank: 2, ctor: Int8Array },
  I16: { size: 2, rank: 3, ctor: Int16Array },
  U16: { size: 2, rank: 4, ctor: Uint16Array },
  F16: { size: 2, rank: 5, ctor: Uint16Array },
  BF16: { size: 2, rank: 6, ctor: Uint16Array },
  I32: { size: 4, rank: 7, ctor: Int32Array },
  U32: { size: 4, rank: 8, ctor: Uint32Array },
  F32: { size: 4, rank: 9, ctor: Float32Array },
  F64: { size: 8, rank: 10, ctor: Float64Array },
  I64: { size: 8, rank: 11, ctor: BigInt64Array },
  U64: { size: 8, rank: 12, ctor: BigUint64Array },
});

/** Every supported dtype name, in the reference enum's order. */
export const SAFETENSORS_DTYPES: readonly SafetensorsDtype[] = Object.freeze(Object.keys(DTYPES) as SafetensorsDtype[]);

/** True when `name` is a dtype this module reads and writes. */
export function isSafetensorsDtype(name: unknown): name is SafetensorsDtype {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(DTYPES, name);
}

/** Bytes per element of `dtype` (e.g. F32 → 4). */
export function dtypeByteSize(dtype: SafetensorsDtype): number {
  return DTYPES[dtype].size;
}

/** Rank of `dtype` in the reference `Dtype` enum (ascending alignment); used to order tensors when writing. */
export function dtypeRank(dtype: SafetensorsDtype): number {
  return DTYPES[dtype].rank;
}

/** True when `data` is an instance of the typed array class that holds `dtype` (e.g. F16 → Uint16Array). */
export function isArrayForDtype(dtype: SafetensorsDtype, data: unknown): boolean {
  return data instanceof DTYPES[dtype].ctor;
}

/** True when this machine stores multi-byte numbers little-endian (typed arrays use host order). */
export const HOST_IS_LITTLE_ENDIAN: boolean = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Reverses the byte order of each `elemSize`-byte element of `bytes`, in place. */
export function swapByteOrder(bytes: Uint8Array, elemSize: number): Uint8Array {
  for (let i = 0; i + elemSize <= bytes.length; i += elemSize) {
    for (let a = i, b = i + elemSize - 1; a < b; a++, b--) {
      const t = bytes[a] as number;
      bytes[a] = bytes[b] as number;
      bytes[b] = t;
    }
  }
  return bytes;
}

/** Little-endian bytes of a typed array's elements (a fresh copy when the host is big-endian). */
export function toLittleEndianBytes(
  data: ArrayBufferView,
  elemSize: number,
  hostIsLittleEndian: boolean = HOST_IS_LITTLE_ENDIAN,
): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return hostIsLittleEndian || elemSize === 1 ? bytes : swapByteOrder(bytes.slice(), elemSize);
}

/** A fresh, aligned typed array of `dtype` holding a copy of little-endian element bytes `bytes`. */
export function fromLittleEndianBytes<D extends SafetensorsDtype>(
  dtype: D,
  bytes: Uint8Array,
  hostIsLittleEndian: boolean = HOST_IS_LITTLE_ENDIAN,
): SafetensorsArrayTypes[D] {
  const { size, ctor } = DTYPES[dtype];
  const copy = new Uint8Array(bytes); // a copy (Buffer#slice would share memory)
  if (!hostIsLittleEndian) swapByteOrder(copy, size);
  return new ctor(copy.buffer, 0, copy.length / size) as SafetensorsArrayTypes[D];
}

/** IEEE binary32 bits → binary16 bits, round-to-nearest-even; overflow → ±Inf, NaN stays NaN (quiet). */
export function f32BitsToF16Bits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 | (mant >>> 13) : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal (2^-25): rounds to ±0
    const m = mant | 0x800000;
    const shift = 14 - e;
    let half = m >>> shift;
    const rem = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && (half & 1) === 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (half & 1) === 1)) half++; // a carry may reach Inf: correct
  return sign | half;
}

/** IEEE binary16 bits → binary32 bits (exact; NaN payload kept). */
export function f16BitsToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp - 15 + 127) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  let e = 127 - 15 + 1;
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}

/** IEEE binary32 bits → bfloat16 bits, round-to-nearest-even; NaN stays NaN (quiet). */
export function f32BitsToBf16Bits(x: number): number {
  if ((x & 0x7f800000) === 0x7f800000 && (x & 0x7fffff) !== 0) return ((x >>> 16) | 0x40) & 0xffff;
  return (((x >>> 0) + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

/** bfloat16 bits → binary32 bits (exact: bf16 is the top half of an f32). */
export function bf16BitsToF32Bits(b: number): number {
  return ((b & 0xffff) << 16) >>> 0;
}

function float32Bits(values: ArrayLike<number>): Uint32Array {
  const f32 = values instanceof Float32Array ? values : Float32Array.from(values);
  return new Uint32Array(f32.buffer, f32.byteOffset, f32.length);
}

function convertBits(bits: ArrayLike<number>, fn: (b: number) => number): Float32Array {
  const out = new Float32Array(bits.length);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < bits.length; i++) outBits[i] = fn(bits[i] as number);
  return out;
}

/** Float32 values → F16 bit patterns for an F16 tensor (values are first rounded to float32). */
export function float32ToF16(values: ArrayLike<number>): Uint16Array {
  const bits = float32Bits(values);
  const out = new Uint16Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = f32BitsToF16Bits(bits[i] as number);
  return out;
}

/** F16 bit patterns → Float32Array (exact). */
export function f16ToFloat32(bits: ArrayLike<number>): Float32Array {
  return convertBits(bits, f16BitsToF32Bits);
}

/** Float32 values → BF16 bit patterns for a BF16 tensor (values are first rounded to float32). */
export function float32ToBf16(values: ArrayLike<number>): Uint16Array {
  const bits = float32Bits(values);
  const out = new Uint16Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = f32BitsToBf16Bits(bits[i] as number);
  return out;
}

/** BF16 bit patterns → Float32Array (exact). */
export function bf16ToFloat32(bits: ArrayLike<number>): Float32Array {
  return convertBits(bits, bf16BitsToF32Bits);
}
