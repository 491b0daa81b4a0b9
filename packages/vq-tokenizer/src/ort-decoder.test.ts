import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { Rng } from '@speedrl/core';
import { initBackend, maxAbsDiff } from '@speedrl/tensor-utils';
import { decode } from './codec';
import { resolveVqConfig, VQ_PRESETS, type VqConfig } from './config';
import { createVqModel, disposeVqModel, type VqModel } from './model';
import { exportVqDecoderOnnx, VQ_DECODER_ONNX_IO, vqDecoderOnnxConfig } from './onnx-export';
import { createOrtVqDecoder } from './ort-decoder';

beforeAll(async () => {
  await initBackend();
});

/** A model with random weights and biases, so every decoder layer shows in the pixels. */
function randomModel(config: Readonly<VqConfig>, seed: number): VqModel {
  const model = createVqModel(config, Rng.fromSeed(seed));
  const rng = Rng.fromSeed(seed + 1);
  for (const [name, v] of model.params) {
    if (!name.endsWith('.bias')) continue;
    tf.tidy(() => v.assign(tf.add(v, tf.tensor(rng.fillNormal(new Float32Array(v.size), 0, 0.1), v.shape))));
  }
  return model;
}

function randomTokens(count: number, k: number, seed: number): Int32Array {
  const rng = Rng.fromSeed(seed);
  return Int32Array.from({ length: count }, () => rng.int(k));
}

const CONFIGS: [string, Readonly<VqConfig>][] = [
  ['tiny', VQ_PRESETS.tiny],
  ['tiny with 2 residual blocks, downsample 2', resolveVqConfig({ resBlocks: 2, downsample: 2 }, VQ_PRESETS.tiny)],
  ['fmnist', VQ_PRESETS.fmnist],
];

describe('VQ decoder on onnxruntime: parity with the tfjs decode', () => {
  test.each(CONFIGS)('%s: max |Δpixel| ≤ 1e-5', async (_name, config) => {
    const model = randomModel(config, 3);
    const ort = await createOrtVqDecoder(model, { intraOpNumThreads: 1, chunk: 3 });
    try {
      const tokens = randomTokens(7 * (config.imageSize / config.downsample) ** 2, config.codebookSize, 4);
      const ref = decode(model, tokens);
      const got = await ort.decode(tokens);
      let spread = 0;
      for (const v of ref) spread = Math.max(spread, Math.abs(v - 0.5));
      expect(spread).toBeGreaterThan(0.05); // not a flat grey image
      expect(maxAbsDiff(got, ref)).toBeLessThanOrEqual(1e-5);
    } finally {
      await ort.dispose();
      disposeVqModel(model);
    }
  });

  test('the exported graph declares tokens [batch, 49] int32 → images [batch, 28, 28] and carries the config', () => {
    const model = createVqModel(VQ_PRESETS.tiny, Rng.fromSeed(1));
    const bytes = exportVqDecoderOnnx(model);
    disposeVqModel(model);
    const graph = onnxProto.onnx.ModelProto.decode(bytes).graph!;
    const io = (list: onnxProto.onnx.IValueInfoProto[] | null | undefined): [string, number, (string | number)[]][] =>
      (list ?? []).map((v) => [v.name!, v.type!.tensorType!.elemType!, (v.type!.tensorType!.shape!.dim ?? []).map((d) => d.dimParam || Number(d.dimValue))]);
    expect(io(graph.input)).toEqual([[VQ_DECODER_ONNX_IO.tokens, 6, ['batch', 49]]]);
    expect(io(graph.output)).toEqual([[VQ_DECODER_ONNX_IO.images, 1, ['batch', 28, 28]]]);
    expect(vqDecoderOnnxConfig(bytes)).toEqual(VQ_PRESETS.tiny);
  });

  test('decode checks token ids as the tfjs decode does, and refuses after dispose', async () => {
    const model = createVqModel(VQ_PRESETS.tiny, Rng.fromSeed(2));
    const ort = await createOrtVqDecoder(exportVqDecoderOnnx(model));
    disposeVqModel(model);
    await expect(ort.decode(new Int32Array(48))).rejects.toThrow('not a multiple of 49');
    await expect(ort.decode(new Int32Array(49).fill(16))).rejects.toThrow('expected an id in [0, 16)');
    expect((await ort.decode(new Int32Array(0))).length).toBe(0);
    await ort.dispose();
    await expect(ort.decode(new Int32Array(49))).rejects.toThrow('already disposed');
  });
});
