/**
 * End to end on the tiny presets and the committed Fashion-MNIST fixture: train-vq → train-maskgit → sample,
 * plus resume and the bad inputs a user meets (missing model, bad class, bad steps).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportOnnx, initParams, maskGitPreset } from '@speedrl/maskgit';
import { Rng, readJsonl } from '@speedrl/core';
import { readPng } from '@speedrl/tensor-utils';
import { acquireRunLock, bundleIdentity } from '@speedrl/pipeline';
import type { CompareJson } from '@speedrl/eval';
import { runCli } from './cli';
import { runCaptured as cli } from './test-cli';

const FIXTURE = join(__dirname, '../../../packages/tensor-utils/test-fixtures/fashion-mnist');
const REPO = join(__dirname, '../../..');
const MAIN = join(__dirname, 'main.ts');

describe('speedrl train-vq → train-maskgit → sample (tiny presets)', () => {
  const root = mkdtempSync(join(tmpdir(), 'speedrl-cli-'));
  const vqRun = join(root, 'vq');
  const mgRun = join(root, 'mg');
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('trains a tiny tokenizer, with metrics.jsonl, a checkpoint and a test evaluation', async () => {
    const r = await cli(['train-vq', '--preset', 'tiny', '--data', FIXTURE, '--steps', '12', '--batch', '32', '--eval-limit', '100', '--checkpoint-every', '5', '--log-every', '4', '--out', vqRun, '--json']);
    expect(r.err).not.toMatch(/error/i);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out);
    expect(summary.step).toBe(12);
    expect(summary.test.count).toBe(100);
    expect(summary.test.psnr).toBeGreaterThan(5);
    expect(existsSync(join(vqRun, 'tokenizer', 'model.safetensors'))).toBe(true);
    const { records } = readJsonl<{ step: number; event?: string }>(join(vqRun, 'metrics.jsonl'));
    expect(records.filter((m) => m.event === undefined).map((m) => m.step)).toEqual([4, 8, 12]);
  });

  it('refuses to overwrite a run without --resume, and resumes one with a larger step budget', async () => {
    const again = await cli(['train-vq', '--preset', 'tiny', '--data', FIXTURE, '--steps', '12', '--out', vqRun]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already holds a checkpoint; pass --resume/);
    const resumed = await cli(['train-vq', '--out', vqRun, '--resume', '--steps', '16', '--json']);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.out).step).toBe(16);
    const steps = readJsonl<{ step: number; event?: string }>(join(vqRun, 'metrics.jsonl')).records.filter((m) => m.event === undefined).map((m) => m.step);
    expect(steps).toEqual([4, 8, 12, 16]);
    const missing = await cli(['train-vq', '--out', join(root, 'nothing'), '--resume']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/no complete checkpoint/);
  });

  it('trains a tiny transformer on the tokens and writes a sampleable bundle (ONNX included)', async () => {
    const r = await cli(['train-maskgit', '--preset', 'tiny', '--tokenizer', join(vqRun, 'tokenizer'), '--data', FIXTURE, '--steps', '30', '--batch', '16', '--warmup', '5', '--checkpoint-every', '10', '--out', mgRun, '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out);
    expect(summary.step).toBe(30);
    expect(Number.isFinite(summary.finalLoss)).toBe(true);
    for (const f of ['maskgit/model.safetensors', 'maskgit/config.json', 'maskgit/model.onnx', 'tokenizer/model.safetensors', 'metrics.jsonl', 'train-tokens.safetensors']) {
      expect(existsSync(join(mgRun, f))).toBe(true);
    }
    const losses = readJsonl<{ step: number; loss: number }>(join(mgRun, 'metrics.jsonl')).records.map((m) => m.loss);
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] as number);
  });

  it('samples a PNG grid on onnxruntime, identically for the same seed, and on tfjs', async () => {
    const png = join(root, 'grid.png');
    const r = await cli(['sample', '--model', mgRun, '--steps', '4', '--n', '3', '--seed', '5', '--out', png, '--json']);
    expect(r.err).not.toMatch(/speedrl:/);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.out);
    expect(summary).toMatchObject({ images: 30, steps: 4, nfe: 4, engine: 'ort' });
    const first = readFileSync(png);
    expect(readPng(first).width).toBeGreaterThan(3 * 56);
    await cli(['sample', '--model', mgRun, '--steps', '4', '--n', '3', '--seed', '5', '--out', png, '--force']); // replaces its own grid
    expect(readFileSync(png).equals(first)).toBe(true);
    const tfjs = await cli(['sample', '--model', mgRun, '--steps', '2', '--class', '7', '--n', '2', '--engine', 'tfjs', '--cfg', '2', '--out', png, '--force', '--json']);
    expect(tfjs.code).toBe(0);
    expect(JSON.parse(tfjs.out)).toMatchObject({ images: 2, nfe: 4, engine: 'tfjs' });
  });

  it('a stale model.onnx (exported from other weights) is never used: the bundle samples as its safetensors say', async () => {
    const copy = join(root, 'mg-stale-onnx');
    cpSync(mgRun, copy, { recursive: true });
    const config = maskGitPreset('tiny');
    writeFileSync(join(copy, 'maskgit', 'model.onnx'), exportOnnx(initParams(config, Rng.fromSeed(77)), config));
    const args = (model: string, png: string) => ['sample', '--model', model, '--steps', '4', '--n', '2', '--seed', '3', '--out', png];
    expect((await cli(args(mgRun, join(root, 'fresh.png')))).code).toBe(0);
    expect((await cli(args(copy, join(root, 'stale.png')))).code).toBe(0);
    expect(readFileSync(join(root, 'stale.png')).equals(readFileSync(join(root, 'fresh.png')))).toBe(true);
  });

  it('reads --config (YAML) with flags winning, and names the file and field of a bad value', async () => {
    const yamlPath = join(root, 'sample.yaml');
    writeFileSync(yamlPath, 'steps: 2\nn: 1\nseed: 9\n');
    const r = await cli(['sample', '--model', mgRun, '--config', yamlPath, '--n', '2', '--out', join(root, 'cfg.png'), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ steps: 2, seed: 9, images: 20 });
    writeFileSync(yamlPath, 'steps: -3\n');
    const bad = await cli(['sample', '--model', mgRun, '--config', yamlPath, '--out', join(root, 'cfg.png')]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain(`${yamlPath}: field "steps"`);
  });

  it('gives clear usage errors (exit 2) for a missing model, a bad class and bad steps', async () => {
    const missing = await cli(['sample', '--model', join(root, 'nope'), '--out', join(root, 'x.png')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--model: directory ".*nope" does not exist \(expected tokenizer\/ and maskgit\/ in it\)/);
    const badClass = await cli(['sample', '--model', mgRun, '--class', '10', '--out', join(root, 'x.png')]);
    expect(badClass.code).toBe(2);
    expect(badClass.err).toMatch(/--class: must be < 10/);
    for (const c of ['1,2', 'shirt']) { // was: "--class: Invalid input"
      const r = await cli(['sample', '--model', mgRun, '--class', c, '--out', join(root, 'x.png')]);
      expect([c, r.code, r.err]).toEqual([c, 2, expect.stringContaining('--class: expected one class id (an integer ≥ 0, e.g. 7) or "all"')]);
    }
    const zeroSteps = await cli(['sample', '--model', mgRun, '--steps', '0', '--out', join(root, 'x.png')]);
    expect(zeroSteps.code).toBe(2);
    expect(zeroSteps.err).toMatch(/--steps: Number must be greater than or equal to 1/);
    const tooMany = await cli(['sample', '--model', mgRun, '--steps', '50', '--out', join(root, 'x.png')]);
    expect(tooMany.code).toBe(2);
    expect(tooMany.err).toMatch(/--steps: must be ≤ 49/);
    expect(existsSync(join(root, 'x.png'))).toBe(false);
  });

  it('checks every name, range and output path before any work: bad schedule, seed, file type, unwritable --out', async () => {
    const png = join(root, 'checked.png');
    const schedule = await cli(['sample', '--model', mgRun, '--schedule', 'cosin', '--out', png]);
    expect(schedule.code).toBe(2);
    expect(schedule.err).toMatch(/--schedule: unknown schedule "cosin"; expected one of cosine, arccos/);
    const seed = await cli(['sample', '--model', mgRun, '--seed', '1e20', '--out', png]);
    expect(seed.code).toBe(2);
    expect(seed.err).toMatch(/--seed: must be ≤ 9007199254740991/);
    const txt = await cli(['sample', '--model', mgRun, '--out', join(root, 'grid.txt')]);
    expect(txt.code).toBe(2);
    expect(txt.err).toMatch(/--out: must name a \.png file/);
    writeFileSync(join(root, 'a-file'), 'x');
    const underFile = await cli(['sample', '--model', mgRun, '--out', join(root, 'a-file', 'grid.png')]);
    expect(underFile.code).toBe(2);
    expect(underFile.err).toMatch(/--out: cannot write to ".*a-file": (a part of the path is a file, not a directory \(ENOTDIR\)|a file of that name is in the way \(EEXIST\))/);
    const evalOut = await cli(['eval', '--model', mgRun, '--steps', '2', '--n', '4', '--out', join(root, 'a-file', 'eval')]);
    expect(evalOut.code).toBe(2);
    expect(evalOut.err).toMatch(/--out: cannot write to/);
    const evalSchedule = await cli(['eval', '--model', mgRun, '--steps', '2', '--n', '4', '--schedule', 'pow-x', '--out', join(root, 'eval-bad')]);
    expect(evalSchedule.code).toBe(2);
    expect(evalSchedule.err).toMatch(/--schedule: unknown schedule "pow-x"/);
    const trainOut = await cli(['train-maskgit', '--preset', 'tiny', '--tokenizer', join(vqRun, 'tokenizer'), '--data', FIXTURE, '--steps', '2', '--out', join(root, 'a-file', 'run')]);
    expect(trainOut.code).toBe(2);
    expect(trainOut.err).toMatch(/--out: cannot write to/);
    expect(existsSync(png)).toBe(false);
    const nested = join(root, 'new', 'dirs', 'grid.png'); // a missing directory is created
    const made = await cli(['sample', '--model', mgRun, '--steps', '2', '--n', '1', '--out', nested]);
    expect(made.code).toBe(0);
    expect(existsSync(nested)).toBe(true);
  });

  it('trains both classifiers (different seeds) and evaluates the bundle against the test fixture', async () => {
    const roles = ['reward', 'eval'] as const;
    for (const role of roles) {
      const r = await cli(['train-classifier', '--role', role, '--preset', 'tiny', '--data', FIXTURE, '--steps', '10', '--out', join(root, `cls-${role}`), '--json']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out)).toMatchObject({ role, step: 10, test: { count: 300 } });
      expect(existsSync(join(root, `cls-${role}`, 'classifier', 'feature-stats.safetensors'))).toBe(true);
    }
    const evalOut = join(root, 'eval');
    const base = ['eval', '--model', mgRun, '--data', FIXTURE, '--steps', '1,4', '--n', '30', '--seeds', '2', '--kid-subsets', '3', '--out', evalOut];
    const tooFew = await cli([...base, '--n', '24', '--classifier', join(root, 'cls-eval', 'classifier')]);
    expect(tooFew.code).toBe(2);
    expect(tooFew.err).toMatch(/--n: FCD needs more samples than the eval classifier's 24 feature dimensions/);
    const refused = await cli([...base, '--classifier', join(root, 'cls-reward', 'classifier')]);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/is the reward classifier; eval needs the evaluation classifier/);
    const r = await cli([...base, '--classifier', join(root, 'cls-eval', 'classifier'), '--json']);
    expect(r.err).not.toMatch(/speedrl:/);
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out);
    expect(result.cells).toHaveLength(4);
    expect(result.rows.map((row: { steps: number; nfePerImage: number }) => [row.steps, row.nfePerImage])).toEqual([[1, 1], [4, 4]]);
    expect(Number.isFinite(result.floors.reconstruction)).toBe(true);
    expect(result.floors.heldOutTrainImages).toBe(200);
    for (const f of ['eval.json', 'eval.md', 'fcd-vs-steps.png']) expect(existsSync(join(evalOut, f))).toBe(true);
    // --resume keeps finished cells and adds only the new step budget
    const more = await cli(['eval', ...base.slice(1), '--steps', '1,2,4', '--classifier', join(root, 'cls-eval', 'classifier'), '--resume', '--json']);
    expect(more.code).toBe(0);
    const again = JSON.parse(more.out);
    expect(again.cells).toHaveLength(6);
    expect(again.cells.slice(0, 4)).toEqual(result.cells);
  });

  it('eval never silently replaces or mixes results: an existing eval.json needs --resume (same options) or --force', async () => {
    const out = join(root, 'eval');
    const before = readFileSync(join(out, 'eval.json'));
    const args = ['eval', '--model', mgRun, '--data', FIXTURE, '--steps', '1', '--n', '30', '--seeds', '1', '--kid-subsets', '3', '--classifier', join(root, 'cls-eval', 'classifier'), '--out', out];
    const again = await cli(args);
    expect(again.code).toBe(2);
    expect(again.err).toContain(`--out: "${out}" already holds eval.json; pass --resume to add cells to it, --force to replace it`);
    const mixed = await cli([...args, '--resume', '--temperature', '0.5']);
    expect(mixed.code).toBe(2);
    expect(mixed.err).toMatch(/--temperature: .*eval\.json was computed with 1, now 0\.5/);
    expect(readFileSync(join(out, 'eval.json')).equals(before)).toBe(true);
    const forced = await cli([...args, '--force', '--json']);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.out).cells).toHaveLength(1);
    const both = await cli([...args, '--resume', '--force', '--temperature', '0.5']);
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/--resume, --force: choose one/);
    // another spelling of the model's path, or a byte-identical copy of it: the content keys decide, the cells are kept
    const copy = join(root, 'mg-eval-copy');
    cpSync(mgRun, copy, { recursive: true });
    for (const model of [`${mgRun}/`, copy]) {
      const same = await cli([...args.slice(0, 2), model, ...args.slice(3), '--resume']);
      expect([model, same.code, same.err]).toEqual([model, 0, expect.stringMatching(/eval: /)]);
    }
    // --force replaces only an eval.json of speedrl eval; --out never lies inside an input
    const notMine = join(root, 'eval-not-mine');
    mkdirSync(notMine, { recursive: true });
    writeFileSync(join(notMine, 'eval.json'), JSON.stringify({ format: 'speedrl-tuned-schedule' }));
    const other = await cli([...args.slice(0, -2), '--out', notMine, '--force']);
    expect(other.code).toBe(2);
    expect(other.err).toMatch(/--out: ".*eval-not-mine\/eval\.json" is not an eval\.json of speedrl eval \(it holds a file of format "speedrl-tuned-schedule"\)/);
    const inside = await cli([...args.slice(0, -2), '--out', join(mgRun, 'eval-inside'), '--force']);
    expect(inside.code).toBe(2);
    expect(inside.err).toMatch(/--out: ".*eval-inside" is inside --model/);
    expect(existsSync(join(mgRun, 'eval-inside'))).toBe(false);
    const subsets = await cli([...args.slice(0, -2), '--kid-subsets', '1e12', '--out', join(root, 'eval-subsets')]);
    expect(subsets.code).toBe(2);
    expect(subsets.err).toMatch(/--kid-subsets: must be ≤ 10,000/);
    const twice = await cli([...args.slice(0, -2), '--steps', '1,2,1', '--out', join(root, 'eval-twice')]);
    expect(twice.code).toBe(2);
    expect(twice.err).toMatch(/--steps: T=1 is listed twice/);
    // the same path with other files: the earlier cells are refused, not mixed in
    const model = join(root, 'mg-eval-changed');
    cpSync(mgRun, model, { recursive: true });
    const evalOut = join(root, 'eval-changed');
    const changedArgs = ['eval', '--model', model, '--data', FIXTURE, '--steps', '1', '--n', '30', '--seeds', '1', '--kid-subsets', '3', '--classifier', join(root, 'cls-eval', 'classifier'), '--out', evalOut];
    expect((await cli(changedArgs)).code).toBe(0);
    const mgConfig = join(model, 'maskgit', 'config.json');
    writeFileSync(mgConfig, `${readFileSync(mgConfig, 'utf8')}\n`); // other bytes at the same path
    const stale = await cli([...changedArgs, '--resume', '--steps', '2']);
    expect(stale.code).toBe(2);
    expect(stale.err).toMatch(/--resume: the files of --model changed since .*eval\.json was computed/);
    // the same for the dataset: other test images at the same path
    const data = join(root, 'data-changed');
    cpSync(FIXTURE, data, { recursive: true });
    const dataArgs = [...changedArgs.slice(0, -2), '--model', mgRun, '--data', data, '--out', join(root, 'eval-data-changed')];
    expect((await cli(dataArgs)).code).toBe(0);
    const testImages = readdirSync(data).find((f) => f.startsWith('t10k-images')) as string;
    const bytes = readFileSync(join(data, testImages));
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff; // one pixel of the last test image
    writeFileSync(join(data, testImages), bytes);
    const staleData = await cli([...dataArgs, '--resume', '--steps', '2']);
    expect(staleData.code).toBe(2);
    expect(staleData.err).toMatch(/--resume: the files of --data changed since/);
    // one writer at a time: a held lock on --out refuses a second eval into it
    const release = acquireRunLock(join(root, 'eval-data-changed'), 'another eval');
    const second = await cli([...dataArgs, '--force']);
    release();
    expect(second.code).toBe(2);
    expect(second.err).toMatch(/--out: ".*eval-data-changed" is in use by this process \(another eval/);
  });

  it('train-vq: architecture flags, a perceptual loss on reward-classifier features, and figures on held-out training images', async () => {
    const out = join(root, 'vq-perc');
    const r = await cli(['train-vq', '--preset', 'tiny', '--data', FIXTURE, '--steps', '6', '--batch', '16', '--codebook-size', '24', '--channels', '8',
      '--perceptual', '0.01', '--perceptual-classifier', join(root, 'cls-reward', 'classifier'), '--holdout', '50', '--eval-limit', '40', '--out', out]);
    expect(r.err).not.toMatch(/speedrl:/);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/150 images/);
    expect(JSON.parse(readFileSync(join(out, 'tokenizer', 'config.json'), 'utf8')).config).toMatchObject({ codebookSize: 24, channels: 8 });
    const records = readJsonl<{ step: number; event?: string; split?: string; perceptualLoss?: number; rewardFd?: number; count?: number; firstIndex?: number }>(join(out, 'metrics.jsonl')).records;
    expect(records.filter((m) => m.event === undefined).every((m) => (m.perceptualLoss as number) > 0)).toBe(true);
    const held = records.find((m) => m.split === 'train-holdout');
    expect(held).toMatchObject({ count: 50, firstIndex: 150 });
    expect(Number.isFinite(held?.rewardFd)).toBe(true);
    const judge = await cli(['train-vq', '--preset', 'tiny', '--data', FIXTURE, '--steps', '2', '--perceptual', '0.01', '--perceptual-classifier', join(root, 'cls-eval', 'classifier'), '--out', join(root, 'vq-judge')]);
    expect(judge.code).toBe(2);
    expect(judge.err).toMatch(/--perceptual-classifier: .* is the eval classifier; the perceptual loss needs the reward classifier/);
  });

  it('eval loads floors.json when its key matches and recomputes it when a file it depends on changed', async () => {
    const floorsPath = join(mgRun, 'floors.json');
    expect(existsSync(floorsPath)).toBe(true); // written by the eval above
    const evalArgs = (model: string, out: string) => ['eval', '--model', model, '--data', FIXTURE, '--steps', '1', '--n', '30', '--seeds', '1', '--kid-subsets', '3',
      '--classifier', join(root, 'cls-eval', 'classifier'), '--out', join(root, out), '--json'];
    const saved = JSON.parse(readFileSync(floorsPath, 'utf8'));
    expect(saved.key).toMatch(/^[0-9a-f]{64}$/);
    const loaded = await cli(evalArgs(mgRun, 'eval-cached'));
    expect(loaded.code).toBe(0);
    expect(loaded.err).toMatch(/floors: loaded from .*floors\.json \(its key matches\)/);
    expect(JSON.parse(loaded.out).floors.reconstruction).toBe(saved.floors.reconstruction);

    // numbers edited under a matching key: the recorded SHA-256 no longer matches, so they are recomputed, not loaded
    writeFileSync(floorsPath, JSON.stringify({ ...saved, floors: { ...saved.floors, reconstruction: 123.25 } }));
    const edited = await cli(evalArgs(mgRun, 'eval-edited'));
    expect(edited.code).toBe(0);
    expect(edited.err).toMatch(/floors: recomputed because .*floors\.json has floors its recorded SHA-256 does not match/);
    expect(JSON.parse(edited.out).floors.reconstruction).toBeCloseTo(saved.floors.reconstruction, 6);

    writeFileSync(floorsPath, JSON.stringify({ ...saved, key: 'stale', floors: { ...saved.floors, reconstruction: 123.25 } }));
    const stale = await cli(evalArgs(mgRun, 'eval-stale'));
    expect(stale.code).toBe(0);
    expect(stale.err).toMatch(/floors: recomputed because .*floors\.json was computed from other files \(key mismatch\)/);
    expect(JSON.parse(stale.out).floors.reconstruction).toBeCloseTo(saved.floors.reconstruction, 6);
    expect(JSON.parse(readFileSync(floorsPath, 'utf8')).key).toBe(saved.key);

    const copy = join(root, 'mg-copy');
    cpSync(mgRun, copy, { recursive: true });
    const clsCopy = join(root, 'cls-eval-copy');
    cpSync(join(root, 'cls-eval', 'classifier'), clsCopy, { recursive: true });
    const clsConfig = join(clsCopy, 'config.json');
    writeFileSync(clsConfig, `${readFileSync(clsConfig, 'utf8')}\n`); // same classifier, other bytes: the key must change
    const changed = await cli([...evalArgs(copy, 'eval-copy'), '--classifier', clsCopy]);
    expect(changed.code).toBe(0);
    expect(changed.err).toMatch(/key mismatch\); it is kept, and these floors are not cached/);
    // the bundle's intact floors of its usual inputs stay (was: overwritten by those of another classifier)
    expect(JSON.parse(readFileSync(join(copy, 'floors.json'), 'utf8')).key).toBe(saved.key);

    // a bundle whose tokenizer/ is not the one its transformer was trained on is refused (it would decode noise)
    const vqConfig = join(copy, 'tokenizer', 'config.json');
    writeFileSync(vqConfig, `${readFileSync(vqConfig, 'utf8')}\n`);
    const swapped = await cli(['sample', '--model', copy, '--steps', '2', '--n', '1', '--out', join(root, 'swapped.png')]);
    expect(swapped.code).toBe(2);
    expect(swapped.err).toMatch(/tokenizer\/ is not the tokenizer the transformer in maskgit\/ was trained on/);
  });

  it('keeps weight EMAs, probes quality on a schedule, writes one bundle per decay, and resumes them exactly', async () => {
    const cls = (role: string) => join(root, `cls-${role}`, 'classifier');
    const common = ['train-maskgit', '--preset', 'tiny', '--tokenizer', join(vqRun, 'tokenizer'), '--data', FIXTURE, '--batch', '8', '--warmup', '3',
      '--lr-schedule', 'rsqrt', '--ema', '0.9,0.99', '--ema-every', '2', '--holdout', '50', '--checkpoint-every', '3', '--eval-n', '30', '--eval-steps', '2',
      '--classifier', cls('eval'), '--reward-classifier', cls('reward')];
    const whole = join(root, 'mg-ema');
    const r = await cli([...common, '--steps', '6', '--eval-every', '3', '--out', whole, '--json']);
    expect(r.err).not.toMatch(/speedrl:/);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/150 images \(50 held out\)/);
    for (const d of ['0.9', '0.99']) {
      for (const f of ['maskgit/model.safetensors', 'maskgit/model.onnx', 'tokenizer/model.safetensors']) expect(existsSync(join(whole, `ema-${d}`, f))).toBe(true);
    }
    const probes = readJsonl<{ step: number; event?: string; weights: string; fcd: number; rewardFd: number }>(join(whole, 'metrics.jsonl')).records.filter((m) => m.event === 'eval');
    expect(probes.map((m) => `${m.step}:${m.weights}`)).toEqual(['3:raw', '3:ema-0.9', '3:ema-0.99', '6:raw', '6:ema-0.9', '6:ema-0.99']);
    for (const m of probes) expect(Number.isFinite(m.fcd) && Number.isFinite(m.rewardFd)).toBe(true);
    expect(readPng(readFileSync(join(whole, 'quality-vs-training.png'))).width).toBeGreaterThan(100);
    const raw = readFileSync(join(whole, 'maskgit', 'model.safetensors'));
    expect(readFileSync(join(whole, 'ema-0.99', 'maskgit', 'model.safetensors')).equals(raw)).toBe(false);

    const parts = join(root, 'mg-ema-parts');
    expect((await cli([...common, '--steps', '3', '--out', parts])).code).toBe(0);
    const resumed = await cli(['train-maskgit', '--out', parts, '--resume', '--steps', '6']);
    expect(resumed.code).toBe(0);
    for (const sub of ['maskgit', 'ema-0.9/maskgit', 'ema-0.99/maskgit']) {
      expect(readFileSync(join(parts, sub, 'model.safetensors')).equals(readFileSync(join(whole, sub, 'model.safetensors')))).toBe(true);
    }

    // bias-corrected averages: two decays are two different averages from the first update on
    expect(readFileSync(join(whole, 'ema-0.9', 'maskgit', 'model.safetensors')).equals(readFileSync(join(whole, 'ema-0.99', 'maskgit', 'model.safetensors')))).toBe(false);
    // a checkpoint of the old warm-up EMA (`emaUpdates`) resumes with its EMAs restarted at its step, said aloud and recorded
    const legacy = join(root, 'mg-ema-legacy');
    expect((await cli([...common, '--steps', '3', '--out', legacy])).code).toBe(0);
    const statePath = join(legacy, 'checkpoint', 'state.json');
    const { emaSteps: _steps, emaSince: _since, ...rest } = JSON.parse(readFileSync(statePath, 'utf8')) as Record<string, unknown>;
    writeFileSync(statePath, JSON.stringify({ ...rest, emaUpdates: 1 }));
    // sealed as its writer would have: the COMPLETE marker records the state's SHA-256 (an unsealed edit is refused)
    const markerPath = join(legacy, 'checkpoint', 'COMPLETE');
    const marker = JSON.parse(readFileSync(markerPath, 'utf8')) as { sha256: Record<string, string> };
    writeFileSync(markerPath, JSON.stringify({ ...marker, sha256: { ...marker.sha256, 'state.json': createHash('sha256').update(readFileSync(statePath)).digest('hex') } }));
    const migrated = await cli(['train-maskgit', '--out', legacy, '--resume', '--steps', '6']);
    expect(migrated.code).toBe(0);
    expect(migrated.err).toContain('weight EMAs use the old warm-up scheme (every decay the same average); they restart, bias-corrected, at step 3');
    expect((JSON.parse(readFileSync(join(legacy, 'ema-0.9', 'maskgit', 'config.json'), 'utf8')) as { metadata: { emaSince: number } }).metadata.emaSince).toBe(3);

    // the run records its tokenizer's content key (and the token cache and checkpoint are keyed by it): a tokenizer changed in place is refused on resume
    const tok = join(root, 'tok-copy');
    cpSync(join(vqRun, 'tokenizer'), tok, { recursive: true });
    const keyed = join(root, 'mg-keyed');
    const keyedArgs = ['train-maskgit', '--preset', 'tiny', '--tokenizer', tok, '--data', FIXTURE, '--batch', '8', '--warmup', '3', '--checkpoint-every', '2', '--out', keyed];
    expect((await cli([...keyedArgs, '--steps', '2'])).code).toBe(0);
    writeFileSync(join(tok, 'config.json'), `${readFileSync(join(tok, 'config.json'), 'utf8')}\n`);
    const changed = await cli(['train-maskgit', '--out', keyed, '--resume', '--steps', '4']);
    expect(changed.code).toBe(2);
    expect(changed.err).toMatch(/--tokenizer: its files changed since this run started/);
    expect(readJsonl<{ step: number }>(join(keyed, 'metrics.jsonl')).records.every((m) => m.step <= 2)).toBe(true);

    const badDecay = await cli([...common, '--steps', '3', '--ema', '0.9,1.5', '--out', join(root, 'mg-bad')]);
    expect(badDecay.code).toBe(2);
    expect(badDecay.err).toMatch(/--ema/);
    const badHoldout = await cli([...common, '--steps', '3', '--holdout', '200', '--out', join(root, 'mg-bad2')]);
    expect(badHoldout.code).toBe(2);
    expect(badHoldout.err).toMatch(/--holdout: 200 leaves no training images of the 200 loaded/);
  });

  it('--cooldown ends an rsqrt run linearly at 0; added on --resume before it begins it trains as an uninterrupted run, once begun it is fixed', async () => {
    const common = ['train-maskgit', '--preset', 'tiny', '--tokenizer', join(vqRun, 'tokenizer'), '--data', FIXTURE, '--batch', '8', '--warmup', '2',
      '--lr-schedule', 'rsqrt', '--ema', 'none', '--checkpoint-every', '3', '--log-every', '1'];
    const whole = join(root, 'mg-cool');
    const r = await cli([...common, '--steps', '8', '--cooldown', '5', '--out', whole]);
    expect(r.code).toBe(0);
    expect(r.err).toContain('rsqrt LR cooling down to 0 over steps 3→8');
    const lrs = readJsonl<{ step: number; lr: number }>(join(whole, 'metrics.jsonl')).records.map((m) => m.lr);
    const peak = 3e-4 /* the --lr default */;
    const rsqrt3 = peak * Math.sqrt(2 / 4); // the rate of step 3 (0-based), where the cool-down begins
    [peak / 2, peak, peak * Math.sqrt(2 / 3), rsqrt3, (rsqrt3 * 4) / 5, (rsqrt3 * 3) / 5, (rsqrt3 * 2) / 5, rsqrt3 / 5].forEach((lr, i) => expect(lrs[i]).toBeCloseTo(lr, 9));

    const parts = join(root, 'mg-cool-parts');
    expect((await cli([...common, '--steps', '3', '--out', parts])).code).toBe(0);
    const resumed = await cli(['train-maskgit', '--out', parts, '--resume', '--steps', '8', '--cooldown', '5']);
    expect(resumed.err).not.toMatch(/speedrl:/);
    expect(resumed.code).toBe(0);
    expect(readFileSync(join(parts, 'maskgit', 'model.safetensors')).equals(readFileSync(join(whole, 'maskgit', 'model.safetensors')))).toBe(true);

    // begun at step 3, the run's checkpoint at step 6 holds it: moving its end or dropping it is refused before anything is written
    const begun = join(root, 'mg-cool-begun');
    expect((await cli([...common, '--steps', '8', '--cooldown', '5', '--out', begun])).code).toBe(0);
    const before = readFileSync(join(begun, 'metrics.jsonl'));
    for (const change of [['--steps', '10'], ['--cooldown', '0'], ['--cooldown', '2']]) {
      const moved = await cli(['train-maskgit', '--out', begun, '--resume', ...change]);
      expect(moved.code).toBe(2);
      expect(moved.err).toMatch(/--cooldown: the run is at step 8 with a cool-down over steps 3→8; .* would change the learning rate of steps it already trained \(keep it with --steps 8 --cooldown 5\)/);
      expect(readFileSync(join(begun, 'metrics.jsonl')).equals(before)).toBe(true);
    }
    const cosine = await cli([...common.filter((a) => a !== 'rsqrt' && a !== '--lr-schedule'), '--steps', '8', '--cooldown', '5', '--out', join(root, 'mg-cool-bad')]);
    expect(cosine.code).toBe(2);
    expect(cosine.err).toMatch(/--cooldown: a cool-down ends an rsqrt schedule; pass --lr-schedule rsqrt/);
    const tooLong = await cli([...common, '--steps', '8', '--cooldown', '7', '--out', join(root, 'mg-cool-bad2')]);
    expect(tooLong.code).toBe(2);
    expect(tooLong.err).toMatch(/--cooldown: 7 steps do not fit between the warm-up \(--warmup 2\) and --steps 8/);
  });

  it('Ctrl-C during training saves a checkpoint and exits 130 without writing a final model; --resume finishes it', async () => {
    const out = join(root, 'mg-ctrl-c');
    const args = ['train-maskgit', '--preset', 'tiny', '--tokenizer', join(vqRun, 'tokenizer'), '--data', FIXTURE, '--steps', '200', '--batch', '8', '--warmup', '2', '--checkpoint-every', '50', '--log-every', '1', '--out', out];
    let sent = false;
    const io = {
      isTTY: false, stdout: () => undefined,
      stderr: (t: string) => {
        if (!sent && /^train-maskgit \d+\/200/m.test(t)) {
          sent = true;
          process.emit('SIGINT', 'SIGINT');
        }
      },
    };
    const code = await runCli(args, io);
    expect(sent).toBe(true);
    expect(code).toBe(130);
    expect(existsSync(join(out, 'checkpoint', 'state.json'))).toBe(true);
    expect(existsSync(join(out, 'maskgit', 'model.safetensors'))).toBe(false); // no "final" model from an unfinished run
    const resumed = await cli(['train-maskgit', '--out', out, '--resume', '--json']);
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.out).step).toBe(200);
  });

  it('accelerate, compare, eval, train: ranges, model limits and a missing dataset are exit 2 naming the flag, before any work', async () => {
    const acc = (out: string, ...extra: string[]) => cli(['accelerate', '--base', mgRun, '--reward-classifier', join(root, 'cls-reward', 'classifier'), '--data', FIXTURE, '--out', join(root, out), '--iterations', '1', ...extra]);
    const cases: [string[], RegExp][] = [
      [['--step-choices', '0,2'], /--step-choices: a comma-separated list of step counts ≥ 1/],
      [['--step-choices', '2,50'], /--step-choices: each T must be ≤ 49 \(the tokens per image of .*\), got 50/],
      [['--rollout', 'adaptive', '--max-steps', '100'], /--max-steps: must be ≤ 49 \(the tokens per image of .*\), got 100/],
      [['--rollout', 'adaptive', '--min-per-step', '50'], /--min-per-step: must be ≤ 49 .* or "schedule", got 50/],
      [['--rollout', 'adaptive', '--max-steps', '12', '--min-per-step', '5'], /--max-steps: with --min-per-step 5 every rollout ends within ⌈49\/5⌉ = 10 steps/],
      [['--clip-low', '2'], /--clip-low: must be < 1/],
      [['--step-fraction', '0'], /--step-fraction: must be > 0/],
      [['--lr', '0'], /--lr: must be > 0/],
      [['--floor', '1.2.3'], /--floor: .*"none" or a decimal number such as -0\.5/],
      [['--classes-per-iteration', '11'], /--classes-per-iteration: must be ≤ 10/],
      [['--w-classifier', '0', '--w-realism', '0', '--w-mmd', '0'], /--w-classifier, --w-realism, --w-mmd, --reward: at least one/],
      [['--data', join(root, 'no-data')], /--data: dataset directory ".*no-data" does not exist/],
    ];
    for (const [i, [extra, message]] of cases.entries()) {
      const r = await acc(`acc-bad-${i}`, ...extra);
      expect({ extra, code: r.code }).toEqual({ extra, code: 2 });
      expect(r.err).toMatch(message);
      expect(existsSync(join(root, `acc-bad-${i}`, 'run.json'))).toBe(false);
    }
    const cmp = await cli(['compare', '--models', `base=${mgRun}`, '--methods', 'cosine', '--steps', '2,60', '--n', '300', '--classifier', join(root, 'cls-eval', 'classifier'), '--data', FIXTURE, '--out', join(root, 'cmp-bad')]);
    expect(cmp.code).toBe(2);
    expect(cmp.err).toMatch(/--steps: each T \(and --adaptive-cap\) must be ≤ 49/);
    expect(cmp.err).not.toMatch(/reference = /); // refused before the reference features were computed
    // refused by the reference check (after the run directory was opened): nothing is left behind, not even grids/
    const refLimit = await cli(['compare', '--models', `base=${mgRun}`, '--methods', 'cosine', '--steps', '2', '--n', '300', '--ref-limit', '10', '--classifier', join(root, 'cls-eval', 'classifier'), '--data', FIXTURE, '--out', join(root, 'cmp-ref')]);
    expect(refLimit.code).toBe(2);
    expect(refLimit.err).toMatch(/--ref-limit: /);
    expect(existsSync(join(root, 'cmp-ref'))).toBe(false);
    const noData = await cli(['eval', '--model', mgRun, '--classifier', join(root, 'cls-eval', 'classifier'), '--data', join(root, 'no-data'), '--steps', '2', '--n', '300', '--out', join(root, 'eval-no-data')]);
    expect(noData.code).toBe(2);
    expect(noData.err).toMatch(/--data: dataset directory/);
    const trainNoData = await cli(['train-vq', '--preset', 'tiny', '--data', join(root, 'no-data'), '--steps', '2', '--out', join(root, 'vq-no-data')]);
    expect(trainNoData.code).toBe(2);
    expect(trainNoData.err).toMatch(/--data: dataset directory/);
    // a malformed dataset file is bad input too (exit 2, naming the file), not a crash
    const broken = join(root, 'broken-data');
    cpSync(FIXTURE, broken, { recursive: true });
    const trainImages = readdirSync(broken).find((f) => f.startsWith('train-images')) as string;
    writeFileSync(join(broken, trainImages), readFileSync(join(broken, trainImages)).subarray(0, 100));
    const truncated = await cli(['train-vq', '--preset', 'tiny', '--data', broken, '--steps', '2', '--out', join(root, 'vq-broken')]);
    expect(truncated.code).toBe(2);
    expect(truncated.err).toMatch(new RegExp(`${trainImages}`));
    const noTokenizer = await cli(['train-maskgit', '--preset', 'tiny', '--tokenizer', join(root, 'no-tokenizer'), '--data', FIXTURE, '--steps', '2', '--out', join(root, 'mg-no-tok')]);
    expect(noTokenizer.code).toBe(2);
    expect(noTokenizer.err).toMatch(/--tokenizer: /);
  });

  it('accelerates the tiny bundle with Speed-RL, then resumes for more iterations', async () => {
    const out = join(root, 'rl');
    const common = ['--base', mgRun, '--reward-classifier', join(root, 'cls-reward', 'classifier'), '--data', FIXTURE, '--out', out,
      '--classes-per-iteration', '2', '--group-size', '3', '--step-choices', '1,2,4', '--micro-batch', '16', '--checkpoint-every', '1', '--grid-every', '2'];
    const printed = await cli(['accelerate', ...common, '--iterations', '2', '--print-config']);
    expect(printed.code).toBe(0);
    expect(JSON.parse(printed.out).speedRl).toMatchObject({ iterations: 2, groupSize: 3, stepChoices: [1, 2, 4], loss: 'grpo', klBeta: 0.04 });
    const bad = await cli(['accelerate', ...common, '--loss', 'a2c']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--loss: /);
    const r = await cli(['accelerate', ...common, '--iterations', '2', '--json']);
    expect(r.err).not.toMatch(/speedrl:/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ iterations: 2, aborted: false });
    expect(existsSync(join(out, 'model', 'maskgit', 'model.onnx'))).toBe(true);
    expect(existsSync(join(out, 'grids', 'iter-00000-T1.png'))).toBe(true);
    const first = readJsonl<{ step: number; stepsMean: number; klMean: number }>(join(out, 'metrics.jsonl')).records;
    expect(first.map((m) => m.step)).toEqual([1, 2]);
    expect(first.every((m) => m.stepsMean >= 1 && m.stepsMean <= 4)).toBe(true);
    const resumed = await cli(['accelerate', '--out', out, '--resume', '--iterations', '3', '--json']);
    expect(resumed.err).toMatch(/resuming at iteration 2/);
    expect(resumed.code).toBe(0);
    const all = readJsonl<{ step: number }>(join(out, 'metrics.jsonl')).records;
    expect(all.map((m) => m.step)).toEqual([1, 2, 3]);
    const sampled = await cli(['sample', '--model', join(out, 'model'), '--steps', '2', '--n', '1', '--out', join(root, 'rl.png'), '--json']);
    expect(sampled.code).toBe(0);
  });

  it('a run killed with SIGKILL resumes from its last checkpoint, keeps every record before it and ends like an uninterrupted run', async () => {
    const args = (out: string) => ['accelerate', '--base', mgRun, '--reward-classifier', join(root, 'cls-reward', 'classifier'), '--data', FIXTURE, '--out', out,
      '--classes-per-iteration', '2', '--group-size', '3', '--step-choices', '1,2,4', '--micro-batch', '16', '--checkpoint-every', '2',
      '--grid-every', '0', '--iterations', '30', '--seed', '5'];
    const straight = join(root, 'rl-straight');
    expect((await cli(args(straight))).code).toBe(0);

    const killed = join(root, 'rl-killed');
    const child = spawn(process.execPath, ['--conditions=@speedrl/source', '--import', 'tsx', MAIN, ...args(killed)], { cwd: REPO, stdio: 'ignore' });
    const checkpointed = (): number => {
      // a kill between the two renames of a checkpoint swap leaves only checkpoint.old/, which --resume then uses
      for (const dir of ['checkpoint', 'checkpoint.old']) {
        try {
          return (JSON.parse(readFileSync(join(killed, dir, 'trainer.json'), 'utf8')) as { iteration: number }).iteration;
        } catch {
          // not written yet, or being replaced
        }
      }
      return 0;
    };
    const exited = once(child, 'exit');
    while (checkpointed() < 4 && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGKILL');
    const [code, signal] = (await exited) as [number | null, string | null];
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' }); // killed mid-run, not finished
    const at = checkpointed();
    expect(at).toBeGreaterThanOrEqual(4);
    expect(at).toBeLessThan(30);
    const beforeKill = readJsonl<{ step: number }>(join(killed, 'metrics.jsonl')).records.filter((m) => m.step <= at);

    const resumed = await cli(['accelerate', '--out', killed, '--resume', '--json']);
    expect(resumed.err).toMatch(new RegExp(`resuming at iteration ${at}`));
    expect(resumed.code).toBe(0);
    const after = readJsonl<{ step: number; rewardMean: number }>(join(killed, 'metrics.jsonl')).records;
    expect(after.map((m) => m.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(after.slice(0, at)).toEqual(beforeKill); // nothing before the checkpoint lost or rewritten
    const reference = readJsonl<{ step: number; rewardMean: number; klMean: number }>(join(straight, 'metrics.jsonl')).records;
    for (const [i, m] of after.entries()) {
      expect(m.rewardMean).toBeCloseTo(reference[i]?.rewardMean ?? NaN, 4);
    }
    const weights = (dir: string) => readFileSync(join(dir, 'model', 'maskgit', 'model.safetensors'));
    expect(weights(killed).equals(weights(straight))).toBe(true);
  });

  it('stops at --time-budget with a saved model and continues on --resume with a larger budget', async () => {
    const out = join(root, 'rl-budget');
    const r = await cli(['accelerate', '--base', mgRun, '--reward-classifier', join(root, 'cls-reward', 'classifier'), '--data', FIXTURE, '--out', out,
      '--classes-per-iteration', '2', '--group-size', '3', '--step-choices', '1,2', '--micro-batch', '16', '--grid-every', '0',
      '--iterations', '4', '--time-budget', '0.000001', '--json']);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/time budget of 0.000001 min reached after iteration 1/);
    expect(JSON.parse(r.out)).toMatchObject({ iterations: 1, aborted: true, stoppedBy: 'time-budget' });
    expect(existsSync(join(out, 'model', 'maskgit', 'model.safetensors'))).toBe(true);
    const metrics = readFileSync(join(out, 'metrics.jsonl'));
    writeFileSync(join(out, 'metrics.jsonl'), ''); // lost metrics: the time already spent is unknown, so no silent budget reset
    const lost = await cli(['accelerate', '--out', out, '--resume', '--time-budget', '0']);
    expect(lost.code).toBe(2);
    expect(lost.err).toMatch(/--resume: .*metrics\.jsonl has no record of iteration 1 \(the checkpoint's\), so the RL time already spent is unknown/);
    expect(readFileSync(join(out, 'metrics.jsonl'), 'utf8')).toBe('');
    writeFileSync(join(out, 'metrics.jsonl'), metrics);
    // the budget is already spent: no iteration runs past it, nothing is written (was: one more iteration, then "reached")
    const spent = await cli(['accelerate', '--out', out, '--resume', '--time-budget', '0.000001']);
    expect(spent.code).toBe(2);
    expect(spent.err).toMatch(/--time-budget: this run has already spent [\d.e-]+ min of RL, the whole budget of 0.000001 min; pass a larger --time-budget/);
    expect(readFileSync(join(out, 'metrics.jsonl')).equals(metrics)).toBe(true);
    const more = await cli(['accelerate', '--out', out, '--resume', '--time-budget', '0', '--json']);
    expect(JSON.parse(more.out)).toMatchObject({ iterations: 4, aborted: false, stoppedBy: 'end' });
    const elapsed = readJsonl<{ elapsedMs: number }>(join(out, 'metrics.jsonl')).records.map((m) => m.elapsedMs);
    expect(elapsed).toHaveLength(4);
    expect(elapsed.every((e, i) => i === 0 || e > (elapsed[i - 1] as number))).toBe(true); // summed over the resume
  });

  it('demo: Ctrl-C during Speed-RL saves and stops the whole pipeline (exit 130); --resume finishes the RL first', async () => {
    const out = join(root, 'demo-ctrl-c');
    const args = ['demo', '--base', mgRun, '--reward-classifier', join(root, 'cls-reward', 'classifier'), '--eval-classifier', join(root, 'cls-eval', 'classifier'),
      '--data', FIXTURE, '--iterations', '2', '--steps', '1', '--n', '30', '--seeds', '1', '--accelerated', 'none', '--out', out];
    const err: string[] = [];
    let sent = false;
    const io = {
      isTTY: false, stdout: () => undefined,
      stderr: (t: string) => {
        err.push(t);
        if (!sent && /^accelerate \d+\/2/m.test(t)) {
          sent = true; // the first progress line of the RL: Ctrl-C now, as a user would
          process.emit('SIGINT', 'SIGINT');
        }
      },
    };
    const code = await runCli(args, io);
    expect(sent).toBe(true);
    expect(code).toBe(130);
    expect(err.join('')).toMatch(/demo: stopped by SIGINT during "Speed-RL" \(its progress is saved\); run again with --resume/);
    expect(existsSync(join(out, 'compare'))).toBe(false); // the half-trained model was not evaluated
    const state = JSON.parse(readFileSync(join(out, 'accelerate', 'checkpoint', 'trainer.json'), 'utf8'));
    expect(state.iteration).toBeLessThan(2);
    const resumed = await cli([...args, '--resume']);
    expect(resumed.code).toBe(0);
    expect(resumed.err).toMatch(new RegExp(`== demo: Speed-RL ==[\\s\\S]*resuming at iteration ${state.iteration}`));
    expect(JSON.parse(readFileSync(join(out, 'accelerate', 'checkpoint', 'trainer.json'), 'utf8')).iteration).toBe(2);
    expect(existsSync(join(out, 'report.html'))).toBe(true);

    // a resume that extends the RL recomputes the comparison (its cells of the accelerated model were of the earlier model)
    const longer = await cli([...args.map((a) => (a === '2' ? '3' : a)), '--resume']);
    expect(longer.code).toBe(0);
    expect(longer.err).toMatch(/== demo: Speed-RL ==[\s\S]*resuming at iteration 2/);
    const compareJson = JSON.parse(readFileSync(join(out, 'compare', 'compare.json'), 'utf8')) as CompareJson;
    expect(compareJson.models.find((m) => m.name === 'speedrl')?.identity).toBe(await bundleIdentity(join(out, 'accelerate', 'model')));
  });

  it('demo: short Speed-RL, compare of base and accelerated over 3 seeds, the run\'s full report; --resume reuses it all', async () => {
    const out = join(root, 'demo');
    const args = ['demo', '--base', mgRun, '--reward-classifier', join(root, 'cls-reward', 'classifier'), '--eval-classifier', join(root, 'cls-eval', 'classifier'),
      '--data', FIXTURE, '--iterations', '1', '--steps', '2,12', '--n', '30', '--seeds', '3', '--accelerated', join(root, 'rl', 'model'), '--out', out];
    const r = await cli(args);
    expect(r.err).not.toMatch(/speedrl:/);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/demo done: open .*report\.html/);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    // the run's full report: its config, training curves, the comparison over 3 seeds with the acceleration claims, grids
    expect(html).toContain('<meta name="generator" content="speedrl report">');
    expect(html).toContain(`Speed-RL demo: ${mgRun} vs ${join(root, 'rl', 'model')} (training curves: 1 iteration of Speed-RL here)`); // the run's count, from its model's metadata
    for (const id of ['config', 'training', 'pareto', 'grids']) expect(html).toContain(`<h2 id="${id}">`);
    expect(html).toMatch(/<tr><td>speedrl<\/td><td>cosine<\/td><td>2<\/td><td>2\.0<\/td>.*<td>3<\/td><\/tr>/);
    expect(html).toContain('Acceleration of speedrl (method cosine, vs base).');
    const compared = JSON.parse(readFileSync(join(out, 'compare', 'compare.json'), 'utf8')) as CompareJson;
    expect(compared.models.map((m) => m.name)).toEqual(['base', 'speedrl']); // the finished model of --accelerated, not the short run's
    expect(compared.models.find((m) => m.name === 'speedrl')?.identity).toBe(await bundleIdentity(join(root, 'rl', 'model')));
    expect((html.match(/src="data:image\/png;base64,/g) ?? []).length).toBe(8); // training grids (iterations 0 and 1 at T = 2 and 6) + compare grids (2 models × 2 T)
    expect(html).not.toMatch(/(src|href)="https?:/);
    const again = await cli([...args, '--resume']);
    expect(again.code).toBe(0);
    expect(again.err).not.toMatch(/== demo: Speed-RL ==/);
  });
});
