/**
 * The JSON files `speedrl report` reads, as zod schemas with their TypeScript types: run.json, one line of
 * metrics.jsonl and ablations.json here; eval.json and compare.json from @speedrl/eval, whose writers' row types come
 * from the same schemas. Numbers that may be NaN are `number | null`: JSON.stringify writes NaN as null.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { meanStdSchema, statNumberSchema, stepsDistributionSchema } from '@speedrl/eval';
import { UsageError } from '@speedrl/core';

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

/** One line of metrics.jsonl (accelerate): `step` is required, every statistic optional (null = NaN). */
export const metricsRecordSchema = z.object({
  step: z.number(),
  iteration: z.number().optional(),
  rewardMean: statNumberSchema.optional(),
  rewardStd: statNumberSchema.optional(),
  qualityMean: statNumberSchema.optional(),
  speedRewardMean: statNumberSchema.optional(),
  components: z.record(z.object({ mean: statNumberSchema.optional(), std: statNumberSchema.optional() })).optional(),
  stepsMean: statNumberSchema.optional(),
  nfeMean: statNumberSchema.optional(),
  klMean: statNumberSchema.optional(),
  clipFraction: statNumberSchema.optional(),
  droppedGroupFraction: statNumberSchema.optional(),
  meanBrightness: statNumberSchema.optional(),
  tokenEntropy: statNumberSchema.optional(),
  sampleDiversity: statNumberSchema.optional(),
  fcd: statNumberSchema.optional(),
  /** Adaptive rollouts only: mean steps used per class id, and their distribution (histogram per class). */
  stepsMeanByClass: z.record(statNumberSchema).optional(),
  stepsDistribution: stepsDistributionSchema.optional(),
}).passthrough();
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
});
/** One ablation row. */
export type AblationRow = z.infer<typeof ablationRowSchema>;

/** ablations.json: the ablation table and the budget each variant was trained with. */
export const ablationsSchema = z.object({ budget: z.string(), rows: z.array(ablationRowSchema) });
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

/** Reads and validates a JSON file; errors name the file (and the field). */
export function readJsonFile<T>(file: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>): T {
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
  return validateJson(file, schema, value);
}
