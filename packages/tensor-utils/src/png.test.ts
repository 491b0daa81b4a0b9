import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_IMAGE_GRID, imageGridToPng, readPng, writeImageGrid, type DecodedPng } from './png';

/** RGBA of pixel (x, y). */
function px(img: DecodedPng, x: number, y: number): number[] {
  const at = 4 * (y * img.width + x);
  return Array.from(img.data.subarray(at, at + 4));
}

/** `n` grey images of size h×w, image k filled with the constant `value(k)`. */
function constantImages(n: number, h: number, w: number, value: (k: number) => number): Float32Array {
  const out = new Float32Array(n * h * w);
  for (let k = 0; k < n; k++) out.fill(value(k), k * h * w, (k + 1) * h * w);
  return out;
}

let tmp: string;
beforeEach(() => {
  tmp = mkdtempSync(join(tmpdir(), 'png-test-'));
});
afterEach(() => {
  rmSync(tmp, { recursive: true, force: true });
});

describe('imageGridToPng / readPng round trip', () => {
  it('writes known grey values at known positions, clamped to [0, 1]', async () => {
    // Two 2×3 images side by side, 1 px padding on black.
    const images = Float32Array.from([0, 0.5, 1, -0.5, 1.7, Infinity, 0.2, 0.4, 0.6, 0.8, 1, 0]);
    const path = join(tmp, 'grid.png');
    await writeImageGrid(path, { images, n: 2, height: 2, width: 3, columns: 2, padding: 1, background: 0 });
    const img = readPng(path);
    expect([img.width, img.height, img.channels]).toEqual([9, 4, 4]);
    expect(px(img, 0, 0)).toEqual([0, 0, 0, 255]);
    expect(px(img, 1, 1)).toEqual([0, 0, 0, 255]);
    expect(px(img, 2, 1)).toEqual([128, 128, 128, 255]);
    expect(px(img, 3, 1)).toEqual([255, 255, 255, 255]);
    expect(px(img, 1, 2)).toEqual([0, 0, 0, 255]); // -0.5 clamps to 0
    expect(px(img, 2, 2)).toEqual([255, 255, 255, 255]); // 1.7 clamps to 1
    expect(px(img, 3, 2)).toEqual([255, 255, 255, 255]); // +Infinity clamps to 1
    expect(px(img, 5, 1)).toEqual([51, 51, 51, 255]); // image 1 starts at x = 1 + 3 + 1
    expect(px(img, 6, 2)).toEqual([255, 255, 255, 255]);
    expect(px(img, 7, 2)).toEqual([0, 0, 0, 255]);
    expect(readdirSync(tmp)).toEqual(['grid.png']); // no temp file left behind
  });

  it('keeps RGB and RGBA channels apart', () => {
    const rgb = readPng(imageGridToPng({ images: Float32Array.from([1, 0.2, 0]), n: 1, height: 1, width: 1, channels: 3, padding: 0 }));
    expect(px(rgb, 0, 0)).toEqual([255, 51, 0, 255]);
    const rgba = Float32Array.from([0, 0, 1, 0.6]);
    const out = readPng(imageGridToPng({ images: rgba, n: 1, height: 1, width: 1, channels: 4, padding: 0 }));
    expect(px(out, 0, 0)).toEqual([0, 0, 255, 153]);
  });

  it('readPng of a file and of a buffer agree, and bad input names the file', () => {
    const buf = imageGridToPng({ images: constantImages(3, 4, 5, (k) => k / 3), n: 3, height: 4, width: 5 });
    const path = join(tmp, 'a.png');
    writeFileSync(path, buf);
    expect(readPng(path)).toEqual(readPng(buf));
    writeFileSync(join(tmp, 'junk.png'), 'not a png');
    expect(() => readPng(join(tmp, 'junk.png'))).toThrow(/readPng: cannot decode .*junk\.png/);
    expect(() => readPng(join(tmp, 'missing.png'))).toThrow(/missing\.png/);
  });
});

describe('grid layout', () => {
  it('puts image k at margin + padding + col*(w*scale + padding), padding + row*(h*scale + padding)', () => {
    const n = 5;
    const [h, w, columns, padding, scale] = [3, 4, 3, 2, 2];
    const value = (k: number) => (k + 1) / 10;
    const img = readPng(
      imageGridToPng({ images: constantImages(n, h, w, value), n, height: h, width: w, columns, padding, scale, background: 0 }),
    );
    expect(img.width).toBe(columns * w * scale + (columns + 1) * padding);
    expect(img.height).toBe(2 * h * scale + 3 * padding);
    for (let k = 0; k < n; k++) {
      const x0 = padding + (k % columns) * (w * scale + padding);
      const y0 = padding + Math.floor(k / columns) * (h * scale + padding);
      const v = Math.round(value(k) * 255);
      expect(px(img, x0, y0)).toEqual([v, v, v, 255]);
      expect(px(img, x0 + w * scale - 1, y0 + h * scale - 1)).toEqual([v, v, v, 255]);
      expect(px(img, x0 - 1, y0)).toEqual([0, 0, 0, 255]); // padding left of the cell
      expect(px(img, x0 + w * scale, y0 + h * scale)).toEqual([0, 0, 0, 255]); // padding after the cell
    }
    // The empty sixth cell stays background.
    expect(px(img, padding + 2 * (w * scale + padding), padding + h * scale + padding)).toEqual([0, 0, 0, 255]);
  });

  it('defaults to ceil(sqrt(n)) columns, 2 px padding and a dark grey background', () => {
    const img = readPng(imageGridToPng({ images: constantImages(5, 2, 2, () => 1), n: 5, height: 2, width: 2 }));
    expect(DEFAULT_IMAGE_GRID.padding).toBe(2);
    expect(img.width).toBe(3 * 2 + 4 * 2);
    expect(img.height).toBe(2 * 2 + 3 * 2);
    const bg = Math.round(DEFAULT_IMAGE_GRID.background * 255);
    expect(px(img, 0, 0)).toEqual([bg, bg, bg, 255]);
  });
});

describe('row labels', () => {
  const base = { images: constantImages(4, 14, 14, (k) => 0.3 + 0.1 * k), n: 4, height: 14, width: 14, columns: 2, padding: 2, background: 0 };

  it('draw text in a left margin only and shift the images right', () => {
    const plain = readPng(imageGridToPng(base));
    const labelled = readPng(imageGridToPng({ ...base, rowLabels: ['Bag', 'T-shirt/top'] }));
    // labelScale = max(1, floor(14 / 14)) = 1: 11 chars × 6 px − 1 px of text, plus padding.
    const margin = 11 * 6 - 1 + 2;
    expect(labelled.width).toBe(plain.width + margin);
    expect(labelled.height).toBe(plain.height);
    for (let y = 0; y < plain.height; y++) {
      for (let x = 0; x < plain.width; x++) expect(px(labelled, x + margin, y)).toEqual(px(plain, x, y));
    }
    const inkRows = new Set<number>();
    let inkInRow0 = 0;
    for (let y = 0; y < labelled.height; y++) {
      for (let x = 0; x < margin; x++) {
        const p = px(labelled, x, y);
        expect([0, 255]).toContain(p[0]); // only background or white ink
        if (p[0] === 255) {
          inkRows.add(y);
          if (y < 2 + 14) inkInRow0 += 1;
        }
      }
    }
    expect(inkInRow0).toBeGreaterThan(10);
    // Glyphs are 7 px tall, centred in each 14 px row band: rows 2+3..2+9 and 18+3..18+9.
    expect(Math.min(...inkRows)).toBe(5);
    expect(Math.max(...inkRows)).toBe(18 + 3 + 6);
  });

  it('draws lowercase as uppercase and a 1 as a known bitmap', () => {
    const a = imageGridToPng({ ...base, rowLabels: ['ankle boot'] });
    const b = imageGridToPng({ ...base, rowLabels: ['ANKLE BOOT'] });
    expect(Buffer.compare(a, b)).toBe(0);
    const one = readPng(imageGridToPng({ ...base, rowLabels: ['1'] }));
    // '1' = 00100 / 01100 / 00100 ×4 / 01110, drawn at x = padding, y = padding + 3.
    const glyph: string[] = [];
    for (let r = 0; r < 7; r++) {
      let line = '';
      for (let c = 0; c < 5; c++) line += px(one, 2 + c, 5 + r)[0] === 255 ? '#' : '.';
      glyph.push(line);
    }
    expect(glyph).toEqual(['..#..', '.##..', '..#..', '..#..', '..#..', '..#..', '.###.']);
  });
});

describe('errors', () => {
  const ok = { images: new Float32Array(2 * 3 * 3), n: 2, height: 3, width: 3 };

  it('rejects bad shapes and options', () => {
    expect(() => imageGridToPng({ ...ok, images: new Float32Array(17) })).toThrow(
      /images has 17 values; shape \[2, 3, 3, 1\] needs 18/,
    );
    expect(() => imageGridToPng({ ...ok, channels: 3 })).toThrow(/shape \[2, 3, 3, 3\] needs 54/);
    expect(() => imageGridToPng({ ...ok, channels: 2 as 3 })).toThrow(/channels is 2; expected 1, 3 or 4/);
    expect(() => imageGridToPng({ ...ok, n: 0 })).toThrow(/n is 0; expected an integer >= 1/);
    expect(() => imageGridToPng({ ...ok, height: 2.5 })).toThrow(/height is 2.5/);
    expect(() => imageGridToPng({ ...ok, columns: 0 })).toThrow(/columns is 0/);
    expect(() => imageGridToPng({ ...ok, padding: -1 })).toThrow(/padding is -1; expected an integer >= 0/);
    expect(() => imageGridToPng({ ...ok, scale: 1.5 })).toThrow(/scale is 1.5/);
    expect(() => imageGridToPng({ ...ok, colums: 4 } as never)).toThrow(/imageGridToPng: unknown field "colums"; expected only images, n, height, width, channels, columns/);
    expect(() => imageGridToPng({ ...ok, background: 2 })).toThrow(/background is 2/);
    expect(() => imageGridToPng({ ...ok, columns: 2, rowLabels: ['a', 'b'] })).toThrow(
      /rowLabels has 2 entries but the grid has only 1 rows/,
    );
  });

  it('names the image holding a NaN', () => {
    const images = new Float32Array(2 * 3 * 3);
    images[9 + 4] = NaN;
    expect(() => imageGridToPng({ ...ok, images })).toThrow(/image 1 has NaN at \(y=1, x=1, channel=0\)/);
  });

  it('writeImageGrid names the path it cannot write', async () => {
    await expect(writeImageGrid(join(tmp, 'no-such-dir', 'g.png'), ok)).rejects.toThrow(
      /writeImageGrid: cannot write .*no-such-dir\/g\.png/,
    );
  });
});
