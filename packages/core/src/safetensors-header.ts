/**
 * Safetensors header: length prefix, JSON parsing and validation, and the writer's padded header.
 * Rules follow huggingface/safetensors `SafeTensors::read_metadata` and `Metadata::validate`.
 */
import { dtypeByteSize, isSafetensorsDtype, type SafetensorsDtype } from './safetensors-dtypes';

/** Bytes of the little-endian u64 header length that opens every file. */
export const SAFETENSORS_LENGTH_BYTES = 8;

/** Largest accepted JSON header, in bytes (the reference's `MAX_HEADER_SIZE`). */
export const SAFETENSORS_MAX_HEADER_BYTES = 100_000_000;

/** Reserved header key holding the string → string metadata map. */
export const SAFETENSORS_METADATA_KEY = '__metadata__';

/** A malformed safetensors file or tensor; `file` names the source, `tensor` the entry at fault (if any). */
export class SafetensorsError extends Error {
  /** Path or name of the file (or buffer) being read or written. */
  readonly file: string;
  /** Header key at fault (`__metadata__` for metadata problems), or undefined for file-level problems. */
  readonly tensor: string | undefined;

  constructor(file: string, tensor: string | undefined, detail: string) {
    super(tensor === undefined ? `${file}: ${detail}` : `${file}: tensor "${tensor}": ${detail}`);
    this.name = 'SafetensorsError';
    this.file = file;
    this.tensor = tensor;
  }
}

/** One header entry: dtype, shape and `[begin, end)` byte offsets relative to the data section. */
export interface SafetensorsTensorInfo {
  dtype: SafetensorsDtype;
  shape: number[];
  dataOffsets: [number, number];
}

/** A parsed, validated header: entries in data order, metadata, and where the data section lies in the file. */
export interface SafetensorsHeader {
  tensors: Record<string, SafetensorsTensorInfo>;
  metadata: Record<string, string>;
  /** Byte offset of the data section in the file (8 + header length). */
  dataStart: number;
  /** Byte length of the data section. */
  dataLength: number;
}

/** Reads and checks the u64 header length N from the first 8 bytes, against the file's total size. */
export function readHeaderLength(prefix: Uint8Array, fileSize: number, file: string): number {
  if (fileSize < SAFETENSORS_LENGTH_BYTES || prefix.length < SAFETENSORS_LENGTH_BYTES) {
    throw new SafetensorsError(file, undefined, `file is ${fileSize} bytes, shorter than the 8-byte header length`);
  }
  const view = new DataView(prefix.buffer, prefix.byteOffset, SAFETENSORS_LENGTH_BYTES);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(fileSize - SAFETENSORS_LENGTH_BYTES)) {
    throw new SafetensorsError(file, undefined, `header length ${n} exceeds the ${fileSize - SAFETENSORS_LENGTH_BYTES} bytes after the length field`);
  }
  if (n > BigInt(SAFETENSORS_MAX_HEADER_BYTES)) {
    throw new SafetensorsError(file, undefined, `header length ${n} exceeds the maximum of ${SAFETENSORS_MAX_HEADER_BYTES} bytes`);
  }
  return Number(n);
}

/** Keys of the top-level object of valid JSON text `json`, in order, duplicates kept (JSON.parse drops them). */
export function topLevelJsonKeys(json: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < json.length; i++) {
    const c = json[i];
    if (c === '"') {
      let j = i + 1;
      while (json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) keys.push(JSON.parse(json.slice(i, j + 1)) as string);
      expectKey = false;
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = depth === 1 && c === '{';
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (c === ',' && depth === 1) {
      expectKey = true;
    }
  }
  return keys;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isNonNegativeInteger(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Number of elements of `shape` (1 for a scalar `[]`), or undefined past Number.MAX_SAFE_INTEGER. */
export function shapeElementCount(shape: readonly number[]): number | undefined {
  let count = 1;
  for (const d of shape) {
    count *= d;
    if (!Number.isSafeInteger(count)) return undefined;
  }
  return count;
}

function parseMetadata(value: unknown, file: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  const err = (detail: string) => new SafetensorsError(file, SAFETENSORS_METADATA_KEY, detail);
  if (!isPlainObject(value)) throw err(`must be an object of string values, got ${JSON.stringify(value)}`);
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') throw err(`value of "${key}" must be a string, got ${JSON.stringify(v)}`);
  }
  return value as Record<string, string>;
}

function parseTensorInfo(name: string, value: unknown, dataLength: number, file: string): SafetensorsTensorInfo {
  const err = (detail: string) => new SafetensorsError(file, name, detail);
  if (!isPlainObject(value)) throw err(`entry must be an object {dtype, shape, data_offsets}, got ${JSON.stringify(value)}`);
  const { dtype, shape, data_offsets: offsets } = value;
  if (!isSafetensorsDtype(dtype)) throw err(`unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every(isNonNegativeInteger)) {
    throw err(`"shape" must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegativeInteger)) {
    throw err(`"data_offsets" must be [begin, end] non-negative integers, got ${JSON.stringify(offsets)}`);
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) throw err(`"data_offsets" [${begin}, ${end}] has begin > end`);
  if (end > dataLength) throw err(`"data_offsets" [${begin}, ${end}] run past the ${dataLength}-byte data section`);
  const count = shapeElementCount(shape);
  const expected = count === undefined ? undefined : count * dtypeByteSize(dtype);
  if (expected !== end - begin) {
    throw err(`shape ${JSON.stringify(shape)} × ${dtype} (${dtypeByteSize(dtype)} B) needs ${expected ?? 'too many'} bytes, but data_offsets [${begin}, ${end}] hold ${end - begin}`);
  }
  return { dtype, shape: [...shape], dataOffsets: [begin, end] };
}

/** Checks the entries tile the data section exactly: no gaps, no overlaps, no trailing bytes (reference `validate`). */
function checkLayout(entries: Array<[string, SafetensorsTensorInfo]>, dataLength: number, file: string): void {
  let cursor = 0;
  let previous: string | undefined;
  for (const [name, { dataOffsets: [begin, end] }] of entries) {
    if (begin > cursor) {
      throw new SafetensorsError(file, name, `gap: data bytes [${cursor}, ${begin}) before it belong to no tensor`);
    }
    if (begin < cursor) {
      throw new SafetensorsError(file, name, `data_offsets [${begin}, ${end}] overlap tensor "${previous}" (which ends at ${cursor})`);
    }
    cursor = end;
    previous = name;
  }
  if (cursor !== dataLength) {
    throw new SafetensorsError(file, previous, `${dataLength - cursor} trailing bytes after the last tensor (data section is ${dataLength} bytes, tensors cover ${cursor})`);
  }
}

/** Parses and validates header bytes (everything between the length field and the data section). */
export function parseSafetensorsHeader(
  headerBytes: Uint8Array,
  dataLength: number,
  file: string,
): Omit<SafetensorsHeader, 'dataStart' | 'dataLength'> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError(file, undefined, 'header is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new SafetensorsError(file, undefined, `header is not valid JSON (${(e as Error).message})`);
  }
  if (!isPlainObject(parsed)) throw new SafetensorsError(file, undefined, `header must be a JSON object, got ${text.trim().slice(0, 40)}`);
  const seen = new Set<string>();
  for (const key of topLevelJsonKeys(text)) {
    if (seen.has(key)) throw new SafetensorsError(file, key, 'name appears more than once in the header');
    seen.add(key);
  }
  const metadata = parseMetadata(parsed[SAFETENSORS_METADATA_KEY], file);
  const entries = Object.entries(parsed)
    .filter(([name]) => name !== SAFETENSORS_METADATA_KEY)
    .map(([name, v]): [string, SafetensorsTensorInfo] => [name, parseTensorInfo(name, v, dataLength, file)])
    .sort(([, a], [, b]) => a.dataOffsets[0] - b.dataOffsets[0] || a.dataOffsets[1] - b.dataOffsets[1]);
  checkLayout(entries, dataLength, file);
  return { tensors: Object.fromEntries(entries), metadata };
}

/** One tensor as the writer lays it out: name, dtype, shape and byte length, in data order. */
export interface HeaderEntry {
  name: string;
  dtype: SafetensorsDtype;
  shape: readonly number[];
  byteLength: number;
}

/**
 * The 8-byte length plus JSON header (metadata first, then tensors in data order, compact as serde_json writes it),
 * padded with spaces so the data section starts 8-byte aligned, as the reference writer does.
 */
export function buildSafetensorsHeader(entries: readonly HeaderEntry[], metadata: Record<string, string> | undefined): Uint8Array {
  const parts: string[] = [];
  if (metadata !== undefined) parts.push(`${JSON.stringify(SAFETENSORS_METADATA_KEY)}:${JSON.stringify(metadata)}`);
  let offset = 0;
  for (const { name, dtype, shape, byteLength } of entries) {
    const info = { dtype, shape, data_offsets: [offset, offset + byteLength] };
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
    offset += byteLength;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const padded = Math.ceil(json.length / SAFETENSORS_LENGTH_BYTES) * SAFETENSORS_LENGTH_BYTES;
  const out = new Uint8Array(SAFETENSORS_LENGTH_BYTES + padded).fill(0x20, SAFETENSORS_LENGTH_BYTES + json.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, SAFETENSORS_LENGTH_BYTES);
  return out;
}
