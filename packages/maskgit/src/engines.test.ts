import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '@speedrl/core';
import { GraphBuilder, initBackend, ONNX_FLOAT, ONNX_INT32 } from '@speedrl/tensor-utils';
import { maskGitPreset } from './config';
import type { LogitsFn } from './inputs';
import { exportOnnx, writeOnnxModel } from './onnx/export';
import { createOrtLogitsFn } from './ort-engine';
import { initParams } from './params';
import { createTfjsLogitsFn } from './tfjs-engine';

const config = maskGitPreset('tiny');
const params = initParams(config, Rng.fromSeed(1));
let dir: string;
let ortFn: Awaited<ReturnType<typeof createOrtLogitsFn>>;
let tfjsFn: ReturnType<typeof createTfjsLogitsFn>;

beforeAll(async () => {
  await initBackend();
  dir = await mkdtemp(join(tmpdir(), 'maskgit-engines-'));
  ortFn = await createOrtLogitsFn(await writeOnnxModel(dir, params, config), { intraOpNumThreads: 1 });
  tfjsFn = createTfjsLogitsFn(params, config);
});
afterAll(async () => {
  await ortFn.dispose();
  await tfjsFn.dispose();
  await rm(dir, { recursive: true, force: true });
});

function inputs(batch: number): { tokens: Int32Array; classes: Int32Array } {
  return { tokens: new Int32Array(batch * config.seqLen).fill(config.numCodes), classes: new Int32Array(batch).fill(config.numClasses) };
}

describe.each([
  ['ort', () => ortFn],
  ['tfjs', () => tfjsFn],
] as [string, () => LogitsFn][])('%s logits fn input checks', (name, fn) => {
  test('all-[MASK] tokens with the null class are valid', async () => {
    const { tokens, classes } = inputs(2);
    const out = await fn()(tokens, classes);
    expect(out.length).toBe(2 * config.seqLen * config.numCodes);
    expect(out.every(Number.isFinite)).toBe(true);
  });

  test('a class id out of range is rejected', async () => {
    const { tokens, classes } = inputs(2);
    classes[1] = config.numClasses + 1;
    await expect(fn()(tokens, classes)).rejects.toThrow(`${name} logits fn: classes[1] = 11 is out of range; expected 0..10 (10 = null class)`);
  });

  test('a token id above K is rejected', async () => {
    const { tokens, classes } = inputs(1);
    tokens[5] = config.numCodes + 1;
    await expect(fn()(tokens, classes)).rejects.toThrow('tokens[5] = 17 is out of range; expected 0..16 (16 = [MASK])');
    tokens[5] = -1;
    await expect(fn()(tokens, classes)).rejects.toThrow('tokens[5] = -1 is out of range');
  });

  test('a wrong token length is rejected', async () => {
    const { classes } = inputs(2);
    await expect(fn()(new Int32Array(config.seqLen), classes)).rejects.toThrow(
      'tokens has length 49, expected batch × seqLen = 2 × 49 = 98',
    );
  });
});

describe('createOrtLogitsFn model checks', () => {
  test('a model that is not MaskGIT is refused with the expected signature named', async () => {
    const g = new GraphBuilder();
    g.output('y', g.op('Relu', [g.input('x', ONNX_FLOAT, ['n'])]), ONNX_FLOAT, ['n']);
    const other = g.encode({ graphName: 'other', opsets: [{ domain: '', version: 17 }], producer: 'test' });
    await expect(createOrtLogitsFn(other)).rejects.toThrow(
      /not a MaskGIT model .*expected inputs tokens: int32 \[batch, L\], classes: int32 \[batch\]; output logits: float32 \[batch, L, K\]; got inputs \(x: float32 \[n\]\)/,
    );
  });

  test('a model with the right signature but no config metadata asks for options.config', async () => {
    const g = new GraphBuilder();
    const tokens = g.input('tokens', ONNX_INT32, ['batch', 49]);
    g.op('Identity', [g.input('classes', ONNX_INT32, ['batch'])]);
    const emb = g.float('emb', [17, 16], new Float32Array(17 * 16));
    g.output('logits', g.op('Gather', [emb, tokens], { axis: 0 }), ONNX_FLOAT, ['batch', 49, 16]);
    const bare = g.encode({ graphName: 'bare', opsets: [{ domain: '', version: 17 }], producer: 'test' });
    await expect(createOrtLogitsFn(bare)).rejects.toThrow('has no "speedrl.maskgit.config" metadata; pass options.config');
    const fn = await createOrtLogitsFn(bare, { config });
    expect((await fn(inputs(1).tokens, inputs(1).classes)).length).toBe(49 * 16);
    await fn.dispose();
  });

  test('a config that disagrees with the graph is refused', async () => {
    await expect(createOrtLogitsFn(exportOnnx(params, config), { config: { ...config, numCodes: 32 } })).rejects.toThrow(
      'config says seqLen 49, numCodes 32; the graph has L = 49, K = 16',
    );
  });

  test('a missing file and garbage bytes are clear errors', async () => {
    await expect(createOrtLogitsFn(join(dir, 'missing.onnx'))).rejects.toThrow(/cannot read ONNX model ".*missing\.onnx" \(file missing\)/);
    await expect(createOrtLogitsFn(new Uint8Array([1, 2, 3, 4]))).rejects.toThrow('createOrtLogitsFn(<bytes>): onnxruntime cannot load the model');
  });

  test('a disposed fn refuses to run', async () => {
    const fn = await createOrtLogitsFn(exportOnnx(params, config), { intraOpNumThreads: 1 });
    await fn.dispose();
    await expect(fn(inputs(1).tokens, inputs(1).classes)).rejects.toThrow('already disposed');
  });
});
