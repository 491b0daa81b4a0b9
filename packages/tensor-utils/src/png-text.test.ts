import { greyImageToPng, readPng } from './png';
import { pngTextOf, withPngText } from './png-text';

describe('PNG text chunks', () => {
  const png = greyImageToPng(new Uint8Array([0, 128, 255, 64]), 2, 2);
  it('adds a tEXt chunk a PNG decoder accepts (CRC checked), and reads it back', () => {
    const marked = withPngText(png, 'Software', 'speedrl sample');
    expect(pngTextOf(marked)).toEqual({ Software: 'speedrl sample' });
    expect(Array.from(readPng(marked).data.filter((_, i) => i % 4 === 0))).toEqual([0, 128, 255, 64]);
    expect(pngTextOf(png)).toEqual({});
  });
  it('skips a chunk whose CRC does not match (a damaged or forged mark says nothing) and refuses a bad keyword', () => {
    const marked = withPngText(png, 'Software', 'speedrl sample');
    const forged = Buffer.from(marked);
    forged[33 + 8 + 'Software'.length + 1] = 'x'.charCodeAt(0); // a byte of the text, CRC unchanged
    expect(pngTextOf(forged)).toEqual({});
    expect(() => withPngText(png, '', 'x')).toThrow(/withPngText: keyword "" is not 1–79 printable characters/);
  });
});
