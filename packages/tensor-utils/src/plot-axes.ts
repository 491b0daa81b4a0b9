/**
 * Line-chart spec, validation, axis scales with "nice" 1-2-5 ticks, and the pixel layout shared by `renderLineChart`
 * (plot.ts) and its tests: plot frame, tick positions and labels, data → pixel mapping.
 */
import { LABEL_FONT_METRICS, measureLabelText } from './png';

/** A colour as '#rgb', '#rrggbb' or `[r, g, b]` bytes. */
export type ChartColor = string | readonly [number, number, number];
/** Point marker shape; 'none' draws only the line. */
export type MarkerShape = 'circle' | 'square' | 'triangle' | 'diamond' | 'none';

/** One data series; points with a non-finite coordinate (or one ≤ 0 on a log axis) are skipped, leaving a gap. */
export interface LineSeries {
  /** Legend text; also names the series in errors. */
  name: string;
  /** X values, same length as `y`. */
  x: ArrayLike<number>;
  /** Y values, same length as `x`. */
  y: ArrayLike<number>;
  /** Error-bar half-lengths (bar spans y ± yErr), same length as `y`; NaN or 0 draws no bar. */
  yErr?: ArrayLike<number>;
  /** Defaults to the palette entry of the series index. */
  color?: ChartColor;
  /** Dashed instead of solid line. */
  dashed?: boolean;
  /** Defaults to a per-series shape when the series has at most `maxAutoMarkers` points, else 'none'. */
  marker?: MarkerShape;
}

/** A horizontal reference line across the plot (e.g. a floor or a baseline), listed in the legend. */
export interface ReferenceLine {
  /** Legend text. */
  name: string;
  /** Data y value of the line. */
  y: number;
  /** Defaults to `REFERENCE_GREY` for the first line, then palette entries after the last series. */
  color?: ChartColor;
  /** Dashed unless false. */
  dashed?: boolean;
}

/** Everything `renderLineChart` draws. */
export interface LineChartSpec {
  /** Bold text centred above the plot. */
  title?: string;
  /** Text under the x axis. */
  xLabel?: string;
  /** Text left of the y axis, rotated to read bottom to top. */
  yLabel?: string;
  /** Image width in pixels (default 800). */
  width?: number;
  /** Image height in pixels (default 500). */
  height?: number;
  /** 'log2' spaces powers of two evenly (e.g. sampling steps 1, 2, 4, …). */
  xScale?: 'linear' | 'log2';
  /** 'log' is base 10. */
  yScale?: 'linear' | 'log';
  /** At least one series; drawn in order (later on top). */
  series: readonly LineSeries[];
  /** Horizontal reference lines, drawn under the series. */
  hlines?: readonly ReferenceLine[];
  /** Explicit x tick values (replace the automatic ones; the x range is widened to include them). */
  xTicks?: readonly number[];
}

/** Defaults of `renderLineChart`, one reason each. */
export const DEFAULT_LINE_CHART = Object.freeze({
  /** Fits a report column while leaving room for ~10 labelled ticks. */
  width: 800,
  /** 16:10 aspect, the usual training-curve shape. */
  height: 500,
  /** Training steps and most metrics are linear. */
  xScale: 'linear' as const,
  /** Same reason as xScale. */
  yScale: 'linear' as const,
  /** Markers on dense curves (e.g. per-step losses) only add clutter. */
  maxAutoMarkers: 60,
  /** Empty pixels between the frame and the data range so end-point markers are not cut. */
  inset: 10,
  /** Bitmap-font scale of the title, axis labels, tick labels and legend (5×7 glyphs → 10×14 px). */
  textScale: 2,
  /** Outer margin in pixels. */
  pad: 12,
  /** Length of tick marks outside the frame. */
  tickLength: 5,
});

/** Okabe–Ito colour-blind-safe palette (Okabe & Ito 2008), reordered for contrast on white; its yellow is dropped (unreadable on white). */
export const OKABE_ITO: readonly string[] = Object.freeze(['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000']);
/** Default colour of the first reference line (later ones take palette entries after the last series). */
export const REFERENCE_GREY = '#555555';
/** Default marker shapes, cycled per series index. */
export const MARKER_CYCLE: readonly MarkerShape[] = Object.freeze(['circle', 'square', 'triangle', 'diamond']);

/** A labelled tick: data value, pixel position along its axis, text. */
export interface AxisTick { value: number; pixel: number; label: string }
/** Pixel rectangle; `right`/`bottom` are the last pixel rows/columns inside it. */
export interface PixelRect { left: number; top: number; right: number; bottom: number }

/** Resolved geometry of a chart; `toPixel` maps data (x, y) to pixel centres (NaN where unplottable). */
export interface ChartLayout {
  /** Image size in pixels. */
  width: number;
  height: number;
  /** The plot frame (its border lines are at these coordinates). */
  plot: PixelRect;
  xDomain: [number, number];
  yDomain: [number, number];
  xTicks: AxisTick[];
  yTicks: AxisTick[];
  /** Pixel rows of unlabelled log-scale gridlines. */
  yMinor: number[];
  /** Legend box, or null when there is nothing to list. */
  legend: PixelRect | null;
  toPixel(x: number, y: number): [number, number];
}

/** Parses a `ChartColor` to `[r, g, b]` bytes; errors name `field`. */
export function parseColor(color: ChartColor, field: string): [number, number, number] {
  if (typeof color !== 'string') {
    if (color.length === 3 && color.every((c) => Number.isInteger(c) && c >= 0 && c <= 255)) return [color[0], color[1], color[2]];
    throw new Error(`${field} is [${color.join(', ')}]; expected [r, g, b] with integers in 0..255`);
  }
  const m = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color);
  if (m === null) throw new Error(`${field} is '${color}'; expected '#rgb' or '#rrggbb'`);
  const hex = (m[1] ?? '').length === 3 ? [...(m[1] ?? '')].map((c) => c + c).join('') : (m[1] ?? '');
  return [0, 2, 4].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];
}

/** 1-2-5 × 10^k step nearest to `raw` (on a log scale). */
export function niceStep(raw: number): number {
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m <= Math.SQRT2 ? 1 : m <= Math.sqrt(10) ? 2 : m <= Math.sqrt(50) ? 5 : 10) * p;
}

const clean = (v: number): number => parseFloat(v.toPrecision(12));

/** Formats a tick value: fixed decimals for ordinary magnitudes, '1.5E-5' style for tiny or huge ones. */
export function formatTick(v: number, decimals?: number): string {
  const a = Math.abs(v);
  if (v === 0) return '0';
  if (a >= 1e6 || a < 1e-4) return clean(v).toExponential().replace('e+', 'E').replace('e', 'E');
  return decimals === undefined ? String(clean(v)) : v.toFixed(decimals);
}

/** Nice linear ticks (1-2-5 steps, about `target` of them); each end of the domain snaps out to a whole step when that adds ≤ 10 % of the span. */
export function linearTicks(lo: number, hi: number, target = 6): { domain: [number, number]; values: number[]; labels: string[] } {
  if (!(hi > lo)) [lo, hi] = lo === 0 ? [-1, 1] : [lo - Math.abs(lo) * 0.1, hi + Math.abs(hi) * 0.1];
  const step = niceStep((hi - lo) / target);
  const [snapLo, snapHi] = [Math.floor(lo / step + 1e-9) * step, Math.ceil(hi / step - 1e-9) * step];
  const domain: [number, number] = [
    lo - snapLo <= 0.1 * (hi - lo) ? clean(snapLo) : lo,
    snapHi - hi <= 0.1 * (hi - lo) ? clean(snapHi) : hi,
  ];
  const values: number[] = [];
  for (let k = Math.ceil(domain[0] / step - 1e-9); k * step <= domain[1] + step * 1e-9; k++) values.push(clean(k * step));
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return { domain, values, labels: values.map((v) => formatTick(v, decimals)) };
}

/**
 * Log-10 ticks: every 1..9 multiple under one decade, 1-2-5 up to 2 decades, else every (n-th) decade; `minor` are the other
 * 1..9 multiples (up to 6 decades). Each end snaps out to a whole decade when that adds ≤ 10 % of the (log) span.
 */
export function log10Ticks(lo: number, hi: number): { domain: [number, number]; values: number[]; minor: number[] } {
  let [l, h] = [Math.log10(lo), Math.log10(hi)];
  if (!(h - l > 1e-9)) [l, h] = [l - 0.5, h + 0.5];
  const span = h - l;
  if (l - Math.floor(l + 1e-9) <= 0.1 * span) l = Math.floor(l + 1e-9);
  if (Math.ceil(h - 1e-9) - h <= 0.1 * span) h = Math.ceil(h - 1e-9);
  const decades = h - l;
  const every = Math.max(1, Math.ceil(decades / 8));
  const values: number[] = [];
  const minor: number[] = [];
  for (let e = Math.floor(l + 1e-9); e <= Math.ceil(h - 1e-9); e++) {
    for (let m = 1; m <= 9; m++) {
      const v = clean(m * 10 ** e);
      if (Math.log10(v) < l - 1e-9 || Math.log10(v) > h + 1e-9) continue;
      const major = decades < 1 ? true : decades <= 2 ? m === 1 || m === 2 || m === 5 : m === 1 && e % every === 0;
      if (major) values.push(v);
      else if (decades <= 6) minor.push(v);
    }
  }
  return { domain: [clean(10 ** l), clean(10 ** h)], values, minor };
}

/** Powers-of-two ticks over [lo, hi], thinned to at most ~10; labels use K/M for multiples of 1024. */
export function log2Ticks(lo: number, hi: number): { domain: [number, number]; values: number[]; labels: string[] } {
  const e0 = Math.floor(Math.log2(lo) + 1e-9);
  const e1 = Math.max(e0 + 1, Math.ceil(Math.log2(hi) - 1e-9));
  const every = Math.max(1, Math.ceil((e1 - e0 + 1) / 10));
  const values: number[] = [];
  for (let e = e0; e <= e1; e += every) values.push(2 ** e);
  return { domain: [2 ** e0, 2 ** e1], values, labels: values.map(formatPow2) };
}

function formatPow2(v: number): string {
  if (v >= 1048576) return `${v / 1048576}M`;
  if (v >= 16384) return `${v / 1024}K`;
  return formatTick(v);
}

/** Whether `v` can be placed on an axis of that scale. */
export function plottable(v: number | undefined, log: boolean): v is number {
  return v !== undefined && Number.isFinite(v) && (!log || v > 0);
}

/** Validates a spec (sizes, scales, series lengths, colours); errors start with `who` and name the series. */
export function validateSpec(spec: LineChartSpec, who: string): void {
  const { width = DEFAULT_LINE_CHART.width, height = DEFAULT_LINE_CHART.height } = spec;
  for (const [field, v, min] of [['width', width, 200], ['height', height, 150]] as const) {
    if (!Number.isInteger(v) || v < min || v > 8192) throw new Error(`${who}: ${field} is ${v}; expected an integer in ${min}..8192`);
  }
  if (!['linear', 'log2', undefined].includes(spec.xScale)) throw new Error(`${who}: xScale is '${String(spec.xScale)}'; expected 'linear' or 'log2'`);
  if (!['linear', 'log', undefined].includes(spec.yScale)) throw new Error(`${who}: yScale is '${String(spec.yScale)}'; expected 'linear' or 'log'`);
  if (!Array.isArray(spec.series) || spec.series.length === 0) throw new Error(`${who}: series is empty; expected at least one series`);
  spec.series.forEach((s, i) => {
    const id = `series[${i}] '${s.name}'`;
    if (s.x.length !== s.y.length) throw new Error(`${who}: ${id} has ${s.x.length} x values but ${s.y.length} y values; expected equal lengths`);
    if (s.yErr !== undefined && s.yErr.length !== s.y.length) {
      throw new Error(`${who}: ${id} has ${s.yErr.length} yErr values but ${s.y.length} y values; expected equal lengths`);
    }
    if (s.color !== undefined) parseColor(s.color, `${who}: ${id} color`);
    if (s.marker !== undefined && !['none', ...MARKER_CYCLE].includes(s.marker)) {
      throw new Error(`${who}: ${id} marker is '${String(s.marker)}'; expected one of none, ${MARKER_CYCLE.join(', ')}`);
    }
  });
  (spec.hlines ?? []).forEach((h, i) => {
    if (!Number.isFinite(h.y)) throw new Error(`${who}: hlines[${i}] '${h.name}' y is ${h.y}; expected a finite number`);
    if (h.color !== undefined) parseColor(h.color, `${who}: hlines[${i}] '${h.name}' color`);
  });
  (spec.xTicks ?? []).forEach((t, i) => {
    if (!plottable(t, spec.xScale === 'log2')) throw new Error(`${who}: xTicks[${i}] is ${t}; expected a finite number (> 0 on a log2 axis)`);
  });
}

function dataRange(spec: LineChartSpec, axis: 'x' | 'y'): [number, number] | null {
  const log = axis === 'x' ? spec.xScale === 'log2' : spec.yScale === 'log';
  const vals: number[] = axis === 'x' ? [...(spec.xTicks ?? [])] : (spec.hlines ?? []).map((h) => h.y);
  for (const s of spec.series) {
    for (let i = 0; i < s.x.length; i++) {
      const [x, y, e] = [s.x[i], s.y[i], s.yErr?.[i]];
      if (!plottable(x, spec.xScale === 'log2') || !plottable(y, spec.yScale === 'log')) continue;
      if (axis === 'x') vals.push(x);
      else vals.push(y, ...(e !== undefined && Number.isFinite(e) ? [y - Math.abs(e), y + Math.abs(e)] : []));
    }
  }
  const ok = vals.filter((v) => plottable(v, log));
  return ok.length === 0 ? null : [Math.min(...ok), Math.max(...ok)];
}

/** Validates the spec and computes frame, ticks and the data → pixel mapping, keeping `reserveRight` px free at the right (`legend` is left null). */
export function axesLayout(spec: LineChartSpec, who: string, reserveRight = 0): ChartLayout {
  validateSpec(spec, who);
  const D = DEFAULT_LINE_CHART;
  const width = spec.width ?? D.width;
  const height = spec.height ?? D.height;
  const s = D.textScale;
  const glyphH = LABEL_FONT_METRICS.glyphHeight * s;
  const xLog = spec.xScale === 'log2';
  const yLog = spec.yScale === 'log';

  const xr = dataRange(spec, 'x') ?? (xLog ? [1, 2] : [0, 1]);
  const yr = dataRange(spec, 'y') ?? (yLog ? [1, 10] : [0, 1]);
  let xAxis: { domain: [number, number]; values: number[]; labels: string[] };
  if (spec.xTicks !== undefined && spec.xTicks.length > 0) {
    const [lo, hi] = xr[1] > xr[0] ? xr : xLog ? [xr[0] / 2, xr[1] * 2] : [xr[0] - 1, xr[1] + 1];
    xAxis = { domain: [lo, hi], values: [...spec.xTicks], labels: spec.xTicks.map((v) => (xLog ? formatPow2(v) : formatTick(v))) };
  } else if (xLog) xAxis = log2Ticks(xr[0], xr[1]);
  else {
    // Fewer ticks until the labels are at least 16 px apart (the plot is roughly width − 150 px wide, less a right-hand legend).
    const fits = (t: ReturnType<typeof linearTicks>): boolean =>
      (width - 150 - reserveRight) / t.values.length >= 16 + Math.max(...t.labels.map((l) => measureLabelText(l, s)));
    let target = Math.max(2, Math.round(width / 130));
    xAxis = linearTicks(xr[0], xr[1], target);
    while (!fits(xAxis) && target > 1) xAxis = linearTicks(xr[0], xr[1], --target);
  }
  const yAxis = yLog ? log10Ticks(yr[0], yr[1]) : linearTicks(yr[0], yr[1], Math.max(3, Math.round(height / 80)));
  const yLabels = 'labels' in yAxis ? yAxis.labels : yAxis.values.map((v) => formatTick(v));

  const yTickW = Math.max(...yLabels.map((l) => measureLabelText(l, s)));
  const lastXW = measureLabelText(xAxis.labels[xAxis.labels.length - 1] ?? '', s);
  const plot: PixelRect = {
    left: D.pad + (spec.yLabel ? glyphH + 12 : 0) + yTickW + 6 + D.tickLength,
    top: D.pad + (spec.title ? glyphH + 14 : glyphH / 2),
    right: width - 1 - reserveRight - Math.max(D.pad, Math.ceil(lastXW / 2) - D.inset + 4),
    bottom: height - 1 - (D.pad + (spec.xLabel ? glyphH + 10 : 0) + glyphH + 6 + D.tickLength),
  };
  if (plot.right - plot.left < 60 || plot.bottom - plot.top < 60) {
    throw new Error(`${who}: a ${width}×${height} image leaves no room for the plot area; expected a larger width/height`);
  }
  const tx = (v: number): number => (xLog ? Math.log2(v) : v);
  const ty = (v: number): number => (yLog ? Math.log10(v) : v);
  const [x0, x1, y0, y1] = [tx(xAxis.domain[0]), tx(xAxis.domain[1]), ty(yAxis.domain[0]), ty(yAxis.domain[1])];
  const px = (v: number): number => (plottable(v, xLog) ? plot.left + D.inset + ((tx(v) - x0) / (x1 - x0)) * (plot.right - plot.left - 2 * D.inset) : NaN);
  const py = (v: number): number => (plottable(v, yLog) ? plot.bottom - D.inset - ((ty(v) - y0) / (y1 - y0)) * (plot.bottom - plot.top - 2 * D.inset) : NaN);
  const toPixel = (x: number, y: number): [number, number] => [px(x), py(y)];
  const inX = (p: number): boolean => p >= plot.left && p <= plot.right;
  const inY = (p: number): boolean => p >= plot.top && p <= plot.bottom;
  const xTicks = xAxis.values.map((v, i) => ({ value: v, pixel: Math.round(px(v)), label: xAxis.labels[i] ?? '' })).filter((t) => inX(t.pixel));
  const yTicks = yAxis.values.map((v, i) => ({ value: v, pixel: Math.round(py(v)), label: yLabels[i] ?? '' })).filter((t) => inY(t.pixel));
  const yMinor = ('minor' in yAxis ? yAxis.minor : []).map((v) => Math.round(py(v))).filter(inY);
  return { width, height, plot, xDomain: xAxis.domain, yDomain: yAxis.domain, xTicks, yTicks, yMinor, legend: null, toPixel };
}
