/**
 * Charts of the steps each image used under adaptive sampling (pure): a histogram per class — the fraction of a
 * class's images that used each step count — for adaptive eval/compare rows and for adaptive Speed-RL rollouts, and
 * the mean per class over training iterations. Which classes finish early is read off these.
 */
import { stepsTable, type TextTable } from '@speedrl/eval';
import { mergeStepDistributions, type StepCounts, type StepDistribution } from '@speedrl/sampler';
import { PALETTE, type ChartSeries, type ChartSpec } from './charts';
import type { MetricsRecord } from './schemas';
import { column } from './series';

/** How many of the last iterations of an adaptive Speed-RL run the training histogram sums (one iteration holds few samples). */
export const HISTOGRAM_ITERATIONS = 10;

/** A stored distribution with its statistics recomputed from its counts (stored ones may be null = NaN). */
export const fromCounts = (d: StepCounts): StepDistribution => mergeStepDistributions([d]);

const fraction = (histogram: readonly number[]): (number | null)[] => {
  const total = histogram.reduce((a, c) => a + c, 0);
  return histogram.map((c) => (total > 0 ? c / total : null));
};

/** The histogram chart of one distribution: one line per class (fraction of its images per step count), all images dashed. */
export function stepsHistogramChart(title: string, counts: StepCounts, caption: string): ChartSpec {
  const d = fromCounts(counts);
  const x = d.histogram.map((_, k) => k + 1);
  const series: ChartSeries[] = Object.entries(d.byClass).map(([c, s]) => ({
    name: `class ${c} (mean ${s.mean.toFixed(2)})`, x, y: fraction(s.histogram), color: PALETTE[Number(c) % PALETTE.length] as string,
  }));
  series.push({ name: `all ${d.count} images (mean ${d.mean.toFixed(2)} ± ${d.std.toFixed(2)})`, x, y: fraction(d.histogram), dashed: true, color: '#000000' });
  return { title, xLabel: 'steps used', yLabel: 'fraction of images', series, caption };
}

/** A row of an eval or compare result that may carry a distribution, with the name it is shown under. */
export interface StepsRow {
  readonly label: string;
  readonly steps?: StepCounts;
}

/** One histogram chart per row that has a distribution, and the table of their statistics (undefined without any). */
export function rowStepsCharts(rows: readonly StepsRow[], labelHeader: string): { charts: ChartSpec[]; table?: TextTable } {
  const shown = rows.flatMap((r) => (r.steps === undefined ? [] : [{ label: r.label, steps: fromCounts(r.steps) }]));
  const caption = "Adaptive sampling: the fraction of each class's images that used each step count (summed over seeds); dashed: all images.";
  const table = stepsTable(shown, labelHeader);
  return { charts: shown.map((r) => stepsHistogramChart(`Steps used: ${r.label}`, r.steps, caption)), ...(table === undefined ? {} : { table }) };
}

/**
 * Adaptive Speed-RL rollouts (metrics.jsonl `stepsMeanByClass`, `stepsDistribution`): the mean steps per class over
 * iterations, and the histogram per class summed over the last {@link HISTOGRAM_ITERATIONS} iterations; none for
 * fixed-T runs.
 */
export function trainingStepsCharts(records: readonly MetricsRecord[]): ChartSpec[] {
  const charts: ChartSpec[] = [];
  const classes = [...new Set(records.flatMap((r) => Object.keys(r.stepsMeanByClass ?? {})))].sort((a, b) => Number(a) - Number(b));
  if (classes.length > 0) {
    const x = records.map((r) => r.step);
    charts.push({
      title: 'Steps used per class (adaptive rollouts)', xLabel: 'iteration (step)', yLabel: 'mean steps used',
      series: classes.map((c) => ({ name: `class ${c}`, x, y: column(records, `stepsMeanByClass.${c}`), color: PALETTE[Number(c) % PALETTE.length] as string })),
      caption: 'A class whose steps fall while another\'s rise was sped up at the other\'s cost.',
    });
  }
  const withCounts = records.filter((r) => r.stepsDistribution !== undefined);
  const last = withCounts.slice(-HISTOGRAM_ITERATIONS);
  if (last.length > 0) {
    const span = last.length === 1 ? `iteration ${last[0]?.step}` : `the last ${last.length} iterations (${last[0]?.step}–${last[last.length - 1]?.step})`;
    const merged = mergeStepDistributions(last.map((r) => r.stepsDistribution as StepCounts));
    charts.push(stepsHistogramChart(`Steps used per class, ${span}`, merged, "Adaptive rollouts: the fraction of each class's samples that used each step count; dashed: all samples."));
  }
  return charts;
}
