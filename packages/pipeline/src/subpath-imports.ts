/**
 * Node's package subpath imports (`import x from '#h'`, resolved through the "imports" field of the nearest
 * package.json), as far as the `--reward` key follows them (reward-module.ts): exact keys and `*` patterns, string
 * targets, fallback arrays and conditional objects, every condition's target (a superset of the one Node loads).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, dirname, join, parse } from 'node:path';

/** The nearest package.json at or above `dir` (Node's package scope, which ends at a node_modules folder), or undefined when there is none. */
export function packageScopeOf(dir: string): string | undefined {
  for (let d = dir; ; d = dirname(d)) {
    if (basename(d) === 'node_modules') return undefined;
    const file = join(d, 'package.json');
    if (existsSync(file)) return file;
    if (d === parse(d).root) return undefined;
  }
}

/**
 * Every target an entry of the map gives, `*` replaced by `match` (a pattern key's): under every condition, and every
 * fallback of an array. Node loads one of them (which depends on how the module is loaded: in Node 20 `import` matches
 * "node", "import", "module-sync" and "default", `require()` "require" instead of "import", and `node --conditions` adds
 * its own), so a key of them all never misses the file it loads.
 */
function targetsOf(target: unknown, match: string | undefined): string[] {
  if (typeof target === 'string') return [match === undefined ? target : target.replace(/\*/g, match)];
  if (Array.isArray(target)) return target.flatMap((t) => targetsOf(t, match));
  if (typeof target !== 'object' || target === null) return [];
  return Object.values(target).flatMap((value) => targetsOf(value, match));
}

/** Pattern keys (one `*`) in Node's order: the longer prefix before `*` first, then the longer key. */
function patternKeys(imports: Record<string, unknown>): string[] {
  const keys = Object.keys(imports).filter((k) => k.indexOf('*') >= 0 && k.indexOf('*') === k.lastIndexOf('*'));
  return keys.sort((a, b) => b.indexOf('*') - a.indexOf('*') || b.length - a.length);
}

/**
 * The targets `specifier` (`#…`) may map to in an "imports" map (a package.json's field): the entry Node picks (an
 * exact key, else the best `*` pattern, its match put in place of each `*` of the target) and every target of it under
 * any condition (see `targetsOf`: a superset of the one Node loads); none when the map defines no entry. A target
 * starting with `./` is a file of the package, any other a package.
 */
export function subpathImportTargets(imports: unknown, specifier: string): string[] {
  if (typeof imports !== 'object' || imports === null || Array.isArray(imports)) return [];
  const map = imports as Record<string, unknown>;
  if (Object.keys(map).includes(specifier) && !specifier.includes('*')) return [...new Set(targetsOf(map[specifier], undefined))];
  for (const key of patternKeys(map)) {
    const [base, trailer] = [key.slice(0, key.indexOf('*')), key.slice(key.indexOf('*') + 1)];
    if (!specifier.startsWith(base) || specifier === base) continue;
    if (trailer !== '' && !(specifier.endsWith(trailer) && specifier.length >= key.length)) continue;
    return [...new Set(targetsOf(map[key], specifier.slice(base.length, specifier.length - trailer.length)))];
  }
  return [];
}

/** The "imports" field of the package.json `file`; undefined when it is unreadable or has none (Node's import fails, naming it). */
export function importsFieldOf(file: string): unknown {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { imports?: unknown } | null)?.imports;
  } catch {
    return undefined;
  }
}
