/**
 * The acceleration result (docs/architecture.md, "Evaluation protocol", "Acceleration factors") declared once in zod:
 * what `accelerationFactors` returns, what eval.json and compare.json hold under `acceleration`, and what a reader
 * validates them with. Every number is finite or null (no NaN), so the writer's and the reader's shapes are the same.
 */
import { z } from 'zod';

/** How the claims are judged; recorded with each result. */
export const accelerationConfigSchema = z.object({
  /** T_ref: the base model's default step budget, the quality an accelerated sampler must reach. */
  referenceSteps: z.number().int().min(1),
  /** Fewest seeds a row needs before its std counts as a noise estimate. */
  minSeeds: z.number().int().min(2),
  /** "Beyond noise" means more than this many seed stds (the larger of the two rows'). */
  sigmas: z.number().min(0),
  /** Largest relative recall drop at the accelerated T against the base's recall at T_ref (0.1 = 10%). */
  maxRecallDrop: z.number().min(0),
});
/** How the claims are judged. */
export type AccelerationConfig = z.infer<typeof accelerationConfigSchema>;

/** One T tested against a reference row. */
export const stepTestSchema = z.object({
  steps: z.number(),
  /** vs the base: base FCD(T_ref) − FCD(T) (positive = better); vs itself: FCD(T) − FCD(T_ref) (positive = worse). */
  margin: z.number(),
  /** sigmas × the larger of the two rows' seed stds. */
  threshold: z.number(),
  /** vs the base: margin > threshold; vs itself: margin ≤ threshold. */
  passes: z.boolean(),
});
/** One T tested against a reference row. */
export type StepTest = z.infer<typeof stepTestSchema>;

/** A row left out of a claim, with why. */
export const skippedRowSchema = z.object({ steps: z.number(), reason: z.string() });
/** A row left out of a claim, with why. */
export type SkippedRow = z.infer<typeof skippedRowSchema>;

/** A factor claim (vs the base, or vs itself). */
export const factorClaimSchema = z.object({
  /** The reference row's FCD (the base's or the model's own at T_ref), null when it is missing or unusable. */
  reference: z.object({ steps: z.number(), mean: z.number(), std: z.number(), seeds: z.number() }).nullable(),
  /** The smallest T that passes, or null. */
  steps: z.number().nullable(),
  /** T_ref / steps, or null. */
  factor: z.number().nullable(),
  /** The passing T's test; with no factor, the test of the row that came closest (null when no row could be tested). */
  test: stepTestSchema.nullable(),
  /** Why there is no factor (null when there is one). */
  reason: z.string().nullable(),
  /** Rows left out (fewer seeds than needed, FCD not a number). */
  skipped: z.array(skippedRowSchema),
  /** The claim in one line. */
  statement: z.string(),
});
/** A factor claim. */
export type FactorClaim = z.infer<typeof factorClaimSchema>;

/** A check's verdict: whether it holds (null when it could not be judged), why not judged, and the line. */
const verdict = { holds: z.boolean().nullable(), reason: z.string().nullable(), statement: z.string() };

/** The accelerated model at T_ref against the base at T_ref; holds when difference ≤ threshold. */
export const qualityCheckSchema = z.object({
  /** FCD(T_ref) − the base's FCD(T_ref); positive = worse. */
  difference: z.number().nullable(),
  /** sigmas × the larger of the two seed stds. */
  threshold: z.number().nullable(),
  ...verdict,
});
/** The "no quality traded" check. */
export type QualityCheck = z.infer<typeof qualityCheckSchema>;

/** Recall (mean) at the accelerated T (the vs-base T) against the base's at T_ref; holds when drop ≤ maxRecallDrop. */
export const recallCheckSchema = z.object({
  steps: z.number().nullable(),
  recall: z.number().nullable(),
  baseRecall: z.number().nullable(),
  /** (baseRecall − recall) / baseRecall; negative = recall rose. */
  drop: z.number().nullable(),
  ...verdict,
});
/** The recall check. */
export type RecallCheck = z.infer<typeof recallCheckSchema>;

/** The model against the base at one T other than T_ref: the comparison at equal NFE. */
export const equalStepTestSchema = z.object({
  steps: z.number(),
  /** The base's FCD(T) − the model's FCD(T); positive = the model is better. */
  margin: z.number(),
  /** sigmas × the larger of the two seed stds. */
  threshold: z.number(),
  /** better: margin > threshold; worse: −margin > threshold; else within noise. */
  verdict: z.enum(['better', 'within noise', 'worse']),
});
/** One T of the comparison at equal steps. */
export type EqualStepTest = z.infer<typeof equalStepTestSchema>;

/** Acceleration of one model: vs a base (when one is given) and vs itself, with the quality and recall checks. */
export const accelerationSchema = z.object({
  config: accelerationConfigSchema,
  /** What the base is (a compare model name, or the --base-eval file); null without a base. */
  base: z.string().nullable(),
  vsBase: factorClaimSchema.nullable(),
  vsItself: factorClaimSchema,
  noQualityTraded: qualityCheckSchema.nullable(),
  recall: recallCheckSchema.nullable(),
  /** Against the base at every T both have (T_ref aside), with ≥ minSeeds seeds; null without a base; absent in files written before it. */
  atEqualSteps: z.array(equalStepTestSchema).nullable().optional(),
  /** Every claim in one line. */
  statement: z.string(),
});
/** Acceleration of one model. */
export type Acceleration = z.infer<typeof accelerationSchema>;

/** compare.json's acceleration: every model's rows of one method against the first model's. */
export const compareAccelerationSchema = z.object({
  /** The method whose rows are compared (the default schedule, "cosine"). */
  method: z.string(),
  /** The first model: the base. */
  base: z.string(),
  models: z.array(z.object({ model: z.string(), acceleration: accelerationSchema })),
});
/** compare.json's acceleration. */
export type CompareAcceleration = z.infer<typeof compareAccelerationSchema>;
