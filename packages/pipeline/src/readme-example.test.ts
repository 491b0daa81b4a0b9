/**
 * README examples run exactly as written (the ts block after a `readme-example: NAME` marker) on the shipped model, as
 * a user would: a new file in a fresh ES-module project (the workspace's node_modules and models/ linked in), run with
 * `node --conditions=@speedrl/source --import tsx`. The Speed-RL example of packages/rl-trainer/README.md must save a
 * bundle that loads and differs from the base; the sampling example of this package's README must print its counts.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { loadModel } from '@speedrl/maskgit';
import { MASKGIT_DIR, TOKENIZER_DIR, tokenizerKey } from './index';

const ROOT = resolve(__dirname, '../../..');
const README = join(ROOT, 'packages/rl-trainer/README.md');
const MODEL = join(ROOT, 'models/fashion-mnist');

/** The fenced code block that follows `<!-- readme-example: NAME` in `markdown`. */
function readmeExample(markdown: string, name: string): string {
  const marker = markdown.indexOf(`<!-- readme-example: ${name}`);
  if (marker < 0) throw new Error(`no "readme-example: ${name}" marker`);
  const block = /```ts\n([\s\S]*?)```/.exec(markdown.slice(marker));
  if (block === null) throw new Error(`no ts block after the "${name}" marker`);
  return block[1] as string;
}

/** Runs `code` as FILE in the user project `dir`; resolves with its stdout. */
async function runExample(dir: string, file: string, code: string): Promise<string> {
  writeFileSync(join(dir, file), code);
  const { stdout } = await promisify(execFile)(process.execPath, ['--conditions=@speedrl/source', '--import', 'tsx', file], {
    cwd: dir, env: { ...process.env, FORCE_COLOR: '0' }, maxBuffer: 1 << 24, timeout: 240_000,
  });
  return stdout;
}

describe('README examples', () => {
  const dir = mkdtempSync(join(tmpdir(), 'speedrl-readme-'));
  beforeAll(() => {
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    symlinkSync(join(ROOT, 'models'), join(dir, 'models'), 'dir');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('pipeline: samples 100 images from the shipped model', async () => {
    const stdout = await runExample(dir, 'sample.ts', readmeExample(readFileSync(join(ROOT, 'packages/pipeline/README.md'), 'utf8'), 'sample'));
    expect(stdout).toMatch(/^100 images, 4 forward passes each, \d+\.\d\d s$/m);
    expect(stdout).toMatch(/^bundle key [0-9a-f]{64}$/m);
  }, 300_000);

  it('rl-trainer: the /testing doubles learn a reward that favours token 2', async () => {
    const stdout = await runExample(dir, 'testing.ts', readmeExample(readFileSync(README, 'utf8'), 'testing'));
    const probs = (stdout.match(/\d\.\d+/g) ?? []).map(Number);
    expect(probs).toHaveLength(3);
    expect(probs[2]).toBeGreaterThan(0.5);
  }, 120_000);

  it('rl-trainer: the Speed-RL example is at most 40 lines', () => {
    expect(readmeExample(readFileSync(README, 'utf8'), 'speed-rl').trimEnd().split('\n').length).toBeLessThanOrEqual(40);
  });

  it('rl-trainer: Speed-RL with a custom reward saves a bundle that loads and differs from the base', async () => {
    const stdout = await runExample(dir, 'speed-rl.ts', readmeExample(readFileSync(README, 'utf8'), 'speed-rl'));
    expect(stdout).toMatch(/iteration 0: R \d\.\d{3}, mean T \d\.\d\d, KL /);
    expect(stdout).toMatch(/iteration 1: R /);
    expect(stdout).toContain('saved runs/my-speed-rl after 2 iterations');
    const [saved, base] = [await loadModel(join(dir, 'runs/my-speed-rl', MASKGIT_DIR)), await loadModel(join(MODEL, MASKGIT_DIR))];
    expect(saved.metadata.tokenizerKey).toBe(await tokenizerKey(join(MODEL, TOKENIZER_DIR)));
    expect(await tokenizerKey(join(dir, 'runs/my-speed-rl', TOKENIZER_DIR))).toBe(saved.metadata.tokenizerKey);
    expect(saved.identity).not.toBe(base.identity);
    expect(saved.config).toEqual(base.config);
  }, 300_000);
});
