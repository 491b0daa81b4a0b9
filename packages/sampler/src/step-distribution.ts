/**
 * The distribution of the steps each image used (the trajectory's `stepsUsed`), summarised once for every reader:
 * `speedrl sample`, the eval/compare cells, the Speed-RL log and the report (docs/architecture.md, "Sampler").
 * Everything is derived from counts per step count, so summaries of several sets merge by adding counts.
 */

/** Steps used by the images of one class. */
export interface ClassStepDistribution {
  /** Images of the class. */
  readonly count: number;
  /** Mean steps used. */
  readonly mean: number;
  /** `histogram[k]`: images of the class that used k + 1 steps (same length as the whole set's histogram). */
  readonly histogram: readonly number[];
}

/** Steps used per image of a set: counts per step count, their summary and a per-class breakdown. */
export interface StepDistribution {
  /** Images. */
  readonly count: number;
  /** `histogram[k]`: images that used k + 1 steps; the length is the step cap (or the most steps used, if larger). */
  readonly histogram: readonly number[];
  /** Mean steps used (NaN without images). */
  readonly mean: number;
  /** Standard deviation over images (population; NaN without images). */
  readonly std: number;
  /** Fewest steps an image used (NaN without images). */
  readonly min: number;
  /** Most steps an image used (NaN without images). */
  readonly max: number;
  /** Nearest-rank quantile: the fewest steps that at least 10 % of the images did not exceed (NaN without images). */
  readonly p10: number;
  /** Nearest-rank median (the lower one for an even count). */
  readonly p50: number;
  /** Nearest-rank quantile: the fewest steps that at least 90 % of the images did not exceed. */
  readonly p90: number;
  /** Per class id (decimal keys, ascending); empty when no classes were given. */
  readonly byClass: Readonly<Record<string, ClassStepDistribution>>;
}

const FILE = '@speedrl/sampler step-distribution.ts';

/** Adds `counts` into `into` (grown as needed). */
function addCounts(into: number[], counts: readonly number[]): void {
  counts.forEach((c, k) => {
    into[k] = (into[k] ?? 0) + c;
  });
}

/** `histogram` padded with zeros to `length`. */
const padded = (histogram: readonly number[], length: number): number[] => Array.from({ length }, (_, k) => histogram[k] ?? 0);

/** Count, mean, std, min, max and nearest-rank quantiles of a histogram over step counts 1..length. */
function summarize(histogram: readonly number[]): Omit<StepDistribution, 'histogram' | 'byClass'> {
  const count = histogram.reduce((a, c) => a + c, 0);
  if (count === 0) return { count, mean: NaN, std: NaN, min: NaN, max: NaN, p10: NaN, p50: NaN, p90: NaN };
  const mean = histogram.reduce((a, c, k) => a + c * (k + 1), 0) / count;
  const variance = histogram.reduce((a, c, k) => a + c * (k + 1 - mean) ** 2, 0) / count;
  const quantile = (q: number): number => {
    const rank = Math.max(1, Math.ceil(q * count));
    let seen = 0;
    for (let k = 0; k < histogram.length; k++) {
      seen += histogram[k] as number;
      if (seen >= rank) return k + 1;
    }
    return histogram.length; // unreachable: the counts add up to count
  };
  const used = histogram.flatMap((c, k) => (c > 0 ? [k + 1] : []));
  return {
    count, mean, std: Math.sqrt(variance), min: used[0] as number, max: used[used.length - 1] as number,
    p10: quantile(0.1), p50: quantile(0.5), p90: quantile(0.9),
  };
}

/** The distribution of a whole-set histogram and per-class histograms (all padded to one length). */
function fromCounts(histogram: readonly number[], byClass: ReadonlyMap<number, readonly number[]>): StepDistribution {
  const length = Math.max(histogram.length, ...[...byClass.values()].map((h) => h.length));
  const classes: Record<string, ClassStepDistribution> = {};
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const h = padded(byClass.get(c) ?? [], length);
    const s = summarize(h);
    classes[String(c)] = { count: s.count, mean: s.mean, histogram: h };
  }
  const whole = padded(histogram, length);
  return { ...summarize(whole), histogram: whole, byClass: classes };
}

/**
 * The distribution of `steps` `[B]` (integers ≥ 1), per class when `classes` `[B]` is given; the histogram covers
 * 1..`cap` steps (extended when an image used more).
 */
export function stepDistribution(steps: ArrayLike<number>, classes?: ArrayLike<number>, cap = 0): StepDistribution {
  if (classes !== undefined && classes.length !== steps.length) {
    throw new RangeError(`${FILE}: classes has ${classes.length} entries, steps ${steps.length}`);
  }
  const histogram: number[] = new Array<number>(Math.max(0, cap)).fill(0);
  const byClass = new Map<number, number[]>();
  for (let b = 0; b < steps.length; b++) {
    const s = steps[b] as number;
    if (!Number.isInteger(s) || s < 1) throw new RangeError(`${FILE}: steps[${b}] must be an integer ≥ 1, got ${s}`);
    histogram[s - 1] = (histogram[s - 1] ?? 0) + 1;
    if (classes === undefined) continue;
    const c = classes[b] as number;
    const h = byClass.get(c) ?? [];
    h[s - 1] = (h[s - 1] ?? 0) + 1;
    byClass.set(c, h);
  }
  return fromCounts(histogram, byClass);
}

/** The counts a {@link StepDistribution} is made of: its histogram, overall and per class (what merging reads). */
export interface StepCounts {
  /** `histogram[k]`: images that used k + 1 steps. */
  readonly histogram: readonly number[];
  /** The same per class id. */
  readonly byClass: Readonly<Record<string, { readonly histogram: readonly number[] }>>;
}

/** The distribution of the union of several sets (e.g. one per seed): their counts added, overall and per class. */
export function mergeStepDistributions(parts: readonly StepCounts[]): StepDistribution {
  const histogram: number[] = [];
  const byClass = new Map<number, number[]>();
  for (const part of parts) {
    addCounts(histogram, part.histogram);
    for (const [key, d] of Object.entries(part.byClass)) {
      const c = Number(key);
      const h = byClass.get(c) ?? [];
      addCounts(h, d.histogram);
      byClass.set(c, h);
    }
  }
  return fromCounts(histogram, byClass);
}

/** One line for people: "mean 7.41 ± 2.10, p10/p50/p90 4/8/12, range 2–12 of 12; mean per class: 0 6.20, 1 8.62". */
export function describeStepDistribution(d: StepDistribution): string {
  if (d.count === 0) return 'no images';
  const classes = Object.entries(d.byClass).map(([c, x]) => `${c} ${x.mean.toFixed(2)}`);
  return `mean ${d.mean.toFixed(2)} ± ${d.std.toFixed(2)}, p10/p50/p90 ${d.p10}/${d.p50}/${d.p90}, range ${d.min}–${d.max} of ${d.histogram.length}` +
    (classes.length === 0 ? '' : `; mean per class: ${classes.join(', ')}`);
}
