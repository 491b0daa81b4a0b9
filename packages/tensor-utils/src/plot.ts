/**
 * PNG line charts without canvas or native code: anti-aliased polylines, markers, error bars, dashed reference lines,
 * 1-2-5 tick grids, legend and labels in the built-in bitmap font, encoded by pngjs. Same spec → same bytes.
 */
import { PNG } from 'pngjs';
import { writeFileAtomic } from '@speedrl/core';
import { drawLabelText, LABEL_FONT_METRICS, measureLabelText } from './png';
import {
  axesLayout, DEFAULT_LINE_CHART, MARKER_CYCLE, OKABE_ITO, parseColor, REFERENCE_GREY,
  type ChartLayout, type LineChartSpec, type LineSeries, type MarkerShape, type PixelRect,
} from './plot-axes';

export { DEFAULT_LINE_CHART, OKABE_ITO, REFERENCE_GREY } from './plot-axes';
export type { ChartColor, ChartLayout, LineChartSpec, LineSeries, MarkerShape, ReferenceLine, AxisTick, PixelRect } from './plot-axes';

type Rgb = readonly [number, number, number];
const INK: Rgb = [34, 34, 34];
const FRAME: Rgb = [90, 90, 90];
const GRID: Rgb = [228, 228, 228];
const GRID_MINOR: Rgb = [243, 243, 243];
const DASH = Object.freeze({ on: 9, off: 6 });
const LINE_HALF_WIDTH = 1.1;
const MARKER_RADIUS = 4;

/** Anti-aliasing coverage in [0, 1] per pixel, clipped to a rectangle; composited onto the image in one colour. */
class Coverage {
  readonly a: Float32Array;
  constructor(readonly w: number, readonly h: number, readonly clip: PixelRect) {
    this.a = new Float32Array(w * h);
  }

  private box(x0: number, y0: number, x1: number, y1: number, f: (x: number, y: number) => number): void {
    const [l, t] = [Math.max(this.clip.left, Math.floor(x0)), Math.max(this.clip.top, Math.floor(y0))];
    const [r, b] = [Math.min(this.clip.right, Math.ceil(x1)), Math.min(this.clip.bottom, Math.ceil(y1))];
    for (let y = t; y <= b; y++) {
      for (let x = l; x <= r; x++) {
        const c = f(x, y);
        if (c > (this.a[y * this.w + x] ?? 0)) this.a[y * this.w + x] = Math.min(1, c);
      }
    }
  }

  /** Thick segment with round caps; `dashAt` is the arc length at (x0, y0) when dashed. */
  segment(x0: number, y0: number, x1: number, y1: number, hw: number, dashAt?: number): void {
    const [dx, dy] = [x1 - x0, y1 - y0];
    const len2 = dx * dx + dy * dy;
    const len = Math.sqrt(len2);
    this.box(Math.min(x0, x1) - hw - 1, Math.min(y0, y1) - hw - 1, Math.max(x0, x1) + hw + 1, Math.max(y0, y1) + hw + 1, (x, y) => {
      const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - x0) * dx + (y - y0) * dy) / len2));
      if (dashAt !== undefined && (dashAt + t * len) % (DASH.on + DASH.off) >= DASH.on) return 0;
      return hw + 0.5 - Math.hypot(x - x0 - t * dx, y - y0 - t * dy);
    });
  }

  /** Filled marker centred at (cx, cy), 4×4 supersampled. */
  marker(shape: MarkerShape, cx: number, cy: number, r: number): void {
    const inside: Record<MarkerShape, (u: number, v: number) => boolean> = {
      circle: (u, v) => u * u + v * v <= r * r,
      square: (u, v) => Math.abs(u) <= r * 0.85 && Math.abs(v) <= r * 0.85,
      diamond: (u, v) => Math.abs(u) + Math.abs(v) <= r * 1.25,
      triangle: (u, v) => v <= r * 0.8 && v >= -r * 1.2 + 2 * Math.abs(u) * 1.0,
      none: () => false,
    };
    const f = inside[shape];
    this.box(cx - r - 2, cy - r - 2, cx + r + 2, cy + r + 2, (x, y) => {
      let n = 0;
      for (let i = 0; i < 4; i++) for (let j = 0; j < 4; j++) n += f(x - cx + (i - 1.5) / 4, y - cy + (j - 1.5) / 4) ? 1 : 0;
      return n / 16;
    });
  }

  /** Blends `color` into RGBA `data` with this coverage as alpha. */
  composite(data: Uint8Array, color: Rgb): void {
    for (let p = 0; p < this.a.length; p++) {
      const a = this.a[p] ?? 0;
      if (a <= 0) continue;
      for (let c = 0; c < 3; c++) data[4 * p + c] = Math.round((data[4 * p + c] ?? 255) * (1 - a) + (color[c] ?? 0) * a);
    }
  }
}

function fillRect(img: Uint8Array, w: number, r: PixelRect, color: Rgb): void {
  for (let y = r.top; y <= r.bottom; y++) {
    for (let x = r.left; x <= r.right; x++) for (let c = 0; c < 3; c++) img[4 * (y * w + x) + c] = color[c] ?? 0;
  }
}

function strokeRect(img: Uint8Array, w: number, r: PixelRect, color: Rgb): void {
  fillRect(img, w, { ...r, bottom: r.top }, color);
  fillRect(img, w, { ...r, top: r.bottom }, color);
  fillRect(img, w, { ...r, right: r.left }, color);
  fillRect(img, w, { ...r, left: r.right }, color);
}

/** Draws one polyline run into `cov`, carrying the dash phase along its length. */
function drawRun(cov: Coverage, run: readonly [number, number][], dashed: boolean): void {
  let at = 0;
  run.forEach(([x, y], i) => {
    const [nx, ny] = run[i + 1] ?? [x, y];
    cov.segment(x, y, nx, ny, LINE_HALF_WIDTH, dashed ? at : undefined);
    at += Math.hypot(nx - x, ny - y);
  });
}

function seriesColor(s: LineSeries, i: number): Rgb {
  return parseColor(s.color ?? OKABE_ITO[i % OKABE_ITO.length] ?? '#000000', `series[${i}] color`);
}

function seriesMarker(s: LineSeries, i: number): MarkerShape {
  const auto = s.x.length <= DEFAULT_LINE_CHART.maxAutoMarkers ? (MARKER_CYCLE[i % MARKER_CYCLE.length] ?? 'circle') : 'none';
  return s.marker ?? auto;
}

function drawSeries(img: Uint8Array, layout: ChartLayout, s: LineSeries, i: number, clip: PixelRect): void {
  const cov = new Coverage(layout.width, layout.height, clip);
  const marker = seriesMarker(s, i);
  for (let k = 0; k < s.x.length; k++) {
    const [x, y, e] = [s.x[k] ?? NaN, s.y[k] ?? NaN, Math.abs(s.yErr?.[k] ?? NaN)];
    const [px, py] = layout.toPixel(x, y);
    if (Number.isNaN(px) || Number.isNaN(py) || !(e > 0) || !Number.isFinite(e)) continue;
    const top = layout.toPixel(x, y + e)[1];
    const low = layout.toPixel(x, y - e)[1];
    const bottom = Number.isNaN(low) ? clip.bottom : low;
    cov.segment(px, top, px, bottom, 0.75);
    for (const yy of Number.isNaN(low) ? [top] : [top, bottom]) cov.segment(px - 4, yy, px + 4, yy, 0.75);
  }
  for (const run of seriesRuns(s, layout)) {
    drawRun(cov, run, s.dashed ?? false);
    if (marker !== 'none') for (const [x, y] of run) cov.marker(marker, x, y, MARKER_RADIUS);
  }
  cov.composite(img, seriesColor(s, i));
}

function drawAxes(img: Uint8Array, layout: ChartLayout, spec: LineChartSpec): void {
  const { width: w, height: h, plot } = layout;
  const s = DEFAULT_LINE_CHART.textScale;
  const gh = LABEL_FONT_METRICS.glyphHeight * s;
  const tl = DEFAULT_LINE_CHART.tickLength;
  const inner = { left: plot.left + 1, top: plot.top + 1, right: plot.right - 1, bottom: plot.bottom - 1 };
  for (const y of layout.yMinor) fillRect(img, w, { ...inner, top: y, bottom: y }, GRID_MINOR);
  for (const t of layout.xTicks) fillRect(img, w, { ...inner, left: t.pixel, right: t.pixel }, GRID);
  for (const t of layout.yTicks) fillRect(img, w, { ...inner, top: t.pixel, bottom: t.pixel }, GRID);
  strokeRect(img, w, plot, FRAME);
  for (const t of layout.xTicks) {
    fillRect(img, w, { left: t.pixel, right: t.pixel, top: plot.bottom, bottom: plot.bottom + tl }, FRAME);
    const tw = measureLabelText(t.label, s);
    drawLabelText(img, w, h, Math.round(t.pixel - tw / 2), plot.bottom + tl + 6, t.label, s, INK);
  }
  for (const t of layout.yTicks) {
    fillRect(img, w, { left: plot.left - tl, right: plot.left, top: t.pixel, bottom: t.pixel }, FRAME);
    const tw = measureLabelText(t.label, s);
    drawLabelText(img, w, h, plot.left - tl - 6 - tw, Math.round(t.pixel - gh / 2), t.label, s, INK);
  }
  const pad = DEFAULT_LINE_CHART.pad;
  const midX = (plot.left + plot.right) / 2;
  if (spec.title) {
    const titleW = measureLabelText(spec.title, s) + 1;
    const tx = Math.max(pad, Math.min(w - pad - titleW, Math.round(midX - titleW / 2))); // centred over the plot, kept inside the image
    for (const dx of [0, 1]) drawLabelText(img, w, h, tx + dx, pad, spec.title, s, [0, 0, 0]); // faux bold
  }
  if (spec.xLabel) drawLabelText(img, w, h, Math.round(midX - measureLabelText(spec.xLabel, s) / 2), h - pad - gh, spec.xLabel, s, INK);
  if (spec.yLabel) {
    const lw = measureLabelText(spec.yLabel, s);
    drawLabelText(img, w, h, pad, Math.round((plot.top + plot.bottom) / 2 - lw / 2), spec.yLabel, s, INK, true);
  }
}

function drawLegend(img: Uint8Array, layout: ChartLayout, spec: LineChartSpec): void {
  const box = layout.legend;
  if (box === null) return;
  const { width: w, height: h } = layout;
  const G = LEGEND_GEOMETRY;
  const s = DEFAULT_LINE_CHART.textScale;
  fillRect(img, w, box, [255, 255, 255]);
  strokeRect(img, w, box, [200, 200, 200]);
  const hlines = spec.hlines ?? [];
  legendEntries(spec, layout).forEach((name, row) => {
    const cy = box.top + G.pad / 2 + row * G.rowHeight + G.rowHeight / 2;
    const x0 = box.left + G.pad;
    const cov = new Coverage(w, h, box);
    const si = spec.series[row];
    const hl = hlines[row - spec.series.length];
    if (si !== undefined) {
      drawRun(cov, [[x0, cy], [x0 + G.sample, cy]], si.dashed ?? false);
      const marker = seriesMarker(si, row);
      if (marker !== 'none') cov.marker(marker, x0 + G.sample / 2, cy, MARKER_RADIUS);
      cov.composite(img, seriesColor(si, row));
    } else if (hl !== undefined) {
      drawRun(cov, [[x0, cy], [x0 + G.sample, cy]], hl.dashed ?? true);
      cov.composite(img, hlineColor(spec, row - spec.series.length));
    }
    const gh = LABEL_FONT_METRICS.glyphHeight * s;
    drawLabelText(img, w, h, x0 + G.sample + G.pad, Math.round(cy - gh / 2), name, s, INK);
  });
}

function hlineColor(spec: LineChartSpec, j: number): Rgb {
  const h = spec.hlines?.[j];
  const auto = j === 0 ? REFERENCE_GREY : (OKABE_ITO[(spec.series.length + j - 1) % OKABE_ITO.length] ?? '#000000');
  return parseColor(h?.color ?? auto, `hlines[${j}] color`);
}

/** Chart geometry for `spec` (validated): plot frame, ticks, data → pixel mapping and legend box, as drawn by `renderLineChart`. */
export function chartLayout(spec: LineChartSpec, who = 'chartLayout'): ChartLayout {
  const layout = axesLayout(spec, who);
  const names = legendEntries(spec, layout);
  if (names.length === 0) return layout;
  const G = LEGEND_GEOMETRY;
  const w = G.pad * 3 + G.sample + Math.max(...names.map((n) => measureLabelText(n, DEFAULT_LINE_CHART.textScale)));
  const h = G.pad + names.length * G.rowHeight;
  const inside = placeLegend(spec, layout, w, h);
  const plotW = layout.plot.right - layout.plot.left;
  if (inside.hits === 0 || plotW - w - DEFAULT_LINE_CHART.pad < plotW / 2) return { ...layout, legend: inside.box };
  // Every corner hides data: shrink the plot and put the legend in a right-hand margin.
  const outside = axesLayout(spec, who, w + DEFAULT_LINE_CHART.pad);
  const left = outside.width - DEFAULT_LINE_CHART.pad - w;
  return { ...outside, legend: { left, top: outside.plot.top, right: left + w - 1, bottom: outside.plot.top + h - 1 } };
}

/** Legend rows: series (those with no plottable point marked "(no data)") then reference lines. */
function legendEntries(spec: LineChartSpec, layout: ChartLayout): string[] {
  const series = spec.series.map((s) => (seriesRuns(s, layout).length > 0 ? s.name : `${s.name} (no data)`));
  return [...series, ...(spec.hlines ?? []).map((h) => h.name)];
}

/** Legend row height, sample-line length and padding in pixels. */
const LEGEND_GEOMETRY = Object.freeze({ rowHeight: LABEL_FONT_METRICS.glyphHeight * DEFAULT_LINE_CHART.textScale + 8, sample: 30, pad: 8 });

/** The plot corner whose w×h legend box covers the fewest line samples (top-right wins ties), with that count. */
function placeLegend(spec: LineChartSpec, layout: ChartLayout, w: number, h: number): { box: PixelRect; hits: number } {
  const { plot } = layout;
  const m = 8;
  const corners: [number, number][] = [
    [plot.right - m - w, plot.top + m], [plot.left + m, plot.top + m],
    [plot.right - m - w, plot.bottom - m - h], [plot.left + m, plot.bottom - m - h],
  ];
  const samples = dataSamples(spec, layout);
  let best = { box: { left: 0, top: 0, right: 0, bottom: 0 }, hits: Infinity };
  for (const [l, t] of corners) {
    const hits = samples.filter(([x, y]) => x >= l - 4 && x <= l + w + 4 && y >= t - 4 && y <= t + h + 4).length;
    if (hits < best.hits) best = { box: { left: l, top: t, right: l + w - 1, bottom: t + h - 1 }, hits };
  }
  return best;
}

/** Pixel polylines of a series: runs of consecutive plottable points (a skipped point starts a new run). */
function seriesRuns(s: LineSeries, layout: ChartLayout): [number, number][][] {
  const runs: [number, number][][] = [];
  let run: [number, number][] = [];
  for (let i = 0; i < s.x.length; i++) {
    const [x, y] = layout.toPixel(s.x[i] ?? NaN, s.y[i] ?? NaN);
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (run.length > 0) runs.push(run);
      run = [];
    } else run.push([x, y]);
  }
  if (run.length > 0) runs.push(run);
  return runs;
}

/** Points every ~4 px along all series lines and reference lines (for legend placement). */
function dataSamples(spec: LineChartSpec, layout: ChartLayout): [number, number][] {
  const out: [number, number][] = [];
  for (const s of spec.series) {
    for (const run of seriesRuns(s, layout)) {
      run.forEach(([x, y], i) => {
        const [nx, ny] = run[i + 1] ?? [x, y];
        const n = Math.max(1, Math.ceil(Math.hypot(nx - x, ny - y) / 4));
        for (let k = 0; k < n; k++) out.push([x + ((nx - x) * k) / n, y + ((ny - y) * k) / n]);
      });
    }
  }
  for (const h of spec.hlines ?? []) {
    const y = layout.toPixel(layout.xDomain[0], h.y)[1];
    for (let x = layout.plot.left; x <= layout.plot.right && !Number.isNaN(y); x += 4) out.push([x, y]);
  }
  return out;
}

/** Renders a line chart (see `LineChartSpec`) to PNG bytes; errors name the offending series or field. */
export function renderLineChart(spec: LineChartSpec): Buffer {
  const layout = chartLayout(spec, 'renderLineChart');
  const { width: w, height: h, plot } = layout;
  const png = new PNG({ width: w, height: h });
  const img = new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length);
  img.fill(255);
  drawAxes(img, layout, spec);
  const clip = { left: plot.left + 1, top: plot.top + 1, right: plot.right - 1, bottom: plot.bottom - 1 };
  (spec.hlines ?? []).forEach((line, j) => {
    const y = layout.toPixel(layout.xDomain[0], line.y)[1];
    if (Number.isNaN(y)) return;
    const cov = new Coverage(w, h, clip);
    drawRun(cov, [[clip.left, y], [clip.right, y]], line.dashed ?? true);
    cov.composite(img, hlineColor(spec, j));
  });
  spec.series.forEach((s, i) => drawSeries(img, layout, s, i, clip));
  drawLegend(img, layout, spec);
  return PNG.sync.write(png, { filterType: 1 });
}

/** Renders a line chart and writes it to `path` atomically (temp file + rename). */
export async function writeLineChart(path: string, spec: LineChartSpec): Promise<void> {
  const bytes = renderLineChart(spec);
  try {
    await writeFileAtomic(path, bytes);
  } catch (e) {
    throw new Error(`writeLineChart: cannot write ${path}: ${(e as Error).message}`);
  }
}
