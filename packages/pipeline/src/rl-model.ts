/**
 * A generator bundle made ready for Speed-RL from code (arXiv 2512.01094; docs/architecture.md, "Speed-RL objective"): the
 * parts `runSpeedRl` of @speedrl/rl-trainer takes — the MaskGIT policy on the onnxruntime training engine, the frozen
 * base as its KL reference, the VQ decoder — and `save`, which writes the tuned weights as a new bundle that every
 * command (sample, eval, compare) reads.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ONNX_FILE, createOrtTrainEngine, type AdamWOptions, type MaskGitConfig } from '@speedrl/maskgit';
import { TRAINER_STATE_FILE, type Decoder, type ReferencePolicy } from '@speedrl/rl-trainer';
import { decode, disposeVqModel } from '@speedrl/vq-tokenizer';
import { MASKGIT_DIR, TOKENIZER_DIR, bundleIterations, loadBundle, writeBundle } from './bundle';
import { createMaskgitPolicy, createReference, type MaskgitPolicy } from './maskgit-policy';

/** A bundle loaded for RL: the trainable copy, the frozen base, the decoder (see {@link loadRlModel}). */
export interface RlModel {
  readonly config: MaskGitConfig;
  /** The trainable policy (starts as a copy of the bundle's weights). */
  readonly policy: MaskgitPolicy;
  /** The bundle's weights, frozen: the KL reference. */
  readonly reference: ReferencePolicy;
  /** Tokens `[B, L]` → images `[B, H, W]` in [0, 1] (the bundle's tokenizer, on tfjs). */
  readonly decoder: Decoder;
  /** Content key of the bundle's tokenizer (saved bundles record it). */
  readonly tokenizerKey: string;
  /** Writes the policy's current weights, with the bundle's tokenizer, as the bundle `dir` (`metadata` into its config). */
  save(dir: string, metadata?: Record<string, unknown>): Promise<void>;
  /** Frees the engines and the tokenizer. */
  dispose(): Promise<void>;
}

/** Settings of {@link loadRlModel}. */
export interface RlModelOptions {
  /** The flag or name the errors cite for `dir` (default "--base"). */
  readonly flag?: string;
  /** AdamW settings of the policy (default: no weight decay, global-norm clip 1; the RL loop sets the lr). */
  readonly optimizer?: Partial<AdamWOptions>;
}

/**
 * Loads the bundle `dir` (tokenizer/ + maskgit/, checked to belong together) for Speed-RL; needs an initialised tfjs
 * backend for the decoder (`initBackend` of @speedrl/tensor-utils). Call `dispose` when done.
 */
export async function loadRlModel(dir: string, options: RlModelOptions = {}): Promise<RlModel> {
  const bundle = await loadBundle(dir, options.flag ?? '--base');
  const { config, params, vq, tokenizerKey } = bundle;
  const policy = await createMaskgitPolicy(config, params, options.optimizer ?? { weightDecay: 0, clipNorm: 1 });
  const refEngine = await createOrtTrainEngine(config);
  return {
    config,
    policy,
    reference: createReference(refEngine, params),
    decoder: { height: vq.config.imageSize, width: vq.config.imageSize, decode: async (tokens) => decode(vq, tokens) },
    tokenizerKey,
    save: (out, metadata = {}) => writeBundle(out, policy.params(), config, join(dir, TOKENIZER_DIR), { ...metadata, tokenizerKey }),
    async dispose() {
      await policy.dispose();
      await refEngine.dispose();
      disposeVqModel(vq);
    },
  };
}

/**
 * Whether the Speed-RL run directory `rlDir` has finished `iterations`: its checkpoint reached them and its model/ was
 * written after that checkpoint (the model records the same iteration count), so continuing it has nothing to train.
 */
export async function rlRunFinished(rlDir: string, iterations: number): Promise<boolean> {
  const state = join(rlDir, 'checkpoint', TRAINER_STATE_FILE);
  const model = join(rlDir, 'model');
  if (!existsSync(state) || !existsSync(join(model, MASKGIT_DIR, ONNX_FILE))) return false;
  const { iteration } = JSON.parse(await readFile(state, 'utf8')) as { iteration?: unknown };
  const done = typeof iteration === 'number' ? iteration : 0;
  return done >= iterations && (await bundleIterations(model)) === done;
}
