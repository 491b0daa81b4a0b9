/**
 * What `speedrl compare` runs: the models (`name=dir`), the methods (mask schedules, Halton, adaptive, tuned) and the
 * cells (model × method × T-or-threshold × seed), each with the exact sampler config it samples with.
 */
import { getSchedule, guidanceForWeight, type AdaptiveMinPerStep, type SamplerConfig, type StepArrays } from '@speedrl/sampler';
import { UsageError } from '@speedrl/core';

/** A model to compare; a name ending in `+tuned` runs only the tuned method (e.g. Speed-RL + the tuned schedule). */
export interface ModelSpec {
  readonly name: string;
  readonly dir: string;
}

/** Suffix of a model name that restricts it to the tuned method. */
export const TUNED_SUFFIX = '+tuned';

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*(\+tuned)?$/;

/** Parses `base=models/fashion-mnist,rl=runs/x/model`; names must be unique and safe in file names. */
export function parseModels(text: string): ModelSpec[] {
  const models = text.split(',').filter((s) => s !== '').map((item) => {
    const eq = item.indexOf('=');
    if (eq <= 0 || eq === item.length - 1) throw new UsageError(`--models: expected NAME=DIR items separated by commas (e.g. base=models/fashion-mnist,rl=runs/x/model), got "${item}"`);
    const name = item.slice(0, eq);
    if (!NAME.test(name)) throw new UsageError(`--models: model name "${name}" must be letters, digits, ".", "_" or "-" (optionally ending in ${TUNED_SUFFIX})`);
    return { name, dir: item.slice(eq + 1) };
  });
  if (models.length === 0) throw new UsageError('--models: give at least one NAME=DIR');
  const dup = models.find((m, i) => models.findIndex((o) => o.name === m.name) !== i);
  if (dup !== undefined) throw new UsageError(`--models: model name "${dup.name}" is given twice`);
  return models;
}

/** Methods other than mask-schedule names. */
export const SPECIAL_METHODS = Object.freeze(['halton', 'adaptive', 'tuned'] as const);

/** Parses `--methods`: schedule names of the sampler registry (cosine, arccos, linear, pow-k, …), halton, adaptive, tuned. */
export function parseMethods(text: string): string[] {
  const methods = text.split(',').filter((s) => s !== '');
  if (methods.length === 0) throw new UsageError('--methods: give at least one method (e.g. cosine,arccos,linear,halton,adaptive,tuned)');
  for (const m of methods) {
    if ((SPECIAL_METHODS as readonly string[]).includes(m)) continue;
    try {
      getSchedule(m);
    } catch {
      throw new UsageError(`--methods: unknown method "${m}"; expected a mask schedule (cosine, arccos, linear, exp, log, pow-k), halton, adaptive or tuned`);
    }
  }
  return [...new Set(methods)];
}

/** Parses a comma list of numbers; `check` says what each must be. */
export function parseNumberList(flag: string, text: string, check: (v: number) => boolean, what: string): number[] {
  const values = text.split(',').filter((s) => s !== '').map(Number);
  if (values.length === 0 || values.some((v) => !check(v))) throw new UsageError(`${flag}: expected a comma-separated list of ${what}, got "${text}"`);
  return [...new Set(values)];
}

/**
 * Refuses a value listed twice in `flag`'s list (`--steps 1,1,2`), as eval and compare both do: was, compare dropped
 * the repeat silently while eval refused it.
 */
export function checkListedOnce(flag: string, values: readonly number[]): void {
  const repeated = values.find((v, i) => values.indexOf(v) !== i);
  if (repeated !== undefined) throw new UsageError(`${flag}: ${flag === '--steps' ? 'T=' : ''}${repeated} is listed twice; list each value once`);
}

/** Per-T arrays of a tuned-schedule file, as compare needs them. */
export interface TunedEntry {
  readonly stepArrays: StepArrays;
}

/** Scalar sampler settings shared by every method (the `speedrl eval` defaults). */
export interface BaseSampling {
  readonly temperature: number;
  readonly gumbel: number;
  readonly cfg: number;
  readonly haltonSchedule: string;
  readonly adaptiveCap: number;
  /** Adaptive: tokens committed at least per step, or `'schedule'` (the hybrid); absent = 0, plain threshold decoding. */
  readonly minPerStep?: AdaptiveMinPerStep;
  /** Adaptive: rank the top-up by Gumbel-noised confidence (`gumbel`, annealed) as the confidence sampler does; absent = false. */
  readonly adaptiveNoise?: boolean;
}

/** One unit of work: a model, a method, its budget (T, or the adaptive threshold), a seed. */
export interface CellKey {
  readonly model: string;
  readonly method: string;
  /** T (the step cap for adaptive). */
  readonly steps: number;
  /** Adaptive only: the commit threshold. */
  readonly threshold?: number;
  readonly seed: number;
}

/** Stable identity of a cell in compare.json. */
export function cellId(c: CellKey): string {
  return `${c.model}|${c.method}|${c.threshold === undefined ? `T${c.steps}` : `p${c.threshold}`}|${c.seed}`;
}

/** Identity of a row (a cell without its seed). */
export function rowId(c: Omit<CellKey, 'seed'>): string {
  return cellId({ ...c, seed: 0 }).replace(/\|0$/, '');
}

/** The sampler config of a cell; `numClasses` is the null class for guidance. */
export function samplerConfigFor(key: Omit<CellKey, 'seed' | 'model'>, base: BaseSampling, numClasses: number, tuned?: TunedEntry): Partial<SamplerConfig> {
  const guidance = guidanceForWeight(base.cfg, numClasses);
  const common = { temperature: base.temperature, gumbelScale: base.gumbel, guidance };
  switch (key.method) {
    case 'halton':
      return { ...common, method: 'halton', schedule: base.haltonSchedule };
    case 'adaptive':
      return { ...common, method: 'adaptive', adaptiveThreshold: key.threshold ?? NaN, adaptiveMinPerStep: base.minPerStep ?? 0, adaptiveChoiceNoise: base.adaptiveNoise ?? false };
    case 'tuned': {
      if (tuned === undefined) throw new UsageError(`--tuned: no tuned schedule for T=${key.steps}`);
      const cfg = tuned.stepArrays.cfgWeights === undefined ? null : { weight: 1, nullClassId: numClasses, warmup: 'none' as const };
      return { ...common, method: 'confidence', schedule: 'cosine', stepArrays: tuned.stepArrays, guidance: cfg };
    }
    default:
      return { ...common, method: 'confidence', schedule: key.method };
  }
}

/** Which methods a model runs: a `+tuned` model only the tuned method, others every method given. */
export function methodsOf(model: ModelSpec, methods: readonly string[]): string[] {
  return model.name.endsWith(TUNED_SUFFIX) ? ['tuned'] : [...methods];
}

/**
 * Every cell of the comparison, in run order: per model, per method, per T (per threshold for adaptive), per seed.
 * Tuned cells only for the T the tuned file holds.
 */
export function planCells(
  models: readonly ModelSpec[], methods: readonly string[], steps: readonly number[], thresholds: readonly number[],
  seeds: readonly number[], adaptiveCap: number, tunedSteps: readonly number[],
): CellKey[] {
  const cells: CellKey[] = [];
  for (const model of models) {
    for (const method of methodsOf(model, methods)) {
      const budgets: { steps: number; threshold?: number }[] = method === 'adaptive'
        ? thresholds.map((threshold) => ({ steps: adaptiveCap, threshold }))
        : steps.filter((t) => method !== 'tuned' || tunedSteps.includes(t)).map((t) => ({ steps: t }));
      for (const b of budgets) for (const seed of seeds) cells.push({ model: model.name, method, ...b, seed });
    }
  }
  return cells;
}
