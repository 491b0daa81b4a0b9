/**
 * Tokenizer training run (docs/architecture.md, "Tokenizer losses"): the VQ-VAE (van den Oord et al. 2017; EMA
 * codebook, k-means init) with an optional perceptual loss on the REWARD classifier's features, checkpoints,
 * metrics.jsonl, --resume and Ctrl-C saving ("Crash safety"); figures on held-out training images for choosing
 * settings, then test-set PSNR and code usage. It lives here, not in the pipeline, because its held-out figure is a
 * reward-classifier Fréchet distance (`loadRewardClassifier`, `rewardFeatures`).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINT_COMPLETE_MARKER, InterruptedError, Rng, UsageError, createProgress, type TextIo } from '@speedrl/core';
import { imagesToFloat32, initBackend, loadIdxDataset } from '@speedrl/tensor-utils';
import { classifierFeatureFn, fcd } from '@speedrl/rewards-clip-fid';
import {
  createVqModel, decode, encode, evaluate, loadVq, resolveVqConfig, saveVq, train, vqPreset,
  type VqConfig, type VqEvaluation, type VqFeatureFn, type VqModel, type VqPresetName,
} from '@speedrl/vq-tokenizer';
import { RUN_FILES, TOKENIZER_DIR, checkCheckpointRun, checkCheckpointSeed, checkDataDir, checkpointRunRecord, installInterruptHandler, type RunDir } from '@speedrl/pipeline';
import { loadRewardClassifier, rewardFeatures } from './reference';

/** Options of a tokenizer training run (the flags of `speedrl train-vq`, camelCase). */
export interface TrainVqOptions {
  /** Architecture preset: tiny (tests) or fmnist (the shipped tokenizer). */
  readonly preset: VqPresetName;
  /** IDX dataset directory. */
  readonly data: string;
  /** Run directory (checkpoint, metrics.jsonl, tokenizer/). */
  readonly out: string;
  /** Epochs over the training images (used when `steps` is 0). */
  readonly epochs: number;
  /** Total steps instead of epochs (0 = use `epochs`). */
  readonly steps: number;
  /** Batch size. */
  readonly batch: number;
  /** Seed of init, k-means and data order. */
  readonly seed: number;
  /** Only the first n training images (0 = all). */
  readonly limit: number;
  /** Evaluate on the first n test images (0 = all). */
  readonly evalLimit: number;
  /** Steps between checkpoints. */
  readonly checkpointEvery: number;
  /** Steps between metrics.jsonl lines. */
  readonly logEvery: number;
  /** Hidden channels of the conv stacks (0 = the preset's). */
  readonly channels: number;
  /** Residual blocks in encoder and decoder (-1 = the preset's). */
  readonly resBlocks: number;
  /** Dimension of each code vector (0 = the preset's). */
  readonly codeDim: number;
  /** Number K of codes (0 = the preset's). */
  readonly codebookSize: number;
  /** Peak Adam learning rate (0 = the preset's). */
  readonly lr: number;
  /** Cosine decay ends at lr × this (1 = the preset's). */
  readonly lrFloor: number;
  /** Weight of the perceptual loss on reward-classifier features (0 = MSE only). */
  readonly perceptual: number;
  /** The last n training images are kept out of training and reported on (settings are chosen there, not on the test set). */
  readonly holdout: number;
  /** REWARD classifier directory: φ of the perceptual loss and of the held-out Fréchet distance. */
  readonly perceptualClassifier: string;
}

/** How a tokenizer training run ended. */
export interface TrainVqSummary {
  /** The tokenizer directory written (run dir / tokenizer). */
  readonly out: string;
  readonly step: number;
  readonly stopped: boolean;
  /** MSE of the k-means codebook init (undefined when resumed). */
  readonly kmeansMse: number | undefined;
  /** Test-set PSNR, perplexity and code usage. */
  readonly test: VqEvaluation;
}

/** The preset's config with the architecture options applied (0, or -1 for `resBlocks`, keeps the preset's value). */
function vqConfigOf(o: TrainVqOptions): Readonly<VqConfig> {
  return resolveVqConfig({
    ...(o.channels > 0 ? { channels: o.channels } : {}),
    ...(o.resBlocks >= 0 ? { resBlocks: o.resBlocks } : {}),
    ...(o.codeDim > 0 ? { codeDim: o.codeDim } : {}),
    ...(o.codebookSize > 0 ? { codebookSize: o.codebookSize } : {}),
    ...(o.lr > 0 ? { learningRate: o.lr } : {}),
    ...(o.lrFloor < 1 ? { learningRateFloor: o.lrFloor } : {}),
  }, vqPreset(o.preset));
}

/** The reward classifier's features as the perceptual loss's φ; the evaluation classifier is refused (it only judges). */
async function perceptualFeatures(dir: string): Promise<VqFeatureFn> {
  return classifierFeatureFn(await loadRewardClassifier(dir, undefined, '--perceptual-classifier', 'the perceptual loss needs'));
}

/**
 * Fréchet distance between the reward classifier's features of `images` and of their reconstructions: the
 * settings-selection figure (the evaluation classifier's FCD only judges, on the test set).
 */
async function rewardFeatureDistance(model: VqModel, images: Float32Array, count: number, dir: string): Promise<{ rewardFd: number }> {
  const classifier = await loadRewardClassifier(dir, count, '--perceptual-classifier', 'the held-out figures need');
  const recon = decode(model, encode(model, images));
  return { rewardFd: fcd(await rewardFeatures(classifier, recon, count), await rewardFeatures(classifier, images, count)) };
}

/**
 * Trains the tokenizer with `o` in the open run directory `run` (docs/architecture.md, "Tokenizer losses"); progress
 * and notes go to `io`. Ctrl-C saves and throws InterruptedError; the tokenizer lands in `run.dir/tokenizer`.
 */
export async function trainVq(o: TrainVqOptions, run: RunDir, io: TextIo): Promise<TrainVqSummary> {
  checkDataDir(o.data);
  const backend = await initBackend();
  const all = await loadIdxDataset({ dir: o.data, split: 'train', ...(o.limit > 0 ? { limit: o.limit } : {}) });
  if (all.count === 0) throw new UsageError(`--data: the train split of "${o.data}" holds no images`);
  if (o.holdout >= all.count) throw new UsageError(`--holdout: ${o.holdout} leaves no training images of the ${all.count} loaded`);
  const trainCount = all.count - o.holdout;
  const data = { count: trainCount, images: all.images.subarray(0, trainCount * 784) };
  const rng = Rng.fromSeed(o.seed);
  const checkpointDir = join(run.dir, RUN_FILES.checkpoint);
  const resumed = run.resumeFrom === undefined ? undefined : await loadVq(run.resumeFrom);
  if (resumed !== undefined) checkCheckpointSeed(resumed.metadata.seed, o.seed, run.resumeFrom as string);
  if (resumed !== undefined) checkCheckpointRun(resumed.metadata.run, run, run.resumeFrom as string);
  const model = resumed?.model ?? createVqModel(vqConfigOf(o), rng.fork(0));
  const totalSteps = o.steps > 0 ? o.steps : o.epochs * Math.floor(data.count / o.batch);
  if (model.step > totalSteps) throw new UsageError(`--steps/--epochs: the run in ${run.dir} is already at step ${model.step}, past the ${totalSteps} asked for`);
  if (o.batch > data.count) throw new UsageError(`--batch: ${o.batch} is more than the ${data.count} training images`);
  io.stderr(`train-vq: ${o.preset} tokenizer, ${data.count} images, batch ${o.batch}, steps ${model.step}→${totalSteps}, backend ${backend.backend}\n`);
  const perceptual = o.perceptual > 0 ? { weight: o.perceptual, features: await perceptualFeatures(o.perceptualClassifier) } : undefined;
  if (o.holdout > 0 && perceptual === undefined) await loadRewardClassifier(o.perceptualClassifier, undefined, '--perceptual-classifier', 'the held-out figures need'); // checked now, used after training
  await run.start(); // everything above validated: only now is the run directory written
  const interrupt = installInterruptHandler(io);
  const abort = new AbortController();
  const progress = createProgress({ label: 'train-vq', total: totalSteps, io });
  // one atomic directory: the step is in its config.json (no second file a kill could leave out of step)
  const checkpoint = async (): Promise<void> => saveVq(checkpointDir, model, { command: 'train-vq', seed: o.seed, run: checkpointRunRecord(run) });
  try {
    const result = await train({
      model, images: data.images, steps: totalSteps, batchSize: o.batch, rng: rng.fork(1), signal: abort.signal, ...(perceptual ? { perceptual } : {}),
      onProgress: async (p) => {
        if (!Number.isFinite(p.loss)) throw new Error(`train-vq: loss became ${p.loss} at step ${p.step}; ${[checkpointDir, `${checkpointDir}.old`].some((d) => existsSync(join(d, CHECKPOINT_COMPLETE_MARKER))) ? `last checkpoint kept in ${checkpointDir}` : 'no checkpoint was written yet'}`);
        if (p.step % o.logEvery === 0 || p.step === totalSteps) {
          run.log({ step: p.step, loss: p.loss, reconMse: p.reconMse, perceptualLoss: p.perceptualLoss, commitLoss: p.commitLoss, perplexity: p.perplexity, deadRestarted: p.deadRestarted, lr: p.learningRate, stepMs: p.stepMs });
        }
        progress.update(p.step, { loss: p.loss, mse: p.reconMse });
        if (p.step % o.checkpointEvery === 0) await checkpoint();
        if (interrupt.stop.requested) abort.abort();
      },
    });
    await checkpoint();
    if (result.stopped) throw new InterruptedError(`train-vq: stopped by ${interrupt.stop.signal ?? 'a signal'} at step ${model.step}; checkpoint saved in ${checkpointDir}, continue with --resume`);
    if (o.holdout > 0) {
      const held = imagesToFloat32(all.images.subarray(trainCount * 784));
      const heldMetrics = { ...evaluate(model, held), ...(await rewardFeatureDistance(model, held, o.holdout, o.perceptualClassifier)) };
      run.log({ step: model.step, event: 'eval', split: 'train-holdout', firstIndex: trainCount, ...heldMetrics });
      io.stderr(`held-out train images ${trainCount}…${all.count - 1}: PSNR ${heldMetrics.psnr.toFixed(2)} dB, reward-feature FD ${heldMetrics.rewardFd.toFixed(3)}, ${(100 * heldMetrics.usage).toFixed(1)}% of codes used\n`);
    }
    const test = await loadIdxDataset({ dir: o.data, split: 'test', ...(o.evalLimit > 0 ? { limit: o.evalLimit } : {}) });
    const metrics = evaluate(model, test.images);
    run.log({ step: model.step, event: 'eval', split: 'test', ...metrics });
    await saveVq(join(run.dir, TOKENIZER_DIR), model, { command: 'train-vq', seed: o.seed, preset: o.preset, step: model.step, test: metrics }, { includeOptimizer: false });
    await run.finish(); // the run's products are complete: an earlier run a --force set aside goes
    progress.finish({ step: model.step, psnr: metrics.psnr });
    return { out: join(run.dir, TOKENIZER_DIR), step: model.step, stopped: result.stopped, kmeansMse: result.kmeansMse, test: metrics };
  } finally {
    interrupt.dispose();
  }
}
