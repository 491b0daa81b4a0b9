/**
 * numpy `.npy` (format 1.0, numpy/lib/format.py) and `.npz` (a zip of `.npy` members, APPNOTE 6.3.x) writers, so
 * arrays open with `numpy.load`. Members are STORED (no compression), little-endian, C order; no zip64 (< 4 GiB).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { writeFileAtomic } from '@speedrl/core';

/** Typed arrays `encodeNpy` writes, each with its numpy dtype (`NPY_DTYPES`). */
export type NpyData = Uint8Array | Int32Array | BigInt64Array | Float32Array | Float64Array;

/** One array for `encodeNpy`: row-major `data` of the given `shape`. */
export interface NpyArray {
  /** Values in C (row-major) order; the typed array's kind sets the dtype. */
  data: NpyData;
  /** Dimensions; their product must equal `data.length` (`[]` is a scalar). */
  shape: readonly number[];
}

/** The numpy dtype string of each typed array `encodeNpy` accepts (all little-endian). */
export const NPY_DTYPES = Object.freeze({
  Uint8Array: '|u1',
  Int32Array: '<i4',
  BigInt64Array: '<i8',
  Float32Array: '<f4',
  Float64Array: '<f8',
} as const);

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
const NPY_ALIGN = 64;

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320) of `bytes`, as zip and PNG use; crc32("123456789") = 0xCBF43926. */
export function crc32(bytes: Uint8Array): number {
  if (crcTable === undefined) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = (c & 1) !== 0 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) crc = (crcTable[(crc ^ (bytes[i] ?? 0)) & 0xff] ?? 0) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

function dtypeOf(data: NpyData): string {
  if (data instanceof Uint8Array) return NPY_DTYPES.Uint8Array; // Buffer included
  if (data instanceof Int32Array) return NPY_DTYPES.Int32Array;
  if (data instanceof BigInt64Array) return NPY_DTYPES.BigInt64Array;
  if (data instanceof Float32Array) return NPY_DTYPES.Float32Array;
  if (data instanceof Float64Array) return NPY_DTYPES.Float64Array;
  throw new Error(`encodeNpy: unsupported array type ${(data as object).constructor.name}`);
}

/** The `.npy` 1.0 header dict, e.g. `{'descr': '|u1', 'fortran_order': False, 'shape': (2, 28, 28), }`. */
export function npyHeaderDict(descr: string, shape: readonly number[]): string {
  const tuple = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  return `{'descr': '${descr}', 'fortran_order': False, 'shape': ${tuple}, }`;
}

/** Little-endian bytes of `data` (a copy for multi-byte types, a view for bytes). */
function littleEndianBytes(data: NpyData): Uint8Array {
  if (data instanceof Uint8Array) return data;
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  const size = data.BYTES_PER_ELEMENT;
  for (let i = 0; i < data.length; i++) {
    if (data instanceof BigInt64Array) view.setBigInt64(i * size, data[i] ?? 0n, true);
    else if (data instanceof Int32Array) view.setInt32(i * size, data[i] ?? 0, true);
    else if (data instanceof Float32Array) view.setFloat32(i * size, data[i] ?? 0, true);
    else view.setFloat64(i * size, data[i] ?? 0, true);
  }
  return out;
}

/** Encodes one array as a `.npy` file (format 1.0: magic, version, header padded so the data starts on 64 bytes). */
export function encodeNpy(array: NpyArray): Uint8Array {
  const { data, shape } = array;
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`encodeNpy: shape [${shape.join(', ')}] must hold integers >= 0`);
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new Error(`encodeNpy: shape [${shape.join(', ')}] needs ${count} values, got ${data.length}`);
  const dict = npyHeaderDict(dtypeOf(data), shape);
  const prefix = NPY_MAGIC.length + 4; // magic, major, minor, uint16 header length
  const unpadded = prefix + dict.length + 1; // + '\n'
  const headerLen = Math.ceil(unpadded / NPY_ALIGN) * NPY_ALIGN - prefix;
  if (headerLen > 0xffff) throw new Error(`encodeNpy: header of ${headerLen} bytes is too long for format 1.0`);
  const header = `${dict}${' '.repeat(headerLen - dict.length - 1)}\n`;
  const body = littleEndianBytes(data);
  const out = new Uint8Array(prefix + headerLen + body.length);
  out.set(NPY_MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, headerLen, true);
  out.set(Buffer.from(header, 'latin1'), prefix);
  out.set(body, prefix + headerLen);
  return out;
}

/** One zip member: its name (ASCII path) and bytes. */
export interface ZipEntry {
  /** Path inside the archive, e.g. `images.npy`. */
  name: string;
  /** Stored contents. */
  data: Uint8Array;
}

const ZIP_VERSION = 20; // 2.0, what numpy's zipfile writes
const ZIP_DOS_DATE = (0 << 9) | (1 << 5) | 1; // 1980-01-01, the earliest DOS date: output bytes depend on content only

/** Encodes `entries` as a zip archive with STORED members (local headers, data, central directory, end record). */
export function encodeZip(entries: readonly ZipEntry[]): Uint8Array {
  const names = entries.map((e) => Buffer.from(e.name, 'utf8'));
  const local = entries.reduce((sum, e, i) => sum + 30 + (names[i]?.length ?? 0) + e.data.length, 0);
  const central = names.reduce((sum, n) => sum + 46 + n.length, 0);
  if (local + central > 0xffffffff || entries.length > 0xffff) throw new Error('encodeZip: archive too large without zip64');
  const out = new Uint8Array(local + central + 22);
  const view = new DataView(out.buffer);
  const offsets: number[] = [];
  const crcs = entries.map((e) => crc32(e.data));
  let at = 0;
  const u16 = (v: number) => { view.setUint16(at, v, true); at += 2; };
  const u32 = (v: number) => { view.setUint32(at, v, true); at += 4; };
  const common = (i: number) => { // version needed … extra length, shared by local and central headers
    const size = entries[i]?.data.length ?? 0;
    u16(ZIP_VERSION); u16(0); u16(0); u16(0); u16(ZIP_DOS_DATE);
    u32(crcs[i] ?? 0); u32(size); u32(size); u16(names[i]?.length ?? 0); u16(0);
  };
  entries.forEach((e, i) => {
    offsets.push(at);
    u32(0x04034b50);
    common(i);
    out.set(names[i] ?? [], at); at += names[i]?.length ?? 0;
    out.set(e.data, at); at += e.data.length;
  });
  const centralStart = at;
  entries.forEach((_, i) => {
    u32(0x02014b50); u16(ZIP_VERSION);
    common(i);
    u16(0); u16(0); u16(0); u32(0); u32(offsets[i] ?? 0); // comment length, disk, internal and external attributes, offset
    out.set(names[i] ?? [], at); at += names[i]?.length ?? 0;
  });
  const centralSize = at - centralStart;
  u32(0x06054b50); u16(0); u16(0); u16(entries.length); u16(entries.length);
  u32(centralSize); u32(centralStart); u16(0);
  return out;
}

/** Encodes named arrays as an `.npz` (`numpy.load(path)[name]` gives each back); names must not end in `.npy`. */
export function encodeNpz(arrays: Readonly<Record<string, NpyArray>>): Uint8Array {
  return encodeZip(Object.entries(arrays).map(([name, array]) => ({ name: `${name}.npy`, data: encodeNpy(array) })));
}

/** Writes named arrays as an `.npz` file atomically (temp file + rename: never a truncated file). */
export async function writeNpz(path: string, arrays: Readonly<Record<string, NpyArray>>): Promise<void> {
  await writeFileAtomic(path, encodeNpz(arrays));
}

/** `length` bytes of the open file `fd` from `position` (fewer at its end). */
function readAt(fd: number, position: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  return buf.subarray(0, readSync(fd, buf, 0, length, position));
}

/**
 * The member names of the zip archive at `path`, from its central directory (the end record is searched in the last
 * 64 KiB + 22 bytes, so only the directory is read); throws when the file is not a zip archive.
 */
export function readZipNames(path: string): string[] {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const tailStart = Math.max(0, size - 0xffff - 22);
    const tail = readAt(fd, tailStart, size - tailStart);
    let end = tail.length - 22;
    while (end >= 0 && tail.readUInt32LE(end) !== 0x06054b50) end--;
    if (end < 0) throw new Error('no zip end-of-central-directory record');
    const count = tail.readUInt16LE(end + 10);
    const dir = readAt(fd, tail.readUInt32LE(end + 16), tail.readUInt32LE(end + 12));
    const names: string[] = [];
    for (let at = 0, i = 0; i < count; i++) {
      if (at + 46 > dir.length || dir.readUInt32LE(at) !== 0x02014b50) throw new Error(`zip central directory entry ${i} is damaged`);
      const nameLen = dir.readUInt16LE(at + 28);
      names.push(dir.subarray(at + 46, at + 46 + nameLen).toString('utf8'));
      at += 46 + nameLen + dir.readUInt16LE(at + 30) + dir.readUInt16LE(at + 32);
    }
    return names;
  } finally {
    closeSync(fd);
  }
}
