/**
 * The VQ-VAE training loop: seeded shuffling per epoch, k-means codebook initialisation before the first
 * step, progress callbacks, and exact resumption from a step count (data order and per-step randomness
 * are functions of (rng seed, step), not of how far a stream has advanced).
 */
import { learningRateAt, type Rng } from '@speedrl/core';
import { vqLrSchedule } from './config';
import { gatherImages, imageCount, type VqImages } from './images';
import { initCodebookKMeans } from './kmeans';
import type { VqModel } from './model';
import { trainStep, type VqPerceptualLoss, type VqStepMetrics } from './train-step';

/** Options of {@link train}. Give `steps` or `epochs` (steps wins when both are set). */
export interface VqTrainOptions {
  readonly model: VqModel;
  /** Training images `[count, 28, 28]`: Float32 in [0, 1] or u8. */
  readonly images: VqImages;
  /** Total steps of the run, counting steps already taken (also the learning-rate schedule's length). */
  readonly steps?: number;
  /** Total epochs the run should reach: epochs · floor(count / batchSize) steps. */
  readonly epochs?: number;
  /** Images per step; defaults to `model.config.batchSize`. */
  readonly batchSize?: number;
  /** The run's stream: forks 0 (k-means), 1 (data order) and 2 (per-step) are used, never advanced. */
  readonly rng: Rng;
  /** Stop once this many steps are taken, keeping the schedule of the whole run (for runs done in parts). */
  readonly untilStep?: number;
  /** Step to start from; defaults to `model.step` (a loaded checkpoint resumes where it stopped). */
  readonly startStep?: number;
  /** Run k-means initialisation first; defaults to true when starting at step 0 with a random codebook. */
  readonly initKMeans?: boolean;
  /** Called after every `progressEvery`-th step and after the last; awaited (may write checkpoints). */
  readonly onProgress?: (progress: VqTrainProgress) => void | Promise<void>;
  /** Calls onProgress every this many steps (default 1). */
  readonly progressEvery?: number;
  /** Stops cleanly after the current step when aborted. */
  readonly signal?: AbortSignal;
  /** Optional perceptual term w·||φ(x̂) − φ(x)||² with a frozen feature network (see trainStep). */
  readonly perceptual?: VqPerceptualLoss;
}

/** One progress report. */
export interface VqTrainProgress extends VqStepMetrics {
  /** Steps taken so far (equals model.step). */
  readonly step: number;
  readonly totalSteps: number;
  /** Epoch of the step just taken (0-based). */
  readonly epoch: number;
  /** Learning rate used by the step just taken. */
  readonly learningRate: number;
  /** Wall-clock milliseconds of the step just taken (informational only). */
  readonly stepMs: number;
}

/** What {@link train} did. */
export interface VqTrainResult {
  readonly stepsTaken: number;
  readonly finalStep: number;
  readonly stopped: boolean;
  /** Metrics of the last step taken, if any. */
  readonly last: VqStepMetrics | undefined;
  /** k-means quantisation error, when k-means ran. */
  readonly kmeansMse: number | undefined;
}

/** Trains `model` up to `steps` (or `epochs`) total steps, yielding to the event loop between steps. */
export async function train(options: VqTrainOptions): Promise<VqTrainResult> {
  const { model, images, rng } = options;
  const cfg = model.config;
  const count = imageCount(images, cfg.imageSize, 'train images');
  const batchSize = options.batchSize ?? cfg.batchSize;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > count) {
    throw new RangeError(`train: batchSize must be an integer in [1, ${count}] (the number of images), got ${batchSize}`);
  }
  const perEpoch = Math.floor(count / batchSize);
  const totalSteps = options.steps ?? (options.epochs === undefined ? undefined : options.epochs * perEpoch);
  if (totalSteps === undefined || !Number.isSafeInteger(totalSteps) || totalSteps < 0) {
    throw new RangeError(`train: give "steps" or "epochs" as a non-negative integer (steps=${options.steps}, epochs=${options.epochs})`);
  }
  const startStep = options.startStep ?? model.step;
  if (!Number.isSafeInteger(startStep) || startStep < 0) throw new RangeError(`train: startStep must be a non-negative integer, got ${startStep}`);
  const endStep = Math.min(totalSteps, options.untilStep ?? totalSteps);
  if (!Number.isSafeInteger(endStep) || endStep < 0) throw new RangeError(`train: untilStep must be a non-negative integer, got ${options.untilStep}`);
  const every = options.progressEvery ?? 1;
  if (!Number.isSafeInteger(every) || every < 1) throw new RangeError(`train: progressEvery must be a positive integer, got ${every}`);

  let kmeansMse: number | undefined;
  if (options.initKMeans ?? (startStep === 0 && model.codebookInit === 'random')) {
    kmeansMse = initCodebookKMeans(model, images, rng.fork(0)).mse;
  }
  const dataRng = rng.fork(1);
  const stepRng = rng.fork(2);
  const schedule = vqLrSchedule(cfg, totalSteps);
  model.step = startStep;
  let cache: { epoch: number; perm: Int32Array } | undefined;
  let last: VqStepMetrics | undefined;
  let stopped = false;
  for (let step = startStep; step < endStep; step++) {
    if (options.signal?.aborted === true) {
      stopped = true;
      break;
    }
    const epoch = Math.floor(step / perEpoch);
    if (cache?.epoch !== epoch) cache = { epoch, perm: dataRng.fork(epoch).permutation(count) };
    const within = step % perEpoch;
    const batch = gatherImages(images, cfg.imageSize, cache.perm.subarray(within * batchSize, (within + 1) * batchSize));
    const started = performance.now();
    const learningRate = learningRateAt(step, schedule);
    last = trainStep(model, batch, stepRng.fork(step), learningRate, options.perceptual);
    const stepMs = performance.now() - started;
    if (options.onProgress !== undefined && (model.step % every === 0 || step === endStep - 1)) {
      await options.onProgress({ ...last, step: model.step, totalSteps, epoch, learningRate, stepMs });
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { stepsTaken: model.step - startStep, finalStep: model.step, stopped, last, kmeansMse };
}
