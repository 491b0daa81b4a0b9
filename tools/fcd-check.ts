/**
 * Sanity checks of the FCD on the shipped evaluation classifier (issue "Rewards and metrics"): the test set
 * against itself (≈ 0), test images with Gaussian noise σ = 0, 0.1, 0.2, 0.4 (FCD must grow with σ), and the
 * two floors (tokenizer reconstructions of the test set; held-out train images), each against the test set.
 *
 * Run: node --conditions=@speedrl/source --import tsx tools/fcd-check.ts [--classifier DIR] [--tokenizer DIR] [--data DIR] [--json]
 */
import { parseArgs } from 'node:util';
import { Rng } from '@speedrl/core';
import { DEFAULT_FASHION_MNIST_DIR, imagesToFloat32, initBackend, loadIdxDataset } from '@speedrl/tensor-utils';
import { computeSetMetrics, extractEvalOutputs, loadClassifier, prepareReference } from '@speedrl/rewards-clip-fid';
import { decode, encode, loadVq } from '@speedrl/vq-tokenizer';

const { values: args } = parseArgs({
  options: {
    classifier: { type: 'string', default: 'models/fashion-mnist/classifiers/eval' },
    tokenizer: { type: 'string', default: 'models/fashion-mnist/tokenizer' },
    data: { type: 'string', default: DEFAULT_FASHION_MNIST_DIR },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help === true) {
  process.stdout.write('usage: tools/fcd-check.ts [--classifier DIR] [--tokenizer DIR] [--data DIR] [--json]\n');
  process.exit(0);
}

await initBackend();
const { model, role } = await loadClassifier(args.classifier);
if (role !== 'eval') throw new Error(`${args.classifier} is the ${role} classifier; the FCD uses the evaluation classifier`);
const test = await loadIdxDataset({ dir: args.data, split: 'test' });
const images = imagesToFloat32(test.images);
const reference = prepareReference((await extractEvalOutputs(model, images, test.count)).set);
const rng = Rng.fromSeed(0);
const metricsOf = async (set: Float32Array, count: number, i: number) =>
  computeSetMetrics(await extractEvalOutputs(model, set, count), reference, rng.fork(i), undefined, { kid: { numSubsets: 20 } });

const rows: { set: string; fcd: number; kid: number; precision: number; recall: number }[] = [];
const add = async (name: string, set: Float32Array, count: number) => {
  const m = await metricsOf(set, count, rows.length);
  rows.push({ set: name, fcd: m.fcd, kid: m.kid.mean, precision: m.precision, recall: m.recall });
  process.stderr.write(`${name}: FCD ${m.fcd.toFixed(4)}\n`);
};
for (const sigma of [0, 0.1, 0.2, 0.4]) {
  const noisy = new Float32Array(images.length);
  const noise = Rng.fromSeed(1000 + Math.round(sigma * 100));
  for (let i = 0; i < noisy.length; i++) noisy[i] = Math.min(1, Math.max(0, (images[i] as number) + sigma * noise.normal()));
  await add(`test + N(0, ${sigma}²)`, noisy, test.count);
}
const { model: vq } = await loadVq(args.tokenizer);
await add('tokenizer reconstructions of test (floor)', decode(vq, encode(vq, images)), test.count);
const train = await loadIdxDataset({ dir: args.data, split: 'train' });
const held = imagesToFloat32(train.images.subarray((train.count - 10000) * 784));
await add('last 10,000 train images (floor)', held, 10000);

const monotone = rows.slice(0, 4).every((r, i, a) => i === 0 || r.fcd > (a[i - 1]?.fcd ?? Infinity));
if (args.json === true) {
  process.stdout.write(`${JSON.stringify({ rows, noiseMonotone: monotone }, null, 2)}\n`);
} else {
  process.stdout.write('| set (vs 10,000 test images) | FCD | KID | precision | recall |\n|---|---:|---:|---:|---:|\n');
  for (const r of rows) process.stdout.write(`| ${r.set} | ${r.fcd.toFixed(4)} | ${r.kid.toFixed(5)} | ${r.precision.toFixed(3)} | ${r.recall.toFixed(3)} |\n`);
  process.stdout.write(`\nFCD increases with noise σ: ${monotone ? 'yes' : 'NO'}\n`);
}
