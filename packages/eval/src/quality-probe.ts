/**
 * The quality-vs-training probe of `train-maskgit --eval-every`: samples a fixed class-balanced set at T steps from
 * given parameters and reports (a) FCD, precision, recall and class accuracy on the EVALUATION classifier against the
 * test set — the curve people read, never used to choose anything — and (b) the Fréchet distance on the REWARD
 * classifier's features against held-out training images, the figure that chooses the EMA decay.
 */
import { Rng } from '@speedrl/core';
import { imagesToFloat32, loadIdxDataset, type GaussianStats } from '@speedrl/tensor-utils';
import { computeSetMetrics, extractEvalOutputs, fcd, featureGaussian } from '@speedrl/rewards-clip-fid';
import { loadVq } from '@speedrl/vq-tokenizer';
import {
  drawSampleSet, generatorFromParams, type QualityProbe, type QualityProbeOptions, type QualityProbeResult,
} from '@speedrl/pipeline';
import { loadEvalClassifier, loadRewardClassifier, loadTestReference, rewardFeatures, type TestReference } from './reference';

export type { QualityProbe, QualityProbeOptions, QualityProbeResult };

/**
 * The probe `trainMaskgit` (@speedrl/pipeline) takes: loads the classifiers, the test reference and the held-out
 * training Gaussian once.
 */
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
