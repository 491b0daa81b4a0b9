#!/usr/bin/env node
// Checks the package dependency graph against docs/architecture.md, "Workspace and dependency direction":
// tensor-utils ← everything, the sampler knows no model, the RL trainer knows the sampler but no model or onnxruntime,
// only the CLI composes, no cycles. Reads the package.json files (what Nx also builds its graph from). Exit 1 with the
// offending edge.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const ALLOWED = {
  '@speedrl/tensor-utils': [],
  '@speedrl/vq-tokenizer': ['@speedrl/tensor-utils'],
  '@speedrl/maskgit': ['@speedrl/tensor-utils'],
  '@speedrl/sampler': ['@speedrl/tensor-utils'],
  '@speedrl/rewards-clip-fid': ['@speedrl/tensor-utils'],
  '@speedrl/rl-trainer': ['@speedrl/tensor-utils', '@speedrl/sampler'],
  '@speedrl/cli': ['@speedrl/tensor-utils', '@speedrl/vq-tokenizer', '@speedrl/maskgit', '@speedrl/sampler', '@speedrl/rewards-clip-fid', '@speedrl/rl-trainer'],
};
const FORBIDDEN_EXTERNAL = { '@speedrl/sampler': ['onnxruntime-node', '@tensorflow/tfjs'], '@speedrl/rl-trainer': ['onnxruntime-node'] };

process.chdir(new URL('..', import.meta.url).pathname);
const dirs = ['packages', 'apps'].flatMap((d) => readdirSync(d).map((n) => join(d, n))).filter((d) => existsSync(join(d, 'package.json')));
const graph = new Map();
const problems = [];
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
  for (const d of FORBIDDEN_EXTERNAL[pkg.name] ?? []) if (deps.includes(d)) problems.push(`${pkg.name} must not depend on ${d}`);
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
for (const [name, deps] of graph) console.log(`${name} -> ${deps.join(', ') || '(none)'}`);
console.log(`check-graph: ${graph.size} packages, dependency direction as in docs/architecture.md, no cycles`);
