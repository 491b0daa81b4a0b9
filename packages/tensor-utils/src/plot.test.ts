import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drawLabelText, measureLabelText, readPng, type DecodedPng } from './png';
import { chartLayout, OKABE_ITO, REFERENCE_GREY, renderLineChart, writeLineChart, type LineChartSpec } from './plot';
import { formatTick, linearTicks, log10Ticks, log2Ticks, niceStep } from './plot-axes';

const hex = (c: string): number[] => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16));
const BLUE = hex(OKABE_ITO[0] ?? '');

function px(img: DecodedPng, x: number, y: number): number[] {
  const at = 4 * (Math.round(y) * img.width + Math.round(x));
  return Array.from(img.data.subarray(at, at + 3));
}
/** True for pixels with visible hue (series colours); white, greys, text and frame are not chromatic. */
const chromatic = (p: number[]): boolean => Math.max(...p) - Math.min(...p) > 12;

const basic: LineChartSpec = {
  title: 'Loss', xLabel: 'step', yLabel: 'loss',
  series: [{ name: 'train', x: [0, 10, 20, 30, 40], y: [5, 3, 2, 1.5, 1.2] }],
};

describe('renderLineChart', () => {
  it('has the requested size, a white background and is deterministic', () => {
    const a = renderLineChart({ ...basic, width: 640, height: 400 });
    const img = readPng(a);
    expect([img.width, img.height]).toEqual([640, 400]);
    expect(px(img, 0, 0)).toEqual([255, 255, 255]);
    expect(px(img, 639, 399)).toEqual([255, 255, 255]);
    expect(renderLineChart({ ...basic, width: 640, height: 400 }).equals(a)).toBe(true);
    const def = readPng(renderLineChart(basic));
    expect([def.width, def.height]).toEqual([800, 500]);
  });

  it('paints each series in its colour at the pixels its data points map to', () => {
    const spec: LineChartSpec = {
      series: [
        { name: 'a', x: [0, 5, 10], y: [0, 2, 1] },
        { name: 'b', x: [0, 5, 10], y: [8, 6, 7], color: '#ff0000', marker: 'square' },
      ],
    };
    const layout = chartLayout(spec);
    const img = readPng(renderLineChart(spec));
    const [ax, ay] = layout.toPixel(5, 2);
    expect(px(img, ax, ay)).toEqual(BLUE);
    const [bx, by] = layout.toPixel(10, 7);
    expect(px(img, bx, by)).toEqual([255, 0, 0]);
    // Mapping is linear and inside the plot frame, y pointing up.
    const [x0, y0] = layout.toPixel(0, 0);
    expect(ax - x0).toBeCloseTo((bx - x0) / 2, 6);
    expect(ay).toBeLessThan(y0);
    expect(x0).toBeGreaterThan(layout.plot.left);
    expect(y0).toBeLessThan(layout.plot.bottom);
  });

  it('draws horizontal reference lines along their row (solid everywhere, dashed about 60 % of columns)', () => {
    const spec: LineChartSpec = {
      series: [{ name: 's', x: [0, 1], y: [0, 10] }],
      hlines: [{ name: 'floor', y: 2, dashed: false }, { name: 'ceiling', y: 8, color: '#00aa00' }],
    };
    const layout = chartLayout(spec);
    const img = readPng(renderLineChart(spec));
    const [, floorY] = layout.toPixel(0, 2);
    const [, ceilY] = layout.toPixel(0, 8);
    const cols = Array.from({ length: 200 }, (_, i) => layout.plot.left + 300 + i);
    expect(cols.filter((x) => px(img, x, floorY).join() === hex(REFERENCE_GREY).join()).length).toBeGreaterThan(190);
    const green = cols.filter((x) => px(img, x, ceilY).join() === '0,170,0').length;
    expect(green).toBeGreaterThan(90);
    expect(green).toBeLessThan(150);
    // One row further away the solid line has faded out to the background.
    expect(chromatic(px(img, layout.plot.left + 350, ceilY + 3))).toBe(false);
  });

  it('draws a legend with text, placed in a corner free of data', () => {
    const spec: LineChartSpec = { series: [{ name: 'rising', x: [0, 1, 2, 3], y: [0, 1, 2, 3] }] };
    const layout = chartLayout(spec);
    const box = layout.legend;
    if (box === null) throw new Error('expected a legend');
    // A rising line occupies the top-right corner, so the legend goes top-left.
    expect(box.left).toBeLessThan((layout.plot.left + layout.plot.right) / 2);
    expect(box.top).toBeLessThan((layout.plot.top + layout.plot.bottom) / 2);
    const img = readPng(renderLineChart(spec));
    let dark = 0;
    for (let y = box.top + 1; y < box.bottom; y++) {
      for (let x = box.left + 45; x < box.right; x++) dark += px(img, x, y).every((c) => c < 100) ? 1 : 0;
    }
    expect(dark).toBeGreaterThan(40); // the letters of RISING
  });

  it('moves the legend into a right margin when every corner hides data', () => {
    const x = Array.from({ length: 21 }, (_, i) => i);
    const spec: LineChartSpec = {
      series: [
        { name: 'low-high', x, y: x.map((v) => (v % 2 === 0 ? 0 : 10)) },
        { name: 'high-low', x, y: x.map((v) => (v % 2 === 0 ? 10 : 0)) },
      ],
    };
    const layout = chartLayout(spec);
    expect(layout.legend?.left ?? 0).toBeGreaterThan(layout.plot.right);
    expect(layout.legend?.right ?? Infinity).toBeLessThan(layout.width);
  });

  it('draws vertical error bars with caps', () => {
    const spec: LineChartSpec = {
      series: [{ name: 'm', x: [0, 1, 2], y: [1, 5, 2], yErr: [0, 2, NaN], color: '#cc0000' }],
    };
    const layout = chartLayout(spec);
    const img = readPng(renderLineChart(spec));
    const [x1, top] = layout.toPixel(1, 7);
    const [, bottom] = layout.toPixel(1, 3);
    for (const y of [top + 1, (top + bottom) / 2 - 10, bottom - 1]) expect(px(img, x1, y)).toEqual([204, 0, 0]);
    expect(px(img, x1 + 3, top)).toEqual([204, 0, 0]); // cap
    expect(px(img, x1 + 3, bottom)).toEqual([204, 0, 0]);
    // No bar at the point with yErr 0: above its marker there is background.
    const [x0, y0] = layout.toPixel(0, 1);
    expect(chromatic(px(img, x0, y0 - 12))).toBe(false);
  });

  it('leaves a gap at NaN points and lists an all-NaN series as "(no data)"', () => {
    const spec: LineChartSpec = { series: [{ name: 'g', x: [0, 1, 2, 3, 4], y: [0, 1, NaN, 3, 4], color: '#ff00ff' }] };
    const layout = chartLayout(spec);
    const img = readPng(renderLineChart(spec));
    const [xa] = layout.toPixel(1, 1);
    const [xb] = layout.toPixel(3, 3);
    let coloured = 0;
    for (let x = Math.ceil(xa + 8); x < xb - 8; x++) {
      for (let y = layout.plot.top + 1; y < layout.plot.bottom; y++) coloured += chromatic(px(img, x, y)) ? 1 : 0;
    }
    expect(coloured).toBe(0);
    // Control: without the NaN the same columns are crossed by the line.
    const full = { series: [{ ...spec.series[0], y: [0, 1, 2, 3, 4] }] } as LineChartSpec;
    const img2 = readPng(renderLineChart(full));
    const [mx, my] = chartLayout(full).toPixel(2, 2);
    expect(px(img2, mx, my)).toEqual([255, 0, 255]);

    // "(no data)": the legend of an all-NaN series 'z' is pixel-identical to that of a series named 'z (no data)'.
    const crop = (s: LineChartSpec): string => {
      const box = chartLayout(s).legend;
      const im = readPng(renderLineChart(s));
      if (box === null) return '';
      const rows: string[] = [];
      for (let y = box.top; y <= box.bottom; y++) {
        rows.push(Buffer.from(im.data.subarray(4 * (y * im.width + box.left), 4 * (y * im.width + box.right + 1))).toString('hex'));
      }
      return rows.join('\n');
    };
    const empty = crop({ series: [{ name: 'z', x: [0, 1], y: [NaN, NaN] }] });
    expect(empty.length).toBeGreaterThan(0);
    expect(empty).toBe(crop({ series: [{ name: 'z (no data)', x: [0, 1], y: [0.01, 0] }] }));
    expect(empty).not.toBe(crop({ series: [{ name: 'z', x: [0, 1], y: [0.01, 0] }] }));
  });

  it('maps log-scale axes (log10 y, log2 x) evenly per decade / doubling', () => {
    const spec: LineChartSpec = {
      xScale: 'log2', yScale: 'log',
      series: [{ name: 'p', x: [1, 2, 4, 8], y: [1000, 100, 10, 1], color: '#008800' }],
    };
    const layout = chartLayout(spec);
    const pts = [0, 1, 2, 3].map((i) => layout.toPixel(2 ** i, 10 ** (3 - i)));
    const dx = pts.map((p, i) => (p[0] ?? 0) - (pts[Math.max(0, i - 1)]?.[0] ?? 0)).slice(1);
    const dy = pts.map((p, i) => (p[1] ?? 0) - (pts[Math.max(0, i - 1)]?.[1] ?? 0)).slice(1);
    for (const d of dx) expect(d).toBeCloseTo(dx[0] ?? NaN, 6);
    for (const d of dy) expect(d).toBeCloseTo(dy[0] ?? NaN, 6);
    expect(layout.toPixel(0, 1)[0]).toBeNaN(); // x = 0 is not on a log2 axis
    expect(layout.toPixel(1, -1)[1]).toBeNaN();
    expect(layout.yTicks.map((t) => t.label)).toEqual(['1', '10', '100', '1000']);
    expect(layout.xTicks.map((t) => t.label)).toEqual(['1', '2', '4', '8']);
    const img = readPng(renderLineChart(spec));
    for (const [x, y] of pts) expect(px(img, x, y)).toEqual([0, 136, 0]);
  });

  it('uses explicit xTicks', () => {
    const layout = chartLayout({ xTicks: [0, 3, 7], series: [{ name: 'a', x: [1, 5], y: [1, 2] }] });
    expect(layout.xTicks.map((t) => t.value)).toEqual([0, 3, 7]);
    expect(layout.xDomain).toEqual([0, 7]);
  });

  it('rejects bad input with errors naming the series or field', () => {
    const s = (name: string, x: number[], y: number[]): LineChartSpec['series'][number] => ({ name, x, y });
    expect(() => renderLineChart({ series: [] })).toThrow('renderLineChart: series is empty; expected at least one series');
    expect(() => renderLineChart({ series: [s('a', [1], [1]), s('b', [1, 2, 3], [1, 2])] })).toThrow(
      "renderLineChart: series[1] 'b' has 3 x values but 2 y values; expected equal lengths",
    );
    expect(() => renderLineChart({ series: [{ ...s('e', [1, 2], [1, 2]), yErr: [1] }] })).toThrow("series[0] 'e' has 1 yErr values");
    expect(() => renderLineChart({ series: [{ ...s('c', [1], [1]), color: 'red' }] })).toThrow(
      "series[0] 'c' color is 'red'; expected '#rgb' or '#rrggbb'",
    );
    expect(() => renderLineChart({ width: 50, series: [s('a', [1], [1])] })).toThrow('width is 50; expected an integer in 200..8192');
    expect(() => renderLineChart({ xScale: 'log' as 'log2', series: [s('a', [1], [1])] })).toThrow("xScale is 'log'");
    expect(() => chartLayout({ xScale: 'log2', xTicks: [0, 1], series: [s('a', [1], [1])] })).toThrow('chartLayout: xTicks[0] is 0');
    expect(() => renderLineChart({ hlines: [{ name: 'h', y: NaN }], series: [s('a', [1], [1])] })).toThrow("hlines[0] 'h' y is NaN");
  });
});

describe('writeLineChart', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'plot-test-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the rendered PNG atomically', async () => {
    const path = join(dir, 'chart.png');
    await writeLineChart(path, basic);
    expect(readPng(path).width).toBe(800);
    expect(readdirSync(dir)).toEqual(['chart.png']);
    await expect(writeLineChart(join(dir, 'missing', 'x.png'), basic)).rejects.toThrow(/writeLineChart: cannot write .*x\.png/);
  });
});

describe('axis helpers', () => {
  it('picks 1-2-5 steps and snaps the domain to whole steps when cheap', () => {
    expect([0.8, 1.6, 3.5, 8, 0.0013].map(niceStep)).toEqual([1, 2, 5, 10, 0.001]);
    expect(linearTicks(0, 1000, 6).values).toEqual([0, 200, 400, 600, 800, 1000]);
    const t = linearTicks(0.03, 0.97, 5);
    expect(t.domain).toEqual([0, 1]);
    expect(t.labels).toEqual(['0', '0.2', '0.4', '0.6', '0.8', '1.0']);
    expect(linearTicks(-0.5, 0.73, 3).domain).toEqual([-0.5, 0.73]);
    expect(linearTicks(5, 5).domain[0]).toBeLessThan(5);
  });

  it('formats ticks and lays out log ticks', () => {
    expect([0, 1e-5, 2500000, 0.25, -3].map((v) => formatTick(v))).toEqual(['0', '1E-5', '2.5E6', '0.25', '-3']);
    expect(log10Ticks(0.01, 8)).toMatchObject({ domain: [0.01, 10], values: [0.01, 0.1, 1, 10] });
    expect(log10Ticks(0.047, 3)).toMatchObject({ domain: [0.047, 3], values: [0.05, 0.1, 0.2, 0.5, 1, 2] });
    expect(log10Ticks(1, 50).values).toEqual([1, 2, 5, 10, 20, 50]);
    expect(log10Ticks(2, 3).values).toEqual([2, 3]);
    expect(log10Ticks(1e-8, 1e8).values).toEqual([1e-8, 1e-6, 1e-4, 0.01, 1, 100, 1e4, 1e6, 1e8]);
    expect(log2Ticks(1, 65536).labels.slice(-2)).toEqual(['16K', '64K']);
  });

  it('drawLabelText draws horizontal and rotated text inside its measured box', () => {
    const [w, h] = [40, 40];
    const ink = (vertical: boolean): [number, number, number, number] => {
      const rgba = new Uint8Array(w * h * 4);
      drawLabelText(rgba, w, h, 2, 3, 'HH', 2, [255, 0, 0], vertical);
      let [minX, minY, maxX, maxY] = [w, h, -1, -1];
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          if (rgba[4 * (y * w + x)] !== 255) continue;
          [minX, minY, maxX, maxY] = [Math.min(minX, x), Math.min(minY, y), Math.max(maxX, x), Math.max(maxY, y)];
        }
      }
      return [minX, minY, maxX, maxY];
    };
    expect(measureLabelText('HH', 2)).toBe(22);
    expect(ink(false)).toEqual([2, 3, 2 + 22 - 1, 3 + 14 - 1]);
    expect(ink(true)).toEqual([2, 3, 2 + 14 - 1, 3 + 22 - 1]);
  });
});
