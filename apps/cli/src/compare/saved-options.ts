/** On `--resume`, a run's saved options become the defaults (flags and `--config` still win), so `--out DIR --resume` is enough. */
import { existsSync, readFileSync } from 'node:fs';
import { UsageError } from '../errors';

/** The options saved under `options` in a JSON file, restricted to the keys of `defaults`; {} when the file is absent. */
export function savedOptions<T extends object>(path: string, defaults: T): Partial<T> {
  if (!existsSync(path)) return {};
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`--resume: ${path} is not valid JSON (${(error as Error).message}); remove it or choose another --out`);
  }
  const options = (value as { options?: unknown } | null)?.options;
  if (typeof options !== 'object' || options === null) return {};
  return Object.fromEntries(Object.entries(options).filter(([k]) => k in defaults)) as Partial<T>;
}
