import * as tf from '@tensorflow/tfjs';
import { initBackend, loadIdxDataset, Rng } from '@speedrl/tensor-utils';
import { VQ_PRESETS } from './config';
import { createVqModel } from './model';
import { train } from './train';
import { evaluate } from './codec';
import { trainStep } from './train-step';
import { initCodebookKMeans } from './kmeans';
import { gatherImages, range } from './images';

test('exp', async () => {
  await initBackend();
  const ds = loadIdxDataset({ dir: '../tensor-utils/test-fixtures/fashion-mnist', split: 'test' });
  const model = createVqModel(VQ_PRESETS.tiny, Rng.fromSeed(1));
  console.log('before', evaluate(model, ds.images));
  let t0 = performance.now();
  const r = await train({ model, images: ds.images, steps: 60, rng: Rng.fromSeed(2), progressEvery: 10, onProgress: (p) => console.log(JSON.stringify(p)) });
  console.log('tiny 60 steps ms', performance.now() - t0, r.kmeansMse);
  console.log('after', evaluate(model, ds.images), tf.memory().numTensors);
  const big = createVqModel(VQ_PRESETS.fmnist, Rng.fromSeed(1));
  t0 = performance.now();
  initCodebookKMeans(big, ds.images, Rng.fromSeed(3));
  console.log('kmeans ms', performance.now() - t0);
  const batch = gatherImages(ds.images, 28, range(0, 64));
  trainStep(big, batch, Rng.fromSeed(4));
  t0 = performance.now();
  for (let i = 0; i < 5; i++) console.log(JSON.stringify(trainStep(big, batch, Rng.fromSeed(4))));
  console.log('fmnist step ms', (performance.now() - t0) / 5);
}, 600000);
