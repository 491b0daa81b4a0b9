/**
 * The steps each image used, for eval and compare rows of the adaptive sampler: summed over seeds from the cells'
 * distributions, and one markdown table (mean ± std, quantiles, range and the mean per class: which classes finish
 * early). Fixed-T rows have none: every image uses T.
 */
import { mergeStepDistributions, type StepDistribution } from '@speedrl/sampler';

/** The row's distribution: the cells' counts added, when every cell has one (else undefined: cells of older files lack it). */
export function rowStepsDistribution(cells: readonly { readonly stepsDistribution?: StepDistribution }[]): StepDistribution | undefined {
  const parts = cells.map((c) => c.stepsDistribution);
  if (parts.length === 0 || parts.some((p) => p === undefined)) return undefined;
  return mergeStepDistributions(parts as StepDistribution[]); // every part is defined (checked above)
}

/** `{ stepsDistribution }` of the row when it has one, else nothing (spread into a row). */
export function stepsField(cells: readonly { readonly stepsDistribution?: StepDistribution }[]): { stepsDistribution?: StepDistribution } {
  const d = rowStepsDistribution(cells);
  return d === undefined ? {} : { stepsDistribution: d };
}

const fixed = (v: number, digits: number): string => (Number.isFinite(v) ? v.toFixed(digits) : 'n/a');

/** A table as text cells: its header and rows. */
export interface TextTable {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/**
 * The steps used by the rows that have a distribution (`label` names the row): images, mean ± std, p10/p50/p90,
 * range and a mean column per class id; undefined when none has one.
 */
export function stepsTable(rows: readonly { readonly label: string; readonly steps?: StepDistribution }[], labelHeader: string): TextTable | undefined {
  const shown = rows.filter((r): r is { label: string; steps: StepDistribution } => r.steps !== undefined);
  if (shown.length === 0) return undefined;
  const classes = [...new Set(shown.flatMap((r) => Object.keys(r.steps.byClass)))].sort((a, b) => Number(a) - Number(b));
  return {
    header: [labelHeader, 'images', 'steps used (mean ± std)', 'p10 / p50 / p90', 'range', ...classes.map((c) => `class ${c}`)],
    rows: shown.map(({ label, steps: d }) => [
      label, String(d.count), `${fixed(d.mean, 2)} ± ${fixed(d.std, 2)}`, `${d.p10} / ${d.p50} / ${d.p90}`, `${d.min}–${d.max} of ${d.histogram.length}`,
      ...classes.map((c) => (d.byClass[c] === undefined ? '' : fixed(d.byClass[c].mean, 2))),
    ]),
  };
}

/** {@link stepsTable} as markdown after a blank line and a caption; '' when no row has a distribution. */
export function stepsMarkdown(rows: readonly { readonly label: string; readonly steps?: StepDistribution }[], labelHeader: string): string {
  const table = stepsTable(rows, labelHeader);
  if (table === undefined) return '';
  const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  const align = table.header.map((_, i) => (i === 1 || i >= 5 ? '---:' : '---'));
  return `\nSteps used per image (adaptive sampling; images summed over seeds; per class: mean steps; histograms in the JSON):\n\n${[table.header, align, ...table.rows].map(row).join('\n')}\n`;
}
