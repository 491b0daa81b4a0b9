#!/usr/bin/env node
// Cuts a small, real Fashion-MNIST fixture out of the Debian package `dataset-fashion-mnist` so the
// tests of packages/tensor-utils never need the full data set: the first 300 test examples as plain
// IDX files and the first 200 train examples as gzip'd IDX files (both layouts the loader accepts).
// Usage: node tools/make-fixtures.mjs [--data DIR] [--out DIR]
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';

const args = process.argv.slice(2);
function arg(name, fallback) {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1] : fallback;
}
const dataDir = arg('--data', '/usr/share/datasets/fashion-mnist');
const outDir = arg('--out', 'packages/tensor-utils/test-fixtures/fashion-mnist');
const TEST_COUNT = 300;
const TRAIN_COUNT = 200;

/** Reads `base` or `base.gz` from the data dir and returns the unpacked bytes. */
function readRaw(base) {
  const plain = join(dataDir, base);
  const path = existsSync(plain) ? plain : `${plain}.gz`;
  if (!existsSync(path)) {
    console.error(`make-fixtures: ${plain}[.gz] not found; run \`apt-get install dataset-fashion-mnist\` or pass --data DIR`);
    process.exit(1);
  }
  const bytes = readFileSync(path);
  return bytes[0] === 0x1f && bytes[1] === 0x8b ? gunzipSync(bytes) : bytes;
}

/** Keeps the first `keep` items of a u8 IDX file (type 0x08), rewriting dim 0 of the header. */
function headIdx(base, keep) {
  const raw = readRaw(base);
  if (raw[0] !== 0 || raw[1] !== 0 || raw[2] !== 0x08) {
    throw new Error(`${base}: not a u8 IDX file (header ${[...raw.subarray(0, 4)].join(' ')})`);
  }
  const ndims = raw[3];
  const header = Buffer.from(raw.subarray(0, 4 + 4 * ndims));
  const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
  const n = view.getUint32(4, false);
  if (n < keep) throw new Error(`${base}: has ${n} items, fewer than the ${keep} wanted`);
  let itemSize = 1;
  for (let d = 1; d < ndims; d++) itemSize *= view.getUint32(4 + 4 * d, false);
  view.setUint32(4, keep, false);
  const body = raw.subarray(header.length, header.length + keep * itemSize);
  return Buffer.concat([header, body]);
}

mkdirSync(outDir, { recursive: true });
const outputs = [
  ['t10k-images-idx3-ubyte', headIdx('t10k-images-idx3-ubyte', TEST_COUNT)],
  ['t10k-labels-idx1-ubyte', headIdx('t10k-labels-idx1-ubyte', TEST_COUNT)],
  ['train-images-idx3-ubyte.gz', gzipSync(headIdx('train-images-idx3-ubyte', TRAIN_COUNT), { level: 9 })],
  ['train-labels-idx1-ubyte.gz', gzipSync(headIdx('train-labels-idx1-ubyte', TRAIN_COUNT), { level: 9 })],
];
for (const [name, bytes] of outputs) {
  writeFileSync(join(outDir, name), bytes);
  console.log(`make-fixtures: wrote ${join(outDir, name)} (${bytes.length} bytes)`);
}
