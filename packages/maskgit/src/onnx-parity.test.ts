import * as tf from '@tensorflow/tfjs';
import { Rng } from '@speedrl/core';
import { initBackend } from '@speedrl/tensor-utils';
import { maskGitPreset, type MaskGitConfig } from './config';
import { exportOnnx, MASKGIT_ONNX_OPSET } from './onnx/export';
import { createOrtLogitsFn } from './ort-engine';
import { initParams, type MaskGitParams } from './params';
import { createTfjsLogitsFn } from './tfjs-engine';

beforeAll(async () => {
  await initBackend();
});

/** Random inputs with some [MASK] tokens and some null classes. */
function randomInputs(config: MaskGitConfig, batch: number, rng: Rng): { tokens: Int32Array; classes: Int32Array } {
  const tokens = new Int32Array(batch * config.seqLen);
  for (let i = 0; i < tokens.length; i++) tokens[i] = rng.uniform() < 0.4 ? config.numCodes : rng.int(config.numCodes);
  const classes = new Int32Array(batch);
  for (let i = 0; i < batch; i++) classes[i] = rng.int(config.numClasses + 1);
  classes[0] = config.numClasses; // always include the null class
  return { tokens, classes };
}

/** Scale of each 2-D tensor in {@link perturb}: sharp attention, large activations, logits of order 1–10. */
const SCALE: Record<string, number> = { wq: 15, wk: 15, wv: 5, wo: 5, w1: 10, w2: 5, tok_emb: 20, cls_emb: 20, pos_emb: 20, 'head.w': 10 };

/**
 * Moves the init away from its near-trivial regime (uniform attention, tiny logits) and perturbs LayerNorm
 * gains and all biases, so a wrong attention scale, head split or GELU shows up in the comparison.
 */
function perturb(params: MaskGitParams, rng: Rng): MaskGitParams {
  for (const [name, p] of params) {
    if (p.shape.length === 1) for (let i = 0; i < p.data.length; i++) p.data[i] = (p.data[i] as number) + rng.normal(0, 0.3);
    const scale = SCALE[name] ?? SCALE[name.split('.').at(-1) ?? ''] ?? 1;
    for (let i = 0; i < p.data.length && p.shape.length === 2; i++) p.data[i] = (p.data[i] as number) * scale;
  }
  return params;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}

const CONFIGS: [string, Partial<MaskGitConfig>][] = [
  ['tiny', {}],
  ['3 heads, mlpRatio 2, K 7, L 5, 4 classes', { dim: 24, heads: 3, depth: 1, mlpRatio: 2, numCodes: 7, seqLen: 5, numClasses: 4 }],
  ['depth 3, 4 heads, L 9', { dim: 16, heads: 4, depth: 3, numCodes: 33, seqLen: 9, numClasses: 10 }],
];

describe('ONNX export parity with the tfjs forward', () => {
  test.each(CONFIGS)('%s: max |Δlogits| ≤ 1e-4 for batch 1 and 3', async (_name, overrides) => {
    const config = maskGitPreset('tiny', overrides);
    const rng = Rng.fromSeed(1234);
    const params = perturb(initParams(config, rng.fork(0)), rng.fork(1));
    const tfjsFn = createTfjsLogitsFn(params, config);
    const ortFn = await createOrtLogitsFn(exportOnnx(params, config), { intraOpNumThreads: 1 });
    try {
      for (const batch of [1, 3]) {
        const { tokens, classes } = randomInputs(config, batch, rng.fork(10 + batch));
        const ref = await tfjsFn(tokens, classes);
        const got = await ortFn(tokens, classes);
        expect(got.length).toBe(batch * config.seqLen * config.numCodes);
        let spread = 0;
        for (const v of ref) spread = Math.max(spread, Math.abs(v));
        expect(spread).toBeGreaterThan(1); // the logits are not trivially tiny
        expect(maxAbsDiff(got, ref)).toBeLessThanOrEqual(1e-4);
      }
    } finally {
      await tfjsFn.dispose();
      await ortFn.dispose();
    }
  });

  test('the batch rows are independent: sample 0 alone equals sample 0 of a batch of 3', async () => {
    const config = maskGitPreset('tiny');
    const params = initParams(config, Rng.fromSeed(5));
    const ortFn = await createOrtLogitsFn(exportOnnx(params, config), { intraOpNumThreads: 1 });
    const { tokens, classes } = randomInputs(config, 3, Rng.fromSeed(6));
    const all = await ortFn(tokens, classes);
    const first = await ortFn(tokens.slice(0, config.seqLen), classes.slice(0, 1));
    expect(maxAbsDiff(first, all.slice(0, first.length))).toBeLessThanOrEqual(1e-5);
    await ortFn.dispose();
  });

  test('the exported model carries opset 17, the config metadata and no tfjs tensors leak', async () => {
    const config = maskGitPreset('tiny');
    const params = initParams(config, Rng.fromSeed(2));
    const before = tf.memory().numTensors;
    const fn = createTfjsLogitsFn(params, config);
    const { tokens, classes } = randomInputs(config, 2, Rng.fromSeed(3));
    await fn(tokens, classes);
    await fn.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(MASKGIT_ONNX_OPSET).toBe(17);
    const text = new TextDecoder().decode(exportOnnx(params, config));
    expect(text).toContain('speedrl.maskgit.config');
    expect(text).toContain('"numCodes":16');
  });
});
