/**
 * One FCD-vs-NFE Pareto plot and table from result files of the same protocol: eval.json files (fixed-T rows of one
 * model) and compare.json files (every row, e.g. adaptive ones with their mean NFE). Each input is `LABEL=FILE`; the
 * files must share n, seeds, classifier and data (checked), so their points are comparable (docs/architecture.md,
 * "Evaluation protocol"). Nothing is sampled: the plot only gathers figures already computed.
 *
 *   node --conditions=@speedrl/source --import tsx tools/pareto-protocol.ts --out runs/pareto.png \
 *     base=models/fashion-mnist/eval-n10000-3seeds.json adaptive=runs/cmp-adaptive/compare.json
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { UsageError } from '@speedrl/core';
import { FASHION_MNIST_CLASSES, OKABE_ITO, writeLineChart, type LineSeries } from '@speedrl/tensor-utils';

interface MeanStd { mean: number; std: number }
interface StepCounts { count: number; histogram: number[] }
interface Row {
  model?: string; method?: string; steps: number; threshold?: number; maxSteps?: number; nfePerImage: number; fcd: MeanStd; recall: MeanStd; seeds: number;
  stepsDistribution?: StepCounts & { byClass?: Record<string, StepCounts> };
}
interface ResultFile { options: { n: number; classifier: string; data: string; seedList?: number[] }; rows: Row[] }

/** A point series: one model and method of one file, sorted by NFE. */
interface Series { name: string; rows: Row[] }

/** `LABEL=FILE` inputs as series: an eval.json is one series (its label); a compare.json one per model and method. */
function seriesOf(label: string, file: ResultFile): Series[] {
  const groups = new Map<string, Row[]>();
  for (const row of file.rows) {
    const key = row.model === undefined ? label : `${label}: ${row.model}/${row.method ?? '?'}`;
    groups.set(key, [...(groups.get(key) ?? []), row]);
  }
  return [...groups].map(([name, rows]) => ({ name, rows: [...rows].sort((a, b) => a.nfePerImage - b.nfePerImage) }));
}

function readResult(spec: string): { label: string; path: string; file: ResultFile } {
  const at = spec.indexOf('=');
  if (at <= 0) throw new UsageError(`expected LABEL=FILE, got "${spec}"`);
  const path = spec.slice(at + 1);
  let file: ResultFile;
  try {
    file = JSON.parse(readFileSync(path, 'utf8')) as ResultFile;
  } catch (error) {
    throw new UsageError(`${path}: not a readable eval.json or compare.json (${(error as Error).message.split('\n')[0]})`);
  }
  if (!Array.isArray(file.rows) || typeof file.options !== 'object') throw new UsageError(`${path}: no rows/options; expected an eval.json or compare.json`);
  return { label: spec.slice(0, at), path, file };
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({ options: { out: { type: 'string' }, title: { type: 'string' } }, allowPositionals: true });
  const out = values.out;
  if (out === undefined || !out.endsWith('.png') || positionals.length === 0) throw new UsageError('usage: pareto-protocol.ts --out PLOT.png [--title T] LABEL=FILE …');
  const inputs = positionals.map(readResult);
  const protocol = (r: ResultFile): string => JSON.stringify([r.options.n, r.options.classifier, r.options.data, r.options.seedList ?? null]);
  const first = inputs[0] as (typeof inputs)[0];
  for (const i of inputs) {
    if (protocol(i.file) !== protocol(first.file)) throw new UsageError(`${i.path}: its n, classifier, data or seeds differ from ${first.path}'s; points of two protocols are not comparable`);
  }
  const series = inputs.flatMap((i) => seriesOf(i.label, i.file));
  const lines: LineSeries[] = series.map((s, k) => ({
    name: s.name, x: s.rows.map((r) => r.nfePerImage), y: s.rows.map((r) => r.fcd.mean), yErr: s.rows.map((r) => 2 * r.fcd.std),
    color: OKABE_ITO[k % OKABE_ITO.length], dashed: s.rows.some((r) => r.threshold !== undefined),
  }));
  const o = first.file.options;
  const subtitle = `${o.n} samples x ${o.seedList?.length ?? '?'} seeds, bars +-2 std`; // the chart font has no × or ±
  const table = ['| series | T (or mean steps) | p* | NFE | FCD ↓ | recall ↑ | seeds |', '|---|---:|---:|---:|---|---|---:|', ...series.flatMap((s) => s.rows.map((r) =>
    `| ${s.name} | ${r.threshold === undefined ? r.steps : `${r.steps.toFixed(2)} (≤ ${r.maxSteps})`} | ${r.threshold ?? ''} | ${r.nfePerImage.toFixed(2)} | ${r.fcd.mean.toFixed(3)} ± ${r.fcd.std.toFixed(3)} | ${r.recall.mean.toFixed(3)} ± ${r.recall.std.toFixed(3)} | ${r.seeds} |`))];
  await writeLineChart(out, {
    title: values.title ?? `FCD vs NFE (${subtitle})`, xLabel: 'transformer forward passes per image (NFE, mean)', yLabel: 'FCD (eval classifier)',
    width: 1000, height: 560, xScale: 'log2', series: lines,
  });
  // adaptive rows: which classes finish early — the fraction of each class's images at each step count, one line per class
  const adaptive = series.flatMap((s) => s.rows.filter((r) => r.stepsDistribution?.byClass !== undefined).map((r) => ({ name: s.name, row: r })));
  for (const [k, { name, row }] of adaptive.entries()) {
    const byClass = Object.entries(row.stepsDistribution?.byClass ?? {});
    const steps = (byClass[0]?.[1].histogram ?? []).map((_, i) => i + 1);
    await writeLineChart(out.replace(/\.png$/, `-steps-${k + 1}.png`), {
      title: `Steps used by class: ${name}, p=${row.threshold ?? '?'}, ${row.stepsDistribution?.count ?? 0} images`, xLabel: 'steps used', yLabel: 'fraction of the class',
      width: 900, height: 500, series: byClass.map(([c, h], i) => ({ name: FASHION_MNIST_CLASSES[Number(c)] ?? `class ${c}`, x: steps, y: h.histogram.map((v) => v / Math.max(1, h.count)), color: OKABE_ITO[i % OKABE_ITO.length], dashed: i >= OKABE_ITO.length })),
    });
  }
  writeFileSync(out.replace(/\.png$/, '.md'), `${table.join('\n')}\n\nInputs: ${inputs.map((i) => `${i.label} = ${i.path}`).join('; ')}\n`);
  process.stdout.write(`${table.join('\n')}\nwrote ${out} and ${out.replace(/\.png$/, '.md')}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`pareto-protocol: ${(error as Error).message}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
});
