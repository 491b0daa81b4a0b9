import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { encodeIdx, isGzip, parseIdx, readIdxFile } from './idx';

const FIXTURES = join(__dirname, '..', 'test-fixtures', 'fashion-mnist');

function header(type: number, dims: number[]): number[] {
  const out = [0, 0, type, dims.length];
  for (const d of dims) out.push((d >>> 24) & 255, (d >>> 16) & 255, (d >>> 8) & 255, d & 255);
  return out;
}

describe('parseIdx', () => {
  it('decodes a u8 matrix', () => {
    const bytes = Uint8Array.from([...header(0x08, [2, 3]), 1, 2, 3, 4, 5, 250]);
    const arr = parseIdx(bytes, 'm.idx');
    expect(arr.dtype).toBe('uint8');
    expect(arr.shape).toEqual([2, 3]);
    expect(arr.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(arr.data)).toEqual([1, 2, 3, 4, 5, 250]);
  });

  it('decodes big-endian i8, i16, i32, f32, f64', () => {
    expect(Array.from(parseIdx(Uint8Array.from([...header(0x09, [2]), 0xff, 0x7f])).data)).toEqual([-1, 127]);
    const i16 = parseIdx(Uint8Array.from([...header(0x0b, [2]), 0x01, 0x02, 0xff, 0xfe]));
    expect(i16.dtype).toBe('int16');
    expect(Array.from(i16.data)).toEqual([258, -2]);
    const i32 = parseIdx(Uint8Array.from([...header(0x0c, [1]), 0x00, 0x01, 0x00, 0x00]));
    expect(Array.from(i32.data)).toEqual([65536]);
    const f32 = parseIdx(Uint8Array.from([...header(0x0d, [1]), 0x3f, 0xc0, 0x00, 0x00]));
    expect(f32.dtype).toBe('float32');
    expect(Array.from(f32.data)).toEqual([1.5]);
    const f64 = parseIdx(Uint8Array.from([...header(0x0e, [1]), 0xc0, 0x04, 0, 0, 0, 0, 0, 0]));
    expect(Array.from(f64.data)).toEqual([-2.5]);
  });

  it('round-trips every dtype through encodeIdx', () => {
    const cases = [
      { dtype: 'int16' as const, shape: [2, 2], data: Int16Array.from([-300, 0, 7, 32767]) },
      { dtype: 'int32' as const, shape: [3], data: Int32Array.from([-70000, 1, 2 ** 30]) },
      { dtype: 'float32' as const, shape: [1, 2], data: Float32Array.from([0.25, -8]) },
      { dtype: 'float64' as const, shape: [2], data: Float64Array.from([Math.PI, -1e-300]) },
    ];
    for (const c of cases) {
      const back = parseIdx(encodeIdx(c), c.dtype);
      expect(back.dtype).toBe(c.dtype);
      expect(back.shape).toEqual(c.shape);
      expect(Array.from(back.data)).toEqual(Array.from(c.data));
    }
  });

  it('gunzips transparently', () => {
    const plain = Uint8Array.from([...header(0x08, [3]), 7, 8, 9]);
    const gz = gzipSync(plain);
    expect(isGzip(gz)).toBe(true);
    expect(isGzip(plain)).toBe(false);
    expect(Array.from(parseIdx(gz, 'x.gz').data)).toEqual([7, 8, 9]);
  });

  it('rejects a bad magic, naming the file', () => {
    const bytes = Uint8Array.from([...header(0x08, [1]), 5]);
    bytes[1] = 3;
    expect(() => parseIdx(bytes, 'bad-magic.idx')).toThrow(/bad-magic\.idx: bad IDX magic.*expected 0, 0/);
  });

  it('rejects an unknown type byte', () => {
    expect(() => parseIdx(Uint8Array.from([...header(0x0a, [1]), 5]), 'f')).toThrow(/f: unknown IDX type byte 0x0a/);
  });

  it('rejects a zero or truncated dimension header', () => {
    expect(() => parseIdx(Uint8Array.from([0, 0, 8, 0]), 'zero.idx')).toThrow(/zero\.idx: IDX dimension count is 0/);
    expect(() => parseIdx(Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 1]), 'h.idx')).toThrow(
      /h\.idx: truncated IDX header: 3 dims need 16 header bytes, file has 8/,
    );
    expect(() => parseIdx(Uint8Array.from([0, 0]), 'tiny')).toThrow(/tiny: 2 bytes is too short/);
  });

  it('rejects truncated data and trailing bytes exactly', () => {
    const good = [...header(0x0b, [2, 2]), 0, 1, 0, 2, 0, 3, 0, 4];
    expect(parseIdx(Uint8Array.from(good)).shape).toEqual([2, 2]);
    expect(() => parseIdx(Uint8Array.from(good.slice(0, -1)), 'short.idx')).toThrow(
      /short\.idx: truncated data: shape \[2, 2\] of int16 needs 20 bytes.*file has 19/,
    );
    expect(() => parseIdx(Uint8Array.from([...good, 0]), 'long.idx')).toThrow(
      /long\.idx: trailing bytes after the data.*needs 20 bytes.*file has 21/,
    );
  });

  it('rejects a corrupt gzip stream', () => {
    const gz = gzipSync(Uint8Array.from([...header(0x08, [1]), 1]));
    expect(() => parseIdx(gz.subarray(0, 12), 'cut.gz')).toThrow(/cut\.gz: looks gzip'd/);
  });

  it('encodeIdx checks the data length against the shape', () => {
    expect(() => encodeIdx({ dtype: 'uint8', shape: [2, 2], data: new Uint8Array(3) }, 'e')).toThrow(
      /e: data has 3 elements; shape \[2, 2\] needs 4/,
    );
  });
});

describe('readIdxFile', () => {
  it('reads the real Fashion-MNIST test labels fixture', () => {
    const labels = readIdxFile(join(FIXTURES, 't10k-labels-idx1-ubyte'));
    expect(labels.dtype).toBe('uint8');
    expect(labels.shape).toEqual([300]);
    // First labels of t10k-labels-idx1-ubyte as read from the Debian dataset-fashion-mnist file.
    expect(Array.from(labels.data.subarray(0, 10))).toEqual([9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
  });

  it('reads the gzip\'d train images fixture and matches a re-encoding', () => {
    const path = join(FIXTURES, 'train-images-idx3-ubyte.gz');
    const images = readIdxFile(path);
    expect(images.shape).toEqual([200, 28, 28]);
    const again = parseIdx(encodeIdx(images));
    expect(Buffer.from(again.data.buffer).equals(Buffer.from(images.data.buffer))).toBe(true);
    expect(isGzip(readFileSync(path))).toBe(true);
  });

  it('names the path of a missing or bad file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'idx-test-'));
    try {
      expect(() => readIdxFile(join(dir, 'nope'))).toThrow(/nope: cannot read IDX file/);
      const bad = join(dir, 'bad');
      writeFileSync(bad, Uint8Array.from([1, 2, 3, 4, 5]));
      expect(() => readIdxFile(bad)).toThrow(new RegExp(`${bad.replace(/[/\\.]/g, '\\$&')}: bad IDX magic`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
