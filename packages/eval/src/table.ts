/** Aggregation of eval cells over seeds, and the markdown table people read. */
import type { StepDistribution } from '@speedrl/sampler';
import type { EvalRow, MeanStd } from './results';
import { stepsField, stepsMarkdown } from './steps-table';

export type { EvalRow, MeanStd };

/** Metrics of one sampled set (one evaluation cell), shared by `speedrl eval` and `speedrl compare`. */
export interface CellMetrics {
  readonly fcd: number;
  readonly kid: number;
  readonly precision: number;
  readonly recall: number;
  readonly accuracy: number;
  readonly nfePerImage: number;
  /** Steps each image used on average (< T only for the adaptive sampler). */
  readonly meanSteps: number;
  readonly msPerImage: number;
  /** Adaptive sampler only: the steps each image used (histogram over 1..T, per class). */
  readonly stepsDistribution?: StepDistribution;
}

/** Metrics of one (T, seed) cell. */
export interface EvalCell extends CellMetrics {
  readonly steps: number;
  readonly seed: number;
}

/** Mean and sample std (0 for one value). */
export function meanStd(values: readonly number[]): MeanStd {
  const n = values.length;
  if (n === 0) return { mean: NaN, std: NaN };
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const std = n > 1 ? Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, std };
}

/** Groups cells by step count (ascending) and aggregates over seeds. */
export function aggregate(cells: readonly EvalCell[]): EvalRow[] {
  const bySteps = new Map<number, EvalCell[]>();
  for (const c of cells) bySteps.set(c.steps, [...(bySteps.get(c.steps) ?? []), c]);
  return [...bySteps.entries()].sort((a, b) => a[0] - b[0]).map(([steps, cs]) => ({
    steps,
    seeds: cs.length,
    fcd: meanStd(cs.map((c) => c.fcd)),
    kid: meanStd(cs.map((c) => c.kid)),
    precision: meanStd(cs.map((c) => c.precision)),
    recall: meanStd(cs.map((c) => c.recall)),
    accuracy: meanStd(cs.map((c) => c.accuracy)),
    nfePerImage: meanStd(cs.map((c) => c.nfePerImage)).mean,
    meanSteps: meanStd(cs.map((c) => c.meanSteps)).mean,
    msPerImage: meanStd(cs.map((c) => c.msPerImage)),
    ...stepsField(cs),
  }));
}

const pm = (m: MeanStd, digits: number): string => (Number.isNaN(m.mean) ? 'n/a' : `${m.mean.toFixed(digits)} ± ${m.std.toFixed(digits)}`);

/** Markdown table of rows plus the floors, with the engine named; then the steps used by adaptive rows, when there are some. */
export function markdownTable(rows: readonly EvalRow[], floors: Readonly<Record<string, number>>, engine: string): string {
  const lines = [
    `| T | NFE | FCD ↓ | KID ×10³ ↓ | precision ↑ | recall ↑ | class acc. ↑ | ms/image (${engine}) | seeds |`,
    '|---:|---:|---|---|---|---|---|---|---:|',
    ...rows.map((r) => `| ${r.steps} | ${r.nfePerImage.toFixed(1)} | ${pm(r.fcd, 3)} | ${pm({ mean: r.kid.mean * 1e3, std: r.kid.std * 1e3 }, 2)} | ${pm(r.precision, 3)} | ${pm(r.recall, 3)} | ${pm(r.accuracy, 3)} | ${pm(r.msPerImage, 2)} | ${r.seeds} |`),
  ];
  const floorLines = Object.entries(floors).map(([name, v]) => `- ${name}: FCD ${v.toFixed(3)}`);
  const steps = stepsMarkdown(rows.map((r) => ({ label: String(r.steps), steps: r.stepsDistribution })), 'T (cap)');
  return `${lines.join('\n')}\n\nFloors (vs the test set):\n${floorLines.join('\n')}\n${steps}`;
}
