/**
 * ONNX export of the MaskGIT forward (opset 17, LayerNormalization as one op): the same computation as
 * `model.ts`, weights as initializers, inputs `tokens` int32 `[batch, L]` and `classes` int32 `[batch]`,
 * output `logits` float32 `[batch, L, K]`. Q, K, V are one fused matmul with 1/√headDim folded into Q.
 */
import { join } from 'node:path';
import { writeFileAtomic } from '@speedrl/core';
import { validateMaskGitConfig, type MaskGitConfig } from '../config';
import { GELU_TANH_A, GELU_TANH_C } from '../model';
import { checkParams, getParam, type MaskGitParams } from '../params';
import { modelIdentity } from '../checkpoint';
import { GraphBuilder, ONNX_FLOAT, ONNX_INT32, readModelMetadata } from '@speedrl/tensor-utils';

/** ONNX opset the export targets (LayerNormalization needs 17). */
export const MASKGIT_ONNX_OPSET = 17;
/** Graph input names and the output name, in order. */
export const MASKGIT_ONNX_IO = Object.freeze({ tokens: 'tokens', classes: 'classes', logits: 'logits' });
/** `metadata_props` key holding the JSON config of an exported model. */
export const ONNX_CONFIG_KEY = 'speedrl.maskgit.config';
/** `metadata_props` key holding the {@link modelIdentity} of the exported weights (a stale export is detectable). */
export const ONNX_IDENTITY_KEY = 'speedrl.maskgit.identity';
/** Default file name of an exported model inside a model directory. */
export const ONNX_FILE = 'model.onnx';

/** Concatenates `[rows, cols_i]` matrices along columns, scaling each by `scales[i]`. */
function concatColumns(mats: Float32Array[], rows: number, cols: number, scales: number[]): Float32Array {
  const out = new Float32Array(rows * cols * mats.length);
  const width = cols * mats.length;
  mats.forEach((m, i) => {
    const s = scales[i] ?? 1;
    for (let r = 0; r < rows; r++) {
      for (let c = 0; c < cols; c++) out[r * width + i * cols + c] = (m[r * cols + c] as number) * s;
    }
  });
  return out;
}

/** Builds the ONNX model of `params` / `config` and returns its bytes. */
export function exportOnnx(params: MaskGitParams, config: MaskGitConfig): Uint8Array {
  const cfg = validateMaskGitConfig(config, 'exportOnnx: config');
  checkParams(params, cfg, 'exportOnnx');
  const { seqLen: l, numCodes: k, dim: d, heads: h } = cfg;
  const hd = d / h;
  const g = new GraphBuilder();
  const w = (name: string): string => {
    const p = getParam(params, name, 'exportOnnx');
    return g.float(name, p.shape, p.data);
  };
  const data = (name: string): Float32Array => getParam(params, name, 'exportOnnx').data;
  const eps = { float: cfg.layerNormEps };
  const ln = (x: string, prefix: string): string =>
    g.op('LayerNormalization', [x, w(`${prefix}.gamma`), w(`${prefix}.beta`)], { axis: -1, epsilon: eps }, `${prefix}.out`);
  const linear = (x: string, wName: string, bName: string, hint: string): string =>
    g.op('Add', [g.op('MatMul', [x, w(wName)], {}, `${hint}.mm`), w(bName)], {}, hint);

  const tokens = g.input(MASKGIT_ONNX_IO.tokens, ONNX_INT32, ['batch', l]);
  const classes = g.input(MASKGIT_ONNX_IO.classes, ONNX_INT32, ['batch']);
  const axis1 = g.int64('axes_1', [1], [1]);
  const qkvShape = g.int64('qkv_shape', [5], [0, 0, 3, h, hd]);
  const mergeShape = g.int64('merge_shape', [3], [0, 0, d]);
  const pick = [0, 1, 2].map((i) => g.int64(`pick_${i}`, [], [i]));
  const half = g.float('c_half', [], new Float32Array([0.5]));
  const one = g.float('c_one', [], new Float32Array([1]));
  const three = g.float('c_three', [], new Float32Array([3]));
  const geluA = g.float('c_gelu_a', [], new Float32Array([GELU_TANH_A]));
  const geluC = g.float('c_gelu_c', [], new Float32Array([GELU_TANH_C]));

  const tok = g.op('Gather', [w('tok_emb'), tokens], { axis: 0 }, 'tok'); // [B, L, D]
  const cls = g.op('Unsqueeze', [g.op('Gather', [w('cls_emb'), classes], { axis: 0 }, 'cls'), axis1], {}, 'cls3'); // [B, 1, D]
  let x = g.op('Add', [g.op('Concat', [cls, tok], { axis: 1 }, 'seq'), w('pos_emb')], {}, 'x0'); // [B, L+1, D]

  for (let i = 0; i < cfg.depth; i++) {
    const p = `blocks.${i}`;
    const a = `${p}.attn`;
    const scale = 1 / Math.sqrt(hd);
    const wqkv = g.float(`${a}.wqkv`, [d, 3 * d], concatColumns([data(`${a}.wq`), data(`${a}.wk`), data(`${a}.wv`)], d, d, [scale, 1, 1]));
    const bqkv = g.float(`${a}.bqkv`, [3 * d], concatColumns([data(`${a}.bq`), data(`${a}.bk`), data(`${a}.bv`)], 1, d, [scale, 1, 1]));
    const qkv = g.op('Add', [g.op('MatMul', [ln(x, `${p}.ln1`), wqkv], {}, `${a}.qkv.mm`), bqkv], {}, `${a}.qkv`);
    const r = g.op('Reshape', [qkv, qkvShape], {}, `${a}.qkv5`); // [B, T, 3, H, hd]
    const part = (j: number, perm: number[], hint: string): string =>
      g.op('Transpose', [g.op('Gather', [r, pick[j] as string], { axis: 2 }, `${a}.${hint}4`)], { perm }, `${a}.${hint}`);
    const q = part(0, [0, 2, 1, 3], 'q'); // [B, H, T, hd], pre-scaled
    const kT = part(1, [0, 2, 3, 1], 'kT'); // [B, H, hd, T]
    const v = part(2, [0, 2, 1, 3], 'v'); // [B, H, T, hd]
    const probs = g.op('Softmax', [g.op('MatMul', [q, kT], {}, `${a}.scores`)], { axis: -1 }, `${a}.probs`);
    const o = g.op('Transpose', [g.op('MatMul', [probs, v], {}, `${a}.ctx`)], { perm: [0, 2, 1, 3] }, `${a}.ctxT`);
    const merged = g.op('Reshape', [o, mergeShape], {}, `${a}.merged`); // [B, T, D]
    x = g.op('Add', [x, linear(merged, `${a}.wo`, `${a}.bo`, `${a}.out`)], {}, `${p}.res1`);

    const m1 = linear(ln(x, `${p}.ln2`), `${p}.mlp.w1`, `${p}.mlp.b1`, `${p}.mlp.h`);
    const cube = g.op('Mul', [g.op('Pow', [m1, three], {}, `${p}.mlp.cube`), geluA], {}, `${p}.mlp.acube`);
    const th = g.op('Tanh', [g.op('Mul', [g.op('Add', [m1, cube], {}, `${p}.mlp.inner0`), geluC], {}, `${p}.mlp.inner`)], {}, `${p}.mlp.tanh`);
    const gelu = g.op('Mul', [g.op('Mul', [m1, half], {}, `${p}.mlp.halfx`), g.op('Add', [th, one], {}, `${p}.mlp.tp1`)], {}, `${p}.mlp.gelu`);
    x = g.op('Add', [x, linear(gelu, `${p}.mlp.w2`, `${p}.mlp.b2`, `${p}.mlp.out`)], {}, `${p}.res2`);
  }
  const img = g.op('Slice', [x, g.int64('slice_start', [1], [1]), g.int64('slice_end', [1], [l + 1]), axis1], {}, 'img'); // [B, L, D]
  const logits = linear(ln(img, 'ln_f'), 'head.w', 'head.b', 'head');
  g.output(MASKGIT_ONNX_IO.logits, logits, ONNX_FLOAT, ['batch', l, k]);

  return g.encode({
    graphName: 'maskgit',
    opsets: [{ domain: '', version: MASKGIT_ONNX_OPSET }],
    producer: '@speedrl/maskgit',
    docString: 'Class-conditional MaskGIT transformer: tokens [batch, L] (K = [MASK]), classes [batch] (numClasses = null) → logits [batch, L, K]',
    metadata: { [ONNX_CONFIG_KEY]: JSON.stringify(cfg), [ONNX_IDENTITY_KEY]: modelIdentity(params, cfg) },
  });
}

/** The identity recorded in an exported model (undefined for exports older than the identity key). */
export function onnxModelIdentity(bytes: Uint8Array): string | undefined {
  return readModelMetadata(bytes)[ONNX_IDENTITY_KEY];
}

/** Exports and atomically writes `model.onnx` (or `fileName`) into `dir`; returns the file path. */
export async function writeOnnxModel(dir: string, params: MaskGitParams, config: MaskGitConfig, fileName = ONNX_FILE): Promise<string> {
  const path = join(dir, fileName);
  await writeFileAtomic(path, exportOnnx(params, config));
  return path;
}
