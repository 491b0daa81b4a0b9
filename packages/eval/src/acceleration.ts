/**
 * Acceleration factors read off eval rows (docs/architecture.md, "Evaluation protocol", "Acceleration factors"), so
 * nobody does this arithmetic by hand. All on FCD mean ± sample std over seeds (lower is better), with T_ref = 12:
 * - vs the base: the smallest T whose FCD is below the base's FCD at T_ref by more than 2 × the larger of the two
 *   stds; factor T_ref / T;
 * - vs itself: the smallest T with FCD(T) − FCD(T_ref) ≤ 2 × the larger of the two stds; factor T_ref / T;
 * - no quality traded: FCD(T_ref) − the base's FCD(T_ref) ≤ 2 × the larger std;
 * - recall: recall at the vs-base T at most 10% below the base's at T_ref;
 * - at equal steps: at every other T both have, better or worse than the base beyond 2σ, or within noise.
 * A row needs ≥ 3 seeds to be used; rows with fewer, or with FCD not a number, are skipped with the reason.
 */
import { mergeConfig } from '@speedrl/core';
import type { Acceleration, AccelerationConfig, EqualStepTest, FactorClaim, QualityCheck, RecallCheck, SkippedRow, StepTest } from './acceleration-schema';

/** The protocol's judgement of a claim. */
export const DEFAULT_ACCELERATION_CONFIG: AccelerationConfig = Object.freeze({
  referenceSteps: 12, // the base model's default step budget: the quality an accelerated sampler must reach
  minSeeds: 3, // a std over fewer seeds is no estimate of the noise a margin must beat
  sigmas: 2, // "beyond noise": more than two seed stds, the larger of the two rows' (never the smaller)
  maxRecallDrop: 0.1, // fewer steps must not buy FCD with lost diversity: recall at most 10% below the base's
});

/** Mean and std as a row holds them (null = not computed, as eval.json reads back NaN). */
export interface MeanStdLike {
  readonly mean: number | null;
  readonly std: number | null;
}

/** What a claim reads of an eval or compare row: `EvalRow`, `EvalRowJson` and `CompareRow` all fit. */
export interface AccelerationRow {
  readonly steps: number;
  /** Seeds the row aggregates (absent in old eval.json files: then unknown, and the row is not used). */
  readonly seeds?: number;
  readonly fcd: MeanStdLike;
  readonly recall?: MeanStdLike;
}

/** The accelerated model's rows and, optionally, the base's rows with a name for it. */
export interface AccelerationInput {
  readonly rows: readonly AccelerationRow[];
  readonly base?: { readonly name: string; readonly rows: readonly AccelerationRow[] };
}

/** A row a claim may use. */
interface Usable {
  readonly steps: number;
  readonly mean: number;
  readonly std: number;
  readonly seeds: number;
}

/** How one factor claim measures and judges a row against its reference row. */
interface ClaimSpec {
  readonly label: string;
  /** Whose T_ref row is the reference, e.g. "the base's". */
  readonly whose: string;
  readonly marginName: string;
  readonly margin: (row: Usable, ref: Usable) => number;
  readonly passes: (margin: number, threshold: number) => boolean;
  /** Larger = nearer to passing, to name the closest row when none passes. */
  readonly closeness: (t: StepTest) => number;
  readonly passOp: string;
  readonly failOp: string;
  readonly noneReason: (c: AccelerationConfig) => string;
}

const isNumber = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);
const f3 = (x: number): string => x.toFixed(3);
const signed = (x: number): string => `${x >= 0 ? '+' : '−'}${f3(Math.abs(x))}`;
/** A factor as people read it: 4×, 1.5×, 2.4×. */
export const formatFactor = (factor: number): string => `${Number(factor.toFixed(2))}×`;

/** The row usable in a claim, or why not. */
function usable(row: AccelerationRow, c: AccelerationConfig): Usable | string {
  if (!isNumber(row.fcd.mean) || !isNumber(row.fcd.std)) return 'has no FCD (mean or std not a number)';
  if (row.seeds === undefined) return `needs ≥ ${c.minSeeds} seeds (seed count not recorded)`;
  if (row.seeds < c.minSeeds) return `needs ≥ ${c.minSeeds} seeds (has ${row.seeds})`;
  return { steps: row.steps, mean: row.fcd.mean, std: row.fcd.std, seeds: row.seeds };
}

const atSteps = (rows: readonly AccelerationRow[], steps: number): AccelerationRow | undefined => rows.find((r) => r.steps === steps);

const VS_BASE: ClaimSpec = {
  label: 'vs the base', whose: "the base's", marginName: 'margin',
  margin: (row, ref) => ref.mean - row.mean,
  passes: (margin, threshold) => margin > threshold,
  closeness: (t) => t.margin - t.threshold,
  passOp: '>', failOp: '≤',
  noneReason: (c) => `no T has FCD below the base's T = ${c.referenceSteps} by more than ${c.sigmas}σ`,
};

const VS_ITSELF: ClaimSpec = {
  label: 'vs itself', whose: 'its own', marginName: 'difference',
  margin: (row, ref) => row.mean - ref.mean,
  passes: (margin, threshold) => margin <= threshold,
  closeness: (t) => t.threshold - t.margin,
  passOp: '≤', failOp: '>',
  noneReason: (c) => `no T is within ${c.sigmas}σ of its own T = ${c.referenceSteps}`,
};

/** "margin 5.900 > 2σ 5.800" */
const testText = (spec: ClaimSpec, t: StepTest, c: AccelerationConfig): string => `${spec.marginName} ${signed(t.margin)} ${t.passes ? spec.passOp : spec.failOp} ${c.sigmas}σ ${f3(t.threshold)}`;

/** The smallest T of `rows` that passes `spec` against `refRow`, with every number and the reasons for skipped rows. */
function factorClaim(rows: readonly AccelerationRow[], refRow: AccelerationRow | undefined, spec: ClaimSpec, c: AccelerationConfig): FactorClaim {
  const T = c.referenceSteps;
  const ref = refRow === undefined ? `${spec.whose} T = ${T} row is missing` : usable(refRow, c);
  const noFactor = (reason: string, reference: FactorClaim['reference'], skipped: SkippedRow[], test: StepTest | null): FactorClaim => ({
    reference, steps: null, factor: null, test, reason, skipped,
    statement: `${spec.label}: no factor — ${reason}${test === null ? '' : ` (closest: T = ${test.steps}, ${testText(spec, test, c)})`}`,
  });
  if (typeof ref === 'string') return noFactor(refRow === undefined ? ref : `${spec.whose} T = ${T} ${ref}`, null, [], null);
  const reference = { steps: T, mean: ref.mean, std: ref.std, seeds: ref.seeds };
  const skipped: SkippedRow[] = [];
  const tests: { test: StepTest; row: Usable }[] = [];
  for (const row of [...rows].sort((a, b) => a.steps - b.steps)) {
    const u = usable(row, c);
    if (typeof u === 'string') {
      skipped.push({ steps: row.steps, reason: u });
      continue;
    }
    const margin = spec.margin(u, ref);
    const threshold = c.sigmas * Math.max(u.std, ref.std);
    tests.push({ test: { steps: u.steps, margin, threshold, passes: spec.passes(margin, threshold) }, row: u });
  }
  const pass = tests.find((t) => t.test.passes);
  if (pass !== undefined) {
    const factor = T / pass.row.steps;
    const untested = skipped.filter((s) => s.steps < pass.row.steps).map((s) => s.steps);
    return {
      reference, steps: pass.row.steps, factor, test: pass.test, reason: null, skipped,
      statement: `${spec.label}: ${formatFactor(factor)} (T = ${pass.row.steps}: FCD ${f3(pass.row.mean)} ± ${f3(pass.row.std)} vs ${spec.whose} T = ${T} ${f3(ref.mean)} ± ${f3(ref.std)}; ${testText(spec, pass.test, c)})${untested.length > 0 ? `; untested below it: T = ${untested.join(', ')}` : ''}`,
    };
  }
  if (tests.length === 0) {
    const seedsOnly = skipped.length > 0 && skipped.every((s) => s.reason.startsWith('needs'));
    return noFactor(seedsOnly ? `needs ≥ ${c.minSeeds} seeds (no row has them)` : `no row to test${skipped.length > 0 ? ` (${skipped.map((s) => `T = ${s.steps} ${s.reason}`).join('; ')})` : ''}`, reference, skipped, null);
  }
  const closest = tests.reduce((a, b) => (spec.closeness(b.test) > spec.closeness(a.test) ? b : a));
  return noFactor(spec.noneReason(c), reference, skipped, closest.test);
}

/** FCD at T_ref against the base's at T_ref: not worse beyond noise. */
function qualityCheck(rows: readonly AccelerationRow[], baseRows: readonly AccelerationRow[], c: AccelerationConfig): QualityCheck {
  const T = c.referenceSteps;
  const mine = atSteps(rows, T);
  const theirs = atSteps(baseRows, T);
  const a = mine === undefined ? `the model has no T = ${T} row` : usable(mine, c);
  const b = theirs === undefined ? `the base has no T = ${T} row` : usable(theirs, c);
  const unknown = (reason: string): QualityCheck => ({ difference: null, threshold: null, holds: null, reason, statement: `no quality traded: not judged — ${reason}` });
  if (typeof a === 'string') return unknown(mine === undefined ? a : `its T = ${T} ${a}`);
  if (typeof b === 'string') return unknown(theirs === undefined ? b : `the base's T = ${T} ${b}`);
  const difference = a.mean - b.mean;
  const threshold = c.sigmas * Math.max(a.std, b.std);
  const holds = difference <= threshold;
  const what = holds ? 'no quality traded' : 'quality traded';
  return {
    difference, threshold, holds, reason: null,
    statement: `${what}: T = ${T} FCD ${f3(a.mean)} ± ${f3(a.std)} vs the base's ${f3(b.mean)} ± ${f3(b.std)} (difference ${signed(difference)} ${holds ? '≤' : '>'} ${c.sigmas}σ ${f3(threshold)})`,
  };
}

/** Recall at the vs-base T against the base's recall at T_ref. */
function recallCheck(rows: readonly AccelerationRow[], baseRows: readonly AccelerationRow[], vsBase: FactorClaim, c: AccelerationConfig): RecallCheck {
  const T = c.referenceSteps;
  const unknown = (reason: string, steps: number | null = null): RecallCheck => ({
    steps, recall: null, baseRecall: null, drop: null, holds: null, reason, statement: `recall: not judged — ${reason}`,
  });
  if (vsBase.steps === null) return unknown('no accelerated T (no factor vs the base)');
  const recall = atSteps(rows, vsBase.steps)?.recall?.mean;
  const baseRecall = atSteps(baseRows, T)?.recall?.mean;
  if (!isNumber(recall)) return unknown(`T = ${vsBase.steps} has no recall`, vsBase.steps);
  if (!isNumber(baseRecall) || baseRecall <= 0) return unknown(`the base's T = ${T} has no positive recall`, vsBase.steps);
  const drop = (baseRecall - recall) / baseRecall;
  const holds = drop <= c.maxRecallDrop;
  const pct = (x: number): string => `${x > 0 ? '−' : '+'}${(Math.abs(x) * 100).toFixed(1)}%`;
  return {
    steps: vsBase.steps, recall, baseRecall, drop, holds, reason: null,
    statement: `recall ${holds ? 'kept' : 'lost'}: ${f3(recall)} at T = ${vsBase.steps} vs the base's ${f3(baseRecall)} at T = ${T} (${pct(drop)}; limit −${(c.maxRecallDrop * 100).toFixed(0)}%)`,
  };
}

/** The model against the base at each T both have other than T_ref (rows with too few seeds or no FCD are left out). */
function equalSteps(rows: readonly AccelerationRow[], baseRows: readonly AccelerationRow[], c: AccelerationConfig): EqualStepTest[] {
  return [...rows].sort((a, b) => a.steps - b.steps).flatMap((row) => {
    const theirs = atSteps(baseRows, row.steps);
    if (row.steps === c.referenceSteps || theirs === undefined) return [];
    const a = usable(row, c);
    const b = usable(theirs, c);
    if (typeof a === 'string' || typeof b === 'string') return [];
    const margin = b.mean - a.mean;
    const threshold = c.sigmas * Math.max(a.std, b.std);
    return [{ steps: row.steps, margin, threshold, verdict: margin > threshold ? 'better' : -margin > threshold ? 'worse' : 'within noise' }];
  });
}

const WHERE = 'accelerationFactors';

/** Throws a RangeError naming the field when the judgement itself is malformed (it would judge every claim wrongly). */
function checkAccelerationConfig(c: AccelerationConfig): void {
  if (!Number.isInteger(c.referenceSteps) || c.referenceSteps < 1) throw new RangeError(`${WHERE}: config.referenceSteps must be an integer ≥ 1, got ${c.referenceSteps}`);
  if (!Number.isInteger(c.minSeeds) || c.minSeeds < 2) throw new RangeError(`${WHERE}: config.minSeeds must be an integer ≥ 2 (a std needs two seeds), got ${c.minSeeds}`);
  if (!(c.sigmas >= 0) || !Number.isFinite(c.sigmas)) throw new RangeError(`${WHERE}: config.sigmas must be a finite number ≥ 0, got ${c.sigmas}`);
  if (!(c.maxRecallDrop >= 0 && c.maxRecallDrop <= 1)) throw new RangeError(`${WHERE}: config.maxRecallDrop must be in [0, 1], got ${c.maxRecallDrop}`);
}

/**
 * Throws a RangeError naming the row when rows cannot be judged as they stand: T not a positive integer, one T twice
 * (which of the two would be judged?), a negative std, a seed count that is not an integer. NaN or null stats are not
 * errors: such a row is skipped with the reason, as before.
 */
function checkRows(rows: readonly AccelerationRow[], whose: string): void {
  if (!Array.isArray(rows)) throw new RangeError(`${WHERE}: ${whose} rows must be an array, got ${JSON.stringify(rows)}`);
  const seen = new Set<number>();
  rows.forEach((row, i) => {
    const at = `${WHERE}: ${whose} row ${i}`;
    if (!Number.isInteger(row?.steps) || row.steps < 1) throw new RangeError(`${at} has steps ${JSON.stringify(row?.steps)}; expected an integer T ≥ 1`);
    if (seen.has(row.steps)) throw new RangeError(`${at}: T = ${row.steps} appears twice; one row per T`);
    seen.add(row.steps);
    if (row.seeds !== undefined && (!Number.isInteger(row.seeds) || row.seeds < 1)) throw new RangeError(`${at} (T = ${row.steps}) has seeds ${row.seeds}; expected an integer ≥ 1`);
    for (const [name, ms] of [['fcd', row.fcd], ['recall', row.recall]] as const) {
      if (ms === undefined && name === 'recall') continue;
      if (ms === null || typeof ms !== 'object') throw new RangeError(`${at} (T = ${row.steps}): ${name} must be { mean, std }, got ${JSON.stringify(ms)}`);
      if (typeof ms.std === 'number' && ms.std < 0) {
        throw new RangeError(`${at} (T = ${row.steps}): ${name}.std is ${ms.std}; a std is ≥ 0`);
      }
    }
  });
}

/**
 * Acceleration of a model from its eval rows: vs itself always, and vs the base, no quality traded and the recall
 * check when `input.base` is given. Pure; `config` overrides `DEFAULT_ACCELERATION_CONFIG` field by field.
 */
export function accelerationFactors(input: AccelerationInput, config: Partial<AccelerationConfig> = {}): Acceleration {
  const c = mergeConfig(DEFAULT_ACCELERATION_CONFIG, config, WHERE);
  checkAccelerationConfig(c);
  checkRows(input.rows, "the model's");
  if (input.base !== undefined) checkRows(input.base.rows, "the base's");
  const vsItself = factorClaim(input.rows, atSteps(input.rows, c.referenceSteps), VS_ITSELF, c);
  const base = input.base;
  const vsBase = base === undefined ? null : factorClaim(input.rows, atSteps(base.rows, c.referenceSteps), VS_BASE, c);
  const noQualityTraded = base === undefined ? null : qualityCheck(input.rows, base.rows, c);
  const recall = base === undefined || vsBase === null ? null : recallCheck(input.rows, base.rows, vsBase, c);
  const atEqualSteps = base === undefined ? null : equalSteps(input.rows, base.rows, c);
  const parts = [vsBase, vsItself, noQualityTraded, recall].flatMap((p) => (p === null ? [] : [p.statement]));
  return { config: c, base: base?.name ?? null, vsBase, vsItself, noQualityTraded, recall, atEqualSteps, statement: parts.join('; ') };
}
