/**
 * Test support: untrained tiny-preset bundles (tokenizer + transformer) and a tiny evaluation classifier written in
 * well under a second, so end-to-end tests of compare / tune-schedule need no training. Not used by the CLI itself.
 */
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '@speedrl/core';
import { MASKGIT_PRESETS, initParams, saveModel } from '@speedrl/maskgit';
import { CLASSIFIER_PRESETS, createClassifier, saveClassifier } from '@speedrl/rewards-clip-fid';
import { VQ_PRESETS, createVqModel, disposeVqModel, saveVq } from '@speedrl/vq-tokenizer';
import { MASKGIT_DIR, TOKENIZER_DIR } from '@speedrl/pipeline';

/** The committed Fashion-MNIST fixture (300 test, 200 train images). */
export const FIXTURE_DIR = join(__dirname, '../../../../packages/tensor-utils/test-fixtures/fashion-mnist');

/** Writes a random-init tiny bundle to `dir`; with `tokenizerFrom` it reuses that bundle's tokenizer (like an RL model). */
export async function writeTinyBundle(dir: string, seed: number, tokenizerFrom?: string): Promise<void> {
  const rng = Rng.fromSeed(seed);
  if (tokenizerFrom === undefined) {
    const vq = createVqModel(VQ_PRESETS.tiny, rng.fork(0));
    await saveVq(join(dir, TOKENIZER_DIR), vq, {}, { includeOptimizer: false });
    disposeVqModel(vq);
  } else {
    cpSync(join(tokenizerFrom, TOKENIZER_DIR), join(dir, TOKENIZER_DIR), { recursive: true });
  }
  const config = MASKGIT_PRESETS.tiny;
  await saveModel(join(dir, MASKGIT_DIR), initParams(config, rng.fork(1)), config);
}

/** Writes a random-init tiny classifier of `role` to `dir`. */
export async function writeTinyClassifier(dir: string, role: 'eval' | 'reward', seed: number): Promise<void> {
  const model = createClassifier(role, CLASSIFIER_PRESETS[role].tiny, Rng.fromSeed(seed));
  await saveClassifier(dir, model, {}, { includeOptimizer: false });
  model.dispose();
}
