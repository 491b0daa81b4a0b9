/**
 * Safetensors checkpoint I/O (huggingface/safetensors format): 8-byte little-endian u64 header length N,
 * N bytes of UTF-8 JSON header, then the raw little-endian tensor data, contiguous, in header order.
 * Files written here are read by Python's `safetensors.safe_open` and vice versa.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-write';
import { readRecordedFile } from './file-hash';
import {
  dtypeByteSize,
  dtypeRank,
  fromLittleEndianBytes,
  isArrayForDtype,
  isSafetensorsDtype,
  toLittleEndianBytes,
  type SafeTensor,
  type SafetensorsDtype,
} from './safetensors-dtypes';
import {
  buildSafetensorsHeader,
  parseSafetensorsHeader,
  readHeaderLength,
  SafetensorsError,
  SAFETENSORS_LENGTH_BYTES,
  SAFETENSORS_METADATA_KEY,
  shapeElementCount,
  type HeaderEntry,
  type SafetensorsHeader,
} from './safetensors-header';

/** Named tensors, as passed to the writer and returned by the reader (reader: in data order). */
export type SafeTensorMap = Record<string, SafeTensor>;

/** A decoded file: its tensors and its `__metadata__` string map (empty when absent). */
export interface SafetensorsContents {
  tensors: SafeTensorMap;
  metadata: Record<string, string>;
}

/** Name used in errors for in-memory buffers that have no file path. */
const MEMORY_SOURCE = '<memory>';

function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

function checkTensor(name: string, tensor: SafeTensor, file: string): Uint8Array {
  const err = (detail: string) => new SafetensorsError(file, name, detail);
  if (name === SAFETENSORS_METADATA_KEY) throw err(`"${SAFETENSORS_METADATA_KEY}" is reserved for metadata`);
  const { dtype, shape, data } = tensor;
  if (!isSafetensorsDtype(dtype)) throw err(`unknown dtype ${JSON.stringify(dtype)}`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
    throw err(`"shape" must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
  if (!isArrayForDtype(dtype, data)) {
    throw err(`data for dtype ${dtype} must be a ${describeArray(dtype)}, got ${data?.constructor?.name ?? typeof data}`);
  }
  const count = shapeElementCount(shape);
  if (count !== data.length) throw err(`shape ${JSON.stringify(shape)} needs ${count ?? 'too many'} elements, data has ${data.length}`);
  if (dtype === 'BOOL' && !data.every((v) => v === 0 || v === 1)) throw err('BOOL data must hold only 0 and 1');
  return toLittleEndianBytes(data, dtypeByteSize(dtype));
}

function describeArray(dtype: SafetensorsDtype): string {
  const names: Record<SafetensorsDtype, string> = {
    BOOL: 'Uint8Array of 0/1', U8: 'Uint8Array', I8: 'Int8Array', I16: 'Int16Array', U16: 'Uint16Array',
    F16: 'Uint16Array of f16 bits', BF16: 'Uint16Array of bf16 bits', I32: 'Int32Array', U32: 'Uint32Array',
    F32: 'Float32Array', F64: 'Float64Array', I64: 'BigInt64Array', U64: 'BigUint64Array',
  };
  return names[dtype];
}

/**
 * Serializes tensors and optional metadata to safetensors bytes. Tensors are ordered as the reference writer
 * orders them (dtype alignment descending, then name), so every tensor's data is aligned to its element size.
 */
export function encodeSafetensors(
  tensors: Readonly<SafeTensorMap>,
  metadata?: Readonly<Record<string, string>>,
  targetName: string = MEMORY_SOURCE,
): Uint8Array {
  if (metadata !== undefined) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') {
        throw new SafetensorsError(targetName, SAFETENSORS_METADATA_KEY, `value of "${key}" must be a string, got ${typeof value}`);
      }
    }
  }
  const items = Object.entries(tensors)
    .map(([name, tensor]) => ({ name, tensor, bytes: checkTensor(name, tensor, targetName) }))
    .sort((a, b) => dtypeRank(b.tensor.dtype) - dtypeRank(a.tensor.dtype) || compareUtf8(a.name, b.name));
  const entries: HeaderEntry[] = items.map(({ name, tensor, bytes }) => ({
    name, dtype: tensor.dtype, shape: tensor.shape, byteLength: bytes.length,
  }));
  const header = buildSafetensorsHeader(entries, metadata === undefined ? undefined : { ...metadata });
  const dataLength = items.reduce((sum, { bytes }) => sum + bytes.length, 0);
  const out = new Uint8Array(header.length + dataLength);
  out.set(header, 0);
  let offset = header.length;
  for (const { bytes } of items) {
    out.set(bytes, offset);
    offset += bytes.length;
  }
  return out;
}

/** Parses and fully validates a safetensors buffer; tensor data is copied into fresh typed arrays. */
export function decodeSafetensors(bytes: Uint8Array, sourceName: string = MEMORY_SOURCE): SafetensorsContents {
  const n = readHeaderLength(bytes.subarray(0, SAFETENSORS_LENGTH_BYTES), bytes.length, sourceName);
  const dataStart = SAFETENSORS_LENGTH_BYTES + n;
  const header = parseSafetensorsHeader(bytes.subarray(SAFETENSORS_LENGTH_BYTES, dataStart), bytes.length - dataStart, sourceName);
  const tensors = Object.entries(header.tensors).map(([name, { dtype, shape, dataOffsets: [begin, end] }]) => {
    const data = fromLittleEndianBytes(dtype, bytes.subarray(dataStart + begin, dataStart + end));
    return [name, { dtype, shape, data } as SafeTensor] as const;
  });
  return { tensors: Object.fromEntries(tensors), metadata: header.metadata };
}

/** Writes tensors to `path` atomically (temp file in the same directory, fsync, rename). */
export async function writeSafetensors(
  path: string,
  tensors: Readonly<SafeTensorMap>,
  metadata?: Readonly<Record<string, string>>,
): Promise<void> {
  await writeFileAtomic(path, encodeSafetensors(tensors, metadata, path));
}

/** Reads and validates a whole safetensors file. */
export async function readSafetensors(path: string): Promise<SafetensorsContents> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const prefix = await readExactly(handle, 0, Math.min(size, SAFETENSORS_LENGTH_BYTES), path);
    readHeaderLength(prefix, size, path); // checks the length field before allocating the whole file
    return decodeSafetensors(await readExactly(handle, 0, size, path), path);
  } finally {
    await handle.close();
  }
}

/**
 * {@link readSafetensors} of a checkpoint's tensor file whose SHA-256 is `recorded` in `recordedIn`: refused as
 * {@link checkRecordedSha256} refuses it, and decoded from the very bytes that were hashed (one read, nothing can change
 * between the check and the load); a missing hash is refused.
 */
export async function readRecordedSafetensors(path: string, recorded: unknown, recordedIn: string, flag?: string): Promise<SafetensorsContents> {
  return decodeSafetensors(await readRecordedFile(path, recorded, recordedIn, flag), path);
}

/** Reads and validates only the header of a safetensors file (offsets are checked against the file's size). */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const prefix = await readExactly(handle, 0, Math.min(size, SAFETENSORS_LENGTH_BYTES), path);
    const n = readHeaderLength(prefix, size, path);
    const dataStart = SAFETENSORS_LENGTH_BYTES + n;
    const headerBytes = await readExactly(handle, SAFETENSORS_LENGTH_BYTES, n, path);
    return { ...parseSafetensorsHeader(headerBytes, size - dataStart, path), dataStart, dataLength: size - dataStart };
  } finally {
    await handle.close();
  }
}

async function readExactly(handle: FileHandle, position: number, length: number, path: string): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(out, done, length - done, position + done);
    if (bytesRead === 0) throw new SafetensorsError(path, undefined, `file ended at byte ${position + done} (was it truncated while reading?)`);
    done += bytesRead;
  }
  return out;
}

/**
 * Returns tensor `name` from decoded contents after checking its dtype and (if given) shape;
 * throws a SafetensorsError naming `file`, the tensor and what was expected.
 */
export function requireTensor<D extends SafetensorsDtype>(
  contents: SafetensorsContents,
  name: string,
  dtype: D,
  shape?: readonly number[],
  file: string = MEMORY_SOURCE,
): SafeTensor<D> {
  const tensor = Object.prototype.hasOwnProperty.call(contents.tensors, name) ? contents.tensors[name] : undefined;
  if (tensor === undefined) throw new SafetensorsError(file, name, 'missing from the file');
  if (tensor.dtype !== dtype) throw new SafetensorsError(file, name, `expected dtype ${dtype}, got ${tensor.dtype}`);
  if (shape !== undefined && (shape.length !== tensor.shape.length || shape.some((d, i) => d !== tensor.shape[i]))) {
    throw new SafetensorsError(file, name, `expected shape ${JSON.stringify(shape)}, got ${JSON.stringify(tensor.shape)}`);
  }
  return tensor as SafeTensor<D>;
}
