#!/usr/bin/env node
// Checks the package dependency graph against docs/architecture.md, "Workspace and dependency direction":
// core ← everything and core depends on nothing, tensor-utils ← the tfjs packages, the sampler knows no model, the RL
// trainer knows the sampler but no model, tfjs or onnxruntime, pipeline composes the model packages, eval builds on
// pipeline, report reads eval's results, the CLI depends on everything, no cycles. Reads the package.json
// files (what Nx also builds its graph from), then walks the installed package.json files under node_modules to find
// what installing each package really pulls in. Exit 1 with the offending edge or chain.
import { readFileSync, readdirSync, existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

const ALLOWED = {
  '@speedrl/core': [],
  '@speedrl/tensor-utils': ['@speedrl/core'],
  '@speedrl/vq-tokenizer': ['@speedrl/core', '@speedrl/tensor-utils'],
  '@speedrl/maskgit': ['@speedrl/core', '@speedrl/tensor-utils'],
  '@speedrl/sampler': ['@speedrl/core'],
  '@speedrl/rewards-clip-fid': ['@speedrl/core', '@speedrl/tensor-utils'],
  '@speedrl/rl-trainer': ['@speedrl/core', '@speedrl/sampler'],
  '@speedrl/pipeline': ['@speedrl/core', '@speedrl/tensor-utils', '@speedrl/vq-tokenizer', '@speedrl/maskgit', '@speedrl/sampler', '@speedrl/rewards-clip-fid', '@speedrl/rl-trainer'],
  '@speedrl/eval': ['@speedrl/core', '@speedrl/tensor-utils', '@speedrl/vq-tokenizer', '@speedrl/maskgit', '@speedrl/sampler', '@speedrl/rewards-clip-fid', '@speedrl/pipeline'],
  '@speedrl/report': ['@speedrl/core', '@speedrl/tensor-utils', '@speedrl/sampler', '@speedrl/eval'],
  '@speedrl/cli': ['@speedrl/core', '@speedrl/tensor-utils', '@speedrl/vq-tokenizer', '@speedrl/maskgit', '@speedrl/sampler', '@speedrl/rewards-clip-fid', '@speedrl/rl-trainer', '@speedrl/pipeline', '@speedrl/eval', '@speedrl/report'],
};
// Packages that must not be installed, directly or transitively, when a user installs the key.
const FORBIDDEN_EXTERNAL = {
  '@speedrl/sampler': ['onnxruntime-node', '@tensorflow/tfjs', '@tensorflow/tfjs-core'],
  '@speedrl/rl-trainer': ['onnxruntime-node', '@tensorflow/tfjs', '@tensorflow/tfjs-core'],
};
// Packages that may have no runtime dependency at all (Node's standard library only).
const NO_RUNTIME_DEPENDENCIES = ['@speedrl/core'];

/**
 * What npm installs along with a package: `dependencies`, `optionalDependencies` (when installable) and the
 * `peerDependencies` not marked optional (npm ≥ 7 installs those too); never `devDependencies`.
 */
const runtimeEdges = (pkg) => [
  ...Object.keys(pkg.dependencies ?? {}).map((name) => ({ name, kind: '', optional: false })),
  ...Object.keys(pkg.optionalDependencies ?? {}).map((name) => ({ name, kind: ' (optional)', optional: true })),
  ...Object.keys(pkg.peerDependencies ?? {})
    .filter((name) => pkg.peerDependenciesMeta?.[name]?.optional !== true)
    .map((name) => ({ name, kind: ' (peer)', optional: false })),
];

/** The installed directory of `name` as Node resolves it from `fromDir` (nearest node_modules upwards), or undefined. */
const findInstalled = (name, fromDir) => {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dirname(dir) === dir) return undefined;
  }
};

/**
 * Breadth-first walk of the installed runtime closure of the package in `dir`. Returns every reached package with the
 * shortest chain that reaches it, and the required dependencies that are not installed.
 */
const runtimeClosure = (dir, name) => {
  const chains = new Map([[realpathSync(dir), [name]]]);
  const reached = [];
  const missing = [];
  const queue = [{ dir: realpathSync(dir), chain: [name] }];
  while (queue.length > 0) {
    const { dir: from, chain } = queue.shift();
    const pkg = JSON.parse(readFileSync(join(from, 'package.json'), 'utf8'));
    for (const edge of runtimeEdges(pkg)) {
      const at = findInstalled(edge.name, from);
      const next = [...chain, `${edge.name}${edge.kind}`];
      if (at === undefined) {
        if (!edge.optional) missing.push(next.join(' -> '));
        continue;
      }
      if (chains.has(at)) continue;
      chains.set(at, next);
      reached.push({ name: edge.name, chain: next });
      queue.push({ dir: at, chain: next });
    }
  }
  return { reached, missing };
};

process.chdir(new URL('..', import.meta.url).pathname);
const dirs = ['packages', 'apps'].flatMap((d) => readdirSync(d).map((n) => join(d, n))).filter((d) => existsSync(join(d, 'package.json')));
const graph = new Map();
const closureSizes = new Map();
const problems = [];
if (!existsSync('node_modules')) problems.push('node_modules is missing: run npm install before the transitive check');
for (const dir of dirs) {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const deps = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies, ...pkg.optionalDependencies });
  const internal = deps.filter((d) => d.startsWith('@speedrl/'));
  graph.set(pkg.name, internal);
  const allowed = ALLOWED[pkg.name];
  if (allowed === undefined) {
    problems.push(`${dir}: package ${pkg.name} is not in the dependency map (tools/check-graph.mjs; docs/architecture.md, "Workspace and dependency direction")`);
  }
  for (const d of internal) if (allowed !== undefined && !allowed.includes(d)) problems.push(`${pkg.name} must not depend on ${d}`);
  if (NO_RUNTIME_DEPENDENCIES.includes(pkg.name)) {
    const any = [...deps, ...(pkg.bundleDependencies ?? pkg.bundledDependencies ?? [])];
    if (any.length > 0) problems.push(`${pkg.name} must have no runtime dependencies, has ${any.join(', ')}`);
  }
  if (!existsSync('node_modules')) continue;
  const { reached, missing } = runtimeClosure(dir, pkg.name);
  closureSizes.set(pkg.name, reached.length);
  for (const chain of missing) problems.push(`${pkg.name}: not installed: ${chain} (run npm install)`);
  for (const forbidden of FORBIDDEN_EXTERNAL[pkg.name] ?? []) {
    const hit = reached.find((r) => r.name === forbidden);
    if (hit !== undefined) problems.push(`${pkg.name} must not install ${forbidden} at runtime: ${hit.chain.join(' -> ')}`);
  }
}
const state = new Map();
const visit = (name, path) => {
  if (state.get(name) === 'done') return;
  if (state.get(name) === 'active') { problems.push(`cycle: ${[...path, name].join(' -> ')}`); return; }
  state.set(name, 'active');
  for (const d of graph.get(name) ?? []) visit(d, [...path, name]);
  state.set(name, 'done');
};
for (const name of graph.keys()) visit(name, []);
if (problems.length > 0) {
  for (const p of problems) console.error(`check-graph: ${p}`);
  process.exit(1);
}
const installs = (n) => `installs ${n} other package${n === 1 ? '' : 's'}`;
for (const [name, deps] of graph) console.log(`${name} -> ${deps.join(', ') || '(none)'}  [${installs(closureSizes.get(name))}]`);
console.log(`check-graph: ${graph.size} packages, dependency direction as in docs/architecture.md, no cycles, no forbidden runtime dependency`);
