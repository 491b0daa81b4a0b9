/**
 * The JSON files `speedrl report` reads, as zod schemas with their TypeScript types: run.json, one line of
 * metrics.jsonl and ablations.json here; eval.json and compare.json from @speedrl/eval, whose writers' row types come
 * from the same schemas. Numbers that may be NaN are `number | null`: JSON.stringify writes NaN as null.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { canonicalDigest, meanStdSchema, statNumberSchema, stepsDistributionSchema } from '@speedrl/eval';
import { UsageError } from '@speedrl/core';
import { checkFileKind, type FileKind } from './file-kinds';

export {
  compareResultSchema, compareRowSchema, evalResultSchema, evalRowSchema, meanStdSchema, statNumberSchema,
} from '@speedrl/eval';
export type {
  CompareResult, CompareRowJson as CompareRow, EvalResultJson, EvalRowJson, MeanStdJson,
} from '@speedrl/eval';

/** run.json of a run directory (see run-dir.ts): the command and the options it was started with. */
export const runJsonSchema = z.object({
  command: z.string().optional(),
  options: z.record(z.unknown()).optional(),
  updatedAt: z.string().optional(),
  node: z.string().optional(),
}).passthrough();
/** run.json of a run directory. */
export type RunJson = z.infer<typeof runJsonSchema>;

/** A statistic in [min, max] or null (NaN); `what` names the range in the error. */
const ranged = (min: number, max: number, what: string) => statNumberSchema.refine((v) => v === null || (v >= min && v <= max), `must be ${what} (null for "not computed")`);
/** Steps or passes per image: at least one. */
const perImage = ranged(1, Infinity, '≥ 1');
const fraction = ranged(0, 1, 'in [0, 1]');
const nonNegative = ranged(0, Infinity, '≥ 0');

/**
 * One line of metrics.jsonl (accelerate): `step` is required, every statistic optional (null = NaN). Values no run
 * can log are refused (a hand-edited or corrupt line would be plotted): steps and NFE per image ≥ 1, and with a step
 * distribution (adaptive rollouts) no mean above its cap; fractions and mean brightness in [0, 1]; entropy and
 * diversity ≥ 0; the exact KL ≥ 0 up to rounding (−1e-3).
 */
export const metricsRecordSchema = z.object({
  step: z.number(),
  iteration: z.number().int('must be an integer (the 0-based iteration index)').min(0).optional(),
  rewardMean: statNumberSchema.optional(),
  rewardStd: nonNegative.optional(),
  qualityMean: statNumberSchema.optional(),
  speedRewardMean: statNumberSchema.optional(),
  components: z.record(z.object({ mean: statNumberSchema.optional(), std: nonNegative.optional() })).optional(),
  stepsMean: perImage.optional(),
  nfeMean: perImage.optional(),
  klMean: ranged(-1e-3, Infinity, '≥ 0').optional(),
  clipFraction: fraction.optional(),
  droppedGroupFraction: fraction.optional(),
  maxStepsFraction: fraction.optional(),
  meanBrightness: fraction.optional(),
  tokenEntropy: nonNegative.optional(),
  sampleDiversity: nonNegative.optional(),
  fcd: nonNegative.optional(),
  /** Adaptive rollouts only: mean steps used per class id, and their distribution (histogram per class). */
  stepsMeanByClass: z.record(perImage).optional(),
  stepsDistribution: stepsDistributionSchema.optional(),
}).passthrough().superRefine((r, ctx) => {
  const cap = r.stepsDistribution?.histogram.length; // the histogram has one bin per step count up to the cap
  if (cap === undefined) return;
  const means: [string[], number | null | undefined][] = [[['stepsMean'], r.stepsMean], ...Object.entries(r.stepsMeanByClass ?? {}).map(([c, v]): [string[], number | null] => [['stepsMeanByClass', c], v])];
  for (const [path, v] of means) {
    if (typeof v === 'number' && v > cap) ctx.addIssue({ code: z.ZodIssueCode.custom, path, message: `must be ≤ ${cap}, the step cap of this line's stepsDistribution (got ${v})` });
  }
});
/** One line of metrics.jsonl. */
export type MetricsRecord = z.infer<typeof metricsRecordSchema>;

/** One ablation: a named variant of the Speed-RL config and its evaluation at `evalSteps`. */
export const ablationRowSchema = z.object({
  name: z.string(),
  config: z.record(z.unknown()),
  evalSteps: z.number(),
  fcd: meanStdSchema,
  precision: meanStdSchema,
  recall: meanStdSchema,
  accuracy: meanStdSchema,
  stepsMean: z.number().optional(),
  notes: z.string().optional(),
  /** The eval.json the row was read from (relative to the ablations file's directory) and its `resultsDigest`; absent in older files. */
  eval: z.object({ file: z.string(), resultsKey: z.string() }).optional(),
});
/** One ablation row. */
export type AblationRow = z.infer<typeof ablationRowSchema>;

/** ablations.json: the ablation table, the budget each variant was trained with, and `rowsKey` (`ablationRowsKey`; absent in older files). */
export const ablationsSchema = z.object({ budget: z.string(), rows: z.array(ablationRowSchema), rowsKey: z.string().optional() });

/** Digest of an ablation table's rows (canonical JSON), which `speedrl ablate` records as `rowsKey`: the report refuses rows edited since. */
export function ablationRowsKey(rows: readonly unknown[]): string {
  return canonicalDigest(rows);
}
/** ablations.json. */
export type Ablations = z.infer<typeof ablationsSchema>;

/** `field "a.b.0"`-style name of a zod issue path ("(top level)" for the root). */
export function fieldName(path: readonly (string | number)[]): string {
  return path.length === 0 ? '(top level)' : path.join('.');
}

/** Validates `value` read from `file`; the first problem becomes a UsageError naming the file and the field. */
export function validateJson<T>(file: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>, value: unknown, where = ''): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new UsageError(`${file}${where}: field "${fieldName(issue?.path ?? [])}": ${issue?.message ?? 'invalid'}`);
}

/**
 * Reads and validates a JSON file; errors name the file (and the field). With `kind`, a file that has the shape of
 * another speedrl file is refused as such, naming `kind.flag` (was: the schema's first missing field).
 */
export function readJsonFile<T>(file: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>, kind?: { readonly flag: string; readonly expected: FileKind }): T {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new UsageError(`${file}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file}: not valid JSON: ${(error as Error).message.split('\n')[0]}`);
  }
  if (kind !== undefined) checkFileKind(kind.flag, file, value, kind.expected);
  return validateJson(file, schema, value);
}
