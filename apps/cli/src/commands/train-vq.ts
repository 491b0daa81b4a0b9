/**
 * `speedrl train-vq`: trains the VQ-VAE tokenizer (van den Oord et al. 2017; EMA codebook, k-means init)
 * with checkpoints, metrics.jsonl, --resume and Ctrl-C saving; reports test-set PSNR and code usage.
 */
import { join } from 'node:path';
import { Command } from 'commander';
import { z } from 'zod';
import { Rng } from '@speedrl/core';
import { DEFAULT_FASHION_MNIST_DIR, imagesToFloat32, initBackend, loadIdxDataset } from '@speedrl/tensor-utils';
import { classifierFeatureFn, fcd } from '@speedrl/rewards-clip-fid';
import {
  createVqModel, decode, encode, evaluate, loadVq, resolveVqConfig, saveVq, train, vqPreset, type VqConfig, type VqFeatureFn, type VqModel,
} from '@speedrl/vq-tokenizer';
import { InterruptedError, UsageError } from '../errors';
import { loadRewardClassifier, rewardFeatures } from '@speedrl/eval';
import { gatherOptions, parseOptions } from '../config-file';
import { TOKENIZER_DIR, trainingInputs } from '@speedrl/pipeline';
import { installInterruptHandler } from '@speedrl/pipeline';
import type { TextIo } from '@speedrl/core';
import { createProgress } from '@speedrl/core';
import { RUN_FILES, openRunDir, readConfigStep, runModeOf } from '@speedrl/pipeline';
import { seedFlag } from '../flags';
import { checkDataDir } from '@speedrl/pipeline';

const int = (min: number) => z.coerce.number().int().min(min);
const schema = z.object({
  preset: z.enum(['tiny', 'fmnist']),
  data: z.string().min(1),
  out: z.string().min(1),
  epochs: int(1),
  steps: int(0),
  batch: int(1),
  seed: seedFlag,
  limit: int(0),
  evalLimit: int(0),
  checkpointEvery: int(1),
  logEvery: int(1),
  channels: int(0),
  resBlocks: int(-1),
  codeDim: int(0),
  codebookSize: int(0),
  lr: z.coerce.number().min(0),
  lrFloor: z.coerce.number().min(0).max(1),
  perceptual: z.coerce.number().min(0),
  holdout: int(0),
  perceptualClassifier: z.string().min(1),
});
type Options = z.infer<typeof schema>;
const DEFAULTS: Options = {
  preset: 'fmnist', data: DEFAULT_FASHION_MNIST_DIR, out: 'runs/vq', epochs: 3, steps: 0, batch: 64, seed: 0, limit: 0,
  evalLimit: 0, checkpointEvery: 200, logEvery: 10, channels: 0, resBlocks: -1, codeDim: 0, codebookSize: 0, lr: 0, lrFloor: 1,
  perceptual: 0, holdout: 0, perceptualClassifier: 'models/fashion-mnist/classifiers/reward',
};

/** The preset's config with the architecture flags applied (0, or -1 for --res-blocks, keeps the preset's value). */
function vqConfigOf(o: Options): Readonly<VqConfig> {
  const base = vqPreset(o.preset);
  return resolveVqConfig({
    ...(o.channels > 0 ? { channels: o.channels } : {}),
    ...(o.resBlocks >= 0 ? { resBlocks: o.resBlocks } : {}),
    ...(o.codeDim > 0 ? { codeDim: o.codeDim } : {}),
    ...(o.codebookSize > 0 ? { codebookSize: o.codebookSize } : {}),
    ...(o.lr > 0 ? { learningRate: o.lr } : {}),
    ...(o.lrFloor < 1 ? { learningRateFloor: o.lrFloor } : {}),
  }, base);
}

/** Registers `train-vq` on the program. */
export function trainVqCommand(io: TextIo): Command {
  const cmd = new Command('train-vq')
    .description('train the VQ-VAE tokenizer (28×28 images → 7×7 tokens) and report test PSNR and code usage')
    .option('--preset <name>', 'tiny (tests) or fmnist (shipped tokenizer)', DEFAULTS.preset)
    .option('--data <dir>', 'IDX dataset directory', DEFAULTS.data)
    .option('--out <dir>', 'run directory (checkpoint, metrics.jsonl, tokenizer/)', DEFAULTS.out)
    .option('--epochs <n>', 'epochs over the training images', String(DEFAULTS.epochs))
    .option('--steps <n>', 'total steps instead of epochs (0 = use --epochs)', String(DEFAULTS.steps))
    .option('--batch <n>', 'batch size', String(DEFAULTS.batch))
    .option('--seed <n>', 'seed of init, k-means, data order', String(DEFAULTS.seed))
    .option('--limit <n>', 'use only the first n training images (0 = all)', String(DEFAULTS.limit))
    .option('--eval-limit <n>', 'evaluate on the first n test images (0 = all)', String(DEFAULTS.evalLimit))
    .option('--channels <n>', 'hidden channels of the conv stacks (0 = the preset\'s)', String(DEFAULTS.channels))
    .option('--res-blocks <n>', 'residual blocks in encoder and decoder (-1 = the preset\'s)', String(DEFAULTS.resBlocks))
    .option('--code-dim <n>', 'dimension of each code vector (0 = the preset\'s)', String(DEFAULTS.codeDim))
    .option('--codebook-size <n>', 'number K of codes (0 = the preset\'s)', String(DEFAULTS.codebookSize))
    .option('--lr <x>', 'peak Adam learning rate (0 = the preset\'s)', String(DEFAULTS.lr))
    .option('--lr-floor <x>', 'cosine decay ends at lr × this (1 = the preset\'s)', String(DEFAULTS.lrFloor))
    .option('--perceptual <w>', 'weight of the perceptual loss on reward-classifier features (0 = MSE only)', String(DEFAULTS.perceptual))
    .option('--perceptual-classifier <dir>', 'the reward classifier whose features the perceptual loss compares', DEFAULTS.perceptualClassifier)
    .option('--holdout <n>', 'keep the last n training images out of training and report on them (for choosing settings without the test set)', String(DEFAULTS.holdout))
    .option('--checkpoint-every <n>', 'steps between checkpoints', String(DEFAULTS.checkpointEvery))
    .option('--log-every <n>', 'steps between metrics.jsonl lines', String(DEFAULTS.logEvery))
    .option('--config <file>', 'JSON or YAML file with any of these options (flags win)')
    .option('--resume', 'continue the run in --out from its checkpoint')
    .option('--force', 'start a new run in a non-empty --out (its metrics and checkpoint are replaced)')
    .option('--json', 'print a JSON summary on stdout')
    .addHelpText('after', `
Examples:
  $ speedrl train-vq --preset tiny --steps 100 --out runs/vq-tiny
  $ speedrl train-vq --preset fmnist --epochs 3 --out runs/vq      # Ctrl-C saves; then:
  $ speedrl train-vq --out runs/vq --resume
`);
  return cmd.action(async (flags: Record<string, unknown>) => {
    const { merged, typed } = gatherOptions(cmd, flags, DEFAULTS, schema.partial());
    const fresh = parseOptions(schema, merged);
    const run = await openRunDir(fresh.out, 'train-vq', fresh, runModeOf(flags), parseOptions(schema.partial(), typed), readConfigStep, trainingInputs(true));
    const options = parseOptions(schema, run.options);
    const summary = await trainVq(options, run, io);
    io.stdout(flags.json === true ? `${JSON.stringify(summary, null, 2)}\n`
      : `tokenizer in ${join(options.out, TOKENIZER_DIR)}: test PSNR ${summary.test.psnr.toFixed(2)} dB, perplexity ${summary.test.perplexity.toFixed(1)}, ${(100 * summary.test.usage).toFixed(1)}% of codes used\n`);
  });
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

async function trainVq(o: Options, run: Awaited<ReturnType<typeof openRunDir>>, io: TextIo) {
  checkDataDir(o.data);
  const backend = await initBackend();
  const all = await loadIdxDataset({ dir: o.data, split: 'train', ...(o.limit > 0 ? { limit: o.limit } : {}) });
  if (all.count === 0) throw new UsageError(`--data: the train split of "${o.data}" holds no images`);
  if (o.holdout >= all.count) throw new UsageError(`--holdout: ${o.holdout} leaves no training images of the ${all.count} loaded`);
  const trainCount = all.count - o.holdout;
  const data = { count: trainCount, images: all.images.subarray(0, trainCount * 784) };
  const rng = Rng.fromSeed(o.seed);
  const checkpointDir = join(run.dir, RUN_FILES.checkpoint);
  const model = run.resumeFrom !== undefined ? (await loadVq(run.resumeFrom)).model : createVqModel(vqConfigOf(o), rng.fork(0));
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
  const checkpoint = async (): Promise<void> => saveVq(checkpointDir, model, { command: 'train-vq', seed: o.seed });
  try {
    const result = await train({
      model, images: data.images, steps: totalSteps, batchSize: o.batch, rng: rng.fork(1), signal: abort.signal, ...(perceptual ? { perceptual } : {}),
      onProgress: async (p) => {
        if (!Number.isFinite(p.loss)) throw new Error(`train-vq: loss became ${p.loss} at step ${p.step}; last checkpoint kept in ${checkpointDir}`);
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
    progress.finish({ step: model.step, psnr: metrics.psnr });
    return { out: join(run.dir, TOKENIZER_DIR), step: model.step, stopped: result.stopped, kmeansMse: result.kmeansMse, test: metrics };
  } finally {
    interrupt.dispose();
  }
}
