/**
 * tfjs reference forward of the MaskGIT transformer (Chang et al. 2022): bidirectional pre-LN blocks
 * (Xiong et al. 2020) over [class token, L image tokens], GELU (tanh approximation, Hendrycks & Gimpel 2016)
 * MLPs, final LayerNorm and a K-way head on the L image positions. The ONNX export computes the same graph.
 */
import * as tf from '@tensorflow/tfjs';
import type { MaskGitConfig } from './config';
import type { MaskGitParams, ParamTensor } from './params';

/** Parameters as tfjs tensors (variables when training), keyed by the names of {@link paramSpecs}. */
export type TfParams = Map<string, tf.Tensor>;

/** Training-mode options of {@link forward}. */
export interface ForwardOptions {
  /** Dropout rate (default 0: none). */
  dropout?: number;
  /** Base seed of the dropout masks (each dropout site adds its index); required when dropout > 0. */
  dropoutSeed?: number;
}

/** √(2/π), the constant of the tanh GELU approximation. */
export const GELU_TANH_C = Math.sqrt(2 / Math.PI);
/** Cubic coefficient of the tanh GELU approximation. */
export const GELU_TANH_A = 0.044715;

let variableScope = 0;

/**
 * Copies flat parameters into tfjs variables (trainable; named `maskgit<n>/<param>`, unique per call since tfjs
 * variable names are global) or constant tensors, in canonical order.
 */
export function paramsToTf(params: MaskGitParams, trainable = false): TfParams {
  const out: TfParams = new Map();
  const scope = trainable ? `maskgit${variableScope++}` : '';
  for (const [name, p] of params) {
    const t = tf.tensor(p.data, p.shape, 'float32');
    if (trainable) {
      out.set(name, tf.variable(t, true, `${scope}/${name}`));
      t.dispose();
    } else {
      out.set(name, t);
    }
  }
  return out;
}

/** Reads tfjs parameters back into flat Float32Arrays (synchronous download). */
export function tfToParams(tfParams: TfParams): MaskGitParams {
  const out: MaskGitParams = new Map();
  for (const [name, t] of tfParams) {
    const entry: ParamTensor = { shape: [...t.shape], data: new Float32Array(t.dataSync() as Float32Array) };
    out.set(name, entry);
  }
  return out;
}

/** Disposes every tensor of `tfParams`. */
export function disposeTfParams(tfParams: TfParams): void {
  for (const t of tfParams.values()) t.dispose();
}

function get(params: TfParams, name: string): tf.Tensor {
  const t = params.get(name);
  if (t === undefined) throw new Error(`maskgit forward: missing parameter "${name}"`);
  return t;
}

/** LayerNorm over the last axis (Ba et al. 2016): (x − μ)/√(σ² + eps)·γ + β. */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const mean = tf.mean(x, -1, true);
  const xc = tf.sub(x, mean);
  const variance = tf.mean(tf.square(xc), -1, true);
  return tf.add(tf.mul(tf.mul(xc, tf.rsqrt(tf.add(variance, eps))), gamma), beta);
}

/** GELU, tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
export function geluTanh(x: tf.Tensor): tf.Tensor {
  const inner = tf.mul(tf.add(x, tf.mul(tf.pow(x, 3), GELU_TANH_A)), GELU_TANH_C);
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1));
}

/** y = x·W + b for x `[..., in]`, W `[in, out]`, b `[out]`, computed as one 2-D matmul. */
function linear(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const inDim = x.shape[x.shape.length - 1] as number;
  const outDim = w.shape[1] as number;
  const lead = x.shape.slice(0, -1);
  const y = tf.add(tf.matMul(tf.reshape(x, [-1, inDim]) as tf.Tensor2D, w as tf.Tensor2D), b);
  return tf.reshape(y, [...lead, outDim]);
}

/** Multi-head self-attention without a causal mask: x `[B, T, D]` → `[B, T, D]`. */
function attention(x: tf.Tensor, params: TfParams, prefix: string, config: MaskGitConfig): tf.Tensor {
  const [b, t, d] = x.shape as [number, number, number];
  const h = config.heads;
  const hd = d / h;
  const split = (name: string): tf.Tensor3D => {
    const y = linear(x, get(params, `${prefix}.w${name}`), get(params, `${prefix}.b${name}`));
    return tf.reshape(tf.transpose(tf.reshape(y, [b, t, h, hd]), [0, 2, 1, 3]), [b * h, t, hd]);
  };
  const q = tf.mul(split('q'), 1 / Math.sqrt(hd)) as tf.Tensor3D;
  const k = split('k');
  const v = split('v');
  const probs = tf.softmax(tf.matMul(q, k, false, true), -1) as tf.Tensor3D; // [B·H, T, T]
  const o = tf.transpose(tf.reshape(tf.matMul(probs, v), [b, h, t, hd]), [0, 2, 1, 3]);
  return linear(tf.reshape(o, [b, t, d]), get(params, `${prefix}.wo`), get(params, `${prefix}.bo`));
}

/**
 * Logits of the K codes at every image position: tokens `[B, L]` int32 (0..K, K = `[MASK]`), classes `[B]`
 * int32 (0..numClasses, numClasses = null class) → `[B, L, K]`. Call inside `tf.tidy` (or dispose the result).
 */
export function forward(
  params: TfParams,
  tokens: tf.Tensor2D,
  classes: tf.Tensor1D,
  config: MaskGitConfig,
  options: ForwardOptions = {},
): tf.Tensor3D {
  const [batch, len] = tokens.shape;
  if (tokens.dtype !== 'int32' || classes.dtype !== 'int32') {
    throw new TypeError(`maskgit forward: tokens and classes must be int32, got ${tokens.dtype} and ${classes.dtype}`);
  }
  if (len !== config.seqLen) throw new RangeError(`maskgit forward: tokens must be [batch, ${config.seqLen}], got [${tokens.shape.join(', ')}]`);
  if (classes.shape[0] !== batch) throw new RangeError(`maskgit forward: classes must be [${batch}], got [${classes.shape.join(', ')}]`);
  const rate = options.dropout ?? 0;
  if (rate > 0 && options.dropoutSeed === undefined) throw new RangeError('maskgit forward: dropoutSeed is required when dropout > 0');
  let site = 0;
  const drop = (x: tf.Tensor): tf.Tensor => (rate > 0 ? tf.dropout(x, rate, undefined, (options.dropoutSeed ?? 0) + site++) : x);
  const eps = config.layerNormEps;
  const d = config.dim;

  const tok = tf.gather(get(params, 'tok_emb'), tokens); // [B, L, D]
  const cls = tf.reshape(tf.gather(get(params, 'cls_emb'), classes), [batch, 1, d]);
  let x = drop(tf.add(tf.concat([cls, tok], 1), get(params, 'pos_emb'))); // [B, L+1, D]
  for (let i = 0; i < config.depth; i++) {
    const p = `blocks.${i}`;
    const a = attention(layerNorm(x, get(params, `${p}.ln1.gamma`), get(params, `${p}.ln1.beta`), eps), params, `${p}.attn`, config);
    x = tf.add(x, drop(a));
    const h = layerNorm(x, get(params, `${p}.ln2.gamma`), get(params, `${p}.ln2.beta`), eps);
    const m = linear(geluTanh(linear(h, get(params, `${p}.mlp.w1`), get(params, `${p}.mlp.b1`))), get(params, `${p}.mlp.w2`), get(params, `${p}.mlp.b2`));
    x = tf.add(x, drop(m));
  }
  const img = tf.slice(x, [0, 1, 0], [batch, len, d]); // drop the class position
  const y = layerNorm(img, get(params, 'ln_f.gamma'), get(params, 'ln_f.beta'), eps);
  return linear(y, get(params, 'head.w'), get(params, 'head.b')) as tf.Tensor3D;
}

