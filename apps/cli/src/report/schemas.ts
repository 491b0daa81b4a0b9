/**
 * The JSON files `speedrl report` reads, as zod schemas with their TypeScript types: run.json, one line of
 * metrics.jsonl, eval.json (written by `speedrl eval`), compare.json (written by `speedrl compare`) and
 * ablations.json. Numbers that may be NaN are `number | null`: JSON.stringify writes NaN as null.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { UsageError } from '../errors';

/** A number, or null where the writer had NaN/±Infinity. */
export const statNumberSchema = z.number().nullable();

/** Mean and standard deviation over seeds (null = not computed). */
export const meanStdSchema = z.object({ mean: statNumberSchema, std: statNumberSchema });
/** Mean and standard deviation over seeds. */
export type MeanStdJson = z.infer<typeof meanStdSchema>;

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
}).passthrough();
/** One line of metrics.jsonl. */
export type MetricsRecord = z.infer<typeof metricsRecordSchema>;

/** One row of eval.json: a step budget aggregated over seeds (apps/cli/src/eval/table.ts `EvalRow`). */
export const evalRowSchema = z.object({
  steps: z.number(),
  seeds: z.number().optional(),
  fcd: meanStdSchema,
  kid: meanStdSchema.optional(),
  precision: meanStdSchema.optional(),
  recall: meanStdSchema.optional(),
  accuracy: meanStdSchema.optional(),
  nfePerImage: statNumberSchema,
  msPerImage: meanStdSchema.optional(),
});
/** One row of eval.json. */
export type EvalRowJson = z.infer<typeof evalRowSchema>;

/** eval.json written by `speedrl eval` (only the fields the report reads). */
export const evalResultSchema = z.object({
  model: z.string().optional(),
  engine: z.string().optional(),
  floors: z.record(statNumberSchema).optional(),
  rows: z.array(evalRowSchema).optional(),
  // compare.json has rows too (one per model and method): refused here, or they would be drawn as one eval series
  methods: z.undefined({ invalid_type_error: 'this is a compare.json (it has methods); pass it with --compare, not --eval' }).optional(),
  models: z.undefined({ invalid_type_error: 'this is a compare.json (it has models); pass it with --compare, not --eval' }).optional(),
}).passthrough();
/** eval.json written by `speedrl eval`. */
export type EvalResultJson = z.infer<typeof evalResultSchema>;

/** One (model, method, T) row of compare.json, aggregated over `seeds` seeds. */
export const compareRowSchema = z.object({
  model: z.string(),
  /** Sampling method, e.g. "cosine", "arccos", "linear", "halton", "tuned", "adaptive". */
  method: z.string(),
  steps: z.number(),
  nfePerImage: z.number(),
  msPerImage: meanStdSchema,
  fcd: meanStdSchema,
  kid: meanStdSchema,
  precision: meanStdSchema,
  recall: meanStdSchema,
  accuracy: meanStdSchema,
  seeds: z.number().int().min(1),
});
/** One (model, method, T) row of compare.json. */
export type CompareRow = z.infer<typeof compareRowSchema>;

/** compare.json written by `speedrl compare`: models × methods × step budgets on one protocol. */
export const compareResultSchema = z.object({
  models: z.array(z.object({ name: z.string(), dir: z.string() })),
  rows: z.array(compareRowSchema),
  floors: z.object({ reconstruction: statNumberSchema, trainHeldOut: statNumberSchema }).optional(),
  /** Sample grids with the same seeds; `file` is relative to the compare directory. */
  grids: z.array(z.object({ model: z.string(), method: z.string(), steps: z.number(), file: z.string() })).optional(),
  /** How much search the "tuned" method was given, in words. */
  searchBudget: z.string().optional(),
});
/** compare.json written by `speedrl compare`. */
export type CompareResult = z.infer<typeof compareResultSchema>;

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
