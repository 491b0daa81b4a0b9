/**
 * Sanity checks of the FCD on the shipped evaluation classifier (issue "Rewards and metrics"): the test set
 * against itself (≈ 0), test images with Gaussian noise σ = 0, 0.1, 0.2, 0.4 (FCD must grow with σ), and the
 * two floors (tokenizer reconstructions of the test set; held-out train images), each against the test set, as
 * `computeFloorMetrics` of @speedrl/eval computes them for eval and compare.
 *
 * Run: node --conditions=@speedrl/source --import tsx tools/fcd-check.ts [--classifier DIR] [--tokenizer DIR] [--data DIR] [--json]
 */
import { parseArgs } from 'node:util';
import { Rng } from '@speedrl/core';
import { DEFAULT_FASHION_MNIST_DIR, initBackend } from '@speedrl/tensor-utils';
import { computeSetMetrics, extractEvalOutputs, loadClassifier, type SetMetrics } from '@speedrl/rewards-clip-fid';
import { loadVq } from '@speedrl/vq-tokenizer';
import { computeFloorMetrics, loadTestReference } from '@speedrl/eval';

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
const test = await loadTestReference(model, args.data, 0);
const { images } = test;
const rng = Rng.fromSeed(0);
const KID_SUBSETS = 20;
const metricsOf = async (set: Float32Array, count: number, i: number) =>
  computeSetMetrics(await extractEvalOutputs(model, set, count), test.reference, rng.fork(i), undefined, { kid: { numSubsets: KID_SUBSETS } });

const rows: { set: string; fcd: number; kid: number; precision: number; recall: number }[] = [];
const row = (name: string, m: SetMetrics): void => {
  rows.push({ set: name, fcd: m.fcd, kid: m.kid.mean, precision: m.precision, recall: m.recall });
  process.stderr.write(`${name}: FCD ${m.fcd.toFixed(4)}\n`);
};
const add = async (name: string, set: Float32Array, count: number) => row(name, await metricsOf(set, count, rows.length));
for (const sigma of [0, 0.1, 0.2, 0.4]) {
  const noisy = new Float32Array(images.length);
  const noise = Rng.fromSeed(1000 + Math.round(sigma * 100));
  for (let i = 0; i < noisy.length; i++) noisy[i] = Math.min(1, Math.max(0, (images[i] as number) + sigma * noise.normal()));
  await add(`test + N(0, ${sigma}²)`, noisy, test.count);
}
// the floors as eval and compare compute them (one implementation): the tokenizer's reconstructions, the last train images
const { model: vq } = await loadVq(args.tokenizer);
const floors = await computeFloorMetrics(vq, model, test, args.data, 0, KID_SUBSETS);
row('tokenizer reconstructions of test (floor)', floors.reconstruction);
row(`last ${floors.heldOutTrainImages.toLocaleString('en')} train images (floor)`, floors.trainHeldOut);

const monotone = rows.slice(0, 4).every((r, i, a) => i === 0 || r.fcd > (a[i - 1]?.fcd ?? Infinity));
if (args.json === true) {
  process.stdout.write(`${JSON.stringify({ rows, noiseMonotone: monotone }, null, 2)}\n`);
} else {
  process.stdout.write('| set (vs 10,000 test images) | FCD | KID | precision | recall |\n|---|---:|---:|---:|---:|\n');
  for (const r of rows) process.stdout.write(`| ${r.set} | ${r.fcd.toFixed(4)} | ${r.kid.toFixed(5)} | ${r.precision.toFixed(3)} | ${r.recall.toFixed(3)} |\n`);
  process.stdout.write(`\nFCD increases with noise σ: ${monotone ? 'yes' : 'NO'}\n`);
}
