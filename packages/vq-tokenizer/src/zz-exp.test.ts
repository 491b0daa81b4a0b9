import * as tf from '@tensorflow/tfjs';
import { initBackend, loadIdxDataset, Rng } from '@speedrl/tensor-utils';
import { VQ_PRESETS, resolveVqConfig } from './config';
import { createVqModel } from './model';
import { train } from './train';
import { evaluate, encoderOutputs } from './codec';
import { trainStep } from './train-step';
import { gatherImages, range } from './images';

test('exp', async () => {
  await initBackend();
  const ds = loadIdxDataset({ dir: '../tensor-utils/test-fixtures/fashion-mnist', split: 'test' });
  for (const over of JSON.parse(process.env.VARIANTS ?? '[{}]')) {
    const cfg = resolveVqConfig(over, VQ_PRESETS.tiny);
    const model = createVqModel(cfg, Rng.fromSeed(1));
    const z = encoderOutputs(model, ds.images, range(0, 50));
    let m = 0, v = 0; for (const a of z) { m += a; v += a * a; } m /= z.length; v = v / z.length - m * m;
    console.log(JSON.stringify(over), 'ze mean', m, 'std', Math.sqrt(v));
    const t0 = performance.now();
    const r = await train({ model, images: ds.images, steps: Number(process.env.STEPS ?? 60), rng: Rng.fromSeed(2), progressEvery: 20,
      onProgress: (p) => { const e = evaluate(model, ds.images); console.log(p.step, p.reconMse.toFixed(4), p.perplexity.toFixed(2), p.deadRestarted, 'eval', e.mse.toFixed(4), e.psnr.toFixed(2), e.usage); } });
    console.log('ms/step', (performance.now() - t0) / r.stepsTaken, 'kmeans', r.kmeansMse);
  }
  if (process.env.BIG) {
    const big = createVqModel(VQ_PRESETS.fmnist, Rng.fromSeed(1));
    const batch = gatherImages(ds.images, 28, range(0, 64));
    trainStep(big, batch, Rng.fromSeed(4));
    const t0 = performance.now();
    for (let i = 0; i < 3; i++) trainStep(big, batch, Rng.fromSeed(4));
    console.log('fmnist step ms', (performance.now() - t0) / 3, tf.memory().numTensors);
  }
}, 600000);
