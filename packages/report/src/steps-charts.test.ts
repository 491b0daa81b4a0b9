import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stepDistribution } from '@speedrl/sampler';
import { buildReport } from './build';
import { PALETTE } from './charts';
import { renderReport } from './html';
import { loadReportInputs } from './load';
import type { MetricsRecord } from './schemas';
import { HISTOGRAM_ITERATIONS, rowStepsCharts, stepsHistogramChart, trainingStepsCharts } from './steps-charts';
import { syntheticRecord, writeSyntheticRun } from './synthetic-run';

/** As a stored distribution reads back: through JSON (NaN → null). */
const stored = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

describe('step-count histograms', () => {
  it('draws the fraction of each class per step count, and of all images dashed', () => {
    const d = stored(stepDistribution([1, 1, 3, 2, 2, 2], [0, 0, 0, 7, 7, 7], 4));
    const chart = stepsHistogramChart('Steps used: x', d, 'c');
    expect(chart.series.map((s) => s.name)).toEqual(['class 0 (mean 1.67)', 'class 7 (mean 2.00)', 'all 6 images (mean 1.83 ± 0.69)']);
    expect(chart.series.map((s) => s.x)).toEqual([[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]]);
    expect(chart.series[0]?.y).toEqual([2 / 3, 0, 1 / 3, 0]);
    expect(chart.series[1]?.y).toEqual([0, 1, 0, 0]);
    expect(chart.series[2]?.y).toEqual([2 / 6, 3 / 6, 1 / 6, 0]);
    expect(chart.series.map((s) => s.color)).toEqual([PALETTE[0], PALETTE[7], '#000000']);
    expect(chart.series[2]?.dashed).toBe(true);
    expect(chart).toMatchObject({ xLabel: 'steps used', yLabel: 'fraction of images', caption: 'c' });
  });

  it('one chart and one table row per row with a distribution; nothing for fixed-T rows', () => {
    const d = stored(stepDistribution([2, 4], [0, 1], 4));
    const { charts, table } = rowStepsCharts([{ label: 'cosine T=4' }, { label: 'adaptive p ≥ 0.5', steps: d }], 'row');
    expect(charts.map((c) => c.title)).toEqual(['Steps used: adaptive p ≥ 0.5']);
    expect(table?.header).toEqual(['row', 'images', 'steps used (mean ± std)', 'p10 / p50 / p90', 'range', 'class 0', 'class 1']);
    expect(table?.rows).toEqual([['adaptive p ≥ 0.5', '2', '3.00 ± 1.00', '2 / 2 / 4', '2–4 of 4', '2.00', '4.00']]);
    expect(rowStepsCharts([{ label: 'cosine T=4' }], 'row')).toEqual({ charts: [] });
  });

  it('adaptive training runs: mean steps per class over iterations, and the histogram summed over the last iterations', () => {
    const records = Array.from({ length: 25 }, (_, i) => stored(syntheticRecord(i, true))) as MetricsRecord[];
    const [perClass, histogram] = trainingStepsCharts(records);
    expect(perClass?.series).toHaveLength(10);
    expect(perClass?.series[9]?.y[0]).toBe(records[0]?.stepsMeanByClass?.['9']);
    const last = records.slice(-HISTOGRAM_ITERATIONS);
    expect(histogram?.title).toBe(`Steps used per class, the last ${HISTOGRAM_ITERATIONS} iterations (16–25)`);
    const all = histogram?.series[histogram.series.length - 1];
    const summed = Array.from({ length: 12 }, (_, k) => last.reduce((a, r) => a + (r.stepsDistribution?.histogram[k] ?? 0), 0));
    expect(all?.y).toEqual(summed.map((c) => c / (80 * HISTOGRAM_ITERATIONS)));
    expect(trainingStepsCharts(Array.from({ length: 3 }, (_, i) => syntheticRecord(i)) as MetricsRecord[])).toEqual([]); // fixed T
  });

  it('the report of an adaptive run shows them in the training, eval and Pareto sections', async () => {
    const run = await writeSyntheticRun(mkdtempSync(join(tmpdir(), 'speedrl-report-steps-')), 12, { adaptive: true });
    const built = buildReport(loadReportInputs({ runDir: run.dir }));
    const titles = built.blocks.flatMap((b) => (b.kind === 'charts' ? b.charts.map((c) => c.title) : []));
    expect(titles.filter((t) => t.startsWith('Steps used'))).toEqual([
      'Steps used per class (adaptive rollouts)', 'Steps used per class, the last 10 iterations (3–12)', 'Steps used: adaptive, T ≤ 12',
      'Steps used: base / adaptive p ≥ 0.5 (T ≤ 12)', 'Steps used: speedrl / adaptive p ≥ 0.5 (T ≤ 12)',
    ]);
    const tables = built.blocks.filter((b) => b.kind === 'table' && b.header[0] === 'model / method');
    expect(tables).toHaveLength(1);
    const html = renderReport(built.title, built.blocks);
    expect(html).toContain('<td>base / adaptive p ≥ 0.5 (T ≤ 12)</td><td>300</td>');
    // a hybrid comparison (compare --min-per-step) says its floor, as compare.md does (was: labelled as plain adaptive)
    const comparePath = join(run.dir, 'compare', 'compare.json');
    const json = JSON.parse(readFileSync(comparePath, 'utf8')) as { options?: Record<string, unknown> };
    writeFileSync(comparePath, JSON.stringify({ ...json, options: { ...json.options, minPerStep: 'schedule', adaptiveNoise: true } }));
    const hybrid = buildReport(loadReportInputs({ runDir: run.dir }));
    expect(hybrid.blocks.flatMap((b) => (b.kind === 'charts' ? b.charts.map((c) => c.title) : [])).filter((t) => t.includes('base / adaptive'))).toEqual([
      'Steps used: base / adaptive p ≥ 0.5 (T ≤ 12, ≥ the cosine count a step, choice noise)',
    ]);
    const plain = buildReport(loadReportInputs({ runDir: (await writeSyntheticRun(mkdtempSync(join(tmpdir(), 'speedrl-report-steps-')), 12)).dir }));
    expect(plain.blocks.flatMap((b) => (b.kind === 'charts' ? b.charts.map((c) => c.title) : [])).filter((t) => t.startsWith('Steps used'))).toEqual([]);
  });
});
