/**
 * Evaluation-engine benchmark (a benchmark, not a test): images/s of the evaluation classifier's features and logits
 * on tfjs (the current backend, wasm unless tfjs-node is installed) and on onnxruntime-node, and of the tokenizer's
 * decoder on both, in one run, with the largest |Δ| between the engines and the FCD of the same images through each.
 * Uses the shipped models (models/fashion-mnist) and the Fashion-MNIST test images when found, random ones otherwise.
 *
 * Run from the repository root:
 *   nice -n 10 node --conditions=@speedrl/source --import tsx tools/bench-features.ts [--n 10000] [--threads 2]
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Rng } from '@speedrl/core';
import { imagesToFloat32, initBackend, loadIdxDataset, maxAbsDiff, DEFAULT_FASHION_MNIST_DIR } from '@speedrl/tensor-utils';
import { createOrtFeatureModel, fcd, loadClassifier, type FeatureModel } from '@speedrl/rewards-clip-fid';
import { createOrtVqDecoder, decode, loadVq } from '@speedrl/vq-tokenizer';
import { fmt, machineInfo, markdownTable, parsePositiveInt, progress, timeMs } from './bench-utils';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '10000' },
    threads: { type: 'string', default: '2' },
    classifier: { type: 'string', default: 'models/fashion-mnist/classifiers/eval' },
    tokenizer: { type: 'string', default: 'models/fashion-mnist/tokenizer' },
    data: { type: 'string', default: DEFAULT_FASHION_MNIST_DIR },
  },
});
const n = parsePositiveInt(values.n, '--n');
const threads = parsePositiveInt(values.threads, '--threads');

/** n test images in [0, 1] (repeated when the split is shorter), or uniform noise without the data set. */
function benchImages(): { images: Float32Array; source: string } {
  if (!existsSync(values.data)) return { images: Rng.fromSeed(1).fillUniform(new Float32Array(n * 784)), source: 'uniform noise' };
  const test = loadIdxDataset({ dir: values.data, split: 'test' });
  const all = imagesToFloat32(test.images);
  const images = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) images.set(all.subarray((i % test.count) * 784, ((i % test.count) + 1) * 784), i * 784);
  return { images, source: `Fashion-MNIST test images (${values.data})` };
}

/** Features of the first and second half of the images, as FCD inputs. */
function halves(model: FeatureModel, features: Float32Array): [{ features: Float32Array; count: number; dim: number }, { features: Float32Array; count: number; dim: number }] {
  const h = Math.floor(n / 2);
  const d = model.featureDim;
  return [{ features: features.subarray(0, h * d), count: h, dim: d }, { features: features.subarray(h * d, 2 * h * d), count: h, dim: d }];
}

const backend = await initBackend();
const { images, source } = benchImages();
const { model: classifier } = await loadClassifier(values.classifier);
const ortClassifier = await createOrtFeatureModel(classifier, { intraOpNumThreads: threads });
progress(`features of ${n} images (${source}): tfjs-${backend.backend} …`);
await classifier.predict(images.subarray(0, 100 * 784), 100); // warm-up
const tfjsRun = await timeMs(() => classifier.predict(images, n));
progress('features on onnxruntime …');
await ortClassifier.predict(images.subarray(0, 100 * 784), 100);
const ortRun = await timeMs(() => ortClassifier.predict(images, n));

const { model: vq } = await loadVq(values.tokenizer);
const t = (vq.config.imageSize / vq.config.downsample) ** 2;
const rng = Rng.fromSeed(2);
const tokens = Int32Array.from({ length: n * t }, () => rng.int(vq.config.codebookSize));
const ortDecoder = await createOrtVqDecoder(vq, { intraOpNumThreads: threads });
progress(`decoding ${n} token grids: tfjs-${backend.backend} …`);
decode(vq, tokens.subarray(0, 100 * t));
const tfjsDecode = await timeMs(async () => decode(vq, tokens));
progress('decoding on onnxruntime …');
await ortDecoder.decode(tokens.subarray(0, 100 * t));
const ortDecode = await timeMs(() => ortDecoder.decode(tokens));

const rate = (ms: number): string => fmt((n * 1000) / ms, 0);
const [ta, tb] = halves(classifier, tfjsRun.value.features);
const [oa, ob] = halves(ortClassifier, ortRun.value.features);
const canFcd = ta.count > classifier.featureDim;
const m = machineInfo();
console.log(`bench-features: ${n} images, ${m.cpu} (${m.cores} cores), node ${m.node}, onnxruntime ${m.onnxruntime}, ${threads} ort thread(s)\n`);
console.log(markdownTable(['what', `tfjs-${backend.backend} img/s`, 'onnxruntime img/s', 'speed-up', 'max |Δ|'], [
  ['eval classifier features + logits', rate(tfjsRun.ms), rate(ortRun.ms), `${fmt(tfjsRun.ms / ortRun.ms)}×`,
    `features ${maxAbsDiff(tfjsRun.value.features, ortRun.value.features).toExponential(1)}, logits ${maxAbsDiff(tfjsRun.value.logits, ortRun.value.logits).toExponential(1)}`],
  ['tokenizer decoder (random tokens)', rate(tfjsDecode.ms), rate(ortDecode.ms), `${fmt(tfjsDecode.ms / ortDecode.ms)}×`, `pixels ${maxAbsDiff(tfjsDecode.value, ortDecode.value).toExponential(1)}`],
], [1, 2, 3]));
if (canFcd) {
  const [fcdTfjs, fcdOrt] = [fcd(ta, tb), fcd(oa, ob)];
  console.log(`\nFCD(first half, second half): tfjs ${fcdTfjs.toPrecision(8)}, onnxruntime ${fcdOrt.toPrecision(8)}, relative difference ${(Math.abs(fcdOrt - fcdTfjs) / fcdTfjs).toExponential(1)}`);
} else {
  console.log(`\nFCD comparison skipped: each half needs more than ${classifier.featureDim} images (--n > ${2 * classifier.featureDim})`);
}
await ortClassifier.dispose();
await ortDecoder.dispose();
