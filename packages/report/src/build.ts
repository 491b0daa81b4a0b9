/**
 * The report's sections from loaded inputs: run config, training curves, FCD at eval points, Pareto plots,
 * sample grids and the ablation table. A section whose inputs are absent becomes a one-line note.
 */
import { existsSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { accelerationTable, hybridLabel, tunedSourceNote, type Acceleration } from '@speedrl/eval';
import type { ReportBlock, ReportImage } from './html';
import type { ReportInputs } from './load';
import type { MeanStdJson } from './schemas';
import { compareFloorsOf, evalChart, evalFloors, paretoCharts, trainingCharts, variantName, type FloorLine } from './series';
import { rowStepsCharts, trainingStepsCharts, type StepsRow } from './steps-charts';

/** What one section became: included, or omitted with the reason. */
export interface SectionInfo {
  readonly id: string;
  readonly title: string;
  readonly included: boolean;
  /** Why it was omitted, or what is missing inside it. */
  readonly note?: string;
}

/** The report as blocks plus the per-section summary (`--json`). */
export interface BuiltReport {
  readonly title: string;
  readonly blocks: ReportBlock[];
  readonly sections: SectionInfo[];
}

/** How many training-grid iterations to show at most (first, last and evenly spaced between). */
export const MAX_GRID_ITERATIONS = 8;

const fixed = (v: number | null | undefined, digits: number): string => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : 'n/a');
/** "mean ± std" with `digits` decimals, "n/a" when the mean is missing. */
export const pm = (m: MeanStdJson | undefined, digits: number, scale = 1): string =>
  m === undefined || m.mean === null ? 'n/a' : `${(m.mean * scale).toFixed(digits)} ± ${fixed(m.std === null ? null : m.std * scale, digits)}`;

/** Evenly spaced picks of at most `max` items, always keeping the first and the last. */
export function evenlySpaced<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  return Array.from({ length: max }, (_, k) => items[Math.round((k * (items.length - 1)) / (max - 1))] as T);
}

interface Section { blocks: ReportBlock[]; note?: string }

/** A model's acceleration claims (docs/architecture.md, "Acceleration factors"): the table eval.md shows, then its lines. */
function accelerationBlocks(model: string, a: Acceleration): ReportBlock[] {
  const t = accelerationTable(a);
  return [
    { kind: 'paragraph', text: `Acceleration of ${model}. ${t.intro}` },
    { kind: 'table', header: t.header, rows: t.rows },
    ...[...t.statements, ...t.skipped].map((text): ReportBlock => ({ kind: 'paragraph', text })),
  ];
}

function configSection(inputs: ReportInputs): Section | string {
  if (inputs.run === undefined) return `no ${join(inputs.runDir, 'run.json')}`;
  const { data } = inputs.run;
  const value = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  return {
    blocks: [
      { kind: 'paragraph', text: `${data.command ?? 'unknown command'} run in ${inputs.runDir}${data.updatedAt !== undefined ? `, run.json updated ${data.updatedAt}` : ''}${data.node !== undefined ? `, node ${data.node}` : ''}.` },
      { kind: 'table', header: ['option', 'value'], rows: Object.entries(data.options ?? {}).map(([k, v]) => [k, value(v)]) },
    ],
  };
}

function trainingSection(inputs: ReportInputs): Section | string {
  const m = inputs.metrics;
  if (m === undefined) return `no ${join(inputs.runDir, 'metrics.jsonl')}`;
  if (m.records.length === 0) return `${m.file} has no records yet`;
  const { charts, missing } = trainingCharts(m.records);
  const notes = [
    ...(m.truncatedTail ? [`the last line of ${basename(m.file)} was cut off (job still running or killed) and is skipped`] : []),
    ...(missing.length > 0 ? [`no data for: ${missing.join(', ')}`] : []),
  ];
  return {
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
    blocks: [
      { kind: 'paragraph', text: `${m.records.length} iterations from ${m.file}.` },
      { kind: 'charts', charts: [...charts, ...trainingStepsCharts(m.records)] },
      ...notes.map((text): ReportBlock => ({ kind: 'note', text })),
    ],
  };
}

function evalSection(inputs: ReportInputs): Section | string {
  const chart = evalChart(inputs.evals);
  if (chart === undefined) return inputs.evals.length === 0 ? `no ${join(inputs.runDir, 'eval-*', 'eval.json')} and no --eval` : 'the eval.json files have no rows yet';
  const rows = inputs.evals.flatMap((e) => [...(e.data.rows ?? [])].sort((a, b) => a.steps - b.steps).map((r) => [
    e.name, String(r.steps), fixed(r.nfePerImage, 1), pm(r.fcd, 3), pm(r.kid, 2, 1e3), pm(r.precision, 3), pm(r.recall, 3), pm(r.accuracy, 3),
    pm(r.msPerImage, 2), String(r.seeds ?? ''),
  ]));
  const steps = stepsBlocks(inputs.evals.flatMap((e) => (e.data.rows ?? []).map((r) => ({ label: `${e.name}, T ≤ ${r.steps}`, steps: r.stepsDistribution }))), 'eval, step cap');
  const unchecked = inputs.evals.flatMap((e) => (e.uncheckedAcceleration === undefined ? [] : [
    `acceleration claims of ${e.name} (${e.file}) not shown: ${e.uncheckedAcceleration}; run the report from the directory that eval ran in to check them`,
  ]));
  const partial = inputs.evals.flatMap((e) => [e.incomplete, e.claimsNote].flatMap((n) => (n === undefined ? [] : [`${e.file}: ${n}`])));
  return {
    ...(unchecked.length + partial.length > 0 ? { note: [...unchecked, ...partial].join('; ') } : {}),
    blocks: [
      { kind: 'paragraph', text: `From ${inputs.evals.map((e) => `${e.file}${typeof e.data.model === 'string' ? ` (${e.name} = model ${e.data.model})` : ''}`).join(', ')}.${floorsText(evalFloors(inputs.evals))}` },
      { kind: 'charts', charts: [chart] },
      { kind: 'table', header: ['model', 'T', 'NFE', 'FCD ↓', 'KID ×10³ ↓', 'precision ↑', 'recall ↑', 'class acc. ↑', 'ms/image', 'seeds'], rows },
      ...inputs.evals.flatMap((e) => (e.data.acceleration === undefined ? [] : accelerationBlocks(e.name, e.data.acceleration))),
      ...unchecked.map((text): ReportBlock => ({ kind: 'note', text: `Unchecked ${text}.` })),
      ...partial.map((text): ReportBlock => ({ kind: 'note', text: `${text}.` })),
      ...steps,
    ],
  };
}

/** " Floors (FCD vs the test set): reconstruction 1.200, held-out train 0.400." — each eval's value, named, where they differ. */
function floorsText(lines: readonly FloorLine[]): string {
  if (lines.length === 0) return '';
  const kinds = [...new Set(lines.map((f) => f.kind))];
  const text = kinds.map((kind) => `${kind} ${lines.filter((f) => f.kind === kind).map((f) => `${fixed(f.y, 3)}${f.of === undefined ? '' : ` (${f.of})`}`).join(', ')}`).join('; ');
  const differ = lines.some((f) => f.of !== undefined);
  return ` Floors (FCD vs the test set): ${text}.${differ ? ' The evals record different floors (another tokenizer, or other inputs): each is drawn in its eval\'s colour, none stands for all.' : ''}`;
}

/** The steps used by the adaptive rows (none for fixed T): a caption, their statistics per class, a histogram chart each. */
function stepsBlocks(rows: readonly StepsRow[], labelHeader: string): ReportBlock[] {
  const { charts, table } = rowStepsCharts(rows, labelHeader);
  if (table === undefined) return [];
  return [
    { kind: 'paragraph', text: 'Steps used per image by the adaptive rows (summed over seeds; class columns: mean steps of that class).' },
    { kind: 'table', header: table.header, rows: table.rows },
    { kind: 'charts', charts },
  ];
}

function paretoSection(inputs: ReportInputs): Section | string {
  const c = inputs.compare;
  if (c === undefined) return `no ${join(inputs.runDir, 'compare', 'compare.json')} and no --compare`;
  if (c.data.rows.length === 0) return `${c.file} has no rows`;
  const rows = [...c.data.rows].sort((a, b) => variantName(a).localeCompare(variantName(b)) || a.steps - b.steps).map((r) => [
    r.model, r.method, String(r.steps), fixed(r.nfePerImage, 1), pm(r.msPerImage, 2), pm(r.fcd, 3), pm(r.kid, 2, 1e3), pm(r.precision, 3),
    pm(r.recall, 3), pm(r.accuracy, 3), String(r.seeds),
  ]);
  const f = c.data.floors;
  const acc = c.data.acceleration;
  const floorText = hybridLabel(c.data.options?.minPerStep ?? 0, c.data.options?.adaptiveNoise === true); // as compare.md labels the hybrid
  const steps = stepsBlocks(c.data.rows.map((r) => ({ label: `${variantName(r)} p ≥ ${r.threshold} (T ≤ ${r.maxSteps}${floorText})`, steps: r.stepsDistribution })), 'model / method');
  const notes = [c.incomplete, c.claimsNote].flatMap((n) => (n === undefined ? [] : [`${c.file}: ${n}`]));
  const note = notes.length === 0 ? undefined : notes.join('; ');
  return {
    ...(note === undefined ? {} : { note }),
    blocks: [
      { kind: 'paragraph', text: `From ${c.file}: ${c.data.models.map((m) => `${m.name} (${m.dir})`).join(', ')}.${f === undefined ? '' : ` Floors${compareFloorsOf(c.data)}: reconstruction ${fixed(f.reconstruction, 3)}, held-out train ${fixed(f.trainHeldOut, 3)}.`}` },
      ...(c.data.searchBudget !== undefined ? [{ kind: 'paragraph', text: `Search budget of the tuned schedules: ${c.data.searchBudget}.` } as const] : []),
      ...(c.data.tunedModel !== undefined ? [{ kind: 'paragraph', text: tunedSourceNote(c.data.tunedModel) } as const] : []),
      { kind: 'charts', charts: paretoCharts(c.data) },
      { kind: 'table', header: ['model', 'method', 'T', 'NFE', 'ms/image', 'FCD ↓', 'KID ×10³ ↓', 'precision ↑', 'recall ↑', 'class acc. ↑', 'seeds'], rows },
      ...(acc === undefined ? [] : acc.models.flatMap((m) => accelerationBlocks(`${m.model} (method ${acc.method}, vs ${acc.base})`, m.acceleration))),
      ...notes.map((text): ReportBlock => ({ kind: 'note', text: `${text}.` })),
      ...steps,
    ],
  };
}

/** Grid images laid out as rows × step budgets; `cell` finds the image of (row, T). */
function imageTable(rowKeys: readonly string[], steps: readonly number[], cell: (row: string, t: number) => ReportImage | null): ReportBlock {
  return { kind: 'imageTable', header: ['', ...steps.map((t) => `T = ${t}`)], rows: rowKeys.map((label) => ({ label, cells: steps.map((t) => cell(label, t)) })) };
}

const sortedUnique = (xs: readonly number[]): number[] => [...new Set(xs)].sort((a, b) => a - b);

function gridsSection(inputs: ReportInputs): Section | string {
  const blocks: ReportBlock[] = [];
  const notes: string[] = [];
  const named = inputs.runGrids.map((path) => ({ path, m: /^iter-(\d+)-T(\d+)\.png$/i.exec(basename(path)) }));
  const iterGrids = named.filter((g) => g.m !== null).map((g) => ({ path: g.path, iteration: Number(g.m?.[1]), steps: Number(g.m?.[2]) }));
  if (iterGrids.length > 0) {
    const iterations = sortedUnique(iterGrids.map((g) => g.iteration));
    const shown = evenlySpaced(iterations, MAX_GRID_ITERATIONS);
    blocks.push({ kind: 'paragraph', text: `During training (${join(inputs.runDir, 'grids')}), the same seeds at every iteration${shown.length < iterations.length ? `; ${shown.length} of ${iterations.length} iterations shown` : ''}.` });
    blocks.push(imageTable(shown.map((i) => `iteration ${i}`), sortedUnique(iterGrids.map((g) => g.steps)), (row, t) => {
      const g = iterGrids.find((x) => `iteration ${x.iteration}` === row && x.steps === t);
      return g === undefined ? null : { path: g.path, caption: `${row}, T = ${t}` };
    }));
  }
  for (const g of named.filter((x) => x.m === null)) blocks.push({ kind: 'image', path: g.path, caption: relative(inputs.runDir, g.path) });
  const c = inputs.compare;
  const grids = c?.data.grids ?? [];
  if (c !== undefined && grids.length > 0) {
    const present = grids.filter((g) => existsSync(join(c.dir, g.file)));
    for (const g of grids.filter((x) => !present.includes(x))) notes.push(`missing grid ${join(c.dir, g.file)}`);
    if (present.length > 0) {
      blocks.push({ kind: 'paragraph', text: `Per model and method (${c.file}), the same seeds in every cell.` });
      blocks.push(imageTable([...new Set(present.map(variantName))], sortedUnique(present.map((g) => g.steps)), (row, t) => {
        const g = present.find((x) => variantName(x) === row && x.steps === t);
        return g === undefined ? null : { path: join(c.dir, g.file), caption: `${row}, T = ${t}` };
      }));
    }
  }
  if (blocks.length === 0) return `no PNG grids in ${join(inputs.runDir, 'grids')} and none listed in compare.json${notes.length > 0 ? ` (${notes.join('; ')})` : ''}`;
  blocks.push(...notes.map((text): ReportBlock => ({ kind: 'note', text })));
  return { blocks, ...(notes.length > 0 ? { note: notes.join('; ') } : {}) };
}

function ablationsSection(inputs: ReportInputs): Section | string {
  const a = inputs.ablations;
  if (a === undefined) return `no ${join(inputs.runDir, 'ablations.json')} and no --ablations`;
  const config = (c: Record<string, unknown>) => Object.entries(c).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  const note = a.unchecked.length === 0 ? undefined : `not checked against the eval.json they came from: ${a.unchecked.join('; ')}`;
  return {
    ...(note === undefined ? {} : { note }),
    blocks: [
      { kind: 'paragraph', text: `From ${a.file}; each variant trained with ${a.data.budget}.` },
      {
        kind: 'table', header: ['variant', 'config', 'eval T', 'FCD ↓', 'precision ↑', 'recall ↑', 'class acc. ↑', 'steps mean', 'notes'],
        rows: a.data.rows.map((r) => [r.name, config(r.config), String(r.evalSteps), pm(r.fcd, 3), pm(r.precision, 3), pm(r.recall, 3), pm(r.accuracy, 3), fixed(r.stepsMean, 2), r.notes ?? '']),
      },
      ...(note === undefined ? [] : [{ kind: 'note', text: `Rows ${note}.` } as const]),
    ],
  };
}

const SECTIONS: readonly { id: string; title: string; make: (inputs: ReportInputs) => Section | string }[] = [
  { id: 'config', title: 'Run configuration', make: configSection },
  { id: 'training', title: 'Training curves', make: trainingSection },
  { id: 'eval', title: 'FCD at eval points', make: evalSection },
  { id: 'pareto', title: 'Quality vs cost (Pareto)', make: paretoSection },
  { id: 'grids', title: 'Samples', make: gridsSection },
  { id: 'ablations', title: 'Ablations', make: ablationsSection },
];

/** Builds every section: included ones as blocks, absent ones as a one-line note each. */
export function buildReport(inputs: ReportInputs, title = `Speed-RL report: ${basename(inputs.runDir) || inputs.runDir}`): BuiltReport {
  const blocks: ReportBlock[] = [];
  const sections: SectionInfo[] = [];
  for (const { id, title: sectionTitle, make } of SECTIONS) {
    const made = make(inputs);
    blocks.push({ kind: 'heading', text: sectionTitle, id });
    if (typeof made === 'string') {
      blocks.push({ kind: 'note', text: `Omitted: ${made}.` });
      sections.push({ id, title: sectionTitle, included: false, note: made });
    } else {
      blocks.push(...made.blocks);
      sections.push({ id, title: sectionTitle, included: true, ...(made.note !== undefined ? { note: made.note } : {}) });
    }
  }
  return { title, blocks, sections };
}
