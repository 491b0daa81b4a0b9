/** Flag validation at the CLI edge (zod): a bad value is a UsageError that names the flag and what was expected. */
import { z } from 'zod';
import { MASK_SCHEDULES, getSchedule } from '@speedrl/sampler';
import { UsageError } from './errors';

/** Parses `value` with `schema`, or throws a UsageError naming `flag`. */
export function parseFlag<T>(flag: string, schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new UsageError(`${flag}: ${issue?.message ?? 'invalid value'} (got ${JSON.stringify(value)})`);
}

/** `--backend`: which tfjs backend to try first. */
export const backendFlag = z.enum(['auto', 'tensorflow', 'wasm', 'cpu']);

/** `--seed`: a non-negative safe integer (what the seeded `Rng` accepts), checked before any work starts. */
export const seedFlag = z.coerce.number().int('must be an integer').min(0, 'must be ≥ 0').max(Number.MAX_SAFE_INTEGER, `must be ≤ ${Number.MAX_SAFE_INTEGER}`);

/** `--min-per-step`: the adaptive sampler's floor, an integer ≥ 0 or `schedule` (the hybrid; docs/architecture.md, "Adaptive rollouts"). */
export const minPerStepFlag = z.union([z.literal('schedule'), z.literal('exit'), z.coerce.number().int().min(0)], { errorMap: () => ({ message: '"schedule", "exit" or an integer ≥ 0' }) });

/**
 * `--cfg`: the guidance weight w of u + w·(c − u) (docs/architecture.md, "Classifier-free guidance"): 0 = off (plain
 * conditional, as w = 1) or w ≥ 1; 0 < w < 1 would sample toward unconditional images under class labels.
 */
export const cfgFlag = z.coerce.number().finite('must be a finite number').refine((w) => w === 0 || w >= 1, {
  message: 'must be 0 (off: plain conditional sampling, the same as 1) or a weight ≥ 1 in u + w·(c − u); 0 < w < 1 moves toward unconditional images under class labels',
});

/** `--schedule`-like flags: a mask schedule name the sampler knows (cosine, arccos, linear, exp, log, uniform, pow-K). */
export const scheduleFlag = z.string().min(1).superRefine((name, ctx) => {
  try {
    getSchedule(name);
  } catch {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `unknown schedule "${name}"; expected one of ${[...Object.keys(MASK_SCHEDULES), 'uniform'].join(', ')} or pow-K with K > 0 (e.g. pow-2)` });
  }
});

/**
 * `inputsOf` for `openRunDir`: the paths the input flags name in a run's options (`{ '--tokenizer': 'tokenizer' }`, flag →
 * option key), so an input inside `--out` is refused before `--force` could delete it.
 */
export function inputPaths(keys: Readonly<Record<string, string>>): (options: Record<string, unknown>) => Record<string, string[]> {
  return (options) => Object.fromEntries(Object.entries(keys).filter(([, key]) => typeof options[key] === 'string').map(([flag, key]) => [flag, [options[key] as string]]));
}
