/** Flag validation at the CLI edge (zod): a bad value is a UsageError that names the flag and what was expected. */
import { z } from 'zod';
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
