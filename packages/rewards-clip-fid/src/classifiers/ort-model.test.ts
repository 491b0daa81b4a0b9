import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { Rng } from '@speedrl/core';
import { initBackend, maxAbsDiff } from '@speedrl/tensor-utils';
import { fcd } from '../metrics/fd';
import { classifierPreset, type ClassifierPresetName } from './config';
import { createClassifier, type Classifier } from './model';
import { CLASSIFIER_ONNX_IO, classifierOnnxInfo, exportClassifierOnnx } from './onnx-export';
import { createOrtFeatureModel, featureModelOnEngine } from './ort-model';
import type { ClassifierRole } from './types';

beforeAll(async () => {
  await initBackend();
});

function images(n: number, seed: number): Float32Array {
  return Rng.fromSeed(seed).fillUniform(new Float32Array(n * 28 * 28));
}

/** Random weights everywhere, residual branches included (their init is zero), so every layer shows in the outputs. */
function perturbed(role: ClassifierRole, preset: ClassifierPresetName, seed: number): Classifier {
  const model = createClassifier(role, classifierPreset(role, preset), Rng.fromSeed(seed));
  const rng = Rng.fromSeed(seed + 1);
  for (const [name, v] of model.params) {
    if (!/\.res\d+\.conv2\.|\.bias$/.test(name)) continue;
    const values = rng.fillNormal(new Float32Array(v.size), 0, name.endsWith('.bias') ? 0.1 : 0.05);
    tf.tidy(() => v.assign(tf.add(v, tf.tensor(values, v.shape))));
  }
  return model;
}

const CASES: [ClassifierRole, ClassifierPresetName][] = [['reward', 'tiny'], ['eval', 'tiny'], ['reward', 'fmnist'], ['eval', 'fmnist']];

describe('classifier on onnxruntime: parity with the tfjs forward', () => {
  test.each(CASES)('%s %s: max |Δfeatures| and |Δlogits| ≤ 1e-4', async (role, preset) => {
    const model = perturbed(role, preset, 11);
    const ort = await createOrtFeatureModel(model, { intraOpNumThreads: 1, chunk: 7 });
    try {
      expect([ort.role, ort.featureDim, ort.numClasses]).toEqual([role, model.featureDim, model.numClasses]);
      const x = images(20, 3);
      const ref = await model.predict(x, 20);
      const got = await ort.predict(x, 20);
      expect(Math.max(...ref.features)).toBeGreaterThan(0.1); // not trivially dead features
      expect(maxAbsDiff(got.features, ref.features)).toBeLessThanOrEqual(1e-4);
      expect(maxAbsDiff(got.logits, ref.logits)).toBeLessThanOrEqual(1e-4);
    } finally {
      await ort.dispose();
      model.dispose();
    }
  });

  test('FCD of the same samples from ort features and from tfjs features agrees to 1e-3 relative', async () => {
    const model = perturbed('eval', 'tiny', 5);
    const ort = await createOrtFeatureModel(model, { intraOpNumThreads: 1 });
    try {
      const [a, b] = [images(300, 21), images(300, 22).map((v) => v * v)];
      const set = async (m: typeof ort | Classifier, x: Float32Array): Promise<{ features: Float32Array; count: number; dim: number }> =>
        ({ features: (await m.predict(x, 300)).features, count: 300, dim: model.featureDim });
      const viaTfjs = fcd(await set(model, a), await set(model, b));
      const viaOrt = fcd(await set(ort, a), await set(ort, b));
      expect(viaTfjs).toBeGreaterThan(0);
      expect(Math.abs(viaOrt - viaTfjs) / viaTfjs).toBeLessThanOrEqual(1e-3);
    } finally {
      await ort.dispose();
      model.dispose();
    }
  });

  test('the exported graph declares images [batch, 28, 28] → features [batch, D], logits [batch, 10] and its role/config', () => {
    const model = createClassifier('eval', classifierPreset('eval', 'tiny'), Rng.fromSeed(1));
    const bytes = exportClassifierOnnx(model);
    model.dispose();
    const graph = onnxProto.onnx.ModelProto.decode(bytes).graph!;
    const io = (list: onnxProto.onnx.IValueInfoProto[] | null | undefined): [string, (string | number)[]][] =>
      (list ?? []).map((v) => [v.name!, (v.type!.tensorType!.shape!.dim ?? []).map((d) => d.dimParam || Number(d.dimValue))]);
    expect(io(graph.input)).toEqual([[CLASSIFIER_ONNX_IO.images, ['batch', 28, 28]]]);
    expect(io(graph.output)).toEqual([[CLASSIFIER_ONNX_IO.features, ['batch', 24]], [CLASSIFIER_ONNX_IO.logits, ['batch', 10]]]);
    const info = classifierOnnxInfo(bytes);
    expect(info.role).toBe('eval');
    expect(info.config).toEqual(classifierPreset('eval', 'tiny'));
  });

  test('predict checks its input like the tfjs classifier; auto picks ort here, tfjs returns the classifier itself', async () => {
    const model = createClassifier('reward', classifierPreset('reward', 'tiny'), Rng.fromSeed(2));
    const ort = await createOrtFeatureModel(model);
    await expect(ort.predict(new Float32Array(10), 1)).rejects.toThrow('expected batch × 28 × 28');
    await expect(ort.predict(new Float32Array(784).fill(2), 1)).rejects.toThrow('pixels must be finite and in [0, 1]');
    await ort.dispose();
    await expect(ort.predict(new Float32Array(784), 1)).rejects.toThrow('already disposed');
    expect(await featureModelOnEngine(model, 'tfjs')).toBe(model);
    const auto = (await featureModelOnEngine(model, 'auto')) as typeof ort;
    expect(auto.engine).toBe('ort');
    await auto.dispose();
    model.dispose();
  });
});
