import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@speedrl/core';
import { CONFIG_FILE, loadModel, modelIdentity, readModelMetadata, saveModel, WEIGHTS_FILE } from './checkpoint';
import { exportOnnx, onnxModelIdentity } from './onnx/export';
import { DEFAULT_MASKGIT_CONFIG, forwardFlops, maskGitPreset, MASKGIT_PRESETS, validateMaskGitConfig } from './config';
import { countParams, initParams, paramSpecs } from './params';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'maskgit-ckpt-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const config = maskGitPreset('tiny');

describe('config', () => {
  test('presets are frozen, valid and match the PyTorch peer for fmnist', () => {
    expect(Object.isFrozen(DEFAULT_MASKGIT_CONFIG)).toBe(true);
    expect(Object.isFrozen(MASKGIT_PRESETS.tiny)).toBe(true);
    expect(MASKGIT_PRESETS.tiny).toMatchObject({ dim: 32, depth: 2, heads: 2, numCodes: 16, seqLen: 49, numClasses: 10 });
    expect(MASKGIT_PRESETS.fmnist).toMatchObject({ dim: 256, depth: 6, heads: 8, numCodes: 512, mlpRatio: 4 });
    expect(validateMaskGitConfig({ ...MASKGIT_PRESETS.fmnist })).toEqual(MASKGIT_PRESETS.fmnist);
  });

  test('validation names the bad field', () => {
    expect(() => validateMaskGitConfig({ ...config, heads: 3 })).toThrow('field "dim" (32) must be divisible by "heads" (3)');
    expect(() => validateMaskGitConfig({ ...config, depth: 0 })).toThrow('field "depth" must be a positive integer, got 0');
    expect(() => validateMaskGitConfig({ ...config, dropout: 1 })).toThrow('field "dropout" must be in [0, 1)');
    expect(() => validateMaskGitConfig({ ...config, extra: 1 }, 'x.json')).toThrow('x.json: unknown field "extra"');
    const { numCodes: _omit, ...missing } = config;
    expect(() => validateMaskGitConfig(missing)).toThrow('field "numCodes" must be a finite number, got undefined');
  });

  test('FLOP count: hand-computed for a 1-block model', () => {
    const c = { ...config, seqLen: 3, dim: 4, depth: 1, heads: 1, mlpRatio: 2, numCodes: 5 };
    // T = 4: qkv 2·4·4·12 = 384, scores+AV 2·2·16·4 = 256, proj 2·4·16 = 128, MLP 2·2·4·4·8 = 512; head 2·3·4·5 = 120.
    expect(forwardFlops(c, 2)).toBe(2 * (384 + 256 + 128 + 512 + 120));
  });
});

describe('params', () => {
  test('canonical names, shapes and GPT-2 init statistics', () => {
    const specs = paramSpecs(config);
    expect(specs.slice(0, 4).map((s) => s.name)).toEqual(['tok_emb', 'cls_emb', 'pos_emb', 'blocks.0.ln1.gamma']);
    expect(specs.at(-1)).toMatchObject({ name: 'head.b', shape: [16], decay: false });
    const fmnist = new Map(paramSpecs(MASKGIT_PRESETS.fmnist).map((s) => [s.name, s.shape]));
    expect(fmnist.get('tok_emb')).toEqual([513, 256]);
    expect(fmnist.get('cls_emb')).toEqual([11, 256]);
    expect(fmnist.get('pos_emb')).toEqual([50, 256]);
    expect(fmnist.get('blocks.5.mlp.w1')).toEqual([256, 1024]);
    expect(fmnist.get('head.w')).toEqual([256, 512]);
    const medium = { ...config, dim: 128, depth: 3, heads: 4 };
    const params = initParams(medium, Rng.fromSeed(0));
    const std = (a: Float32Array): number => Math.sqrt(a.reduce((s, x) => s + x * x, 0) / a.length);
    expect(std(params.get('blocks.0.attn.wq')?.data as Float32Array)).toBeCloseTo(0.02, 3);
    expect(std(params.get('blocks.0.mlp.w2')?.data as Float32Array)).toBeCloseTo(0.02 / Math.sqrt(6), 3);
    expect(Array.from(params.get('ln_f.gamma')?.data ?? []).every((x) => x === 1)).toBe(true);
    expect(Array.from(params.get('head.b')?.data ?? []).every((x) => x === 0)).toBe(true);
    expect(countParams(medium)).toBe(Array.from(params.values()).reduce((s, p) => s + p.data.length, 0));
  });

  test('init is reproducible per seed and differs across seeds', () => {
    const a = initParams(config, Rng.fromSeed(1)).get('blocks.1.attn.wk')?.data;
    const b = initParams(config, Rng.fromSeed(1)).get('blocks.1.attn.wk')?.data;
    const c = initParams(config, Rng.fromSeed(2)).get('blocks.1.attn.wk')?.data;
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });
});

describe('saveModel / loadModel', () => {
  test('round trip keeps every tensor, the config and the metadata', async () => {
    const params = initParams(config, Rng.fromSeed(3));
    await saveModel(dir, params, config, { steps: 12, note: 'test' });
    const loaded = await loadModel(dir);
    expect(loaded.config).toEqual(config);
    expect(loaded.metadata).toEqual({ steps: 12, note: 'test' });
    expect([...loaded.params.keys()]).toEqual([...params.keys()]);
    for (const [name, p] of params) expect(loaded.params.get(name)?.data).toEqual(p.data);
    const json = JSON.parse(await readFile(join(dir, CONFIG_FILE), 'utf8'));
    expect(json).toMatchObject({ format: 'speedrl-maskgit', formatVersion: 1, config });
    expect(await readModelMetadata(dir)).toEqual({ steps: 12, note: 'test' }); // without loading the weights
    await writeFile(join(dir, CONFIG_FILE), JSON.stringify({ ...json, format: 'other' }));
    await expect(readModelMetadata(dir)).rejects.toThrow(/config\.json: field "format" must be "speedrl-maskgit"/);
  });

  test('a config/tensor shape mismatch names the tensor', async () => {
    await saveModel(dir, initParams(config, Rng.fromSeed(4)), config);
    const json = JSON.parse(await readFile(join(dir, CONFIG_FILE), 'utf8'));
    json.config.numCodes = 20;
    await writeFile(join(dir, CONFIG_FILE), JSON.stringify(json));
    await expect(loadModel(dir)).rejects.toThrow('tensor "tok_emb" has shape [17, 32], expected [21, 32]');
  });

  test('a missing tensor is named; a missing directory or file is a clear error', async () => {
    await saveModel(dir, initParams(config, Rng.fromSeed(5)), config);
    const json = JSON.parse(await readFile(join(dir, CONFIG_FILE), 'utf8'));
    json.config.depth = 3;
    await writeFile(join(dir, CONFIG_FILE), JSON.stringify(json));
    await expect(loadModel(dir)).rejects.toThrow('tensor "blocks.2.ln1.gamma" is missing');
    await expect(loadModel(join(dir, 'nope'))).rejects.toThrow(/model directory ".*nope" does not exist/);
    await rm(join(dir, WEIGHTS_FILE));
    await expect(loadModel(dir)).rejects.toThrow(`missing weights file "${join(dir, WEIGHTS_FILE)}"`);
    await rm(join(dir, CONFIG_FILE));
    await expect(loadModel(dir)).rejects.toThrow(`cannot read "${join(dir, CONFIG_FILE)}" (file missing)`);
  });

  test('saveModel refuses params that do not fit the config', async () => {
    const params = initParams(config, Rng.fromSeed(6));
    await expect(saveModel(dir, params, { ...config, dim: 64, heads: 2 })).rejects.toThrow(
      'tensor "tok_emb" has shape [17, 32], expected [17, 64] from the config',
    );
  });
});

describe('model identity', () => {
  test('config.json records the identity; a config edited after saving (same shapes, other meaning) is refused', async () => {
    const params = initParams(config, Rng.fromSeed(4));
    await saveModel(dir, params, config);
    const saved = JSON.parse(await readFile(join(dir, CONFIG_FILE), 'utf8'));
    expect(saved.identity).toBe(modelIdentity(params, config));
    expect((await loadModel(dir)).identity).toBe(saved.identity);
    await writeFile(join(dir, CONFIG_FILE), JSON.stringify({ ...saved, config: { ...saved.config, heads: 1 } })); // shapes unchanged
    await expect(loadModel(dir)).rejects.toThrow(/do not belong together .*the config was edited after saving, or the two files come from different saves/);
  });

  test('weights from another save beside the config are refused, and so is a config without identity (older saves, or removed)', async () => {
    await saveModel(dir, initParams(config, Rng.fromSeed(1)), config);
    const configText = await readFile(join(dir, CONFIG_FILE), 'utf8');
    await saveModel(dir, initParams(config, Rng.fromSeed(2)), config);
    await writeFile(join(dir, CONFIG_FILE), configText); // a save killed between its two files leaves this state
    await expect(loadModel(dir)).rejects.toThrow(/do not belong together/);
    const { identity: _drop, ...legacy } = JSON.parse(configText);
    await writeFile(join(dir, CONFIG_FILE), JSON.stringify(legacy));
    await expect(loadModel(dir)).rejects.toThrow(
      `loadModel: ${join(dir, CONFIG_FILE)} records no "identity" (written by a version before identities were recorded, or the field was removed): the weights cannot be checked; save the model again with this version`,
    );
  });

  test('the identity depends on every weight and on the config', () => {
    const params = initParams(config, Rng.fromSeed(3));
    const id = modelIdentity(params, config);
    expect(modelIdentity(initParams(config, Rng.fromSeed(3)), config)).toBe(id);
    const nudged = initParams(config, Rng.fromSeed(3));
    const last = paramSpecs(config).at(-1)?.name as string;
    const data = (nudged.get(last) as { data: Float32Array }).data;
    data[0] = (data[0] as number) + 1e-6;
    expect(modelIdentity(nudged, config)).not.toBe(id);
    expect(modelIdentity(params, { ...config, heads: 1 })).not.toBe(id);
    expect(onnxModelIdentity(exportOnnx(params, config))).toBe(id);
  });
});
