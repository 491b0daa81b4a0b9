/** The two Pareto plots of `speedrl compare`: FCD vs NFE and FCD vs wall-clock per image, one line per model × method. */
import { OKABE_ITO, REFERENCE_GREY, writeLineChart, type LineSeries, type MarkerShape } from '@speedrl/tensor-utils';
import type { CompareRow } from './table';

const MARKERS: readonly MarkerShape[] = ['circle', 'square', 'triangle', 'diamond'];

/** What to put on the x axis. */
export type ParetoAxis = 'nfe' | 'wallclock';

/** One series per (model, method), points sorted by x; colour per method, line style and marker per model. */
export function paretoSeries(rows: readonly CompareRow[], axis: ParetoAxis, models: readonly string[], methods: readonly string[]): LineSeries[] {
  const keys = [...new Set(rows.map((r) => `${r.model}\u0000${r.method}`))];
  // rows kept from an earlier run (--resume with fewer --methods) still get a colour of their own
  const methodOrder = [...new Set([...methods, ...rows.map((r) => r.method)])];
  return keys.map((key) => {
    const [model, method] = key.split('\u0000') as [string, string];
    const xOf = (r: CompareRow): number => (axis === 'nfe' ? r.nfePerImage : r.msPerImage.mean);
    const pts = rows.filter((r) => r.model === model && r.method === method).sort((a, b) => xOf(a) - xOf(b));
    const mi = Math.max(0, models.indexOf(model));
    const ci = methodOrder.indexOf(method);
    return {
      name: `${model} / ${method}`, // the chart font has no middle dot
      x: pts.map(xOf),
      y: pts.map((r) => r.fcd.mean),
      yErr: pts.map((r) => r.fcd.std),
      color: OKABE_ITO[ci % OKABE_ITO.length] as string,
      dashed: mi % 2 === 1,
      marker: MARKERS[mi % MARKERS.length] as MarkerShape,
    };
  });
}

/** Writes one Pareto plot with the floors as reference lines. */
export async function writePareto(
  path: string, rows: readonly CompareRow[], axis: ParetoAxis, models: readonly string[], methods: readonly string[],
  floors: { reconstruction: number; trainHeldOut: number } | undefined, subtitle: string, batch = 64,
): Promise<void> {
  const series = paretoSeries(rows, axis, models, methods);
  const xs = series.flatMap((s) => Array.from(s.x)).filter((v) => v > 0);
  const wide = xs.length > 0 && Math.max(...xs) / Math.min(...xs) >= 8;
  await writeLineChart(path, {
    title: axis === 'nfe' ? `FCD vs NFE (${subtitle})` : `FCD vs wall-clock per image (${subtitle})`,
    xLabel: axis === 'nfe' ? 'transformer forward passes per image (NFE)' : `ms per image (batch ${batch})`,
    yLabel: 'FCD (eval classifier)',
    width: 1000,
    height: 560,
    xScale: wide ? 'log2' : 'linear',
    series,
    hlines: floors === undefined ? [] : [
      { name: 'reconstruction floor', y: floors.reconstruction, dashed: true, color: REFERENCE_GREY },
      { name: 'held-out train floor', y: floors.trainHeldOut, dashed: true, color: '#999999' },
    ],
  });
}
