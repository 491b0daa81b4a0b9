// Builds tiny.safetensors byte by byte from the format spec (huggingface/safetensors README), without the
// package's writer, so the reader is tested against an independent file.
//   usage: node make-fixture.mjs [outputPath]   (default: tiny.safetensors next to this script)
// Layout: [u64 little-endian N][N bytes of UTF-8 JSON header, space-padded][raw little-endian data].
import { writeFileSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';

// Tensor "a": F32 [2,2] = [1, 2, 3, 4]      -> 16 bytes at data offsets [0, 16)
// Tensor "b": I64 [3]   = [-1, 0, 2**40]    -> 24 bytes at data offsets [16, 40)
const json =
  '{"__metadata__":{"format":"pt"},' +
  '"a":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},' +
  '"b":{"dtype":"I64","shape":[3],"data_offsets":[16,40]}}';

// Pad the header with spaces (0x20) so the data section starts at a multiple of 8.
const headerChars = [...json].map((c) => c.charCodeAt(0)); // the JSON is ASCII: one byte per character
while (headerChars.length % 8 !== 0) headerChars.push(0x20);
const n = headerChars.length;

// u64 little-endian header length: least significant byte first.
const lengthBytes = [];
for (let i = 0, rest = n; i < 8; i++, rest = Math.floor(rest / 256)) lengthBytes.push(rest % 256);

// IEEE 754 binary32, little-endian: 1.0 = 0x3F800000, 2.0 = 0x40000000, 3.0 = 0x40400000, 4.0 = 0x40800000.
const aBytes = [
  0x00, 0x00, 0x80, 0x3f,
  0x00, 0x00, 0x00, 0x40,
  0x00, 0x00, 0x40, 0x40,
  0x00, 0x00, 0x80, 0x40,
];
// Two's-complement int64, little-endian: -1 = 0xFF..FF, 0, 2^40 = 0x0000_0100_0000_0000.
const bBytes = [
  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
];

const bytes = Uint8Array.from([...lengthBytes, ...headerChars, ...aBytes, ...bBytes]);
const out = process.argv[2] ?? fileURLToPath(new URL('./tiny.safetensors', import.meta.url));
writeFileSync(out, bytes);
console.log(`wrote ${out}: ${bytes.length} bytes (header ${n} bytes, data ${aBytes.length + bBytes.length} bytes)`);
