/**
 * PNG image grids (PNG spec, W3C REC-PNG-20031110, encoded by pngjs): lays `[n, h, w(, c)]` float
 * images in [0, 1] out on a padded grid, with optional row labels drawn in a built-in 5×7 bitmap font.
 */
import { readFileSync } from 'node:fs';
import { checkConfigFields, writeFileAtomic } from '@speedrl/core';
import { PNG } from 'pngjs';

/** Options of `imageGridToPng`; `images` is `[n, height, width]` or `[n, height, width, channels]` in [0, 1]. */
export interface ImageGridOptions {
  /** Pixel values, row-major `[n, height, width, channels]`; clamped to [0, 1], NaN is an error. */
  images: Float32Array | Float64Array;
  /** Number of images. */
  n: number;
  /** Image height in pixels (before `scale`). */
  height: number;
  /** Image width in pixels (before `scale`). */
  width: number;
  /** 1 (grey), 3 (RGB) or 4 (RGBA). */
  channels?: 1 | 3 | 4;
  /** Images per grid row; defaults to ceil(sqrt(n)) for a near-square grid. */
  columns?: number;
  /** Background pixels between cells and around the border. */
  padding?: number;
  /** Integer nearest-neighbour upscaling factor for each image pixel. */
  scale?: number;
  /** Text per grid row, drawn in a left margin (letters are drawn uppercase). */
  rowLabels?: readonly string[];
  /** Integer scale of the 5×7 label font; defaults to max(1, floor(cellHeight / 14)). */
  labelScale?: number;
  /** Grey level in [0, 1] of padding and margin. */
  background?: number;
}

/** The fields of {@link ImageGridOptions}: any other key (a misspelt one) is refused. */
const GRID_OPTION_FIELDS: readonly (keyof ImageGridOptions)[] = ['images', 'n', 'height', 'width', 'channels', 'columns', 'padding', 'scale', 'rowLabels', 'labelScale', 'background'];

/** Defaults of `imageGridToPng`, one reason each. */
export const DEFAULT_IMAGE_GRID = Object.freeze({
  /** Grey images (MNIST-style) are the common case. */
  channels: 1 as const,
  /** 2 px keeps neighbouring 28×28 digits visibly apart without wasting space. */
  padding: 2,
  /** Native resolution; callers upscale small images for viewing. */
  scale: 1,
  /** Dark grey separates cells from both black and white image content. */
  background: 0.2,
  /** White label text reads well on the dark background. */
  labelColor: 1,
});

// 5×7 glyphs, row-major: 7 rows as 2 hex digits each, bit 4 = leftmost column.
const FONT: Readonly<Record<string, string>> = Object.freeze({
  '0': '0E11131519110E', '1': '040C040404040E', '2': '0E11010204081F', '3': '1F02040201110E',
  '4': '02060A121F0202', '5': '1F101E0101110E', '6': '0608101E11110E', '7': '1F010204080808',
  '8': '0E11110E11110E', '9': '0E11110F01020C', A: '0E11111F111111', B: '1E11111E11111E',
  C: '0E11101010110E', D: '1C12111111121C', E: '1F10101E10101F', F: '1F10101E101010',
  G: '0E11101711110F', H: '1111111F111111', I: '0E04040404040E', J: '0702020202120C',
  K: '11121418141211', L: '1010101010101F', M: '111B1515111111', N: '11111915131111',
  O: '0E11111111110E', P: '1E11111E101010', Q: '0E11111115120D', R: '1E11111E141211',
  S: '0F10100E01011E', T: '1F040404040404', U: '1111111111110E', V: '11111111110A04',
  W: '1111111515150A', X: '11110A040A1111', Y: '1111110A040404', Z: '1F01020408101F',
  ' ': '00000000000000', '-': '0000001F000000', '.': '00000000000C0C', '=': '00001F001F0000',
  ':': '000C0C000C0C00', '/': '00010204081000', '?': '0E110102040004', _: '0000000000001F',
  ',': '000000000C0408', '(': '02040808080402', ')': '08040202020408', '+': '0004041F040400',
  '%': '18190204081303',
});
const GLYPH_W = 5;
const GLYPH_H = 7;

/** Characters the label font can draw (letters in either case); others are drawn as '?'. */
export const LABEL_FONT_CHARS: string = Object.keys(FONT).join('');

function glyphRows(ch: string): number[] {
  const hex = FONT[ch.toUpperCase()] ?? FONT['?'] ?? '';
  const rows: number[] = [];
  for (let r = 0; r < GLYPH_H; r++) rows.push(parseInt(hex.slice(2 * r, 2 * r + 2), 16));
  return rows;
}

function checkInt(value: number, field: string, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`imageGridToPng: ${field} is ${value}; expected an integer >= ${min}`);
  }
}

function setPixel(png: PNG, x: number, y: number, rgba: readonly number[]): void {
  if (x < 0 || y < 0 || x >= png.width || y >= png.height) return;
  const at = 4 * (y * png.width + x);
  for (let c = 0; c < 4; c++) png.data[at + c] = rgba[c] ?? 255;
}

function drawText(png: PNG, text: string, x0: number, y0: number, s: number, rgba: readonly number[]): void {
  [...text].forEach((ch, i) => {
    const rows = glyphRows(ch);
    const gx = x0 + i * (GLYPH_W + 1) * s;
    rows.forEach((bits, r) => {
      for (let c = 0; c < GLYPH_W; c++) {
        if (((bits >> (GLYPH_W - 1 - c)) & 1) === 0) continue;
        for (let dy = 0; dy < s; dy++) for (let dx = 0; dx < s; dx++) setPixel(png, gx + c * s + dx, y0 + r * s + dy, rgba);
      }
    });
  });
}

function toByte(v: number): number {
  return Math.round(Math.min(1, Math.max(0, v)) * 255);
}

/** Renders `n` images as one PNG grid (row-major cells, left label margin when `rowLabels` is given). */
export function imageGridToPng(options: ImageGridOptions): Buffer {
  checkConfigFields(options, GRID_OPTION_FIELDS, 'imageGridToPng'); // a misspelt "colums" would lay the grid out otherwise
  const { images, n, height, width } = options;
  const channels = options.channels ?? DEFAULT_IMAGE_GRID.channels;
  const padding = options.padding ?? DEFAULT_IMAGE_GRID.padding;
  const scale = options.scale ?? DEFAULT_IMAGE_GRID.scale;
  const background = options.background ?? DEFAULT_IMAGE_GRID.background;
  checkInt(n, 'n', 1);
  checkInt(height, 'height', 1);
  checkInt(width, 'width', 1);
  if (channels !== 1 && channels !== 3 && channels !== 4) {
    throw new Error(`imageGridToPng: channels is ${String(channels)}; expected 1, 3 or 4`);
  }
  const columns = options.columns ?? Math.ceil(Math.sqrt(n));
  checkInt(columns, 'columns', 1);
  checkInt(padding, 'padding', 0);
  checkInt(scale, 'scale', 1);
  if (!(background >= 0 && background <= 1)) {
    throw new Error(`imageGridToPng: background is ${background}; expected a grey level in [0, 1]`);
  }
  const expected = n * height * width * channels;
  if (images.length !== expected) {
    throw new Error(
      `imageGridToPng: images has ${images.length} values; shape [${n}, ${height}, ${width}, ${channels}] needs ${expected}`,
    );
  }
  const rows = Math.ceil(n / columns);
  const labels = options.rowLabels ?? [];
  if (labels.length > rows) {
    throw new Error(`imageGridToPng: rowLabels has ${labels.length} entries but the grid has only ${rows} rows`);
  }
  const cellW = width * scale;
  const cellH = height * scale;
  const labelScale = options.labelScale ?? Math.max(1, Math.floor(cellH / (2 * GLYPH_H)));
  checkInt(labelScale, 'labelScale', 1);
  const maxChars = labels.reduce((m, l) => Math.max(m, [...l].length), 0);
  const textW = maxChars > 0 ? maxChars * (GLYPH_W + 1) * labelScale - labelScale : 0;
  const margin = maxChars > 0 ? textW + padding : 0;

  const png = new PNG({
    width: margin + columns * cellW + (columns + 1) * padding,
    height: rows * cellH + (rows + 1) * padding,
  });
  const bg = toByte(background);
  for (let i = 0; i < png.data.length; i += 4) {
    png.data[i] = bg;
    png.data[i + 1] = bg;
    png.data[i + 2] = bg;
    png.data[i + 3] = 255;
  }
  const rgba = [0, 0, 0, 255];
  for (let k = 0; k < n; k++) {
    const x0 = margin + padding + (k % columns) * (cellW + padding);
    const y0 = padding + Math.floor(k / columns) * (cellH + padding);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const base = ((k * height + y) * width + x) * channels;
        for (let c = 0; c < channels; c++) {
          const v = images[base + c] ?? 0;
          if (Number.isNaN(v)) {
            throw new Error(`imageGridToPng: image ${k} has NaN at (y=${y}, x=${x}, channel=${c})`);
          }
          rgba[c] = toByte(v);
        }
        if (channels === 1) rgba[1] = rgba[2] = rgba[0] ?? 0;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) setPixel(png, x0 + x * scale + dx, y0 + y * scale + dy, rgba);
        }
      }
    }
  }
  const ink = toByte(DEFAULT_IMAGE_GRID.labelColor);
  labels.forEach((label, r) => {
    const y0 = padding + r * (cellH + padding) + Math.floor((cellH - GLYPH_H * labelScale) / 2);
    drawText(png, label, padding, y0, labelScale, [ink, ink, ink, 255]);
  });
  return PNG.sync.write(png, { filterType: 1 }); // one filter ("sub"): trying all five per row is ~40x slower for little gain
}

/** Renders an image grid (see `imageGridToPng`) and writes it to `path` atomically (temp file + rename). */
export async function writeImageGrid(path: string, options: ImageGridOptions): Promise<void> {
  const bytes = imageGridToPng(options);
  try {
    await writeFileAtomic(path, bytes);
  } catch (e) {
    throw new Error(`writeImageGrid: cannot write ${path}: ${(e as Error).message}`);
  }
}

/** Encodes one 8-bit greyscale image (row-major `[height, width]` bytes) as a greyscale PNG (colour type 0). */
export function greyImageToPng(pixels: Uint8Array, height: number, width: number): Buffer {
  checkInt(height, 'height', 1);
  checkInt(width, 'width', 1);
  if (pixels.length !== height * width) throw new Error(`greyImageToPng: ${pixels.length} bytes; [${height}, ${width}] needs ${height * width}`);
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  png.data = Buffer.from(pixels);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false, filterType: 1 });
}

/** A decoded PNG as 8-bit RGBA, row-major `[height, width, 4]`. */
export interface DecodedPng {
  width: number;
  height: number;
  channels: 4;
  data: Uint8Array;
}

/** Decodes a PNG file or buffer to 8-bit RGBA; errors name the file. */
export function readPng(source: string | Uint8Array): DecodedPng {
  const name = typeof source === 'string' ? source : '<png buffer>';
  let png: PNG;
  try {
    const bytes = typeof source === 'string' ? readFileSync(source) : Buffer.from(source);
    png = PNG.sync.read(bytes);
  } catch (e) {
    throw new Error(`readPng: cannot decode ${name}: ${(e as Error).message}`);
  }
  const data = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length);
  return { width: png.width, height: png.height, channels: 4, data };
}

/** Glyph cell of the built-in label font at scale 1: 5×7 pixels, advancing 6 pixels per character. */
export const LABEL_FONT_METRICS = Object.freeze({ glyphWidth: GLYPH_W, glyphHeight: GLYPH_H, advance: GLYPH_W + 1 });

/** Width in pixels of `text` drawn by `drawLabelText` at integer `scale` (no trailing gap; 0 for ''). */
export function measureLabelText(text: string, scale = 1): number {
  const n = [...text].length;
  return n === 0 ? 0 : (n * (GLYPH_W + 1) - 1) * scale;
}

/**
 * Draws `text` in the label font into RGBA bytes `[height, width, 4]`, top-left corner at (x, y), clipped to the image.
 * `vertical` rotates it 90° counter-clockwise (reads bottom to top; its box is then `7·scale` wide). Letters are uppercase.
 */
export function drawLabelText(
  rgba: Uint8Array, width: number, height: number, x: number, y: number,
  text: string, scale: number, color: readonly number[], vertical = false,
): void {
  const textW = measureLabelText(text, scale);
  const put = (u: number, v: number): void => {
    const px = vertical ? x + v : x + u;
    const py = vertical ? y + textW - 1 - u : y + v;
    if (px < 0 || py < 0 || px >= width || py >= height) return;
    const at = 4 * (py * width + px);
    for (let c = 0; c < 4; c++) rgba[at + c] = color[c] ?? 255;
  };
  [...text].forEach((ch, i) => {
    glyphRows(ch).forEach((bits, r) => {
      for (let c = 0; c < GLYPH_W; c++) {
        if (((bits >> (GLYPH_W - 1 - c)) & 1) === 0) continue;
        const u0 = (i * (GLYPH_W + 1) + c) * scale;
        for (let dv = 0; dv < scale; dv++) for (let du = 0; du < scale; du++) put(u0 + du, r * scale + dv);
      }
    });
  });
}
