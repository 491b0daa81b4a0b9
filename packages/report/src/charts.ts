/**
 * Interactive charts for the offline report: a small data-only `ChartSpec`, its Chart.js configuration (pure,
 * JSON-serialisable), and the Chart.js UMD build read from node_modules so it can be inlined — no network.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** One line (or point set) of a chart; `null` in `y` is a gap (NaN in the source). */
export interface ChartSeries {
  readonly name: string;
  readonly x: readonly number[];
  readonly y: readonly (number | null)[];
  /** Symmetric error bar per point (e.g. std over seeds), drawn as whiskers. */
  readonly yErr?: readonly (number | null)[];
  /** Shaded band per point (e.g. mean ± std). */
  readonly band?: { readonly lo: readonly (number | null)[]; readonly hi: readonly (number | null)[] };
  /** Text per point shown in the tooltip (e.g. "T=4"). */
  readonly labels?: readonly string[];
  readonly dashed?: boolean;
  /** False draws markers only. */
  readonly line?: boolean;
  /** Fixed colour (CSS); otherwise the palette by position. */
  readonly color?: string;
}

/** A chart as data: axes, series and horizontal reference lines (floors). */
export interface ChartSpec {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly xLog?: boolean;
  readonly series: readonly ChartSeries[];
  /** Horizontal reference lines, grey unless `color` (CSS) is given. */
  readonly hlines?: readonly { readonly name: string; readonly y: number | null; readonly color?: string }[];
  /** One line under the chart. */
  readonly caption?: string;
}

/** Series colours (Tableau 10): distinguishable, and each one the browser test can look for in the pixels. */
export const PALETTE = Object.freeze(['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#7f7f7f']);

const finite = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

function points(x: readonly number[], y: readonly (number | null)[], labels?: readonly string[]) {
  return x.map((xi, i) => ({ x: xi, y: finite(y[i]), ...(labels?.[i] !== undefined ? { label: labels[i] } : {}) }));
}

/** The x range covered by the chart's series (for reference lines), or undefined when empty. */
export function xRange(spec: ChartSpec): [number, number] | undefined {
  const xs = spec.series.flatMap((s) => s.x.filter((x, i) => Number.isFinite(x) && finite(s.y[i]) !== null));
  return xs.length === 0 ? undefined : [Math.min(...xs), Math.max(...xs)];
}

/** The Chart.js configuration of a spec (a scatter chart with lines), as plain JSON. */
export function chartConfig(spec: ChartSpec): Record<string, unknown> {
  const datasets: Record<string, unknown>[] = [];
  spec.series.forEach((s, k) => {
    const color = s.color ?? PALETTE[k % PALETTE.length] ?? '#000';
    if (s.band !== undefined) {
      const band = { borderWidth: 0, pointRadius: 0, showLine: true, legendHidden: true, backgroundColor: `${color}33` };
      datasets.push({ ...band, label: `${s.name} − std`, data: points(s.x, s.band.lo), fill: false });
      datasets.push({ ...band, label: `${s.name} + std`, data: points(s.x, s.band.hi), fill: '-1' });
    }
    datasets.push({
      label: s.name, data: points(s.x, s.y, s.labels), borderColor: color, backgroundColor: color, borderWidth: 2,
      showLine: s.line ?? true, pointRadius: (s.line ?? true) && s.x.length > 40 ? 0 : 3, ...(s.dashed === true ? { borderDash: [6, 4] } : {}),
      ...(s.yErr !== undefined ? { errors: s.yErr.map(finite) } : {}),
    });
  });
  const range = xRange(spec);
  for (const h of spec.hlines ?? []) {
    const y = finite(h.y);
    if (range === undefined || y === null) continue;
    const color = h.color ?? '#888';
    datasets.push({ label: h.name, data: [{ x: range[0], y }, { x: range[1], y }], borderColor: color, backgroundColor: color, borderWidth: 1, borderDash: [4, 4], pointRadius: 0, showLine: true });
  }
  const axis = (text: string, log: boolean) => ({ type: log ? 'logarithmic' : 'linear', title: { display: true, text } });
  return {
    type: 'scatter',
    data: { datasets },
    options: {
      animation: false, responsive: true, maintainAspectRatio: false,
      plugins: { title: { display: true, text: spec.title }, legend: { position: 'bottom' } },
      scales: { x: axis(spec.xLabel, spec.xLog === true), y: axis(spec.yLabel, false) },
    },
  };
}

/** JSON safe to place inside a <script> element (no `</script>`, no HTML comment openers). */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

const requireHere = typeof require === 'function' ? require : createRequire(import.meta.url);
let librarySource: string | undefined;

/** The Chart.js UMD build (licence header kept, source-map comment dropped), read once from node_modules. */
export function chartLibrarySource(): string {
  if (librarySource !== undefined) return librarySource;
  let path = '';
  try {
    path = join(dirname(requireHere.resolve('chart.js')), 'chart.umd.min.js'); // the package exports only its ESM/CJS entries
    librarySource = readFileSync(path, 'utf8').replace(/\n\/\/# sourceMappingURL=\S*\s*$/, '\n');
  } catch (error) {
    throw new Error(`report: cannot read the Chart.js UMD build${path === '' ? '' : ` at ${path}`} (${(error as Error).message}); is the chart.js package installed?`);
  }
  if (librarySource.includes('</script')) throw new Error(`report: ${path} contains "</script" and cannot be inlined`);
  return librarySource;
}

/**
 * Runs in the page after Chart.js: builds every chart from its <script type="application/json" data-chart>
 * configuration, adds error-bar whiskers and hides band edges from the legend. A chart that fails is replaced
 * by its error message (and logged), the others still draw.
 */
export const CHART_BOOTSTRAP = `(function () {
  'use strict';
  var fmt = function (v) { return typeof v === 'number' ? (Math.abs(v) >= 1000 || Math.abs(v) < 0.01 ? v.toExponential(2) : v.toFixed(3)) : String(v); };
  var errorBars = { id: 'errorBars', afterDatasetsDraw: function (chart) {
    var ctx = chart.ctx, scale = chart.scales.y;
    chart.data.datasets.forEach(function (ds, i) {
      if (!ds.errors || !chart.isDatasetVisible(i)) return;
      ctx.save(); ctx.strokeStyle = ds.borderColor; ctx.lineWidth = 1.5;
      chart.getDatasetMeta(i).data.forEach(function (pt, j) {
        var e = ds.errors[j], d = ds.data[j];
        if (e === null || e === undefined || !d || d.y === null) return;
        var top = scale.getPixelForValue(d.y + e), bottom = scale.getPixelForValue(d.y - e);
        ctx.beginPath();
        ctx.moveTo(pt.x, top); ctx.lineTo(pt.x, bottom);
        ctx.moveTo(pt.x - 4, top); ctx.lineTo(pt.x + 4, top);
        ctx.moveTo(pt.x - 4, bottom); ctx.lineTo(pt.x + 4, bottom);
        ctx.stroke();
      });
      ctx.restore();
    });
  } };
  var nodes = document.querySelectorAll('script[data-chart]');
  for (var i = 0; i < nodes.length; i++) {
    var node = nodes[i], canvas = document.getElementById(node.getAttribute('data-chart'));
    try {
      var config = JSON.parse(node.textContent);
      config.options.plugins.legend.labels = { filter: function (item, data) { return !data.datasets[item.datasetIndex].legendHidden; } };
      config.options.plugins.tooltip = { callbacks: { label: function (c) {
        var r = c.raw; return c.dataset.label + ': ' + (r.label ? r.label + ', ' : '') + fmt(r.x) + ' → ' + fmt(r.y);
      } } };
      config.plugins = [errorBars];
      new Chart(canvas, config);
    } catch (error) {
      console.error('chart ' + node.getAttribute('data-chart') + ': ' + error);
      canvas.parentNode.textContent = 'chart failed: ' + error;
    }
  }
})();`;
