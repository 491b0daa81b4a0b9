/** `--config FILE` (JSON or YAML) validated with zod; flags given on the command line override the file. */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { Command } from 'commander';
import { ZodArray, ZodBoolean, ZodDefault, ZodEffects, ZodEnum, ZodLiteral, ZodNativeEnum, ZodNullable, ZodNumber, ZodObject, ZodOptional, ZodString, ZodUnion, type z } from 'zod';
import { UsageError, configOrigins, flagOf } from './errors';

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
  const flagsOnly = ['resume', 'force', 'json', 'print-config', 'printConfig', 'config', 'help'];
  const known = Object.keys(schema.shape as Record<string, unknown>).filter((k) => !flagsOnly.includes(k));
  for (const key of Object.keys(value)) {
    // checked first: a command whose option schema holds --force or --json (sample) must not take them from a file either
    const flagOnly = flagsOnly.includes(key);
    if (!flagOnly && known.includes(key)) continue;
    if (flagOnly) throw new UsageError(`${path}: "${key}" is a command-line flag only (--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}), not a config key: it says what this invocation does, not what the run is`);
    const near = nearestKey(key, known);
    // suggest only a near miss (a typo or another case), not the least far of unrelated names
    const close = near !== undefined && key !== '<<' && editDistance(key.replace(/[-_]/g, '').toLowerCase(), near.replace(/[-_]/g, '').toLowerCase()) <= Math.max(2, Math.floor(key.length / 3));
    throw new UsageError(`${path}: unknown key "${key}"${key === '' ? ' (an empty or null key, such as "~:")' : key === '<<' ? ' (a YAML merge key: not supported, write the keys out)' : ''}${close ? `; did you mean "${near}"?` : ''} (valid keys: ${known.join(', ')})`);
  }
}

/** The kinds of scalar a field accepts, looking through optional/default/effects wrappers and unions. */
function fieldKinds(schema: z.ZodTypeAny | undefined): Set<'number' | 'string' | 'boolean' | 'array'> {
  const kinds = new Set<'number' | 'string' | 'boolean' | 'array'>();
  const visit = (t: z.ZodTypeAny | undefined): void => {
    if (t === undefined) return;
    if (t instanceof ZodOptional || t instanceof ZodNullable) visit(t.unwrap() as z.ZodTypeAny);
    else if (t instanceof ZodDefault) visit(t._def.innerType as z.ZodTypeAny);
    else if (t instanceof ZodEffects) visit(t.innerType() as z.ZodTypeAny);
    else if (t instanceof ZodUnion) for (const o of t.options as z.ZodTypeAny[]) visit(o);
    else if (t instanceof ZodNumber) kinds.add('number');
    else if (t instanceof ZodString || t instanceof ZodEnum || t instanceof ZodNativeEnum) kinds.add('string');
    else if (t instanceof ZodLiteral) kinds.add(typeof t.value === 'number' ? 'number' : 'string');
    else if (t instanceof ZodBoolean) kinds.add('boolean');
    else if (t instanceof ZodArray) kinds.add('array');
  };
  visit(schema);
  return kinds;
}

const NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Strict scalar types before zod's coercion (which would turn `true` into 1, `null` and "" into 0): a number field takes
 * a finite number or a numeric string; a string field takes a string, or a number or a list of numbers/strings from a
 * file (as "4" or "2,3,4"); nothing else. Returns the values, normalised; `name(key)` names the key in errors.
 */
export function checkScalarTypes(value: Record<string, unknown>, schema: z.ZodTypeAny, name: (key: string) => string): Record<string, unknown> {
  if (!(schema instanceof ZodObject)) return value;
  const shape = schema.shape as Record<string, z.ZodTypeAny>;
  const out: Record<string, unknown> = { ...value };
  for (const [key, v] of Object.entries(value)) {
    const kinds = fieldKinds(shape[key]);
    if (v === undefined || kinds.size === 0) continue;
    const got = typeof v === 'number' ? String(v) : JSON.stringify(v) ?? String(v); // YAML .inf is Infinity, not JSON's null
    // zod coerces "" (and spaces) to 0: in a field that takes a number or a word (--class 7|all) it would be class 0
    if (kinds.has('number') && typeof v === 'string' && v.trim() === '') throw new UsageError(`${name(key)}: expected ${kinds.has('string') ? 'a number or a word' : 'a finite number'}, got ${got}`);
    if (kinds.has('number') && !kinds.has('string')) {
      if (typeof v === 'number' ? Number.isFinite(v) : typeof v === 'string' && NUMERIC.test(v.trim()) && Number.isFinite(Number(v))) continue; // 1e400 overflows to Infinity
      throw new UsageError(`${name(key)}: expected a finite number, got ${got}`);
    }
    // a number|word field (--class 7|all): a string Number() reads must be in the NUMERIC form (zod's coercion would
    // take 0x7, 0b11 and 0o7, which every number flag refuses); other strings are the schema's to judge
    if (kinds.has('number') && typeof v === 'string' && Number.isFinite(Number(v)) && !NUMERIC.test(v.trim())) throw new UsageError(`${name(key)}: expected a number or a word, got ${got}`);
    if (kinds.has('string')) {
      if (typeof v === 'string' || (kinds.has('array') && Array.isArray(v)) || (kinds.has('boolean') && typeof v === 'boolean')) continue;
      if (typeof v === 'number' && Number.isFinite(v)) out[key] = String(v);
      else if (Array.isArray(v) && v.length > 0 && v.every((x) => (typeof x === 'number' && Number.isFinite(x)) || typeof x === 'string')) out[key] = v.join(',');
      else throw new UsageError(`${name(key)}: expected ${kinds.has('number') ? 'a number or ' : ''}a string, got ${got}`);
    }
  }
  return out;
}

/** Reads and validates a config file; errors name the file and the field; unknown keys are refused. */
export function readConfigFile<T>(path: string, schema: z.ZodType<T>): T {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').replace(/^\uFEFF/, ''); // a byte-order mark (Windows editors) is no JSON syntax error
  } catch (error) {
    throw new UsageError(`--config: cannot read "${path}" (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let value: unknown;
  try {
    value = /\.ya?ml$/i.test(path) ? parseYaml(text, { logLevel: 'error' }) : JSON.parse(text); // no raw YAMLWarning on stderr
    // JSON.parse keeps the last of two equal keys; YAML (a superset of JSON) refuses them, so a duplicate is an error in both
    if (!/\.ya?ml$/i.test(path)) parseYaml(text, { uniqueKeys: true, logLevel: 'error' });
  } catch (error) {
    throw new UsageError(`${path}: not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(error as Error).message.split('\n')[0]}`);
  }
  checkKnownKeys(path, value ?? {}, schema);
  if (value !== null && value !== undefined && (typeof value !== 'object' || Array.isArray(value))) throw new UsageError(`${path}: expected a mapping of option names to values at the top level`);
  const typedValue = checkScalarTypes((value ?? {}) as Record<string, unknown>, schema, (key) => `${path}: field "${key}"`);
  const result = schema.safeParse(typedValue);
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
  const checked = value !== null && typeof value === 'object' ? checkScalarTypes(value as Record<string, unknown>, schema, flagOf) : value;
  const result = schema.safeParse(checked);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new UsageError(`${flagOf(String(issue?.path[0] ?? '?'))}: ${issue?.message ?? 'invalid value'}`);
}

/**
 * The options of one command run: defaults ← `--config` file (validated by `fileSchema`) ← flags typed on the
 * command line. `typed` holds what this call asked for (the file's keys and the typed flags): on `--resume` they
 * override the run's saved options, and one that would change a defining option is refused.
 */
export function gatherOptions<T extends object>(
  cmd: Command, flags: Record<string, unknown>, defaults: T, fileSchema: z.ZodType<Partial<T>>,
): { merged: T; typed: Partial<T> } {
  const file = typeof flags.config === 'string' ? readConfigFile(flags.config, fileSchema) : {};
  const given = (k: string): boolean => cmd.getOptionValueSource(k) === 'cli';
  if (typeof flags.config === 'string') configOrigins.set(cmd, { path: flags.config, values: Object.fromEntries(Object.entries(file).filter(([k]) => !given(k))) }); // errors name them (cli.ts)
  const known = fileSchema instanceof ZodObject ? new Set(Object.keys(fileSchema.shape as object)) : new Set(Object.keys(defaults));
  // what the user asked for in this call: the config file's keys, then typed flags (on --resume both are checked)
  const typed = { ...file, ...Object.fromEntries(Object.entries(flags).filter(([k]) => given(k) && known.has(k))) } as Partial<T>;
  return { merged: mergeOptions(defaults, file, flags as Partial<T>, given), typed };
}
