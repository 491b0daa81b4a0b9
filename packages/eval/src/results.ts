/**
 * The rows of the result files the evaluation protocol writes (eval.json, compare.json), declared once as zod schemas.
 * Each is built for a number schema: `z.number()` gives the type a writer holds in memory (`EvalRow`, `CompareRow`),
 * `statNumberSchema` the schema a reader validates with (JSON.stringify writes NaN and ±Infinity as null).
 */
import { z } from 'zod';
import { accelerationSchema, compareAccelerationSchema } from './acceleration-schema';

/** A number, or null where the writer had NaN/±Infinity. */
export const statNumberSchema = z.number().nullable();

/** Mean and (sample) standard deviation over seeds, of numbers `n`. */
const meanStdOf = <N extends z.ZodTypeAny>(n: N) => z.object({ mean: n, std: n });

/** Counts per step count: `[k]` images that used k + 1 steps. */
const histogramSchema = z.array(z.number().int().min(0)).readonly();
/** The steps each image used (`StepDistribution` of `@speedrl/sampler`), summed over seeds; statistics of numbers `n`. */
const stepsDistributionOf = <N extends z.ZodTypeAny>(n: N) => z.object({
  count: z.number().int().min(0), histogram: histogramSchema, mean: n, std: n, min: n, max: n, p10: n, p50: n, p90: n,
  byClass: z.record(z.object({ count: z.number().int().min(0), mean: n, histogram: histogramSchema })).readonly(),
});
/** A stored step distribution as read back (null = NaN). */
export const stepsDistributionSchema = stepsDistributionOf(statNumberSchema);
/** A stored step distribution as read back. */
export type StepsDistributionJson = z.infer<typeof stepsDistributionSchema>;

/** One row of eval.json: a step budget aggregated over seeds. */
const evalRowOf = <N extends z.ZodTypeAny>(n: N) => z.object({
  steps: z.number(),
  seeds: z.number(),
  fcd: meanStdOf(n),
  kid: meanStdOf(n),
  precision: meanStdOf(n),
  recall: meanStdOf(n),
  accuracy: meanStdOf(n),
  nfePerImage: n,
  /** Steps each image used on average (< T only for the adaptive sampler). */
  meanSteps: n,
  msPerImage: meanStdOf(n),
  /** Adaptive sampler only (absent in files written before): the steps each image used, summed over seeds. */
  stepsDistribution: stepsDistributionOf(n).optional(),
});

/** One (model, method, T or threshold) row of compare.json, aggregated over `seeds` seeds. For adaptive, `steps` and `nfePerImage` are the means used. */
const compareRowOf = <N extends z.ZodTypeAny>(n: N) => z.object({
  model: z.string(),
  /** Sampling method, e.g. "cosine", "arccos", "linear", "halton", "tuned", "adaptive". */
  method: z.string(),
  steps: z.number(),
  /** Adaptive only: the commit threshold this row swept. */
  threshold: z.number().optional(),
  /** Adaptive only: the step cap. */
  maxSteps: z.number().optional(),
  nfePerImage: z.number(),
  msPerImage: meanStdOf(n),
  fcd: meanStdOf(n),
  kid: meanStdOf(n),
  precision: meanStdOf(n),
  recall: meanStdOf(n),
  accuracy: meanStdOf(n),
  seeds: z.number().int().min(1),
  /** Adaptive only (absent in files written before): the steps each image used, summed over seeds. */
  stepsDistribution: stepsDistributionOf(n).optional(),
});

/** A sample grid written for a compare row (same seeds everywhere); `file` is relative to compare.json's directory; `seed` and `perClass` are what it was drawn with (absent in files written before they were recorded). */
export const gridEntrySchema = z.object({ model: z.string(), method: z.string(), steps: z.number(), threshold: z.number().optional(), seed: z.number().optional(), perClass: z.number().optional(), file: z.string() });
/** A model of compare.json: name, directory and the content key of its files when it was evaluated (`bundleIdentity`). */
export const compareModelSchema = z.object({ name: z.string(), dir: z.string(), identity: z.string().optional() });
/** FCD floors of compare.json. */
const compareFloorsOf = <N extends z.ZodTypeAny>(n: N) => z.object({ reconstruction: n, trainHeldOut: n, heldOutTrainImages: z.number().optional() });

/** Mean and standard deviation over seeds. */
export type MeanStd = z.infer<ReturnType<typeof meanStdOf<z.ZodNumber>>>;
/** One row of eval.json, as written. */
export type EvalRow = z.infer<ReturnType<typeof evalRowOf<z.ZodNumber>>>;
/** One row of compare.json, as written. */
export type CompareRow = z.infer<ReturnType<typeof compareRowOf<z.ZodNumber>>>;
/** A grid entry of compare.json. */
export type GridEntry = z.infer<typeof gridEntrySchema>;
/** A model entry of compare.json. */
export type CompareModel = z.infer<typeof compareModelSchema>;
/** The floors of compare.json, as written. */
export type CompareFloors = z.infer<ReturnType<typeof compareFloorsOf<z.ZodNumber>>>;

/** Mean and standard deviation as read back (null = not computed). */
export const meanStdSchema = meanStdOf(statNumberSchema);
/** Mean and standard deviation as read back. */
export type MeanStdJson = z.infer<typeof meanStdSchema>;

/** One row of eval.json as read back; only what every eval.json has always had is required. */
export const evalRowSchema = evalRowOf(statNumberSchema).partial({ seeds: true, kid: true, precision: true, recall: true, accuracy: true, meanSteps: true, msPerImage: true });
/** One row of eval.json as read back. */
export type EvalRowJson = z.infer<typeof evalRowSchema>;

/** eval.json as read back (only the fields a reader needs; the rest passes through). */
export const evalResultSchema = z.object({
  model: z.string().optional(),
  engine: z.string().optional(),
  floors: z.record(statNumberSchema).optional(),
  rows: z.array(evalRowSchema).optional(),
  /** Acceleration factors (absent in files written before they were computed). */
  acceleration: accelerationSchema.optional(),
  // compare.json has rows too (one per model and method): refused here, or they would be drawn as one eval series
  methods: z.undefined({ invalid_type_error: 'this is a compare.json (it has methods); pass it with --compare, not --eval' }).optional(),
  models: z.undefined({ invalid_type_error: 'this is a compare.json (it has models); pass it with --compare, not --eval' }).optional(),
}).passthrough();
/** eval.json as read back. */
export type EvalResultJson = z.infer<typeof evalResultSchema>;

/** One row of compare.json as read back. */
export const compareRowSchema = compareRowOf(statNumberSchema);
/** One row of compare.json as read back. */
export type CompareRowJson = z.infer<typeof compareRowSchema>;

/** compare.json as read back: models × methods × step budgets on one protocol (only the fields a reader needs). */
export const compareResultSchema = z.object({
  models: z.array(compareModelSchema),
  rows: z.array(compareRowSchema),
  floors: compareFloorsOf(statNumberSchema).optional(),
  /** Sample grids with the same seeds. */
  grids: z.array(gridEntrySchema).optional(),
  /** How much search the "tuned" method was given, in words. */
  searchBudget: z.string().optional(),
  /** The model directory the tuned schedules were searched on (absent in files written before it was recorded). */
  tunedModel: z.string().optional(),
  /** Acceleration factors of the cosine rows vs the first model (absent in files written before they were computed). */
  acceleration: compareAccelerationSchema.optional(),
  /** The options its cells were computed with; `minPerStep` is the adaptive rows' floor per step (absent: 0), `adaptiveNoise` their choice noise. */
  options: z.object({ minPerStep: z.union([z.literal('schedule'), z.literal('exit'), z.number().int().min(0)]).optional(), adaptiveNoise: z.boolean().optional() }).passthrough().optional(),
});
/** compare.json as read back. */
export type CompareResult = z.infer<typeof compareResultSchema>;
