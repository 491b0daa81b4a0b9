/** compare.json's cells and rows (mean ± std over seeds) and compare.md's single table with the floors. */
import { meanStd, type CellMetrics, type MeanStd } from '../table';
import type { CompareFloors, CompareModel, CompareRow, GridEntry } from '../results';
import { rowId, type CellKey } from './spec';
import type { CompareAcceleration } from '../acceleration-schema';
import { stepsField, stepsMarkdown } from '../steps-table';
import type { AdaptiveMinPerStep } from '@speedrl/sampler';

export type { CompareRow, GridEntry };

/** Metrics of one (model, method, T or threshold, seed) cell. */
export interface CompareCell extends CellKey, CellMetrics {}

/** The whole compare.json. */
export interface CompareJson {
  /** Each model's name, directory and the content key of its files when it was evaluated (`bundleIdentity`). */
  readonly models: readonly CompareModel[];
  /** SHA-256 of the --tuned file the tuned cells came from. */
  readonly tunedKey?: string;
  /** Per T, the content key of the --tuned file's step arrays at T (absent in older files): what a resume compares. */
  readonly tunedKeys?: Readonly<Record<string, string>>;
  /** Content keys of the judge's files (evaluation classifier, dataset), by flag: a resume refuses changed ones. */
  readonly inputs?: Record<string, string>;
  readonly rows: readonly CompareRow[];
  readonly floors?: CompareFloors;
  readonly grids?: readonly GridEntry[];
  readonly searchBudget?: string;
  /** The model directory the --tuned schedules were searched on (the tuned file's `model`; absent in older files). */
  readonly tunedModel?: string;
  /** Acceleration factors of every model's cosine rows vs the first model's (absent without cosine rows). */
  readonly acceleration?: CompareAcceleration;
  /** Per-seed cells (what `--resume` keeps). */
  readonly cells: readonly CompareCell[];
  /** Digest of `cells` and `floors` (`resultsDigest`; absent in older files): a resume and the report refuse them edited since. */
  readonly resultsKey?: string;
  /** Options the cells were computed with (a resume must match them). */
  readonly options: Record<string, unknown>;
  /** Digest of the cell-defining options (`optionsDigest`; absent in older files): a resume refuses options edited since. */
  readonly optionsKey?: string;
  readonly engine: string;
}

/** Groups cells by (model, method, T or threshold), keeping first-seen order, and aggregates over seeds. */
export function aggregateCells(cells: readonly CompareCell[]): CompareRow[] {
  const groups = new Map<string, CompareCell[]>();
  for (const c of cells) groups.set(rowId(c), [...(groups.get(rowId(c)) ?? []), c]);
  return [...groups.values()].map((cs) => {
    const first = cs[0] as CompareCell;
    const m = (f: (c: CompareCell) => number): MeanStd => meanStd(cs.map(f));
    const adaptive = first.threshold !== undefined;
    return {
      model: first.model,
      method: first.method,
      steps: adaptive ? m((c) => c.meanSteps).mean : first.steps,
      ...(adaptive ? { threshold: first.threshold, maxSteps: first.steps } : {}),
      nfePerImage: m((c) => c.nfePerImage).mean,
      msPerImage: m((c) => c.msPerImage),
      fcd: m((c) => c.fcd),
      kid: m((c) => c.kid),
      precision: m((c) => c.precision),
      recall: m((c) => c.recall),
      accuracy: m((c) => c.accuracy),
      seeds: cs.length,
      ...stepsField(cs),
    };
  });
}

/** Rows in table order: by model (as given), method (as given), then NFE. */
export function sortRows(rows: readonly CompareRow[], models: readonly string[], methods: readonly string[]): CompareRow[] {
  const rank = (list: readonly string[], v: string): number => (list.includes(v) ? list.indexOf(v) : list.length);
  return [...rows].sort((a, b) => rank(models, a.model) - rank(models, b.model) || rank(methods, a.method) - rank(methods, b.method) || a.nfePerImage - b.nfePerImage || (a.threshold ?? 0) - (b.threshold ?? 0));
}

const pm = (m: MeanStd, digits: number, scale = 1): string => (Number.isNaN(m.mean) ? 'n/a' : `${(m.mean * scale).toFixed(digits)} ± ${(m.std * scale).toFixed(digits)}`);

/** What an adaptive row's label adds for the hybrid's floor per step and the choice noise (`", ≥ the cosine count a step, choice noise"`; empty for plain threshold decoding). */
export function hybridLabel(minPerStep: AdaptiveMinPerStep, noise: boolean): string {
  const floor = minPerStep === 'exit' ? ', the cosine count a step or all at once' : minPerStep === 0 ? '' : `, ≥ ${minPerStep === 'schedule' ? 'the cosine count' : minPerStep} a step`;
  return `${floor}${noise ? ', choice noise' : ''}`;
}

/** The method column of a row: adaptive rows name their threshold and cap. */
const methodLabel = (r: CompareRow, minPerStep: AdaptiveMinPerStep, noise: boolean): string => (r.threshold === undefined ? r.method
  : `${r.method} (p ≥ ${r.threshold}, T ≤ ${r.maxSteps}${hybridLabel(minPerStep, noise)})`);

/** Where the tuned schedules come from: a model they run on other than this one uses them as a transfer. */
export function tunedSourceNote(searchedOn: string): string {
  return `Tuned schedules were searched on ${searchedOn}; on any other model the tuned rows transfer them (not searched for that model).`;
}

/** The markdown table of every row, plus floors, engine and (when tuned) the search budget. */
export function compareMarkdown(json: Pick<CompareJson, 'rows' | 'floors' | 'searchBudget' | 'tunedModel' | 'engine' | 'models'>, n: number, batch = 64, minPerStep: AdaptiveMinPerStep = 0, noise = false): string {
  const lines = [
    `| model | method | T | NFE | ms/image (${json.engine}, batch ${batch}) | FCD ↓ | KID ×10³ ↓ | precision ↑ | recall ↑ | class acc. ↑ | seeds |`,
    '|---|---|---:|---:|---|---|---|---|---|---|---:|',
    ...json.rows.map((r) => {
      const method = methodLabel(r, minPerStep, noise);
      const t = r.threshold === undefined ? String(r.steps) : r.steps.toFixed(2);
      return `| ${r.model} | ${method} | ${t} | ${r.nfePerImage.toFixed(1)} | ${pm(r.msPerImage, 2)} | ${pm(r.fcd, 3)} | ${pm(r.kid, 2, 1e3)} | ${pm(r.precision, 3)} | ${pm(r.recall, 3)} | ${pm(r.accuracy, 3)} | ${r.seeds} |`;
    }),
  ];
  const floors = json.floors === undefined ? [] : [
    '', 'Floors (FCD vs the test set):',
    `- tokenizer reconstructions of the test set (${json.models[0]?.name ?? 'the first model'}'s tokenizer): ${json.floors.reconstruction.toFixed(3)}`,
    `- held-out train images: ${json.floors.trainHeldOut.toFixed(3)}`,
  ];
  const notes = [
    '', `${n} samples per cell (class-balanced), mean ± std over seeds; metrics on the evaluation classifier against the test set.`,
    'Adaptive rows: T and NFE are the means actually used. NFE counts both passes of classifier-free guidance.',
    `Models: ${json.models.map((m) => `${m.name} = ${m.dir}`).join('; ')}.`,
    ...(json.searchBudget === undefined ? [] : [`Tuned schedule search budget: ${json.searchBudget}.`]),
    ...(json.tunedModel === undefined ? [] : [tunedSourceNote(json.tunedModel)]),
  ];
  const seedCounts = json.rows.map((r) => r.seeds);
  if (new Set(seedCounts).size > 1) { // a resume may add seeds to some models only
    notes.push(`Warning: rows average different numbers of seeds (${Math.min(...seedCounts)} to ${Math.max(...seedCounts)}, see the seeds column); compare rows with equal seeds.`);
  }
  const steps = stepsMarkdown(json.rows.map((r) => ({ label: `${r.model} / ${methodLabel(r, minPerStep, noise)}`, steps: r.stepsDistribution })), 'model / method');
  return `${[...lines, ...floors, ...notes].join('\n')}\n${steps}`;
}
