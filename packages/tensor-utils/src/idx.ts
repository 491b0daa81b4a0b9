/**
 * IDX tensor files (the MNIST / Fashion-MNIST container format, LeCun et al. 1998,
 * http://yann.lecun.com/exdb/mnist/): 2 zero bytes, a type byte, a dimension-count byte,
 * big-endian u32 dimensions, then big-endian data. Gzip'd files are unpacked transparently.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** A dataset file that is missing, truncated or malformed (the message names the file): bad input, not a bug. */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
}


/** Element types an IDX file can hold (type byte 0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E). */
export type IdxDtype = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** The typed array that holds the data of an IDX tensor, one per `IdxDtype`. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** One decoded IDX tensor: `data` is row-major with `shape` (e.g. `[n, 28, 28]` for images). */
export interface IdxArray {
  dtype: IdxDtype;
  shape: number[];
  data: IdxData;
}

interface DtypeInfo {
  dtype: IdxDtype;
  code: number;
  size: number;
}

const DTYPES: readonly DtypeInfo[] = Object.freeze([
  { dtype: 'uint8', code: 0x08, size: 1 },
  { dtype: 'int8', code: 0x09, size: 1 },
  { dtype: 'int16', code: 0x0b, size: 2 },
  { dtype: 'int32', code: 0x0c, size: 4 },
  { dtype: 'float32', code: 0x0d, size: 4 },
  { dtype: 'float64', code: 0x0e, size: 8 },
]);

/** Largest number of dimensions accepted; the format allows 255 but real files use 1–4. */
export const IDX_MAX_DIMS = 16;

/** True when `bytes` starts with the gzip magic 1f 8b (RFC 1952 §2.3.1). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function dtypeByCode(code: number, fileName: string): DtypeInfo {
  const info = DTYPES.find((d) => d.code === code);
  if (info === undefined) {
    const hex = `0x${code.toString(16).padStart(2, '0')}`;
    throw new DatasetError(`${fileName}: unknown IDX type byte ${hex}; expected one of 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e`);
  }
  return info;
}

function dtypeByName(dtype: IdxDtype, fileName: string): DtypeInfo {
  const info = DTYPES.find((d) => d.dtype === dtype);
  if (info === undefined) throw new DatasetError(`${fileName}: unknown IDX dtype '${String(dtype)}'`);
  return info;
}

function readData(view: DataView, offset: number, count: number, dtype: IdxDtype): IdxData {
  switch (dtype) {
    case 'uint8':
      return new Uint8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case 'int8':
      return new Int8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case 'int16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(offset + 2 * i, false);
      return out;
    }
    case 'int32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(offset + 4 * i, false);
      return out;
    }
    case 'float32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(offset + 4 * i, false);
      return out;
    }
    case 'float64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(offset + 8 * i, false);
      return out;
    }
  }
}

/**
 * Decodes an IDX file (gunzipping first when it starts with 1f 8b). The data length must equal
 * product(shape) × element size exactly; errors name `fileName` and what was expected.
 */
export function parseIdx(bytes: Uint8Array, fileName = '<idx buffer>'): IdxArray {
  let raw = bytes;
  if (isGzip(bytes)) {
    try {
      raw = gunzipSync(bytes);
    } catch (e) {
      throw new DatasetError(`${fileName}: looks gzip'd (starts with 1f 8b) but does not unpack: ${(e as Error).message}`);
    }
  }
  if (raw.length < 4) {
    throw new DatasetError(`${fileName}: ${raw.length} bytes is too short for an IDX header (need at least 4)`);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (raw[0] !== 0 || raw[1] !== 0) {
    throw new DatasetError(
      `${fileName}: bad IDX magic: first two bytes are ${raw[0]}, ${raw[1]}; expected 0, 0 (is this an IDX file?)`,
    );
  }
  const info = dtypeByCode(raw[2] ?? 0, fileName);
  const ndims = raw[3] ?? 0;
  if (ndims < 1 || ndims > IDX_MAX_DIMS) {
    throw new DatasetError(`${fileName}: IDX dimension count is ${ndims}; expected 1..${IDX_MAX_DIMS}`);
  }
  const headerBytes = 4 + 4 * ndims;
  if (raw.length < headerBytes) {
    throw new DatasetError(
      `${fileName}: truncated IDX header: ${ndims} dims need ${headerBytes} header bytes, file has ${raw.length}`,
    );
  }
  const shape: number[] = [];
  for (let d = 0; d < ndims; d++) shape.push(view.getUint32(4 + 4 * d, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * info.size;
  if (raw.length !== expected) {
    const what = raw.length < expected ? 'truncated data' : 'trailing bytes after the data';
    throw new DatasetError(
      `${fileName}: ${what}: shape [${shape.join(', ')}] of ${info.dtype} needs ${expected} bytes ` +
        `(${headerBytes} header + ${count} × ${info.size}), file has ${raw.length}`,
    );
  }
  return { dtype: info.dtype, shape, data: readData(view, headerBytes, count, info.dtype) };
}

/** Reads and decodes the IDX file at `path` (plain or gzip'd); errors name the path. */
export function readIdxFile(path: string): IdxArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new DatasetError(`${path}: cannot read IDX file: ${(e as Error).message}`);
  }
  return parseIdx(bytes, path);
}

/** Encodes a tensor as an uncompressed IDX file (inverse of `parseIdx`); checks data length = product(shape). */
export function encodeIdx(array: IdxArray, fileName = '<idx buffer>'): Uint8Array {
  const info = dtypeByName(array.dtype, fileName);
  const { shape, data } = array;
  if (shape.length < 1 || shape.length > IDX_MAX_DIMS) {
    throw new DatasetError(`${fileName}: IDX shape has ${shape.length} dims; expected 1..${IDX_MAX_DIMS}`);
  }
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0 || d > 0xffffffff) {
      throw new DatasetError(`${fileName}: IDX shape [${shape.join(', ')}] has a dim that is not a u32`);
    }
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) {
    throw new DatasetError(`${fileName}: data has ${data.length} elements; shape [${shape.join(', ')}] needs ${count}`);
  }
  const headerBytes = 4 + 4 * shape.length;
  const out = new Uint8Array(headerBytes + count * info.size);
  const view = new DataView(out.buffer);
  out[2] = info.code;
  out[3] = shape.length;
  shape.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  for (let i = 0; i < count; i++) {
    const v = data[i] ?? 0;
    const at = headerBytes + i * info.size;
    if (info.dtype === 'uint8') view.setUint8(at, v);
    else if (info.dtype === 'int8') view.setInt8(at, v);
    else if (info.dtype === 'int16') view.setInt16(at, v, false);
    else if (info.dtype === 'int32') view.setInt32(at, v, false);
    else if (info.dtype === 'float32') view.setFloat32(at, v, false);
    else view.setFloat64(at, v, false);
  }
  return out;
}
