/** `--config FILE` (JSON or YAML) validated with zod; flags given on the command line override the file. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Command } from 'commander';
import { ZodObject, type z } from 'zod';
import { UsageError } from './errors';

/** Edit distance (insertions, deletions, substitutions) between `a` and `b`, case-insensitive. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let prev = Array.from({ length: y.length + 1 }, (_, j) => j);
  for (let i = 1; i <= x.length; i++) {
    const row = [i];
    for (let j = 1; j <= y.length; j++) {
      row[j] = Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (x[i - 1] === y[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[y.length] as number;
}

/** The known key closest to `key` (kebab-case given for camelCase is an exact match after normalising). */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  const norm = (k: string) => k.replace(/[-_]/g, '').toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = editDistance(norm(key), norm(k));
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  return best;
}

/** Unknown keys are an error (a misspelled key would otherwise be ignored silently), naming the nearest valid one. */
function checkKnownKeys(path: string, value: unknown, schema: z.ZodTypeAny): void {
  if (!(schema instanceof ZodObject) || value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const known = Object.keys(schema.shape as Record<string, unknown>);
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const near = nearestKey(key, known);
    throw new UsageError(`${path}: unknown key "${key}"${near === undefined ? '' : `; did you mean "${near}"?`} (valid keys: ${known.join(', ')})`);
  }
}

/** Reads and validates a config file; errors name the file and the field; unknown keys are refused. */
export function readConfigFile<T>(path: string, schema: z.ZodType<T>): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--config: cannot read "${path}" (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let value: unknown;
  try {
    value = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${path}: not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(error as Error).message.split('\n')[0]}`);
  }
  checkKnownKeys(path, value ?? {}, schema);
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue === undefined || issue.path.length === 0 ? '(top level)' : issue.path.join('.');
    throw new UsageError(`${path}: field "${field}": ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

/**
 * Merges defaults ← config file ← flags the user actually typed (commander's option sources tell which),
 * so a default flag value never overrides the file.
 */
export function mergeOptions<T extends object>(defaults: T, file: Partial<T>, flags: Partial<T>, given: (key: string) => boolean): T {
  const out: Record<string, unknown> = { ...defaults, ...file };
  for (const [k, v] of Object.entries(flags)) if (given(k) && v !== undefined) out[k] = v;
  return out as T;
}

/** Validates merged options; the first problem becomes a UsageError naming the flag (`--camelCase` → `--kebab-case`). */
export function parseOptions<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const flag = String(issue?.path[0] ?? '?').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  throw new UsageError(`--${flag}: ${issue?.message ?? 'invalid value'}`);
}

/**
 * The options of one command run: defaults ← `--config` file (validated by `fileSchema`) ← flags typed on the
 * command line. `typed` holds those typed flags alone: on `--resume` they override the run's saved options.
 */
export function gatherOptions<T extends object>(
  cmd: Command, flags: Record<string, unknown>, defaults: T, fileSchema: z.ZodType<Partial<T>>,
): { merged: T; typed: Partial<T> } {
  const file = typeof flags.config === 'string' ? readConfigFile(flags.config, fileSchema) : {};
  const given = (k: string): boolean => cmd.getOptionValueSource(k) === 'cli';
  const typed = Object.fromEntries(Object.entries(flags).filter(([k]) => given(k) && k in defaults)) as Partial<T>;
  return { merged: mergeOptions(defaults, file, flags as Partial<T>, given), typed };
}
