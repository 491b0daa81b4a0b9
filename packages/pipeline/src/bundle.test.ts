import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng, UsageError } from '@speedrl/core';
import { MASKGIT_PRESETS, initParams, saveModel } from '@speedrl/maskgit';
import { VQ_PRESETS, createVqModel, disposeVqModel, saveVq } from '@speedrl/vq-tokenizer';
import {
  MASKGIT_DIR, TOKENIZER_DIR, bundleIdentity, checkDerivedFrom, drawSampleSet, installBundleTokenizer, loadGenerator, tokenizerKey,
} from './index';
import { balancedClasses } from './sample-set';

async function writeTokenizer(dir: string, seed: number): Promise<void> {
  const vq = createVqModel(VQ_PRESETS.tiny, Rng.fromSeed(seed));
  await saveVq(dir, vq, {}, { includeOptimizer: false });
  disposeVqModel(vq);
}

describe('model bundles', () => {
  const root = mkdtempSync(join(tmpdir(), 'speedrl-pipeline-'));
  const bundle = join(root, 'bundle');
  const other = join(root, 'other-tokenizer');
  beforeAll(async () => {
    await writeTokenizer(join(root, 'tokenizer-src'), 0);
    await installBundleTokenizer(join(root, 'tokenizer-src'), bundle);
    const config = MASKGIT_PRESETS.tiny;
    await saveModel(join(bundle, MASKGIT_DIR), initParams(config, Rng.fromSeed(1)), config, { tokenizerKey: await tokenizerKey(join(bundle, TOKENIZER_DIR)) });
    await writeTokenizer(other, 5);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('samples a class-balanced set whose images do not depend on the batch size', async () => {
    const gen = await loadGenerator(bundle, 'tfjs');
    try {
      const a = await drawSampleSet(gen, 10, 2, 3, 10, {});
      const b = await drawSampleSet(gen, 10, 2, 3, 4, {});
      expect(a.images.length).toBe(10 * 28 * 28);
      expect(Array.from(a.classes)).toEqual(Array.from(balancedClasses(10, gen.config.numClasses)));
      expect(a.tokens).toEqual(b.tokens);
      expect(a.nfePerImage).toBe(2);
      expect(a.meanSteps).toBe(2);
    } finally {
      gen.dispose();
    }
  });

  it('keys a bundle by its files, and refuses a tokenizer the transformer was not trained on', async () => {
    const key = await bundleIdentity(bundle);
    expect(await bundleIdentity(bundle)).toBe(key);
    await installBundleTokenizer(other, bundle); // other files: replaced
    expect(await bundleIdentity(bundle)).not.toBe(key);
    await expect(loadGenerator(bundle, 'tfjs')).rejects.toThrow(UsageError);
    await expect(loadGenerator(bundle, 'tfjs')).rejects.toThrow(/is not the tokenizer the transformer/);
    await expect(loadGenerator(join(root, 'missing'), 'tfjs')).rejects.toThrow(/--model: directory .* does not exist/);
  });

  it('an accelerated bundle must record a base whose files are --base\'s (a model from scratch, or of another base, is refused)', async () => {
    const config = MASKGIT_PRESETS.tiny;
    const derived = async (name: string, metadata: Record<string, unknown>, seed = 3): Promise<string> => {
      const dir = join(root, name);
      cpSync(join(root, 'tokenizer-src'), join(dir, TOKENIZER_DIR), { recursive: true });
      await saveModel(join(dir, MASKGIT_DIR), initParams(config, Rng.fromSeed(seed)), config, metadata);
      return dir;
    };
    const base = await derived('base-b', {});
    const rl = await derived('rl-of-b', { command: 'accelerate', base });
    expect(await checkDerivedFrom(rl, base, '--accelerated')).toBeUndefined();
    const other = await derived('base-c', {}, 4); // other weights
    await expect(checkDerivedFrom(rl, other, '--accelerated')).rejects.toThrow(/^--accelerated: ".*rl-of-b" was made from ".*base-b", whose files differ from --base ".*base-c"/);
    await expect(checkDerivedFrom(base, base, '--accelerated')).rejects.toThrow(/^--accelerated: ".*base-b" records no base model/);
    const elsewhere = await derived('rl-elsewhere', { command: 'accelerate', base: 'relative/to/another/cwd' });
    expect(await checkDerivedFrom(elsewhere, base, '--accelerated')).toMatch(/its base "relative\/to\/another\/cwd" is not found from here/);
  });

  it('a transformer whose weights come from another save than its config.json is a usage error naming the flag', async () => {
    const swapped = join(root, 'swapped');
    cpSync(bundle, swapped, { recursive: true });
    const config = MASKGIT_PRESETS.tiny;
    await saveModel(join(root, 'second'), initParams(config, Rng.fromSeed(2)), config);
    cpSync(join(root, 'second', 'model.safetensors'), join(swapped, MASKGIT_DIR, 'model.safetensors'));
    await expect(loadGenerator(swapped, 'tfjs')).rejects.toThrow(UsageError);
    await expect(loadGenerator(swapped, 'tfjs')).rejects.toThrow(/^--model: loadModel: .*do not belong together/);
  });
});
