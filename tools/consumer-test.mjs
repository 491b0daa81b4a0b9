#!/usr/bin/env node
/**
 * The consumer test of .ci/run (issue 13): the packages as a user gets them from npm. Packs every package (built
 * first: `npm run build`), installs the tarballs in a new project outside the workspace, type-checks the README
 * examples against the published type files, runs them (sampling from the shipped model; one Speed-RL run with a
 * custom reward; the /testing doubles), and measures the node_modules of a sampler-only and an rl-trainer-only install, which must stay
 * ≤ 10 MB each. Registry packages come from npm's cache when `npm ci` already fetched them.
 *
 *   node tools/consumer-test.mjs [--keep]     (--keep leaves the temporary projects for inspection)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const LIMIT_BYTES = 10 * 1024 * 1024;
const keep = process.argv.includes('--keep');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const started = Date.now();
const log = (line) => console.log(`consumer-test (${Math.round((Date.now() - started) / 1000)}s): ${line}`);
const run = (cmd, args, cwd, extra = {}) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', ...extra });

/** The ts block after `<!-- readme-example: NAME` in the README `file`. */
function readmeExample(file, name) {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const at = text.indexOf(`<!-- readme-example: ${name}`);
  const block = at < 0 ? null : /```ts\n([\s\S]*?)```/.exec(text.slice(at));
  if (block === null) throw new Error(`${file}: no ts block after a "readme-example: ${name}" marker`);
  return block[1];
}

/** Bytes under `dir` (files only, symlinks not followed). */
function du(dir) {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) total += du(p);
    else if (entry.isFile()) total += statSync(p).size;
  }
  return total;
}

/** A new npm project in a temporary directory (ES modules, onnxruntime-node's CUDA download skipped). */
function newProject(name) {
  const dir = mkdtempSync(join(tmpdir(), `speedrl-consumer-${name}-`));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, private: true, type: 'module' }, null, 2));
  writeFileSync(join(dir, '.npmrc'), 'onnxruntime-node-install=skip\nfund=false\naudit=false\n');
  return dir;
}

const rootPkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const devVersion = (name) => rootPkg.devDependencies?.[name] ?? '*';
const projects = [];
try {
  const packs = mkdtempSync(join(tmpdir(), 'speedrl-packs-'));
  projects.push(packs);
  const tarballs = {};
  for (const dir of readdirSync(join(ROOT, 'packages')).sort()) {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8'));
    const [info] = JSON.parse(run(npm, ['pack', '--json', '--pack-destination', packs], join(ROOT, 'packages', dir)));
    tarballs[pkg.name] = join(packs, info.filename);
  }
  log(`packed ${Object.keys(tarballs).length} packages into ${packs}`);

  // 1. light installs: each package with only its @speedrl siblings (as npm would resolve them from the registry)
  const sizes = {};
  for (const [name, needs] of [['@speedrl/sampler', ['@speedrl/core']], ['@speedrl/rl-trainer', ['@speedrl/core', '@speedrl/sampler']]]) {
    const dir = newProject(name.split('/')[1]);
    projects.push(dir);
    run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', ...[name, ...needs].map((n) => tarballs[n])], dir);
    sizes[name] = du(join(dir, 'node_modules'));
    log(`${name} alone installs ${(sizes[name] / 1024 / 1024).toFixed(2)} MB of node_modules (limit 10 MB)`);
  }

  // 2. the whole stack with its peers, the README examples type-checked against the published .d.ts files, then run
  const dir = newProject('all');
  projects.push(dir);
  const peers = ['@tensorflow/tfjs', '@tensorflow/tfjs-backend-wasm', 'onnxruntime-node'].map((n) => `${n}@${rootPkg.devDependencies?.[n] ?? '^' + JSON.parse(readFileSync(join(ROOT, 'node_modules', n, 'package.json'), 'utf8')).version}`);
  const tools = ['typescript', 'tsx', '@types/node'].map((n) => `${n}@${devVersion(n)}`);
  run(npm, ['install', '--prefer-offline', '--no-audit', '--no-fund', ...Object.values(tarballs), ...peers, ...tools], dir);
  log(`installed every package with its peers in ${dir}`);
  symlinkSync(join(ROOT, 'models'), join(dir, 'models'), 'dir');
  writeFileSync(join(dir, 'sample.ts'), readmeExample('packages/pipeline/README.md', 'sample'));
  writeFileSync(join(dir, 'speed-rl.ts'), readmeExample('packages/rl-trainer/README.md', 'speed-rl'));
  writeFileSync(join(dir, 'testing.ts'), readmeExample('packages/rl-trainer/README.md', 'testing'));
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({
    // skipLibCheck as `tsc --init` sets it: @tensorflow/tfjs-layers' own .d.ts files fail --strict
    compilerOptions: { target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] },
    files: ['sample.ts', 'speed-rl.ts', 'testing.ts'],
  }, null, 2));
  run(join(dir, 'node_modules/.bin/tsc'), ['-p', 'tsconfig.json'], dir, { stdio: 'inherit' });
  log('the README examples type-check against the published types (tsc --strict, nodenext)');
  const sampleOut = run(process.execPath, ['--import', 'tsx', 'sample.ts'], dir);
  process.stdout.write(sampleOut);
  if (!/^100 images, /m.test(sampleOut)) throw new Error('sample.ts: expected "100 images, …" on stdout');
  const rlOut = run(process.execPath, ['--import', 'tsx', 'speed-rl.ts'], dir);
  process.stdout.write(rlOut);
  if (!/^saved runs\/my-speed-rl after \d+ iterations$/m.test(rlOut)) throw new Error('speed-rl.ts: expected "saved runs/my-speed-rl after N iterations" on stdout');
  statSync(join(dir, 'runs/my-speed-rl/maskgit/model.safetensors'));
  log('sampled from the shipped model and ran Speed-RL with a custom reward, from the tarballs');
  const testingOut = run(process.execPath, ['--import', 'tsx', 'testing.ts'], dir);
  if ((testingOut.match(/\d\.\d+/g) ?? []).length !== 3) throw new Error(`testing.ts: expected three probabilities, got ${testingOut}`);
  const cjs = run(process.execPath, ['-e', "const t = require('@speedrl/rl-trainer/testing'); const s = require('@speedrl/sampler/testing'); console.log(typeof t.createFakePolicy, typeof s.fakeLogitsFn)"], dir);
  if (cjs.trim() !== 'function function') throw new Error(`the /testing subpaths from CommonJS: ${cjs}`);
  log('the /testing subpaths of rl-trainer and sampler load from ESM and CommonJS');

  const over = Object.entries(sizes).filter(([, bytes]) => bytes > LIMIT_BYTES);
  if (over.length > 0) throw new Error(`install too heavy: ${over.map(([n, b]) => `${n} ${(b / 1024 / 1024).toFixed(1)} MB`).join(', ')} (limit 10 MB)`);
  log(`passed; sampler-only ${(sizes['@speedrl/sampler'] / 1024 / 1024).toFixed(2)} MB, rl-trainer-only ${(sizes['@speedrl/rl-trainer'] / 1024 / 1024).toFixed(2)} MB`);
} finally {
  if (keep) console.log(`kept: ${projects.join(' ')}`);
  else for (const p of projects) rmSync(p, { recursive: true, force: true });
}
