/**
 * Chart data from parsed inputs (pure): training curves from metrics.jsonl, FCD vs steps from eval.json files,
 * and the Pareto plots (FCD vs NFE and vs ms/image) from compare.json.
 */
import { PALETTE, type ChartSeries, type ChartSpec } from './charts';
import type { EvalInput } from './load';
import type { CompareResult, CompareRow, MetricsRecord } from './schemas';

/** A record's value at a dotted path (e.g. "components.classifier.mean"), or null when absent / not finite. */
export function valueAt(record: unknown, path: string): number | null {
  let v: unknown = record;
  for (const key of path.split('.')) {
    if (v === null || typeof v !== 'object') return null;
    v = (v as Record<string, unknown>)[key];
  }
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** One column of the records (null where absent), against `step`. */
export function column(records: readonly MetricsRecord[], path: string): (number | null)[] {
  return records.map((r) => valueAt(r, path));
}

const hasValue = (ys: readonly (number | null)[]): boolean => ys.some((y) => y !== null);

/** Reward component names in order of first appearance. */
export function componentNames(records: readonly MetricsRecord[]): string[] {
  const names = new Set<string>();
  for (const r of records) for (const name of Object.keys(r.components ?? {})) names.add(name);
  return [...names];
}

/** What the training curves show: one chart per entry, each a list of [series name, field path]. */
const TRAINING_CHARTS: readonly { title: string; yLabel: string; fields: readonly [string, string][]; caption?: string; optional?: boolean }[] = [
  { title: 'KL to the base model', yLabel: 'KL (mean per token)', fields: [['KL', 'klMean']] },
  { title: 'Sampling steps', yLabel: 'steps / NFE per image', fields: [['steps mean', 'stepsMean'], ['NFE mean', 'nfeMean']] },
  { title: 'Clipped and dropped', yLabel: 'fraction', fields: [['clip fraction', 'clipFraction'], ['dropped-group fraction', 'droppedGroupFraction']] },
  { title: 'Mean brightness of samples', yLabel: 'mean pixel value', fields: [['mean brightness', 'meanBrightness']], caption: 'Not rewarded: a drift here while the reward rises hints at reward hacking.' },
  { title: 'Token entropy of samples', yLabel: 'entropy (nats)', fields: [['token entropy', 'tokenEntropy']], caption: 'Not rewarded: collapsing entropy means fewer distinct token patterns.' },
  { title: 'Sample diversity', yLabel: 'mean pairwise distance', fields: [['sample diversity', 'sampleDiversity']], caption: 'Not rewarded: falling diversity is mode collapse.' },
  { title: 'FCD during training', yLabel: 'FCD (eval classifier)', fields: [['FCD', 'fcd']], optional: true }, // only runs that evaluate as they train
];

/** Training charts that have data, and the titles of those skipped because metrics.jsonl lacks their (non-optional) fields. */
export function trainingCharts(records: readonly MetricsRecord[]): { charts: ChartSpec[]; missing: string[] } {
  const x = records.map((r) => r.step);
  const charts: ChartSpec[] = [];
  const missing: string[] = [];
  const lines = (fields: readonly [string, string][]): ChartSeries[] =>
    fields.map(([name, path]) => ({ name, x, y: column(records, path) })).filter((s) => hasValue(s.y));
  const push = (spec: Omit<ChartSpec, 'xLabel'>, optional = false) => {
    if (spec.series.length > 0) charts.push({ ...spec, xLabel: 'iteration (step)' });
    else if (!optional) missing.push(spec.title);
  };

  const mean = column(records, 'rewardMean');
  const std = column(records, 'rewardStd');
  const band = hasValue(std) ? { lo: mean.map((m, i) => (m === null ? null : m - (std[i] ?? 0))), hi: mean.map((m, i) => (m === null ? null : m + (std[i] ?? 0))) } : undefined;
  push({
    title: 'Reward (mean ± std over rollouts)', yLabel: 'reward',
    series: [...(hasValue(mean) ? [{ name: 'reward', x, y: mean, ...(band !== undefined ? { band } : {}) }] : []), ...lines([['quality', 'qualityMean'], ['speed reward', 'speedRewardMean']])],
  });
  push({ title: 'Reward components (means)', yLabel: 'component reward', series: lines(componentNames(records).map((n) => [n, `components.${n}.mean`])) });
  for (const c of TRAINING_CHARTS) push({ title: c.title, yLabel: c.yLabel, series: lines(c.fields), ...(c.caption !== undefined ? { caption: c.caption } : {}) }, c.optional);
  return { charts, missing };
}

const num = (v: number | null | undefined): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** True when x spans a factor ≥ 8 (steps 1…16): a log axis reads better. */
export function wantsLog(xs: readonly number[]): boolean {
  const pos = xs.filter((v) => v > 0);
  return pos.length > 1 && Math.max(...pos) / Math.min(...pos) >= 8;
}

/** A floor (FCD vs the test set) of the FCD chart; `of` and `color` name the eval it belongs to when the evals' floors differ. */
export interface FloorLine {
  readonly kind: 'reconstruction' | 'held-out train';
  readonly y: number;
  readonly of?: string;
  readonly color?: string;
}

const FLOOR_KINDS = [['reconstruction', 'reconstruction'], ['trainHeldOut', 'held-out train']] as const;

/**
 * The floors of the drawn evals (those with rows), per kind: one line when every drawn eval records the same value,
 * else one per eval that records it, named and coloured as its series (a model with another tokenizer has another
 * reconstruction floor: never the first eval's for all).
 */
export function evalFloors(evals: readonly EvalInput[]): FloorLine[] {
  const drawn = evals.filter((e) => (e.data.rows ?? []).length > 0);
  return FLOOR_KINDS.flatMap(([key, kind]): FloorLine[] => {
    const values = drawn.map((e, k) => ({ of: e.name, color: PALETTE[k % PALETTE.length], y: num(e.data.floors?.[key]) }));
    const known = values.flatMap((v) => (v.y === null ? [] : [{ ...v, y: v.y }]));
    const [first] = known;
    if (first === undefined) return [];
    if (known.length === values.length && known.every((v) => v.y === first.y)) return [{ kind, y: first.y }];
    return known.map((v) => ({ kind, y: v.y, of: v.of, ...(v.color !== undefined ? { color: v.color } : {}) }));
  });
}

/** A floor line's label: "reconstruction floor", or "reconstruction floor (base)" when it is one eval's. */
export const floorLabel = (f: FloorLine): string => `${f.kind} floor${f.of === undefined ? '' : ` (${f.of})`}`;

/** FCD vs steps T, one series per eval.json, with the floors (per eval when they differ, see {@link evalFloors}). */
export function evalChart(evals: readonly EvalInput[]): ChartSpec | undefined {
  const series: ChartSeries[] = evals.filter((e) => (e.data.rows ?? []).length > 0).map((e) => {
    const rows = [...(e.data.rows ?? [])].sort((a, b) => a.steps - b.steps);
    return { name: e.name, x: rows.map((r) => r.steps), y: rows.map((r) => num(r.fcd.mean)), yErr: rows.map((r) => num(r.fcd.std)) };
  });
  if (series.length === 0) return undefined;
  return {
    title: 'FCD vs sampling steps', xLabel: 'steps T', yLabel: 'FCD (eval classifier) ↓', xLog: wantsLog(series.flatMap((s) => s.x)), series,
    hlines: evalFloors(evals).map((f) => ({ name: floorLabel(f), y: f.y, ...(f.color !== undefined ? { color: f.color } : {}) })),
    caption: 'Mean over seeds; whiskers ± std.',
  };
}

/** Indices of the non-dominated points (lower x and lower y are better), sorted by x. */
export function paretoFront(points: readonly { x: number; y: number | null }[]): number[] {
  const order = points.map((p, i) => i).filter((i) => points[i]?.y !== null && Number.isFinite(points[i]?.x ?? NaN))
    .sort((a, b) => (points[a]?.x ?? 0) - (points[b]?.x ?? 0) || (points[a]?.y ?? 0) - (points[b]?.y ?? 0));
  const front: number[] = [];
  let best = Infinity;
  for (const i of order) {
    const y = points[i]?.y ?? Infinity;
    if (y < best) {
      front.push(i);
      best = y;
    }
  }
  return front;
}

/** `model / method` of a compare row. */
export const variantName = (r: Pick<CompareRow, 'model' | 'method'>): string => `${r.model} / ${r.method}`;

/** Whose tokenizer compare.json's one reconstruction floor is (`compare` computes it with its first model's): " (base's tokenizer)". */
export const compareFloorsOf = (compare: Pick<CompareResult, 'models'>): string => (compare.models[0] === undefined ? '' : ` (${compare.models[0].name}'s tokenizer)`);

/** The two Pareto plots of a compare result: FCD vs NFE per image, and FCD vs wall-clock ms per image. */
export function paretoCharts(compare: CompareResult): ChartSpec[] {
  const axes: { key: string; xLabel: string; get: (r: CompareRow) => number | null }[] = [
    { key: 'NFE', xLabel: 'NFE per image (transformer passes) ↓', get: (r) => num(r.nfePerImage) },
    { key: 'wall-clock', xLabel: 'ms per image ↓', get: (r) => num(r.msPerImage.mean) },
  ];
  const variants = [...new Set(compare.rows.map(variantName))];
  const tokenizer = compareFloorsOf(compare);
  return axes.map(({ key, xLabel, get }) => {
    const rows = compare.rows.filter((r) => get(r) !== null);
    const series: ChartSeries[] = variants.map((v) => {
      const rs = rows.filter((r) => variantName(r) === v).sort((a, b) => (get(a) ?? 0) - (get(b) ?? 0));
      return { name: v, x: rs.map((r) => get(r) ?? 0), y: rs.map((r) => num(r.fcd.mean)), yErr: rs.map((r) => num(r.fcd.std)), labels: rs.map((r) => `T=${r.steps}`) };
    }).filter((s) => s.x.length > 0);
    const front = paretoFront(rows.map((r) => ({ x: get(r) ?? 0, y: num(r.fcd.mean) }))).map((i) => rows[i] as CompareRow);
    if (front.length > 1) {
      series.push({ name: 'Pareto front', x: front.map((r) => get(r) ?? 0), y: front.map((r) => num(r.fcd.mean)), labels: front.map((r) => `${variantName(r)} T=${r.steps}`), dashed: true, color: '#000000' });
    }
    return {
      title: `Pareto: FCD vs ${key}`, xLabel, yLabel: 'FCD (eval classifier) ↓', xLog: wantsLog(rows.map((r) => get(r) ?? 0)), series,
      hlines: [{ name: `reconstruction floor${tokenizer}`, y: num(compare.floors?.reconstruction) }, { name: 'held-out train floor', y: num(compare.floors?.trainHeldOut) }],
      caption: 'Each point one (model, method, T), mean over seeds with ± std whiskers; lower-left is better.',
    };
  });
}
