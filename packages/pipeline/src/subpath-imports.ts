/**
 * Node's package subpath imports (`import x from '#h'`, resolved through the "imports" field of the nearest
 * package.json), as far as the `--reward` key follows them (reward-module.ts): exact keys and `*` patterns, string
 * targets, fallback arrays and conditional objects under the conditions an ES module import in Node matches.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, parse } from 'node:path';

/** The conditions a `#` import matches, in Node's order of the map's keys (an ES module import in Node). */
export const IMPORT_CONDITIONS: readonly string[] = ['node', 'import', 'default'];

/** The nearest package.json at or above `dir` (Node's package scope, which ends at a node_modules folder), or undefined when there is none. */
export function packageScopeOf(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (basename(d) === 'node_modules') return undefined;
    const file = join(d, 'package.json');
    if (existsSync(file)) return file;
    if (d === parse(d).root) return undefined;
  }
}

/** A target of the map with `*` replaced by `match` (a pattern key's), or null when no condition matches. */
function targetOf(target: unknown, match: string | undefined, conditions: readonly string[]): string | null {
  if (typeof target === 'string') return match === undefined ? target : target.replace(/\*/g, match);
  if (Array.isArray(target)) {
    for (const t of target) {
      const found = targetOf(t, match, conditions);
      if (found !== null) return found;
    }
    return null;
  }
  if (typeof target !== 'object' || target === null) return null;
  for (const [condition, value] of Object.entries(target)) {
    if (condition !== 'default' && !conditions.includes(condition)) continue;
    const found = targetOf(value, match, conditions);
    if (found !== null) return found;
  }
  return null;
}

/** Pattern keys (one `*`) in Node's order: the longer prefix before `*` first, then the longer key. */
function patternKeys(imports: Record<string, unknown>): string[] {
  const keys = Object.keys(imports).filter((k) => k.indexOf('*') >= 0 && k.indexOf('*') === k.lastIndexOf('*'));
  return keys.sort((a, b) => b.indexOf('*') - a.indexOf('*') || b.length - a.length);
}

/**
 * The target `specifier` (`#…`) maps to in an "imports" map (a package.json's field), as Node resolves it: an exact
 * key, else the best `*` pattern (its match put in place of each `*` of the target), conditions matched in the map's
 * order; undefined when the map defines none. A target starting with `./` is a file of the package, any other a package.
 */
export function subpathImportTarget(imports: unknown, specifier: string, conditions: readonly string[] = IMPORT_CONDITIONS): string | undefined {
  if (typeof imports !== 'object' || imports === null || Array.isArray(imports)) return undefined;
  const map = imports as Record<string, unknown>;
  if (Object.keys(map).includes(specifier) && !specifier.includes('*')) return targetOf(map[specifier], undefined, conditions) ?? undefined;
  for (const key of patternKeys(map)) {
    const [base, trailer] = [key.slice(0, key.indexOf('*')), key.slice(key.indexOf('*') + 1)];
    if (!specifier.startsWith(base) || specifier === base) continue;
    if (trailer !== '' && !(specifier.endsWith(trailer) && specifier.length >= key.length)) continue;
    return targetOf(map[key], specifier.slice(base.length, specifier.length - trailer.length), conditions) ?? undefined;
  }
  return undefined;
}

/** The "imports" field of the package.json `file`; undefined when it is unreadable or has none (Node's import fails, naming it). */
export function importsFieldOf(file: string): unknown {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { imports?: unknown } | null)?.imports;
  } catch {
    return undefined;
  }
}
