/**
 * Classifier training run (docs/architecture.md, "Speed-RL objective" and "Evaluation protocol"): one of the two
 * Fashion-MNIST CNNs (different architectures and seeds) with checkpoints, metrics.jsonl, --resume and Ctrl-C saving
 * ("Crash safety"), then its feature statistics: per-class Gaussians of the training images for the reward classifier
 * (realism reward), the test-set Gaussian for the evaluation classifier (FCD).
 */
import { join } from 'node:path';
import { InterruptedError, Rng, UsageError, createProgress, type TextIo } from '@speedrl/core';
import { initBackend, loadIdxDataset } from '@speedrl/tensor-utils';
import {
  CLASSIFIER_SEEDS, FEATURE_STATS_FILE, classifierPreset, createClassifier, evaluateClassifier, featureStatistics, loadClassifier, saveClassifier,
  saveFeatureStatistics, trainClassifier, type ClassifierPresetName, type ClassifierRole,
} from '@speedrl/rewards-clip-fid';
import { checkDataDir } from './checks';
import { installInterruptHandler } from './interrupt';
import { checkCheckpointRun, checkpointRunRecord } from './resume-options';
import { RUN_FILES, checkCheckpointSeed, checkpointNote, type RunDir } from './run-dir';

/** Where a trained classifier and its statistics go inside the run directory. */
export const CLASSIFIER_DIR = 'classifier';

/** Options of a classifier training run (the flags of `speedrl train-classifier`, camelCase). */
export interface TrainClassifierRunOptions {
  /** reward (used in rewards) or eval (used only to judge; never a reward). */
  readonly role: ClassifierRole;
  /** Architecture preset: tiny (tests) or fmnist. */
  readonly preset: ClassifierPresetName;
  /** IDX dataset directory. */
  readonly data: string;
  /** Run directory (checkpoint, metrics.jsonl, classifier/). */
  readonly out: string;
  /** Epochs (0 = the role's preset: 6 reward, 7 eval). */
  readonly epochs: number;
  /** Total steps instead of epochs (0 = use epochs). */
  readonly steps: number;
  /** Seed (undefined = the role's own seed, CLASSIFIER_SEEDS). */
  readonly seed?: number | undefined;
  /** Only the first n training images (0 = all). */
  readonly limit: number;
  /** Evaluate on the first n test images (0 = all). */
  readonly evalLimit: number;
  /** Steps between checkpoints. */
  readonly checkpointEvery: number;
  /** Steps between metrics.jsonl lines. */
  readonly logEvery: number;
}

/** How a classifier training run ended. */
export interface TrainClassifierRunSummary {
  /** The classifier directory written (run dir / classifier). */
  readonly out: string;
  readonly role: ClassifierRole;
  readonly seed: number;
  readonly step: number;
  readonly stopped: boolean;
  /** Test-set accuracy and loss, and how many test images. */
  readonly test: { readonly accuracy: number; readonly loss: number; readonly count: number };
}

/**
 * Trains the `o.role` classifier in the open run directory `run` and writes it with its feature statistics
 * (docs/architecture.md, "Speed-RL objective"); progress goes to `io`. Ctrl-C saves and throws InterruptedError.
 */
export async function trainClassifierRun(o: TrainClassifierRunOptions, run: RunDir, io: TextIo): Promise<TrainClassifierRunSummary> {
  checkDataDir(o.data);
  const backend = await initBackend();
  const config = classifierPreset(o.role, o.preset);
  const seed = o.seed ?? CLASSIFIER_SEEDS[o.role];
  const rng = Rng.fromSeed(seed);
  const data = await loadIdxDataset({ dir: o.data, split: 'train', ...(o.limit > 0 ? { limit: o.limit } : {}) });
  if (data.count === 0) throw new UsageError(`--data: the train split of "${o.data}" holds no images`);
  const checkpointDir = join(run.dir, RUN_FILES.checkpoint);
  const resumed = run.resumeFrom === undefined ? undefined : await loadClassifier(run.resumeFrom);
  if (resumed !== undefined) checkCheckpointSeed(resumed.metadata.seed, seed, run.resumeFrom as string);
  if (resumed !== undefined) checkCheckpointRun(resumed.metadata.run, run, run.resumeFrom as string);
  const model = resumed?.model ?? createClassifier(o.role, config, rng.fork(0));
  const epochs = o.epochs > 0 ? o.epochs : config.epochs;
  const totalSteps = o.steps > 0 ? o.steps : epochs * Math.floor(data.count / config.batchSize);
  if (model.step > totalSteps) throw new UsageError(`--steps/--epochs: the run in ${run.dir} is already at step ${model.step}, past the ${totalSteps} asked for`);
  if (config.batchSize > data.count) throw new UsageError(`--limit: ${data.count} training images are fewer than the ${o.preset} preset's batch of ${config.batchSize}`);
  const test = await loadIdxDataset({ dir: o.data, split: 'test', ...(o.evalLimit > 0 ? { limit: o.evalLimit } : {}) });
  // the feature statistics written after training are per class: every class needs 2 images (checked now, not after training)
  const [statsLabels, statsFlag] = o.role === 'reward' ? [data.labels, '--limit'] : [test.labels, '--eval-limit'];
  const perClass = Array.from({ length: config.numClasses }, (_, k) => statsLabels.filter((l) => l === k).length);
  const few = perClass.findIndex((c) => c < 2);
  if (few >= 0) throw new UsageError(`${statsFlag}: the ${o.role} classifier's feature statistics need 2 images of every class; class ${few} has ${perClass[few]} among the ${statsLabels.length} ${o.role === 'reward' ? 'training' : 'test'} images used`);
  io.stderr(`train-classifier: ${o.role} CNN (${o.preset}), seed ${seed}, ${data.count} images, steps ${model.step}→${totalSteps}, backend ${backend.backend}\n`);
  await run.start(); // everything above validated: only now is the run directory written
  const interrupt = installInterruptHandler(io);
  const abort = new AbortController();
  const progress = createProgress({ label: `train-classifier(${o.role})`, total: totalSteps, io });
  // one atomic directory: the step is in its config.json (no second file a kill could leave out of step)
  const checkpoint = async (): Promise<void> => saveClassifier(checkpointDir, model, { command: 'train-classifier', seed, run: checkpointRunRecord(run) });
  try {
    const result = await trainClassifier({
      model, images: data.images, labels: data.labels, steps: totalSteps, rng: rng.fork(1), signal: abort.signal,
      onProgress: async (p) => {
        if (!Number.isFinite(p.loss)) throw new Error(`train-classifier: loss became ${p.loss} at step ${p.step}; ${checkpointNote(checkpointDir)}`);
        if (p.step % o.logEvery === 0 || p.step === totalSteps) {
          run.log({ step: p.step, loss: p.loss, batchAccuracy: p.accuracy, lr: p.learningRate, stepMs: p.stepMs });
        }
        progress.update(p.step, { loss: p.loss, acc: p.accuracy });
        if (p.step % o.checkpointEvery === 0) await checkpoint();
        if (interrupt.stop.requested) abort.abort();
      },
    });
    await checkpoint();
    if (result.stopped) throw new InterruptedError(`train-classifier: stopped by ${interrupt.stop.signal ?? 'a signal'} at step ${model.step}; checkpoint saved in ${checkpointDir}, continue with --resume`);
    const testMetrics = evaluateClassifier(model, test.images, test.labels);
    run.log({ step: model.step, event: 'eval', split: 'test', ...testMetrics });
    const outDir = join(run.dir, CLASSIFIER_DIR);
    await saveClassifier(outDir, model, { command: 'train-classifier', seed, preset: o.preset, step: model.step, test: testMetrics }, { includeOptimizer: false });
    // reward: per-class Gaussians of real training images (realism reward); eval: Gaussian of the test set (FCD reference)
    const stats = o.role === 'reward'
      ? await featureStatistics(model, data.images, data.labels)
      : await featureStatistics(model, test.images, test.labels);
    await saveFeatureStatistics(join(outDir, FEATURE_STATS_FILE), stats, { source: o.role === 'reward' ? 'train' : 'test', count: String(o.role === 'reward' ? data.count : test.count) });
    await run.finish(); // the run's products are complete: an earlier run a --force set aside goes
    progress.finish({ step: model.step, testAccuracy: testMetrics.accuracy });
    return { out: outDir, role: o.role, seed, step: model.step, stopped: result.stopped, test: testMetrics };
  } finally {
    interrupt.dispose();
  }
}
