/**
 * What an interrupted eval.json or compare.json lacks: the cells its own options ask for (steps × seeds; for compare,
 * models × methods × T or threshold × seeds, as `compare` plans them) against the cells it holds. The report says so
 * next to the rows (was: a T with 3 of 6 seeds, or a missing T or row, shown as if complete). Files whose options do
 * not say what was asked get no note. A file without `resultsKey` (older: shipped comparisons were built by several
 * calls into one --out, each asking for some models, methods and T) is checked only for rows with fewer seeds.
 */
import { cellId, planCells, rowId, type CellKey } from '@speedrl/eval';

/** At most this many missing rows are named; the rest are counted. */
const MAX_NAMED = 6;

/** A comma list of numbers ("1,2,4"), or undefined when it is not one. */
function numberList(value: unknown): number[] | undefined {
  if (typeof value === 'number') return [value];
  if (typeof value !== 'string' || value === '') return undefined;
  const list = value.split(',').filter((v) => v !== '').map(Number);
  return list.length > 0 && list.every(Number.isFinite) ? [...new Set(list)] : undefined;
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** The seeds the options ask for (`seed` … `seed + seeds − 1`) and any the file records in `seedList`; undefined when unknown. */
function seedsOf(options: Record<string, unknown>): number[] | undefined {
  const { seed, seeds, seedList } = options;
  if (!isCount(seed) || !isCount(seeds)) return undefined;
  const listed = Array.isArray(seedList) ? seedList.filter(isCount) : [];
  return [...new Set([...Array.from({ length: seeds }, (_, k) => seed + k), ...listed])].sort((a, b) => a - b);
}

/** "incomplete: T = 8 not computed, T = 4 has 3 of 6 seeds; rerun the eval with --resume", or undefined when every planned cell is there. */
function describe(plan: readonly CellKey[], cells: readonly unknown[], label: (k: CellKey) => string, command: string, rowsAsked: boolean): string | undefined {
  const done = new Set(cells.map((c) => cellId(c as CellKey)));
  const rows = new Map<string, { key: CellKey; planned: number; missing: number }>();
  for (const k of plan) {
    const row = rows.get(rowId(k)) ?? { key: k, planned: 0, missing: 0 };
    rows.set(rowId(k), { ...row, planned: row.planned + 1, missing: row.missing + (done.has(cellId(k)) ? 0 : 1) });
  }
  const short = [...rows.values()].filter((r) => r.missing > 0 && (rowsAsked || r.missing < r.planned))
    .map((r) => (r.missing === r.planned ? `${label(r.key)} not computed` : `${label(r.key)} has ${r.planned - r.missing} of ${r.planned} seeds`));
  if (short.length === 0) return undefined;
  const named = short.slice(0, MAX_NAMED).join(', ') + (short.length > MAX_NAMED ? ` and ${short.length - MAX_NAMED} more` : '');
  return `incomplete: ${named} (of what its options ask for); rerun the ${command} with --resume to finish it`;
}

/** What an eval.json lacks of its options' steps × seeds (see the file's JSDoc), or undefined. */
export function evalIncomplete(file: object): string | undefined {
  const json = file as { readonly options?: unknown; readonly resultsKey?: unknown; readonly cells?: unknown };
  const options = (json.options ?? {}) as Record<string, unknown>;
  const steps = numberList(options.steps);
  const seeds = seedsOf(options);
  if (steps === undefined || seeds === undefined || !Array.isArray(json.cells)) return undefined;
  const plan = steps.flatMap((t) => seeds.map((seed): CellKey => ({ model: '', method: '', steps: t, seed })));
  const cells = json.cells.map((c: { steps?: unknown; seed?: unknown } | null) => ({ model: '', method: '', steps: c?.steps, seed: c?.seed }));
  return describe(plan, cells, (k) => `T = ${k.steps}`, 'eval', json.resultsKey !== undefined);
}

/** What a compare.json lacks of its options' models × methods × T or threshold × seeds (see the file's JSDoc), or undefined. */
export function compareIncomplete(json: {
  readonly models: readonly { name: string; dir: string }[]; readonly options?: unknown; readonly resultsKey?: unknown; readonly cells?: unknown; readonly tunedKeys?: unknown;
}): string | undefined {
  const options = (json.options ?? {}) as Record<string, unknown>;
  const methods = typeof options.methods === 'string' ? options.methods.split(',').filter((m) => m !== '') : undefined;
  const steps = numberList(options.steps);
  const seeds = seedsOf(options);
  if (methods === undefined || steps === undefined || seeds === undefined || !Array.isArray(json.cells)) return undefined;
  const thresholds = methods.includes('adaptive') ? numberList(options.thresholds) : [];
  const cap = isCount(options.adaptiveCap) && options.adaptiveCap > 0 ? options.adaptiveCap : Math.max(...steps);
  if (thresholds === undefined) return undefined;
  // the T the tuned file held (recorded per T); a file without that record: the T its tuned cells have
  const tunedSteps = typeof json.tunedKeys === 'object' && json.tunedKeys !== null
    ? Object.keys(json.tunedKeys).map(Number)
    : json.cells.flatMap((c: { method?: unknown; steps?: unknown } | null) => (c?.method === 'tuned' && typeof c.steps === 'number' ? [c.steps] : []));
  const plan = planCells(json.models, methods, steps, thresholds, seeds, cap, tunedSteps);
  return describe(plan, json.cells, (k) => `${k.model} ${k.method} ${k.threshold === undefined ? `T = ${k.steps}` : `p ≥ ${k.threshold}`}`, 'compare', json.resultsKey !== undefined);
}
