/**
 * The quality-vs-training probe of `train-maskgit --eval-every`: samples a fixed class-balanced set at T steps from
 * given parameters and reports (a) FCD, precision, recall and class accuracy on the EVALUATION classifier against the
 * test set — the curve people read, never used to choose anything — and (b) the Fréchet distance on the REWARD
 * classifier's features against held-out training images, the figure that chooses the EMA decay.
 */
import { Rng } from '@speedrl/core';
import { imagesToFloat32, loadIdxDataset, writeLineChart, type GaussianStats } from '@speedrl/tensor-utils';
import { computeSetMetrics, extractEvalOutputs, fcd, featureGaussian } from '@speedrl/rewards-clip-fid';
import type { MaskGitConfig, MaskGitParams } from '@speedrl/maskgit';
import { loadVq } from '@speedrl/vq-tokenizer';
import { drawSampleSet, generatorFromParams } from '@speedrl/pipeline';
import { loadEvalClassifier, loadRewardClassifier, loadTestReference, rewardFeatures, type TestReference } from './reference';

/** Where the probe's models and data are, and what it samples. */
export interface QualityProbeOptions {
  readonly tokenizer: string;
  readonly evalClassifier: string;
  readonly rewardClassifier: string;
  readonly data: string;
  /** Index of the first held-out training image (they run to the end of the train split); undefined: no rewardFd. */
  readonly heldOutFrom: number | undefined;
  /** Samples per probe (class-balanced). */
  readonly n: number;
  /** Sampling steps T. */
  readonly steps: number;
  /** Sampling seed: the same for every probe, so the curve compares models, not sample draws. */
  readonly seed: number;
}

/** One probe's figures. */
export interface QualityProbeResult {
  readonly fcd: number;
  readonly precision: number;
  readonly recall: number;
  readonly accuracy: number;
  /** FD of reward-classifier features vs the held-out training images (null without a hold-out). */
  readonly rewardFd: number | null;
}

/** A loaded probe. */
export interface QualityProbe {
  measure(params: MaskGitParams, config: MaskGitConfig): Promise<QualityProbeResult>;
}

/** Loads the classifiers, the test reference and the held-out training Gaussian once. */
export async function createQualityProbe(o: QualityProbeOptions): Promise<QualityProbe> {
  const evalClassifier = await loadEvalClassifier(o.evalClassifier, o.n, '--classifier', 'the training curve needs');
  const test: TestReference = await loadTestReference(evalClassifier, o.data, 0);
  const reward = { model: await loadRewardClassifier(o.rewardClassifier, o.n, '--reward-classifier', 'the quality probe needs') };
  let heldOut: GaussianStats | undefined;
  if (o.heldOutFrom !== undefined) {
    const train = await loadIdxDataset({ dir: o.data, split: 'train' });
    const count = train.count - o.heldOutFrom;
    const images = imagesToFloat32(train.images.subarray(o.heldOutFrom * 784));
    heldOut = featureGaussian(await rewardFeatures(reward.model, images, count), 'held-out train images');
  }
  return {
    async measure(params, config) {
      const { model: vq } = await loadVq(o.tokenizer);
      const gen = await generatorFromParams(params, config, vq, 'ort');
      try {
        const set = await drawSampleSet(gen, o.n, o.steps, o.seed, 64, {});
        const m = computeSetMetrics(await extractEvalOutputs(evalClassifier, set.images, set.count), test.reference, Rng.fromSeed(o.seed), set.classes, { kid: { numSubsets: 10 } });
        const rewardFd = heldOut === undefined ? null : fcd(await rewardFeatures(reward.model, set.images, set.count), heldOut);
        return { fcd: m.fcd, precision: m.precision, recall: m.recall, accuracy: m.accuracy?.accuracy ?? NaN, rewardFd };
      } finally {
        gen.dispose();
      }
    },
  };
}

/** One probe record of metrics.jsonl (`event: "eval"`). */
interface ProbeRecord {
  readonly step: number;
  readonly weights: string;
  readonly fcd: number;
}

/**
 * Draws the quality-vs-training curve: FCD at T of every set of weights (raw, each EMA) against the training step,
 * from the probe records of a run's metrics.jsonl.
 */
export async function writeQualityCurve(path: string, records: readonly ProbeRecord[], steps: number, n: number): Promise<void> {
  const names = [...new Set(records.map((r) => r.weights))];
  const series = names.map((name) => {
    const mine = records.filter((r) => r.weights === name).sort((a, b) => a.step - b.step);
    return { name, x: mine.map((r) => r.step), y: mine.map((r) => r.fcd) };
  });
  await writeLineChart(path, {
    title: `Quality during training: FCD at T = ${steps} (${n} samples, seed 0)`, xLabel: 'training step', yLabel: 'FCD (eval classifier)', series,
  });
}
