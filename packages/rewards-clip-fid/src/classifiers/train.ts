/**
 * Training and evaluation of a classifier: cross-entropy, AdamW with warm-up + cosine schedule, seeded
 * shuffling and augmentation that are functions of (rng seed, step) so a run resumes exactly from a step.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@speedrl/core';
import { tfAdamWUpdate } from '@speedrl/tensor-utils';
import { classifierLearningRate } from './config';
import { checkDataset, gatherBatch, type ClassifierImages, type ClassifierLabels } from './data';
import { dropoutMask, softmaxCrossEntropy } from './layers';
import { classifierForward, isWeight, PREDICT_CHUNK, type Classifier } from './model';

/** Options of {@link trainClassifier}. `steps` wins over `epochs`; with neither, `config.epochs` is used. */
export interface TrainClassifierOptions {
  readonly model: Classifier;
  /** Training images `[count, size, size]` (f32 in [0, 1] or u8). */
  readonly images: ClassifierImages;
  /** Labels `[count]`. */
  readonly labels: ClassifierLabels;
  /** Total steps of the run, counting steps already taken (also the schedule's length). */
  readonly steps?: number;
  /** Total epochs: epochs · floor(count / batchSize) steps. */
  readonly epochs?: number;
  /** Images per step; defaults to `model.config.batchSize`. */
  readonly batchSize?: number;
  /** The run's stream: forks 1 (data order) and 2 (per-step augmentation and dropout) are used, never advanced. */
  readonly rng: Rng;
  /** Step to start from; defaults to `model.step` (a loaded checkpoint resumes where it stopped). */
  readonly startStep?: number;
  /** Stop once this many steps are taken, keeping the whole run's schedule (runs done in parts). */
  readonly untilStep?: number;
  /** Called after every `progressEvery`-th step and after the last; awaited (may write checkpoints). */
  readonly onProgress?: (progress: ClassifierTrainProgress) => void | Promise<void>;
  /** Calls onProgress every this many steps (default 1). */
  readonly progressEvery?: number;
  /** Stops cleanly after the current step when aborted. */
  readonly signal?: AbortSignal;
}

/** One progress report. */
export interface ClassifierTrainProgress {
  /** Steps taken so far (equals model.step). */
  readonly step: number;
  readonly totalSteps: number;
  /** Epoch of the step just taken (0-based). */
  readonly epoch: number;
  /** Mean cross-entropy of the step's batch (before the update). */
  readonly loss: number;
  /** Accuracy on the step's (augmented) batch. */
  readonly accuracy: number;
  readonly learningRate: number;
  /** Wall-clock milliseconds of the step (informational only). */
  readonly stepMs: number;
}

/** What {@link trainClassifier} did. */
export interface ClassifierTrainResult {
  readonly stepsTaken: number;
  readonly finalStep: number;
  readonly stopped: boolean;
  readonly lastLoss: number | undefined;
}

/** One AdamW step on a batch `[n, size, size]`; returns its loss and accuracy. Leaks no tensors. */
export function classifierTrainStep(model: Classifier, batch: Float32Array, labels: Int32Array, learningRate: number, rng: Rng): { loss: number; accuracy: number } {
  const cfg = model.config;
  const n = labels.length;
  const names = [...model.params.keys()];
  const mask = cfg.dropout > 0 ? dropoutMask(n * cfg.featureDim, cfg.dropout, rng) : undefined;
  const [loss, accuracy] = tf.tidy(() => {
    const x = tf.tensor3d(batch, [n, cfg.imageSize, cfg.imageSize]);
    const y = tf.tensor1d(labels, 'int32');
    const drop = mask === undefined ? undefined : tf.tensor2d(mask, [n, cfg.featureDim]);
    let correct: tf.Tensor | undefined; // kept out of valueAndGrads' inner tidy, disposed below
    const f = (...values: tf.Tensor[]): tf.Scalar => {
      const out = classifierForward(cfg, new Map(names.map((name, i) => [name, values[i] as tf.Tensor])), x, drop);
      correct = tf.keep(tf.sum(tf.cast(tf.equal(tf.argMax(out.logits, 1), y), 'float32')));
      return softmaxCrossEntropy(out.logits, y);
    };
    const { value, grads } = tf.valueAndGrads(f)([...model.params.values()]);
    tfAdamWUpdate(model.params, new Map(names.map((name, i) => [name, grads[i] as tf.Tensor])), model.optimizer, learningRate, { weightDecay: cfg.weightDecay, decays: isWeight });
    const hits = (correct as tf.Tensor).dataSync()[0] as number;
    (correct as tf.Tensor).dispose();
    return [value.dataSync()[0] as number, hits / n];
  });
  model.step += 1;
  return { loss, accuracy };
}

/** Trains `model` up to `steps` (or `epochs`) total steps, yielding to the event loop between steps. */
export async function trainClassifier(options: TrainClassifierOptions): Promise<ClassifierTrainResult> {
  const { model, images, labels, rng } = options;
  const cfg = model.config;
  const count = checkDataset(images, labels, cfg.imageSize, cfg.numClasses, 'trainClassifier');
  const batchSize = options.batchSize ?? cfg.batchSize;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1 || batchSize > count) {
    throw new RangeError(`trainClassifier: batchSize must be an integer in [1, ${count}] (the number of images), got ${batchSize}`);
  }
  const perEpoch = Math.floor(count / batchSize);
  const totalSteps = options.steps ?? (options.epochs ?? cfg.epochs) * perEpoch;
  if (!Number.isSafeInteger(totalSteps) || totalSteps < 0) {
    throw new RangeError(`trainClassifier: steps/epochs must give a non-negative integer step count (steps=${options.steps}, epochs=${options.epochs})`);
  }
  const startStep = options.startStep ?? model.step;
  if (!Number.isSafeInteger(startStep) || startStep < 0) throw new RangeError(`trainClassifier: startStep must be a non-negative integer, got ${startStep}`);
  const endStep = Math.min(totalSteps, options.untilStep ?? totalSteps);
  if (!Number.isSafeInteger(endStep) || endStep < 0) throw new RangeError(`trainClassifier: untilStep must be a non-negative integer, got ${options.untilStep}`);
  const every = options.progressEvery ?? 1;
  if (!Number.isSafeInteger(every) || every < 1) throw new RangeError(`trainClassifier: progressEvery must be a positive integer, got ${every}`);

  const dataRng = rng.fork(1);
  const stepRng = rng.fork(2);
  const augment = { flipProbability: cfg.flipProbability, maxShift: cfg.maxShift };
  model.step = startStep;
  let cache: { epoch: number; perm: Int32Array } | undefined;
  let lastLoss: number | undefined;
  let stopped = false;
  for (let step = startStep; step < endStep; step++) {
    if (options.signal?.aborted === true) {
      stopped = true;
      break;
    }
    const epoch = Math.floor(step / perEpoch);
    if (cache?.epoch !== epoch) cache = { epoch, perm: dataRng.fork(epoch).permutation(count) };
    const indices = cache.perm.subarray((step % perEpoch) * batchSize, (step % perEpoch + 1) * batchSize);
    const started = performance.now();
    const r = stepRng.fork(step);
    const batch = gatherBatch(images, indices, cfg.imageSize, augment, r.fork(0));
    const batchLabels = Int32Array.from(indices, (i) => labels[i] as number);
    const learningRate = classifierLearningRate(cfg, step, totalSteps);
    const { loss, accuracy } = classifierTrainStep(model, batch, batchLabels, learningRate, r.fork(1));
    lastLoss = loss;
    const stepMs = performance.now() - started;
    if (options.onProgress !== undefined && (model.step % every === 0 || step === endStep - 1)) {
      await options.onProgress({ step: model.step, totalSteps, epoch, loss, accuracy, learningRate, stepMs });
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { stepsTaken: model.step - startStep, finalStep: model.step, stopped, lastLoss };
}

/** Accuracy and mean cross-entropy of `model` on `images` `[count, size, size]` with `labels` `[count]` (no augmentation). */
export function evaluateClassifier(model: Classifier, images: ClassifierImages, labels: ClassifierLabels): { accuracy: number; loss: number; count: number } {
  const cfg = model.config;
  const count = checkDataset(images, labels, cfg.imageSize, cfg.numClasses, 'evaluateClassifier');
  if (count === 0) throw new RangeError('evaluateClassifier: no images to evaluate');
  let correct = 0;
  let lossSum = 0;
  for (let start = 0; start < count; start += PREDICT_CHUNK) {
    const idx = Int32Array.from({ length: Math.min(PREDICT_CHUNK, count - start) }, (_, i) => start + i);
    const batch = gatherBatch(images, idx, cfg.imageSize);
    tf.tidy(() => {
      const y = tf.tensor1d(Int32Array.from(idx, (i) => labels[i] as number), 'int32');
      const { logits } = classifierForward(cfg, model.params, tf.tensor3d(batch, [idx.length, cfg.imageSize, cfg.imageSize]));
      lossSum += (softmaxCrossEntropy(logits, y).dataSync()[0] as number) * idx.length;
      correct += tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), y), 'float32')).dataSync()[0] as number;
    });
  }
  return { accuracy: correct / count, loss: lossSum / count, count };
}
