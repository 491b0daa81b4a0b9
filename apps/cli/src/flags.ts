/** Flag validation at the CLI edge (zod): a bad value is a UsageError that names the flag and what was expected. */
import { existsSync } from 'node:fs';
import { z } from 'zod';
import { findIdxFile, idxFileNames, type IdxSplit } from '@speedrl/tensor-utils';
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

/** `--schedule`-like flags: a mask schedule name the sampler knows (cosine, arccos, linear, exp, log, uniform, pow-K). */
export const scheduleFlag = z.string().min(1).superRefine((name, ctx) => {
  try {
    getSchedule(name);
  } catch {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `unknown schedule "${name}"; expected one of ${[...Object.keys(MASK_SCHEDULES), 'uniform'].join(', ')} or pow-K with K > 0 (e.g. pow-2)` });
  }
});

/** `--out` of a PNG: the path must end in .png (the file written is always a PNG). */
export const pngOutFlag = z.string().min(1).regex(/\.png$/i, 'must name a .png file');

/**
 * Runs `build` (a library config resolver that throws `field "name…" …`) and turns its error into a UsageError
 * naming the flag the user typed: `flags[name]`, else `--` + the kebab-case field name.
 */
export function usageErrorForConfigField<T>(flags: Readonly<Record<string, string>>, build: () => T): T {
  try {
    return build();
  } catch (error) {
    const match = /field "([A-Za-z]+)[^"]*" (.*)$/s.exec((error as Error).message);
    if (match === null) throw error;
    const field = match[1] as string;
    const flag = flags[field] ?? `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new UsageError(`${flag}: ${match[2]}`);
  }
}

/** `--data`: the IDX files of each split are there (a missing dataset is a usage error before any work, exit 2). */
export function checkDataDir(dir: string, splits: readonly IdxSplit[] = ['train', 'test'], flag = '--data'): void {
  for (const split of splits) {
    const names = idxFileNames(split);
    try {
      findIdxFile(dir, names.images);
      findIdxFile(dir, names.labels);
    } catch (error) {
      const reason = existsSync(dir) ? (error as Error).message : `dataset directory "${dir}" does not exist; run \`apt-get install dataset-fashion-mnist\` or pass ${flag} DIR`;
      throw new UsageError(`${flag}: ${reason}`);
    }
  }
}

/** `--seed` and `--seeds`: the last seed used, seed + seeds − 1, must still be a safe integer. */
export function checkSeedRange(seed: number, seeds: number): void {
  if (seed + seeds - 1 > Number.MAX_SAFE_INTEGER) throw new UsageError(`--seed, --seeds: the last seed ${seed} + ${seeds} − 1 exceeds ${Number.MAX_SAFE_INTEGER}`);
}
