import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readSafetensors, Rng } from '@speedrl/core';
import { initBackend, loadIdxDataset } from '@speedrl/tensor-utils';
import { loadVq, saveVq, VQ_CONFIG_FILE, VQ_WEIGHTS_FILE } from './checkpoint';
import { encode } from './codec';
import { VQ_PRESETS } from './config';
import { createVqModel, disposeVqModel, type VqModel } from './model';
import { train } from './train';

const FIXTURE = join(__dirname, '../../tensor-utils/test-fixtures/fashion-mnist');
let images: Uint8Array;
let root: string;

beforeAll(async () => {
  await initBackend();
  images = loadIdxDataset({ dir: FIXTURE, split: 'test' }).images;
  root = mkdtempSync(join(tmpdir(), 'vq-ckpt-'));
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

async function trained(steps: number, untilStep = steps): Promise<VqModel> {
  const model = createVqModel(VQ_PRESETS.tiny, Rng.fromSeed(1));
  await train({ model, images, steps, untilStep, rng: Rng.fromSeed(2) });
  return model;
}

function snapshot(model: VqModel): number[][] {
  return [...model.params.values(), model.codebook, ...model.optimizer.m.values(), ...model.optimizer.v.values()].map((v) => Array.from(v.dataSync()));
}

describe('saveVq / loadVq', () => {
  it('round-trips weights, codebook, EMA and optimizer state: identical encodings', async () => {
    const model = await trained(6);
    const dir = join(root, 'roundtrip');
    await saveVq(dir, model, { note: 'test', psnr: 12.5 });
    expect(existsSync(join(dir, VQ_WEIGHTS_FILE))).toBe(true);
    const { model: loaded, metadata } = await loadVq(dir);
    expect(metadata).toEqual({ note: 'test', psnr: 12.5 });
    expect(loaded.config).toEqual(model.config);
    expect(loaded).toMatchObject({ step: 6, codebookInit: 'kmeans' });
    expect(loaded.optimizer.step).toBe(6);
    expect(Array.from(loaded.ema.clusterSize)).toEqual(Array.from(model.ema.clusterSize));
    expect(Array.from(loaded.ema.embedSum)).toEqual(Array.from(model.ema.embedSum));
    expect(snapshot(loaded)).toEqual(snapshot(model));
    const subset = images.subarray(0, 30 * 784);
    expect(Array.from(encode(loaded, subset))).toEqual(Array.from(encode(model, subset)));
    // Python-readable layout: plain F32 tensors under stable names.
    const { tensors } = await readSafetensors(join(dir, VQ_WEIGHTS_FILE));
    expect(tensors.codebook).toMatchObject({ dtype: 'F32', shape: [16, 16] });
    expect(tensors['ema.cluster_size']).toMatchObject({ dtype: 'F32', shape: [16] });
    expect(tensors['optimizer.m.decoder.out.weight']).toMatchObject({ dtype: 'F32', shape: [3, 3, 4, 1] });
    disposeVqModel(model);
    disposeVqModel(loaded);
  });

  it('resumes training exactly: save at step 5, load, continue to 12 = 12 uninterrupted steps', async () => {
    const straight = await trained(12);
    const first = await trained(12, 5);
    const dir = join(root, 'resume');
    await saveVq(dir, first);
    disposeVqModel(first);
    const { model: resumed } = await loadVq(dir);
    await train({ model: resumed, images, steps: 12, rng: Rng.fromSeed(2) });
    expect(resumed.step).toBe(12);
    expect(snapshot(resumed)).toEqual(snapshot(straight));
    disposeVqModel(straight);
    disposeVqModel(resumed);
  });

  it('loads an inference-only checkpoint (no optimizer state) with fresh Adam moments', async () => {
    const model = createVqModel(VQ_PRESETS.tiny, Rng.fromSeed(1));
    const dir = join(root, 'inference');
    await saveVq(dir, model, {}, { includeOptimizer: false });
    const before = tf.memory().numTensors;
    const { model: loaded } = await loadVq(dir);
    expect(loaded.optimizer.step).toBe(0);
    expect(loaded.optimizer.m.get('encoder.mid.weight')!.shape).toEqual([3, 3, 16, 16]);
    disposeVqModel(loaded);
    expect(tf.memory().numTensors).toBe(before);
    disposeVqModel(model);
  });

  it('names the tensor when config.json and the tensors disagree', async () => {
    const model = createVqModel(VQ_PRESETS.tiny, Rng.fromSeed(1));
    const dir = join(root, 'mismatch');
    await saveVq(dir, model);
    disposeVqModel(model);
    const configPath = join(dir, VQ_CONFIG_FILE);
    const original = JSON.parse(readFileSync(configPath, 'utf8'));
    const rewrite = (config: object) => writeFileSync(configPath, JSON.stringify({ ...original, config: { ...original.config, ...config } }));
    rewrite({ codebookSize: 32 });
    await expect(loadVq(dir)).rejects.toThrow(`${join(dir, VQ_WEIGHTS_FILE)}: tensor "codebook": expected shape [32,16], got [16,16]`);
    rewrite({ channels: 32 });
    await expect(loadVq(dir)).rejects.toThrow('tensor "encoder.down0.weight": expected shape [2,2,4,16], got [2,2,4,8]');
    rewrite({ resBlocks: 1 });
    await expect(loadVq(dir)).rejects.toThrow('tensor "encoder.res0.conv3.weight": missing from the file');
    writeFileSync(configPath, JSON.stringify(original));
    const ok = await loadVq(dir); // the untouched config loads
    expect(ok.model.step).toBe(0);
    disposeVqModel(ok.model);
    rewrite({ codebookSize: 'many' });
    await expect(loadVq(dir)).rejects.toThrow(`${configPath}: field "config": field "codebookSize" must be an integer ≥ 2, got "many"`);
  });

  it('says clearly when the directory or its files are missing', async () => {
    const missing = join(root, 'nope');
    await expect(loadVq(missing)).rejects.toThrow(`VQ checkpoint directory ${missing} does not exist`);
    const empty = join(root, 'empty');
    mkdirSync(empty);
    await expect(loadVq(empty)).rejects.toThrow(`VQ checkpoint directory ${empty} has no COMPLETE marker (an interrupted write?)`);
    writeFileSync(join(empty, 'COMPLETE'), 'x');
    await expect(loadVq(empty)).rejects.toThrow(`VQ checkpoint: ${join(empty, VQ_CONFIG_FILE)} is missing`);
  });

  it('loads exactly the directory named: an incomplete one is refused, never replaced by a sibling <dir>.old; nothing is deleted', async () => {
    const a = createVqModel(VQ_PRESETS.tiny, Rng.fromSeed(11));
    const b = createVqModel(VQ_PRESETS.tiny, Rng.fromSeed(12));
    const parent = join(root, 'strict');
    const dir = join(parent, 'tokenizer');
    await saveVq(`${dir}.old`, a); // the user's backup of the old tokenizer
    await saveVq(join(root, 'new-tok'), b);
    cpSync(join(root, 'new-tok'), dir, { recursive: true });
    rmSync(join(dir, 'COMPLETE')); // a hand copy without its marker
    const staging = join(parent, `.tokenizer.${process.pid}.1.staging`); // a concurrent writer's
    mkdirSync(staging);
    await expect(loadVq(dir)).rejects.toThrow(`VQ checkpoint directory ${dir} has no COMPLETE marker (an interrupted write?)`);
    rmSync(dir, { recursive: true });
    await expect(loadVq(dir)).rejects.toThrow(`VQ checkpoint directory ${dir} does not exist`);
    expect(readdirSync(parent).sort()).toEqual([`.tokenizer.${process.pid}.1.staging`, 'tokenizer.old']);
    disposeVqModel(a);
    disposeVqModel(b);
  });
});
