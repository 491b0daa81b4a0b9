/**
 * A user reward for `speedrl accelerate --reward` (README.md, "Your own reward"): prefers samples whose ink coverage
 * is typical of their class. Ink coverage is the fraction of pixels above 0.5; a coat covers far more of the frame
 * than a sandal. The score is the log-density of a sample's coverage under its class's Gaussian, fitted on the
 * 60,000 Fashion-MNIST training images, so a blank or a smeared sample scores low. Plain JavaScript, no imports.
 *
 *   npm run speedrl -- accelerate --reward examples/rewards/ink-coverage.mjs=0.5 --out runs/ink
 *   npm run speedrl -- accelerate --w-classifier 0 --w-mmd 0 --reward examples/rewards/ink-coverage.mjs --out runs/ink-only
 *   npm run speedrl -- accelerate --reward examples/rewards/ink-coverage.mjs:blankPenalty=0.2 --out runs/blank
 *
 * The contract: an export `(batch) => scores` (sync or async). `batch` holds `images` (Float32Array
 * [batch, height, width] in [0, 1]), `classes`, `tokens`, `steps` and `nfe` (Int32Arrays), and `batch`, `height`,
 * `width`. Return a Float32Array or an array of numbers, one finite score per sample. Scores need no scaling: each
 * reward is z-scored with running statistics before it is weighted into the quality reward.
 */

/** Mean and std of ink coverage per Fashion-MNIST class (training split, pixels > 0.5). */
const COVERAGE_MEAN = [0.353, 0.25, 0.401, 0.286, 0.441, 0.136, 0.344, 0.179, 0.407, 0.35];
const COVERAGE_STD = [0.187, 0.077, 0.206, 0.119, 0.159, 0.079, 0.213, 0.072, 0.161, 0.092];

/** Fraction of pixels above 0.5 in image `i` of `batch`. */
function coverage(batch, i) {
  const size = batch.height * batch.width;
  let ink = 0;
  for (let p = i * size; p < (i + 1) * size; p++) if (batch.images[p] > 0.5) ink++;
  return ink / size;
}

/** −z²/2 of each sample's ink coverage under its class's Gaussian (0 = the class's typical coverage). */
export default function inkCoverage(batch) {
  const scores = new Float32Array(batch.batch);
  for (let i = 0; i < batch.batch; i++) {
    const c = batch.classes[i];
    if (!(c < COVERAGE_MEAN.length)) throw new Error(`class ${c} has no coverage statistics (Fashion-MNIST has 10 classes)`);
    const z = (coverage(batch, i) - COVERAGE_MEAN[c]) / COVERAGE_STD[c];
    scores[i] = -0.5 * z * z;
  }
  return scores;
}

/** −1 for a sample with (almost) no ink, 0 otherwise: a named export, picked with `:blankPenalty`. */
export function blankPenalty(batch) {
  return Array.from({ length: batch.batch }, (_, i) => (coverage(batch, i) < 0.01 ? -1 : 0));
}
