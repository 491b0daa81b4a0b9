/**
 * The low-dimensional space `speedrl tune-schedule` searches (AutoNAT-style per-step arrays, Ni et al. 2024, from a few
 * numbers), and the tuned-schedule file it writes and `speedrl compare --tuned` reads.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { annealedGumbelScale, validateStepArrays, type StepArrays } from '@speedrl/sampler';
import { UsageError, realPathOf } from '@speedrl/core';
import { methodsOf, type ModelSpec } from './spec';

/** One searched coordinate: a name and the map from u ∈ [0, 1] to its value. */
export interface Coordinate {
  readonly name: string;
  /** Value at u ∈ [0, 1]. */
  readonly at: (u: number) => number;
  /** u of the sampler default (the search's first candidate). */
  readonly defaultU: number;
  /** What it controls, for the output file. */
  readonly meaning: string;
}

/** The coordinates; the CFG pair only when `cfg` is searched (it doubles NFE: two passes per step). */
export function searchSpace(cfg: boolean): Coordinate[] {
  const space: Coordinate[] = [
    { name: 'scheduleWarp', at: (u) => 0.25 * 16 ** u, defaultU: 0.5, meaning: 'mask ratio γ_t = cos(π/2 · ((t+1)/T)^a), a ∈ [0.25, 4] (1 = cosine)' },
    { name: 'temperatureStart', at: (u) => 0.5 + u, defaultU: 0.5, meaning: 'token temperature at the first step, linear to temperatureEnd, ∈ [0.5, 1.5]' },
    { name: 'temperatureEnd', at: (u) => 0.5 + u, defaultU: 0.5, meaning: 'token temperature at the last step, ∈ [0.5, 1.5]' },
    { name: 'gumbelStart', at: (u) => 12 * u, defaultU: 0.375, meaning: 'choice noise τ0 ∈ [0, 12], annealed τ_t = τ0·(1 − (t+1)/T) (4.5 = MaskGIT)' },
  ];
  if (cfg) {
    space.push(
      { name: 'cfgStart', at: (u) => 4 * u, defaultU: 0.25, meaning: 'guidance weight at the first step, linear to cfgEnd, ∈ [0, 4] (1 = conditional)' },
      { name: 'cfgEnd', at: (u) => 4 * u, defaultU: 0.25, meaning: 'guidance weight at the last step, ∈ [0, 4]' },
    );
  }
  return space;
}

/** Named values of a point u of the space. */
export function paramsAt(space: readonly Coordinate[], u: readonly number[]): Record<string, number> {
  return Object.fromEntries(space.map((c, i) => [c.name, c.at(u[i] as number)]));
}

const lerp = (a: number, b: number, t: number, T: number): number => (T <= 1 ? b : a + ((b - a) * t) / (T - 1));

/** The sampler's {@link StepArrays} with plain (JSON) arrays, as a tuned schedule holds them (guidance weights only when searched). */
export type PlainStepArrays = { -readonly [K in Exclude<keyof StepArrays, 'cfgWeights'>]-?: number[] } & { cfgWeights?: number[] };

/** Per-step arrays (the sampler's `stepArrays`) of named values at T steps. */
export function stepArraysOf(p: Readonly<Record<string, number>>, T: number): PlainStepArrays {
  const steps = Array.from({ length: T }, (_, t) => t);
  const a = p.scheduleWarp ?? 1;
  const arrays: PlainStepArrays = {
    maskRatios: steps.map((t) => (t === T - 1 ? 0 : Math.cos((Math.PI / 2) * ((t + 1) / T) ** a))),
    temperatures: steps.map((t) => lerp(p.temperatureStart ?? 1, p.temperatureEnd ?? 1, t, T)),
    gumbelScales: steps.map((t) => annealedGumbelScale(p.gumbelStart ?? 0, t, T)),
  };
  return p.cfgStart === undefined ? arrays : { ...arrays, cfgWeights: steps.map((t) => lerp(p.cfgStart ?? 1, p.cfgEnd ?? 1, t, T)) };
}

const finiteArray = z.array(z.number().finite());
// strict: a misspelt array (maskRatio) would be dropped and the "tuned" method would run the plain schedule
const stepArraysSchema = z.object({
  maskRatios: finiteArray, temperatures: finiteArray, gumbelScales: finiteArray, cfgWeights: finiteArray.optional(),
}).strict();

/** A Fréchet distance as measured: finite and never negative (an edited or damaged score would pick the schedule). */
const fdSchema = z.number().finite().min(-1e-6, 'a Fréchet distance is never negative');

/** One T's result in the tuned file. */
export const tunedScheduleSchema = z.object({
  steps: z.number().int().min(1),
  params: z.record(z.number()),
  stepArrays: stepArraysSchema,
  /** FCD of the best candidate on the search split (held-out train reference, search seed). */
  score: fdSchema,
  /** FCD of the first candidate (the sampler defaults) on the same split, for scale. */
  defaultScore: fdSchema,
  nfePerImage: z.number().finite().min(0),
  candidates: z.number().int(),
});
/** A candidate tried (kept so `--resume` recomputes nothing): its point u ∈ [0, 1]^d of the search space and its score. */
export const trialSchema = z.object({ steps: z.number().int().min(1), u: z.array(z.number().min(0).max(1)), fcd: fdSchema, nfePerImage: z.number().finite().min(0) });

/** One threshold of the adaptive stop rule tried (`--stop-thresholds`): its score and the passes it spent per image. */
export const stopTrialSchema = z.object({ threshold: z.number().gt(0).max(1), fcd: fdSchema, nfePerImage: z.number().finite().min(0), meanSteps: z.number().finite().min(0) });
/** For one fixed T: the stop threshold of least mean NFE whose score is at most the sampler defaults' at T (null: none is). */
export const stopMatchSchema = z.object({
  steps: z.number().int().min(1), fixedScore: fdSchema, fixedNfe: z.number().finite().min(0), threshold: z.number().nullable(), fcd: z.number().nullable(), nfePerImage: z.number().nullable(),
});
/** The adaptive stop rule tuned beside the schedules (docs/architecture.md, "Adaptive stop rule"). */
export const stopRuleSchema = z.object({ cap: z.number().int().min(1), trials: z.array(stopTrialSchema), matches: z.array(stopMatchSchema) });

/** The file tune-schedule writes (also while it runs: `schedules` holds the finished T only). */
export const tunedFileSchema = z.object({
  format: z.literal('speedrl-tuned-schedule'),
  formatVersion: z.literal(1),
  model: z.string(),
  /** `model` as an absolute path (absent in older files, whose `model` is relative to tune-schedule's working directory). */
  modelPath: z.string().optional(),
  engine: z.string(),
  reference: z.object({ split: z.literal('train'), data: z.string(), firstIndex: z.number().int(), count: z.number().int(), classifier: z.string() }),
  search: z.object({
    method: z.string(), seed: z.number().int(), seeds: z.array(z.number().int()), n: z.number().int(), candidatesPerT: z.number().int(), cfg: z.boolean(),
    space: z.array(z.object({ name: z.string(), meaning: z.string() })),
  }),
  searchBudget: z.string(),
  schedules: z.record(tunedScheduleSchema),
  trials: z.array(trialSchema),
  /** The adaptive stop rule, when `--stop-thresholds` was given. */
  stopRule: stopRuleSchema.optional(),
  /** The command's options (a `--resume` starts from them). */
  options: z.record(z.unknown()).optional(),
  /** Content keys of the model, classifier and training images the trials were scored with, by flag. */
  inputs: z.record(z.string()).optional(),
  /** SHA-256 of the scores a resume replays (`scoresKey`; absent in older files): an edited trial is refused, not reused. */
  scoresKey: z.string().optional(),
});
/** A tuned-schedule file. */
export type TunedFile = z.infer<typeof tunedFileSchema>;
/** One T of it. */
export type TunedSchedule = z.infer<typeof tunedScheduleSchema>;

/** Reads and validates a tuned file; errors name the file and field (a UsageError naming `flag`). */
export function readTunedFile(path: string, flag = '--tuned'): TunedFile {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`${flag}: cannot read "${path}" as JSON (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); make it with speedrl tune-schedule`);
  }
  const format = (value as { format?: unknown } | null)?.format;
  if (format !== 'speedrl-tuned-schedule') {
    const what = format === undefined ? 'it has no "format" field' : `its format is ${JSON.stringify(format)}`;
    throw new UsageError(`${flag}: "${path}" is not a speedrl tune-schedule file (${what}); make it with speedrl tune-schedule`);
  }
  const parsed = tunedFileSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UsageError(`${flag}: ${path}: field "${issue?.path.join('.') ?? '?'}": ${issue?.message ?? 'invalid'} (expected a speedrl tune-schedule file)`);
  }
  for (const [key, s] of Object.entries(parsed.data.schedules)) {
    const at = `${flag}: ${path}: field "schedules.${key}`;
    if (String(s.steps) !== key) throw new UsageError(`${at}.steps" is ${s.steps}, expected ${key}`);
    try {
      validateStepArrays(s.stepArrays, s.steps); // lengths, ratios ending at 0, ranges: checked here, before compare does any work
    } catch (error) {
      throw new UsageError(`${at}.stepArrays" is not a schedule of T = ${s.steps} steps (${(error as Error).message.replace(/^.*?: field "stepArrays\./, 'field "')})`);
    }
    // the arrays are the search's candidate `params` at T: arrays edited by hand are not what the file says was tuned
    const expected = stepArraysOf(s.params, s.steps);
    for (const name of Object.keys(expected) as (keyof PlainStepArrays)[]) {
      const want = expected[name] ?? [];
      const got = s.stepArrays[name] ?? [];
      const t = want.findIndex((v, i) => !(Math.abs(v - (got[i] as number)) <= 1e-9 * Math.max(1, Math.abs(v))));
      if (t >= 0 || got.length !== want.length) {
        throw new UsageError(`${at}.stepArrays.${name}" does not follow from its params at step ${Math.max(t, 0)} (${got[Math.max(t, 0)]} vs ${want[Math.max(t, 0)]}): edited by hand? Rerun tune-schedule`);
      }
    }
    if (s.stepArrays.cfgWeights !== undefined && expected.cfgWeights === undefined) throw new UsageError(`${at}.stepArrays.cfgWeights" has no cfgStart/cfgEnd params it could come from: edited by hand? Rerun tune-schedule`);
  }
  return parsed.data;
}

/**
 * Refuses a tuned file searched on other weights of a model that runs the tuned method: its `model` names that model's
 * directory (real paths) but its `inputs['--model']` is not the model's content key now. A file searched on another
 * model directory is a transfer (e.g. the base's schedule on an RL model) and is allowed. `identities`: by model name.
 */
export function checkTunedWeights(file: TunedFile, path: string, models: readonly ModelSpec[], methods: readonly string[], identities: ReadonlyMap<string, string>): void {
  const searchedKey = file.inputs?.['--model'];
  if (searchedKey === undefined) return; // written before tune-schedule recorded its inputs: nothing to compare
  const searchedOn = realPathOf(file.modelPath ?? file.model); // absolute: compare may run from another directory (was: the check was skipped)
  for (const m of models) {
    if (!methodsOf(m, methods).includes('tuned') || realPathOf(m.dir) !== searchedOn) continue;
    if (identities.get(m.name) !== searchedKey) {
      throw new UsageError(`--tuned: ${path} was searched on other weights of ${file.model} (model "${m.name}" = ${m.dir}: its files changed since the search); rerun speedrl tune-schedule on it, or give another --tuned`);
    }
  }
}
