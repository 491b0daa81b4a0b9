import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as zlib from 'node:zlib';
import { crc32, encodeNpy, encodeNpz, encodeZip, npyHeaderDict, writeNpz } from './npz';

interface ParsedEntry { name: string; data: Uint8Array; crc: number; method: number }

/** Parses a zip independently of the writer: end record → central directory → each local header; checks they agree. */
function parseZip(bytes: Uint8Array): ParsedEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const eocd = bytes.length - 22;
  expect(view.getUint32(eocd, true)).toBe(0x06054b50);
  const count = view.getUint16(eocd + 10, true);
  const cdSize = view.getUint32(eocd + 12, true);
  let at = view.getUint32(eocd + 16, true);
  expect(at + cdSize).toBe(eocd);
  const entries: ParsedEntry[] = [];
  for (let i = 0; i < count; i++) {
    expect(view.getUint32(at, true)).toBe(0x02014b50);
    const method = view.getUint16(at + 10, true);
    const crc = view.getUint32(at + 16, true);
    const size = view.getUint32(at + 20, true);
    expect(view.getUint32(at + 24, true)).toBe(size); // stored: compressed size = size
    const nameLen = view.getUint16(at + 28, true);
    const extra = view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    const offset = view.getUint32(at + 42, true);
    const name = Buffer.from(bytes.subarray(at + 46, at + 46 + nameLen)).toString('utf8');
    at += 46 + nameLen + extra;
    expect(view.getUint32(offset, true)).toBe(0x04034b50);
    expect(view.getUint32(offset + 14, true)).toBe(crc);
    expect(view.getUint32(offset + 22, true)).toBe(size);
    const localName = view.getUint16(offset + 26, true);
    expect(Buffer.from(bytes.subarray(offset + 30, offset + 30 + localName)).toString('utf8')).toBe(name);
    const start = offset + 30 + localName + view.getUint16(offset + 28, true);
    entries.push({ name, data: bytes.subarray(start, start + size), crc, method });
  }
  return entries;
}

/** Parses a `.npy` 1.0 file: dtype, shape and the raw data bytes; checks magic, version and 64-byte alignment. */
function parseNpy(bytes: Uint8Array): { descr: string; shape: number[]; fortran: boolean; body: Uint8Array } {
  expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const headerLen = bytes[8]! + 256 * bytes[9]!;
  expect((10 + headerLen) % 64).toBe(0);
  const header = Buffer.from(bytes.subarray(10, 10 + headerLen)).toString('latin1');
  expect(header.endsWith('\n')).toBe(true);
  const m = /^\{'descr': '([^']+)', 'fortran_order': (True|False), 'shape': \(([^)]*)\), \} *\n$/.exec(header);
  if (m === null) throw new Error(`bad npy header ${JSON.stringify(header)}`);
  const shape = m[3]!.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  return { descr: m[1]!, fortran: m[2] === 'True', shape, body: bytes.subarray(10 + headerLen) };
}

describe('crc32', () => {
  it('matches the check value and zlib on random bytes', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
    const bytes = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919) % 251);
    const zlibCrc = (zlib as unknown as { crc32?: (b: Uint8Array) => number }).crc32; // Node ≥ 20.15
    if (zlibCrc !== undefined) expect(crc32(bytes)).toBe(zlibCrc(bytes));
  });
});

describe('encodeNpy', () => {
  it('writes the 1.0 header dict padded to 64 bytes and the data in C order', () => {
    const data = Uint8Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 10);
    const npy = parseNpy(encodeNpy({ data, shape: [2, 3, 4] }));
    expect(npy).toEqual({ descr: '|u1', fortran: false, shape: [2, 3, 4], body: data });
    expect(npyHeaderDict('|u1', [5, 28, 28])).toBe("{'descr': '|u1', 'fortran_order': False, 'shape': (5, 28, 28), }");
    expect(npyHeaderDict('<i8', [5])).toBe("{'descr': '<i8', 'fortran_order': False, 'shape': (5,), }");
  });

  it('writes multi-byte types little-endian, 1-D shapes with a trailing comma, and empty arrays', () => {
    const labels = BigInt64Array.from([0n, 9n, -1n]);
    const npy = parseNpy(encodeNpy({ data: labels, shape: [3] }));
    expect([npy.descr, npy.shape]).toEqual(['<i8', [3]]);
    const view = new DataView(npy.body.buffer, npy.body.byteOffset, npy.body.byteLength);
    expect([0, 1, 2].map((i) => view.getBigInt64(8 * i, true))).toEqual([0n, 9n, -1n]);
    const floats = parseNpy(encodeNpy({ data: Float32Array.from([1.5]), shape: [1, 1] }));
    expect([floats.descr, new DataView(floats.body.buffer, floats.body.byteOffset).getFloat32(0, true)]).toEqual(['<f4', 1.5]);
    expect(parseNpy(encodeNpy({ data: new Uint8Array(0), shape: [0, 28, 28] })).shape).toEqual([0, 28, 28]);
  });

  it('refuses a shape that does not match the data', () => {
    expect(() => encodeNpy({ data: new Uint8Array(5), shape: [2, 3] })).toThrow(/shape \[2, 3\] needs 6 values, got 5/);
    expect(() => encodeNpy({ data: new Uint8Array(0), shape: [-1] })).toThrow(/integers >= 0/);
  });
});

describe('encodeZip / encodeNpz', () => {
  it('stores each member with its CRC-32 and a central directory that agrees with the local headers', () => {
    const a = Buffer.from('hello');
    const b = Uint8Array.from([1, 2, 3, 255]);
    const entries = parseZip(encodeZip([{ name: 'a.txt', data: a }, { name: 'dir/b.bin', data: b }]));
    expect(entries.map((e) => [e.name, e.method, Array.from(e.data)])).toEqual([['a.txt', 0, Array.from(a)], ['dir/b.bin', 0, [1, 2, 3, 255]]]);
    for (const e of entries) expect(e.crc).toBe(crc32(e.data));
    expect(entries[0]!.crc).toBe(0x3610a686); // crc32("hello")
    expect(parseZip(encodeZip([]))).toEqual([]);
  });

  it('encodes images and labels that parse back with the same shapes and values', () => {
    const images = Uint8Array.from({ length: 3 * 28 * 28 }, (_, i) => i % 256);
    const labels = BigInt64Array.from([7n, 7n, 2n]);
    const entries = parseZip(encodeNpz({ images: { data: images, shape: [3, 28, 28] }, labels: { data: labels, shape: [3] } }));
    expect(entries.map((e) => e.name)).toEqual(['images.npy', 'labels.npy']);
    const img = parseNpy(entries[0]!.data);
    expect([img.descr, img.shape, Buffer.from(img.body).equals(Buffer.from(images))]).toEqual(['|u1', [3, 28, 28], true]);
    expect(parseNpy(entries[1]!.data).shape).toEqual([3]);
  });
});

describe('writeNpz', () => {
  const dir = mkdtempSync(join(tmpdir(), 'npz-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the file atomically (no temp file left) and, where numpy is installed, numpy.load reads it', async () => {
    const path = join(dir, 'samples.npz');
    const images = Uint8Array.from({ length: 2 * 28 * 28 }, (_, i) => (i * 3) % 256);
    await writeNpz(path, { images: { data: images, shape: [2, 28, 28] }, labels: { data: BigInt64Array.from([4n, 9n]), shape: [2] } });
    expect(readdirSync(dir)).toEqual(['samples.npz']);
    expect(parseZip(readFileSync(path)).map((e) => e.name)).toEqual(['images.npy', 'labels.npy']);
    const script = "import sys, numpy as np; d = np.load(sys.argv[1]); i = d['images']; l = d['labels']; print(i.dtype, i.shape, int(i.sum()), l.dtype, l.tolist())";
    const py = spawnSync('python3', ['-c', script, path], { encoding: 'utf8' });
    if (py.status !== 0) return; // no python3 / numpy here: the byte-level checks above stand
    const sum = images.reduce((a, b) => a + b, 0);
    expect(py.stdout.trim()).toBe(`uint8 (2, 28, 28) ${sum} int64 [4, 9]`);
  });
});
