import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  decodeSafetensors,
  encodeSafetensors,
  readSafetensors,
  readSafetensorsHeader,
  requireTensor,
  writeSafetensors,
  type SafeTensorMap,
} from './safetensors';
import { dtypeByteSize, float32ToBf16, float32ToF16, type SafeTensor } from './safetensors-dtypes';
import { readHeaderLength, SafetensorsError, topLevelJsonKeys } from './safetensors-header';

const FIXTURES = join(__dirname, '..', 'test-fixtures', 'safetensors');
const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));
const values = (t: SafeTensor | undefined): Array<number | bigint> => Array.from((t?.data ?? []) as ArrayLike<number | bigint>);
const rawBytes = (t: SafeTensor): Uint8Array => new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);

/** A file assembled by hand: u64 LE length, header text as given (no padding), then `data` bytes. */
function rawFile(header: string, data: number | number[] = []): Uint8Array {
  const body = typeof data === 'number' ? new Array<number>(data).fill(0) : data;
  const len = [header.length, 0, 0, 0, 0, 0, 0, 0];
  if (header.length > 255) throw new Error('test helper: header too long');
  return Uint8Array.from([...len, ...ascii(header), ...body]);
}

function expectError(fn: () => unknown, file: string, tensor: string | undefined, message: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(SafetensorsError);
  const err = caught as SafetensorsError;
  expect(err.file).toBe(file);
  expect(err.tensor).toBe(tensor);
  expect(err.message).toContain(file);
  if (tensor !== undefined) expect(err.message).toContain(`"${tensor}"`);
  expect(err.message).toMatch(message);
}

const ALL_DTYPES: SafeTensorMap = {
  bool: { dtype: 'BOOL', shape: [2, 2], data: Uint8Array.from([1, 0, 0, 1]) },
  u8: { dtype: 'U8', shape: [3], data: Uint8Array.from([0, 128, 255]) },
  i8: { dtype: 'I8', shape: [2], data: Int8Array.from([-128, 127]) },
  i16: { dtype: 'I16', shape: [1, 3], data: Int16Array.from([-32768, 0, 32767]) },
  u16: { dtype: 'U16', shape: [2], data: Uint16Array.from([0, 65535]) },
  f16: { dtype: 'F16', shape: [4], data: float32ToF16([1, -2, 65504, 2 ** -24]) },
  bf16: { dtype: 'BF16', shape: [2], data: float32ToBf16([1, -Math.PI]) },
  i32: { dtype: 'I32', shape: [3], data: Int32Array.from([-(2 ** 31), 7, 2 ** 31 - 1]) },
  u32: { dtype: 'U32', shape: [1], data: Uint32Array.from([2 ** 32 - 1]) },
  f32: { dtype: 'F32', shape: [2, 3], data: Float32Array.from([1.5, -0, Infinity, -Infinity, NaN, 3e-45]) },
  f64: { dtype: 'F64', shape: [2], data: Float64Array.from([Math.PI, -Number.MAX_VALUE]) },
  i64: { dtype: 'I64', shape: [3], data: BigInt64Array.from([-(2n ** 63n), -1n, 2n ** 63n - 1n]) },
  u64: { dtype: 'U64', shape: [1], data: BigUint64Array.from([2n ** 64n - 1n]) },
  scalar: { dtype: 'F32', shape: [], data: Float32Array.from([42]) },
  empty: { dtype: 'F32', shape: [0, 3], data: new Float32Array(0) },
  emptyI64: { dtype: 'I64', shape: [2, 0], data: new BigInt64Array(0) },
};

describe('encodeSafetensors / decodeSafetensors', () => {
  it('round-trips every dtype, scalars and empty tensors, bit for bit', () => {
    const { tensors, metadata } = decodeSafetensors(encodeSafetensors(ALL_DTYPES, { format: 'pt', note: 'ü' }));
    expect(metadata).toEqual({ format: 'pt', note: 'ü' });
    expect(Object.keys(tensors).sort()).toEqual(Object.keys(ALL_DTYPES).sort());
    for (const [name, want] of Object.entries(ALL_DTYPES)) {
      const got = tensors[name] as SafeTensor;
      expect([name, got.dtype, got.shape]).toEqual([name, want.dtype, want.shape]);
      expect(got.data.constructor).toBe(want.data.constructor);
      expect(Array.from(rawBytes(got))).toEqual(Array.from(rawBytes(want)));
    }
    expect(requireTensor({ tensors, metadata }, 'i64', 'I64', [3]).data[0]).toBe(-(2n ** 63n));
  });

  it('matches the reference serializer byte for byte (huggingface/safetensors tensor.rs tests)', () => {
    const f32 = Float32Array.from([0, 1, 2, 3, 4, 5]);
    const data = [0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64];
    // test_serialization
    expect(Array.from(encodeSafetensors({ 'attn.0': { dtype: 'F32', shape: [1, 2, 3], data: f32 } }))).toEqual([
      64, 0, 0, 0, 0, 0, 0, 0, ...ascii('{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}'), ...data,
    ]);
    // test_serialization_forced_alignement: 65 header bytes padded with 7 spaces to 72
    expect(Array.from(encodeSafetensors({ attn0: { dtype: 'F32', shape: [1, 1, 2, 3], data: f32 } }))).toEqual([
      72, 0, 0, 0, 0, 0, 0, 0, ...ascii('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       '), ...data,
    ]);
    // test_empty
    expect(Array.from(encodeSafetensors({}))).toEqual([8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]);
    expect(Array.from(encodeSafetensors({}, { framework: 'pt' }))).toEqual([
      40, 0, 0, 0, 0, 0, 0, 0, ...ascii('{"__metadata__":{"framework":"pt"}}     '),
    ]);
  });

  it('orders tensors like the reference (dtype alignment descending, then name) so each one is aligned', () => {
    const bytes = encodeSafetensors(ALL_DTYPES);
    const n = readHeaderLength(bytes, bytes.length, 'x');
    expect((8 + n) % 8).toBe(0);
    const json = new TextDecoder().decode(bytes.subarray(8, 8 + n));
    expect(topLevelJsonKeys(json)).toEqual([
      'u64', 'emptyI64', 'i64', 'f64', 'empty', 'f32', 'scalar', 'u32', 'i32', 'bf16', 'f16', 'u16', 'i16', 'i8', 'u8', 'bool',
    ]);
    const header = JSON.parse(json) as Record<string, { dtype: 'F32'; data_offsets: [number, number] }>;
    for (const { dtype, data_offsets: [begin] } of Object.values(header)) expect((8 + n + begin) % dtypeByteSize(dtype)).toBe(0);
  });

  it('decodes the reference test inputs (padding, empty shapes, zero-sized tensors)', () => {
    const i32x4 = '{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}';
    expect(values(decodeSafetensors(rawFile(i32x4, 16)).tensors.test)).toEqual([0, 0, 0, 0]);
    const scalar = decodeSafetensors(rawFile('{"test":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}', [7, 0, 0, 0]));
    expect([scalar.tensors.test?.shape, values(scalar.tensors.test)]).toEqual([[], [7]]);
    const zero = decodeSafetensors(rawFile('{"test":{"dtype":"I32","shape":[2,0],"data_offsets":[0, 0]}}'));
    expect(zero.tensors.test?.shape).toEqual([2, 0]);
    expect(zero.tensors.test?.data.length).toBe(0);
    expect(decodeSafetensors(rawFile('{}\r \t\n')).tensors).toEqual({});
    expect(decodeSafetensors(rawFile('\t\n{}\r ')).tensors).toEqual({});
    expect(decodeSafetensors(rawFile('{"__metadata__":null}')).metadata).toEqual({});
  });

  it('decodes a Node Buffer that sits at an offset inside a larger allocation', () => {
    const file = readFileSync(join(FIXTURES, 'tiny.safetensors'));
    const shifted = Buffer.concat([Buffer.from([9, 9, 9]), file]).subarray(3);
    expect(values(decodeSafetensors(shifted).tensors.a)).toEqual([1, 2, 3, 4]);
  });

  it('reads tensors at unaligned offsets and copies them out of the source buffer', () => {
    const bytes = rawFile('{"x":{"dtype":"F64","shape":[1],"data_offsets":[0,8]}} ', [0, 0, 0, 0, 0, 0, 0xf0, 0x3f]);
    const x = decodeSafetensors(bytes).tensors.x as SafeTensor<'F64'>;
    bytes.fill(0);
    expect(Array.from(x.data)).toEqual([1]);
    const view = Float32Array.from([9, 8, 7, 6]).subarray(1, 3); // a view with a non-zero byteOffset
    expect(values(decodeSafetensors(encodeSafetensors({ v: { dtype: 'F32', shape: [2], data: view } })).tensors.v)).toEqual([8, 7]);
  });
});

describe('decodeSafetensors rejects malformed files, naming the file and the tensor', () => {
  const F = 'bad.safetensors';
  const decode = (bytes: Uint8Array) => () => decodeSafetensors(bytes, F);
  const one = (info: string, data: number | number[] = 4) => decode(rawFile(`{"t":${info}}`, data));

  it('rejects files and headers that are too short, too long or not a JSON object', () => {
    expectError(decode(new Uint8Array(5)), F, undefined, /5 bytes, shorter than the 8-byte header length/);
    expectError(decode(Uint8Array.from([100, 0, 0, 0, 0, 0, 0, 0, 123, 125])), F, undefined, /header length 100 exceeds the 2 bytes/);
    expectError(decode(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0x80, 123, 125])), F, undefined, /header length 9223372036854775808 exceeds/);
    expectError(() => readHeaderLength(Uint8Array.from([0, 0xe1, 0xf5, 0x05, 1, 0, 0, 0]), 2e10, F), F, undefined, /exceeds the maximum of 100000000/);
    expectError(decode(Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0, 0xff])), F, undefined, /not valid UTF-8/);
    expectError(decode(rawFile('{')), F, undefined, /header is not valid JSON/);
    expectError(decode(rawFile('[1,2]')), F, undefined, /header must be a JSON object/);
    expectError(decode(rawFile('null')), F, undefined, /header must be a JSON object/);
  });

  it('rejects bad dtype, shape and data_offsets fields', () => {
    expectError(one('5'), F, 't', /entry must be an object/);
    expectError(one('{"dtype":"Q4","shape":[1],"data_offsets":[0,4]}'), F, 't', /unknown dtype "Q4"/);
    expectError(one('{"shape":[1],"data_offsets":[0,4]}'), F, 't', /unknown dtype undefined/);
    for (const shape of ['[2,-1]', '[1.5]', '"4"', '[1,"2"]', '[2,18446744073709551614]']) {
      expectError(one(`{"dtype":"U8","shape":${shape},"data_offsets":[0,4]}`), F, 't', /"shape" must be an array of non-negative integers/);
    }
    for (const offsets of ['[0]', '[0,4,8]', '[0,"4"]', '[-1,4]', '[0,4.5]', '{"0":0}']) {
      expectError(one(`{"dtype":"U8","shape":[4],"data_offsets":${offsets}}`), F, 't', /"data_offsets" must be \[begin, end\] non-negative integers/);
    }
    expectError(one('{"dtype":"U8","shape":[4],"data_offsets":[4,0]}'), F, 't', /\[4, 0\] has begin > end/);
  });

  it('rejects offsets past the data, sizes that disagree with the shape, gaps, overlaps and trailing bytes', () => {
    expectError(one('{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}', 14), F, 't', /\[0, 16\] run past the 14-byte data section/);
    expectError(one('{"dtype":"I32","shape":[2,2],"data_offsets":[0,4]}'), F, 't', /shape \[2,2\] × I32 \(4 B\) needs 16 bytes, but data_offsets \[0, 4\] hold 4/);
    expectError(one('{"dtype":"U8","shape":[4],"data_offsets":[0,4]}', 6), F, 't', /2 trailing bytes after the last tensor/);
    expectError(decode(rawFile('{}', 3)), F, undefined, /3 trailing bytes after the last tensor/);
    const a = '"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}';
    expectError(decode(rawFile(`{${a},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}`, 12)), F, 'b', /\[4, 12\] overlap tensor "a" \(which ends at 8\)/);
    expectError(decode(rawFile(`{${a},"b":{"dtype":"F32","shape":[1],"data_offsets":[12,16]}}`, 16)), F, 'b', /gap: data bytes \[8, 12\) before it belong to no tensor/);
    expectError(decode(rawFile('{"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}', 4)), F, 'b', /gap: data bytes \[0, 2\)/);
    // Reference test_json_attack: several tensors claiming the same bytes.
    const same = (i: number) => `"w${i}":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}`;
    expectError(decode(rawFile(`{${same(0)},${same(1)}}`, 16)), F, 'w1', /overlap tensor "w0"/);
  });

  it('rejects bad metadata and duplicate names', () => {
    expectError(decode(rawFile('{"__metadata__":{"format":"pt","epoch":3}}')), F, '__metadata__', /value of "epoch" must be a string, got 3/);
    expectError(decode(rawFile('{"__metadata__":["pt"]}')), F, '__metadata__', /must be an object of string values/);
    const t = '"t":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}';
    expectError(decode(rawFile(`{${t},${t}}`, 2)), F, 't', /appears more than once/);
    expectError(decode(rawFile('{"__metadata__":{},"__metadata__":{}}')), F, '__metadata__', /appears more than once/);
  });

  it('finds top-level keys only, through escapes and nesting', () => {
    expect(topLevelJsonKeys('{"a\\"b":{"x":"y,\\"z\\""},"c":[1,{"d":2}],"e":"f"}')).toEqual(['a"b', 'c', 'e']);
  });
});

describe('encodeSafetensors rejects bad input', () => {
  const M = '<memory>';
  it('names the tensor and what was expected', () => {
    const enc = (t: unknown) => () => encodeSafetensors({ t } as unknown as SafeTensorMap);
    expectError(enc({ dtype: 'F16', shape: [1], data: new Float32Array(1) }), M, 't', /dtype F16 must be a Uint16Array of f16 bits, got Float32Array/);
    expectError(enc({ dtype: 'F32', shape: [2, 2], data: new Float32Array(3) }), M, 't', /shape \[2,2\] needs 4 elements, data has 3/);
    expectError(enc({ dtype: 'F32', shape: [-1], data: new Float32Array(1) }), M, 't', /"shape" must be an array of non-negative integers/);
    expectError(enc({ dtype: 'X', shape: [1], data: new Float32Array(1) }), M, 't', /unknown dtype "X"/);
    expectError(enc({ dtype: 'BOOL', shape: [2], data: Uint8Array.from([1, 2]) }), M, 't', /only 0 and 1/);
    expectError(() => encodeSafetensors({ __metadata__: ALL_DTYPES.u8 as SafeTensor }), M, '__metadata__', /reserved/);
    expectError(() => encodeSafetensors({}, { epoch: 3 } as unknown as Record<string, string>), M, '__metadata__', /"epoch" must be a string/);
  });
});

describe('files', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'safetensors-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the hand-built fixture (test-fixtures/safetensors/make-fixture.mjs)', async () => {
    const path = join(FIXTURES, 'tiny.safetensors');
    const { tensors, metadata } = await readSafetensors(path);
    expect(metadata).toEqual({ format: 'pt' });
    const a = requireTensor({ tensors, metadata }, 'a', 'F32', [2, 2], path);
    expect(a.data).toBeInstanceOf(Float32Array);
    expect(Array.from(a.data)).toEqual([1, 2, 3, 4]);
    const b = requireTensor({ tensors, metadata }, 'b', 'I64', [3], path);
    expect(b.data).toBeInstanceOf(BigInt64Array);
    expect(Array.from(b.data)).toEqual([-1n, 0n, 2n ** 40n]);
    const header = await readSafetensorsHeader(path);
    expect(header).toEqual({
      tensors: { a: { dtype: 'F32', shape: [2, 2], dataOffsets: [0, 16] }, b: { dtype: 'I64', shape: [3], dataOffsets: [16, 40] } },
      metadata: { format: 'pt' }, dataStart: 152, dataLength: 40,
    });
    expectError(() => requireTensor({ tensors, metadata }, 'a', 'F16', undefined, path), path, 'a', /expected dtype F16, got F32/);
    expectError(() => requireTensor({ tensors, metadata }, 'b', 'I64', [1, 3], path), path, 'b', /expected shape \[1,3\], got \[3\]/);
    expectError(() => requireTensor({ tensors, metadata }, 'c', 'I64', [3], path), path, 'c', /missing from the file/);
  });

  it('the committed fixture is exactly what make-fixture.mjs builds', () => {
    const out = join(dir, 'tiny.safetensors');
    execFileSync(process.execPath, [join(FIXTURES, 'make-fixture.mjs'), out]);
    expect(readFileSync(out).equals(readFileSync(join(FIXTURES, 'tiny.safetensors')))).toBe(true);
  });

  it('writes, then reads back whole files and headers', async () => {
    const path = join(dir, 'model.safetensors');
    await writeSafetensors(path, ALL_DTYPES, { step: '10' });
    const back = await readSafetensors(path);
    expect(back.metadata).toEqual({ step: '10' });
    expect(values(back.tensors.i64)).toEqual([-(2n ** 63n), -1n, 2n ** 63n - 1n]);
    const header = await readSafetensorsHeader(path);
    expect(header.dataStart % 8).toBe(0);
    expect(header.dataStart + header.dataLength).toBe(readFileSync(path).length);
    expect(header.tensors.f32).toEqual({ dtype: 'F32', shape: [2, 3], dataOffsets: expect.any(Array) as unknown });
  });

  it('rejects bad files from disk without allocating their claimed header size', async () => {
    const short = join(dir, 'short.safetensors');
    writeFileSync(short, Uint8Array.from([1, 2, 3]));
    await expect(readSafetensors(short)).rejects.toThrow(`${short}: file is 3 bytes, shorter than the 8-byte header length`);
    const huge = join(dir, 'huge.safetensors');
    writeFileSync(huge, Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 123, 125]));
    await expect(readSafetensorsHeader(huge)).rejects.toThrow(`${huge}: header length 18446744073709551615 exceeds the 2 bytes`);
    await expect(readSafetensors(huge)).rejects.toThrow(SafetensorsError);
    const gap = join(dir, 'gap.safetensors');
    writeFileSync(gap, rawFile('{"w":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}', 2));
    await expect(readSafetensorsHeader(gap)).rejects.toThrow(`${gap}: tensor "w": 1 trailing bytes`);
  });

  const python = spawnSync('python3', ['-c', 'import safetensors, numpy'], { encoding: 'utf8' });
  (python.status === 0 ? it : it.skip)('is read by Python safetensors.safe_open (runs only where it is installed)', async () => {
    const path = join(dir, 'py.safetensors');
    await writeSafetensors(path, { a: ALL_DTYPES.f64 as SafeTensor, b: ALL_DTYPES.i16 as SafeTensor }, { k: 'v' });
    const script = `from safetensors import safe_open\nimport json,sys\nf=safe_open(sys.argv[1],framework="numpy")\nprint(json.dumps([f.metadata(),f.get_tensor("a").tolist(),f.get_tensor("b").tolist()]))`;
    const out = execFileSync('python3', ['-c', script, path], { encoding: 'utf8' });
    expect(JSON.parse(out)).toEqual([{ k: 'v' }, [Math.PI, -Number.MAX_VALUE], [[-32768, 0, 32767]]]);
  });
});
