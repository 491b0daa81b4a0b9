/**
 * User reward modules for `speedrl accelerate --reward PATH[:EXPORT][=WEIGHT]` (docs/architecture.md, "Speed-RL
 * objective"): a JavaScript module whose export is `(batch: RewardBatch) => scores` (one finite number per sample,
 * sync or async). Each becomes one named component of the quality reward, z-scored and checkpointed like the built-in
 * ones. Every problem is a UsageError naming the `--reward` spec: at load time (file, import, export, weight) and at
 * call time (type, length, NaN or ±Infinity; the iteration stops rather than continue without the score).
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from '@speedrl/core';
import type { RewardComponent, RewardInput } from '@speedrl/rewards-clip-fid';
import { importsFieldOf, packageScopeOf, subpathImportTargets } from './subpath-imports';

/** A parsed `--reward` spec (docs/architecture.md, "Speed-RL objective"). */
export interface RewardModuleSpec {
  /** The spec as given (errors quote it). */
  readonly spec: string;
  /** The module file as given (relative paths resolve against the working directory). */
  readonly path: string;
  /** The export called; `default` when the spec names none. */
  readonly exportName: string;
  /** Weight of the z-scored component in the quality reward; 1 when the spec gives none. */
  readonly weight: number;
}

/** Imports a module by file URL: Node's own `import()` by default, swappable in tests (docs/architecture.md, "Speed-RL objective"). */
export type ModuleImporter = (url: string) => Promise<Record<string, unknown>>;

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** A call-time failure of a user reward (a throw or bad scores): `accelerate` adds what became of the run's checkpoint. */
export class RewardCallError extends UsageError {}

/** The first line of what was thrown, whatever it is (`throw null` included). */
export function thrownText(error: unknown): string {
  const message: unknown = error instanceof Error ? error.message : (error as { message?: unknown } | null | undefined)?.message;
  return String(message ?? error).split('\n')[0] ?? '';
}

/** Parses `PATH[:EXPORT][=WEIGHT]` (weight a finite number ≥ 0, default 1; export default `default`; docs/architecture.md, "Speed-RL objective"). */
export function parseRewardSpec(spec: string): RewardModuleSpec {
  const where = `--reward: "${spec}"`;
  const eq = spec.lastIndexOf('=');
  let head = eq >= 0 ? spec.slice(0, eq) : spec;
  let weight = 1;
  if (eq >= 0) {
    const text = spec.slice(eq + 1).trim();
    weight = text === '' ? NaN : Number(text);
    if (!Number.isFinite(weight) || weight < 0) throw new UsageError(`${where}: the weight after "=" must be a finite number ≥ 0, got "${spec.slice(eq + 1)}" (negate the scores in the module for a penalty)`);
  }
  let exportName = 'default';
  const colon = head.lastIndexOf(':');
  // "C:\x.mjs" keeps its drive letter: an export name follows the file name, never a one-letter prefix
  const tail = head.slice(colon + 1);
  if (colon > 1 && IDENTIFIER.test(tail)) {
    exportName = tail;
    head = head.slice(0, colon);
  } else if (colon > 1 && !/[/\\.]/.test(tail)) {
    throw new UsageError(`${where}: invalid export name "${tail}" after ":" (a JavaScript identifier: letters, digits, _ or $, not starting with a digit)`);
  }
  if (head.trim() === '') throw new UsageError(`${where}: expected PATH[:EXPORT][=WEIGHT], e.g. ./my-reward.mjs:score=0.5`);
  return { spec, path: head, exportName, weight };
}

/** The component name a spec logs under: `user:<file stem>` and `:<export>` unless default (docs/architecture.md, "Speed-RL objective"). */
export function rewardComponentName(s: RewardModuleSpec): string {
  const stem = basename(s.path, extname(s.path)).replace(/\./g, '-');
  return `user:${stem}${s.exportName === 'default' ? '' : `:${s.exportName}`}`;
}

/** Checks what a user reward returned: a Float32Array or number array of `batch` finite scores (docs/architecture.md, "Speed-RL objective"). */
export function checkRewardScores(value: unknown, batch: number, where: string): Float32Array {
  const isArray = value instanceof Float32Array || (Array.isArray(value) && value.every((v) => typeof v === 'number'));
  if (!isArray) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'an array with non-numbers' : ArrayBuffer.isView(value) ? value.constructor.name : typeof value;
    throw new RewardCallError(`${where} returned ${got}; expected a Float32Array or an array of numbers, one per sample`);
  }
  const scores = value instanceof Float32Array ? value : Float32Array.from(value as number[]);
  if (scores.length !== batch) throw new RewardCallError(`${where} returned ${scores.length} scores for a batch of ${batch}; expected one per sample`);
  const bad = scores.findIndex((v) => !Number.isFinite(v));
  const raw = (value as ArrayLike<number>)[bad];
  if (bad >= 0 && Number.isFinite(raw)) {
    throw new RewardCallError(`${where} scored sample ${bad} as ${raw}, which overflows float32 (|score| must be below 3.4e38); scale the scores down`);
  }
  if (bad >= 0) throw new RewardCallError(`${where} scored sample ${bad} as ${scores[bad]}; every score must be a finite number (a user reward may not skip samples)`);
  return scores;
}

/** Loads one `--reward` spec (relative to `cwd`) as a reward component; load problems name the spec (docs/architecture.md, "Speed-RL objective"). */
export async function loadRewardModule(spec: string, cwd = process.cwd(), importModule: ModuleImporter = (url) => import(url)): Promise<RewardComponent> {
  const s = parseRewardSpec(spec);
  const where = `--reward: "${spec}"`;
  const file = resolve(cwd, s.path);
  if (!existsSync(file)) throw new UsageError(`${where}: no such file ${file}`);
  if (!statSync(file).isFile()) throw new UsageError(`${where}: ${file} is a directory, not a module file (give the .mjs or .js file itself)`);
  let namespace: Record<string, unknown>;
  try {
    namespace = await importModule(pathToFileURL(file).href);
  } catch (error) {
    throw new UsageError(`${where}: importing ${file} failed: ${thrownText(error)}`);
  }
  const fn = namespace[s.exportName];
  if (fn === undefined) {
    const names = Object.keys(namespace).filter((k) => k !== '__esModule');
    throw new UsageError(`${where}: ${file} has no export "${s.exportName}" (its exports: ${names.length > 0 ? names.join(', ') : 'none'})`);
  }
  if (typeof fn !== 'function') throw new UsageError(`${where}: export "${s.exportName}" of ${file} is ${fn === null ? 'null' : typeof fn}, not a function (batch) => scores`);
  const call = `--reward: "${spec}": ${s.exportName}(batch)`;
  const reward = async (input: RewardInput): Promise<Float32Array> => {
    const b = input as RewardInput & Partial<Record<'tokens' | 'steps' | 'nfe', Int32Array>>;
    // copies: a module that writes into its batch cannot change what the other rewards and the trainer see
    const copy = { ...b, images: b.images.slice(), classes: b.classes.slice(), tokens: b.tokens?.slice(), steps: b.steps?.slice(), nfe: b.nfe?.slice() };
    let value: unknown;
    try {
      value = await (fn as (batch: unknown) => unknown)(copy);
    } catch (error) {
      throw new RewardCallError(`${call} threw: ${thrownText(error)}`);
    }
    return checkRewardScores(value, input.batch, call);
  };
  return { name: rewardComponentName(s), fn: reward, weight: s.weight };
}

/** Loads every `--reward` spec in order; two specs may not log under one name (docs/architecture.md, "Speed-RL objective"). */
export async function loadRewardModules(specs: readonly string[], cwd = process.cwd(), importModule?: ModuleImporter): Promise<RewardComponent[]> {
  const out: RewardComponent[] = [];
  for (const spec of specs) {
    const component = await loadRewardModule(spec, cwd, importModule);
    const twin = out.find((c) => c.name === component.name);
    if (twin !== undefined) throw new UsageError(`--reward: "${spec}" logs as "${component.name}" like an earlier --reward; give the files different names`);
    out.push(component);
  }
  return out;
}

/**
 * Local specifiers a module's text imports statically or dynamically (`import … from './x.mjs'`, `import('./x.mjs')`,
 * `require('./x')`, `export … from`, `createRequire(…)('./x')`): relative, absolute or `file:` URLs and package subpath
 * imports (`#x`), in quotes or in a template literal without substitutions. A path computed at run time, or a file read
 * with `fs`, is not seen.
 */
const LOCAL_IMPORT = /(?:\bfrom\s*|\bimport\s*\(?\s*|\brequire\s*\(\s*|\)\s*\(\s*)(['"`])((?:\.{1,2}\/|\/|file:\/\/|#)[^'"`$]+)\1/g;

/** The file a local specifier names from `dir`: as written, or (CommonJS-style) with `.js`, `.cjs`, `.json`, or a folder's `index.js`. */
function resolveLocal(dir: string, specifier: string): string | undefined {
  const path = specifier.replace(/[?#].*$/, ''); // a query or fragment (`./k.mjs?v=1`) names the same file
  const target = path.startsWith('file://') ? fileURLToPath(path) : resolve(dir, path);
  return [target, `${target}.js`, `${target}.cjs`, `${target}.json`, join(target, 'index.js'), join(target, 'index.mjs')].find((f) => existsSync(f) && statSync(f).isFile());
}

/**
 * The files a subpath import (`#x`) from `dir` depends on: the nearest package.json, whose "imports" map decides it
 * (keyed even when it maps `#x` nowhere: Node's import then fails, naming it), and the files of the package it may map
 * to, under any condition (`subpathImportTargets`: `import`, `require()` and `--conditions` pick differently). A
 * target that is a package is not followed (as bare specifiers are not).
 */
function subpathImportFiles(dir: string, specifier: string): { scope?: string; files: string[] } {
  const scope = packageScopeOf(dir);
  if (scope === undefined) return { files: [] }; // no package.json: Node's import fails, naming the specifier
  const targets = subpathImportTargets(importsFieldOf(scope), specifier).filter((t) => t.startsWith('./'));
  return { scope, files: targets.map((t) => resolveLocal(dirname(scope), t)).filter((f): f is string => f !== undefined) };
}

/** The local files `file` imports, transitively, `file` included (a subpath import's package.json too). */
function localImportGraph(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file) || !existsSync(file) || !statSync(file).isFile()) return seen;
  seen.add(file);
  for (const match of readFileSync(file, 'utf8').matchAll(LOCAL_IMPORT)) {
    const specifier = match[2] as string;
    if (!specifier.startsWith('#')) {
      const found = resolveLocal(dirname(file), specifier);
      if (found !== undefined) localImportGraph(found, seen);
      continue;
    }
    const { scope, files } = subpathImportFiles(dirname(file), specifier);
    if (scope !== undefined) seen.add(scope); // its "imports" map is keyed, not followed as a module
    for (const found of files) localImportGraph(found, seen);
  }
  return seen;
}

/**
 * The module files of `specs` by path as given, resolved against `cwd`, and the local files they import (named by the
 * module and their path from it), for `contentKey` (docs/architecture.md, "Runs and results never mix inputs"): an edit of a helper the module
 * imports changes the key as an edit of the module does, and so does an edit of the package.json whose "imports" map
 * resolves a `#x` import. Packages (bare specifiers) are not followed.
 */
export function rewardModuleFiles(specs: readonly string[], cwd = process.cwd()): Record<string, string> {
  const files: Record<string, string> = Object.fromEntries(specs.map((spec) => parseRewardSpec(spec).path).map((path) => [path, resolve(cwd, path)]));
  for (const [given, root] of Object.entries({ ...files })) {
    for (const file of localImportGraph(root)) if (file !== root) files[`${given} imports ${relative(dirname(root), file)}`] = file;
  }
  return files;
}
