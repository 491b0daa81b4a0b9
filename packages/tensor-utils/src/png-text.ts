/**
 * PNG text chunks (tEXt, PNG spec §11.3.4.3): a sample grid carries `Software: speedrl sample`, so `sample --force`
 * replaces only a PNG it wrote, never another one (a run's training grid, a figure) at the same path.
 */
import { crc32 } from './npz';

/** The text chunk a `speedrl sample` grid carries. */
export const SAMPLE_PNG_TEXT = Object.freeze({ keyword: 'Software', text: 'speedrl sample' });

const SIGNATURE_BYTES = 8;
const IHDR_END = SIGNATURE_BYTES + 4 + 4 + 13 + 4; // length, type, 13 data bytes, CRC

/** `png` with a tEXt chunk `keyword`\0`text` after its IHDR (Latin-1 keyword of 1–79 characters, PNG §11.3.4.3). */
export function withPngText(png: Uint8Array, keyword: string, text: string): Buffer {
  if (!/^[\x20-\x7e]{1,79}$/.test(keyword)) throw new Error(`withPngText: keyword ${JSON.stringify(keyword)} is not 1–79 printable characters`);
  const body = Buffer.concat([Buffer.from('tEXt', 'latin1'), Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(text, 'latin1')]);
  const chunk = Buffer.alloc(body.length + 8);
  chunk.writeUInt32BE(body.length - 4, 0);
  body.copy(chunk, 4);
  chunk.writeUInt32BE(crc32(body), body.length + 4);
  const bytes = Buffer.from(png.buffer, png.byteOffset, png.length);
  return Buffer.concat([bytes.subarray(0, IHDR_END), chunk, bytes.subarray(IHDR_END)]);
}

/** The tEXt chunks of a PNG's bytes, keyword → text (chunks with a bad CRC or cut short are skipped: the file says nothing). */
export function pngTextOf(png: Uint8Array): Record<string, string> {
  const bytes = Buffer.from(png.buffer, png.byteOffset, png.length);
  const out: Record<string, string> = {};
  for (let at = SIGNATURE_BYTES; at + 12 <= bytes.length;) {
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    if (at + 12 + length > bytes.length || type === 'IEND') break;
    const body = bytes.subarray(at + 4, at + 8 + length);
    if (type === 'tEXt' && crc32(body) === bytes.readUInt32BE(at + 8 + length)) {
      const data = body.subarray(4);
      const zero = data.indexOf(0);
      if (zero > 0) out[data.toString('latin1', 0, zero)] = data.toString('latin1', zero + 1);
    }
    at += 12 + length;
  }
  return out;
}
