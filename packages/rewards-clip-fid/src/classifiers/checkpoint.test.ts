import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeSafetensors, readSafetensors, Rng, sha256Hex } from '@speedrl/core';
import { initBackend, loadIdxDataset, type IdxDataset } from '@speedrl/tensor-utils';
import { CLASSIFIER_CONFIG_FILE, CLASSIFIER_WEIGHTS_FILE, loadClassifier, saveClassifier } from './checkpoint';
import { classifierPreset } from './config';
import { gatherBatch } from './data';
import { createClassifier, type Classifier } from './model';
import { trainClassifier } from './train';

const FIXTURE = join(__dirname, '../../../tensor-utils/test-fixtures/fashion-mnist');
let train: IdxDataset;
let dir: string;
let images: Float32Array;

beforeAll(async () => {
  await initBackend();
  train = loadIdxDataset({ dir: FIXTURE, split: 'train' });
  images = gatherBatch(train.images, Int32Array.from({ length: 8 }, (_, i) => i), 28);
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'classifier-ckpt-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function weights(model: Classifier): number[] {
  return [...model.params.values()].flatMap((v) => Array.from(v.dataSync()));
}

describe('saveClassifier / loadClassifier', () => {
  it.each(['reward', 'eval'] as const)('%s: round trip gives identical logits, role, step and metadata', async (role) => {
    const model = createClassifier(role, classifierPreset(role, 'tiny'), Rng.fromSeed(2));
    await trainClassifier({ model, images: train.images, labels: train.labels, steps: 3, rng: Rng.fromSeed(3) });
    const ckpt = join(dir, role);
    await saveClassifier(ckpt, model, { testAccuracy: 0.5 });
    const loaded = await loadClassifier(ckpt);
    try {
      expect(loaded.role).toBe(role);
      expect(loaded.model.role).toBe(role);
      expect(loaded.model.step).toBe(3);
      expect(loaded.model.optimizer.step).toBe(3);
      expect(loaded.metadata).toEqual({ testAccuracy: 0.5 });
      expect(loaded.model.config).toEqual(model.config);
      const [a, b] = [await model.predict(images, 8), await loaded.model.predict(images, 8)];
      expect(Array.from(b.logits)).toEqual(Array.from(a.logits));
      expect(Array.from(b.features)).toEqual(Array.from(a.features));
      const json = JSON.parse(await readFile(join(ckpt, CLASSIFIER_CONFIG_FILE), 'utf8')) as { role: string };
      expect(json.role).toBe(role);
    } finally {
      model.dispose();
      loaded.model.dispose();
    }
  });

  it('resumes exactly: 4 steps, save, load, 4 more equals 8 uninterrupted steps', async () => {
    const cfg = classifierPreset('eval', 'tiny');
    const opts = { images: train.images, labels: train.labels, steps: 8, rng: Rng.fromSeed(11) };
    const straight = createClassifier('eval', cfg, Rng.fromSeed(10));
    await trainClassifier({ ...opts, model: straight });
    const part = createClassifier('eval', cfg, Rng.fromSeed(10));
    await trainClassifier({ ...opts, model: part, untilStep: 4 });
    await saveClassifier(join(dir, 'part'), part);
    const resumed = (await loadClassifier(join(dir, 'part'))).model;
    await trainClassifier({ ...opts, model: resumed });
    try {
      expect(resumed.step).toBe(8);
      expect(weights(resumed)).toEqual(weights(straight));
    } finally {
      for (const m of [straight, part, resumed]) m.dispose();
    }
  });

  it('can drop the optimizer state; training then restarts the moments', async () => {
    const model = createClassifier('reward', classifierPreset('reward', 'tiny'), Rng.fromSeed(2));
    await saveClassifier(join(dir, 'slim'), model, {}, { includeOptimizer: false });
    const { tensors } = await readSafetensors(join(dir, 'slim', CLASSIFIER_WEIGHTS_FILE));
    expect(Object.keys(tensors).some((k) => k.startsWith('optimizer.'))).toBe(false);
    const loaded = (await loadClassifier(join(dir, 'slim'))).model;
    expect(loaded.optimizer.step).toBe(0);
    expect(Array.from(loaded.optimizer.m.get('fc.weight')!.dataSync()).every((v) => v === 0)).toBe(true);
    model.dispose();
    loaded.dispose();
  });

  it('names the tensor when shapes do not match the config', async () => {
    const model = createClassifier('reward', classifierPreset('reward', 'tiny'), Rng.fromSeed(2));
    const ckpt = join(dir, 'bad');
    await saveClassifier(ckpt, model);
    model.dispose();
    const path = join(ckpt, CLASSIFIER_CONFIG_FILE);
    const json = JSON.parse(await readFile(path, 'utf8')) as { config: { featureDim: number } };
    json.config.featureDim = 20;
    await writeFile(path, JSON.stringify(json));
    await expect(loadClassifier(ckpt)).rejects.toThrow(`${join(ckpt, CLASSIFIER_WEIGHTS_FILE)}: tensor "fc.weight": expected shape [784,20], got [784,16]`);
  });

  it('rejects unexpected tensors, a bad role, a missing directory and a missing config', async () => {
    const model = createClassifier('reward', classifierPreset('reward', 'tiny'), Rng.fromSeed(2));
    const ckpt = join(dir, 'extra');
    await saveClassifier(ckpt, model);
    model.dispose();
    const weightsPath = join(ckpt, CLASSIFIER_WEIGHTS_FILE);
    const { tensors } = await readSafetensors(weightsPath);
    await writeFile(weightsPath, encodeSafetensors({ ...tensors, 'stage9.conv.weight': { dtype: 'F32', shape: [1], data: Float32Array.of(0) } }));
    // weights changed after saving: config.json's SHA-256 of them refuses the file before its tensors are read
    await expect(loadClassifier(ckpt)).rejects.toThrow(/^checkpoint ".*extra\/model\.safetensors" has SHA-256 \w{12}…, not the \w{12}… recorded in .*config\.json: the weights changed after they were saved/);
    const path = join(ckpt, CLASSIFIER_CONFIG_FILE);
    const json = JSON.parse(await readFile(path, 'utf8')) as { role: string; weightsSha256?: string };
    delete json.weightsSha256; // as versions before hashes wrote it, or the field removed: nothing can be checked
    await writeFile(path, JSON.stringify(json));
    await expect(loadClassifier(ckpt)).rejects.toThrow(/config\.json records no SHA-256 of ".*extra\/model\.safetensors" \(written by a version before hashes were recorded, or the field was removed\)/);
    json.weightsSha256 = sha256Hex(await readFile(weightsPath)); // the hash of the edited file: its tensors are then checked
    await writeFile(path, JSON.stringify(json));
    await expect(loadClassifier(ckpt)).rejects.toThrow(/stage9\.conv\.weight.*not expected by the config/);

    json.role = 'judge';
    await writeFile(path, JSON.stringify(json));
    await expect(loadClassifier(ckpt)).rejects.toThrow('field "role": role must be "reward" or "eval", got "judge"');

    await expect(loadClassifier(join(dir, 'nope'))).rejects.toThrow(`classifier checkpoint directory ${join(dir, 'nope')} does not exist`);
    await rm(path);
    await expect(loadClassifier(ckpt)).rejects.toThrow(`${path} is missing`);
  });

  it('loads exactly the directory named: an incomplete one is refused, never replaced by a sibling <dir>.old; nothing is deleted', async () => {
    const old = createClassifier('eval', classifierPreset('eval', 'tiny'), Rng.fromSeed(4));
    const fresh = createClassifier('eval', classifierPreset('eval', 'tiny'), Rng.fromSeed(5));
    const ckpt = join(dir, 'classifier');
    await saveClassifier(`${ckpt}.old`, old); // the user's backup
    await saveClassifier(join(dir, 'new'), fresh);
    await cp(join(dir, 'new'), ckpt, { recursive: true });
    await rm(join(ckpt, 'COMPLETE')); // a hand copy without its marker
    const staging = `.classifier.${process.pid}.1.staging`; // a concurrent writer's
    await mkdir(join(dir, staging));
    await expect(loadClassifier(ckpt)).rejects.toThrow(`classifier checkpoint directory ${ckpt} has no COMPLETE marker (an interrupted write?)`);
    await rm(ckpt, { recursive: true });
    await expect(loadClassifier(ckpt)).rejects.toThrow(`classifier checkpoint directory ${ckpt} does not exist`);
    expect((await readdir(dir)).sort()).toEqual([staging, 'classifier.old', 'new']);
    old.dispose();
    fresh.dispose();
  });
});
