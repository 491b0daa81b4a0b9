/**
 * MaskGIT parameters as a flat, ordered map `name → { shape, data }` shared by every engine
 * (tfjs, ONNX export, the onnxruntime trainer) and by checkpoints. Linear weights are `[in, out]` (y = x·W + b).
 */
import type { Rng } from '@speedrl/core';
import type { MaskGitConfig } from './config';

/** One parameter tensor: row-major float32 data of `shape`. */
export interface ParamTensor {
  shape: number[];
  data: Float32Array;
}

/** All parameters in canonical order (see {@link paramSpecs}). */
export type MaskGitParams = Map<string, ParamTensor>;

/** How a tensor is initialised: GPT-2 (Radford et al. 2019) normal(0, std), residual-scaled, zeros or ones. */
export type ParamInit = 'normal' | 'residual' | 'zeros' | 'ones';

/** Name, shape, init and weight-decay flag of one parameter. */
export interface ParamSpec {
  name: string;
  shape: number[];
  init: ParamInit;
  /** Whether AdamW decays it (every 2-D tensor: linear weights and embeddings, as nanoGPT). */
  decay: boolean;
}

/** The canonical ordered list of parameters of a config. */
export function paramSpecs(config: MaskGitConfig): ParamSpec[] {
  const { numCodes: k, seqLen: l, numClasses: c, dim: d } = config;
  const hidden = d * config.mlpRatio;
  const specs: ParamSpec[] = [];
  const add = (name: string, shape: number[], init: ParamInit): void => {
    specs.push({ name, shape, init, decay: shape.length === 2 });
  };
  add('tok_emb', [k + 1, d], 'normal');
  add('cls_emb', [c + 1, d], 'normal');
  add('pos_emb', [l + 1, d], 'normal');
  for (let i = 0; i < config.depth; i++) {
    const p = `blocks.${i}`;
    add(`${p}.ln1.gamma`, [d], 'ones');
    add(`${p}.ln1.beta`, [d], 'zeros');
    for (const m of ['q', 'k', 'v'] as const) {
      add(`${p}.attn.w${m}`, [d, d], 'normal');
      add(`${p}.attn.b${m}`, [d], 'zeros');
    }
    add(`${p}.attn.wo`, [d, d], 'residual');
    add(`${p}.attn.bo`, [d], 'zeros');
    add(`${p}.ln2.gamma`, [d], 'ones');
    add(`${p}.ln2.beta`, [d], 'zeros');
    add(`${p}.mlp.w1`, [d, hidden], 'normal');
    add(`${p}.mlp.b1`, [hidden], 'zeros');
    add(`${p}.mlp.w2`, [hidden, d], 'residual');
    add(`${p}.mlp.b2`, [d], 'zeros');
  }
  add('ln_f.gamma', [d], 'ones');
  add('ln_f.beta', [d], 'zeros');
  add('head.w', [d, k], 'normal');
  add('head.b', [k], 'zeros');
  return specs;
}

/** Number of elements of a shape. */
export function shapeSize(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Total number of parameters of a config. */
export function countParams(config: MaskGitConfig): number {
  return paramSpecs(config).reduce((sum, s) => sum + shapeSize(s.shape), 0);
}

/**
 * Seeded GPT-2-style init: weights and embeddings N(0, initStd²), residual output projections
 * (attn.wo, mlp.w2) N(0, (initStd/√(2·depth))²), biases 0, LayerNorm gains 1. Tensor i draws from `rng.fork(i)`,
 * so a tensor's init does not depend on the sizes of the tensors before it.
 */
export function initParams(config: MaskGitConfig, rng: Rng): MaskGitParams {
  const params: MaskGitParams = new Map();
  paramSpecs(config).forEach((spec, i) => {
    const data = new Float32Array(shapeSize(spec.shape));
    if (spec.init === 'ones') data.fill(1);
    else if (spec.init === 'normal') rng.fork(i).fillNormal(data, 0, config.initStd);
    else if (spec.init === 'residual') rng.fork(i).fillNormal(data, 0, config.initStd / Math.sqrt(2 * config.depth));
    params.set(spec.name, { shape: [...spec.shape], data });
  });
  return params;
}

/** Returns parameter `name` or throws an error naming it and `source`. */
export function getParam(params: MaskGitParams, name: string, source = 'maskgit params'): ParamTensor {
  const p = params.get(name);
  if (p === undefined) throw new Error(`${source}: missing parameter "${name}"`);
  return p;
}

/**
 * Checks that `params` holds exactly the tensors of `config` with the expected shapes and data lengths;
 * errors name `source`, the tensor, and the expected and actual shapes.
 */
export function checkParams(params: MaskGitParams, config: MaskGitConfig, source = 'maskgit params'): void {
  const specs = paramSpecs(config);
  const expected = new Set(specs.map((s) => s.name));
  for (const name of params.keys()) {
    if (!expected.has(name)) throw new Error(`${source}: unexpected tensor "${name}" (not a parameter of this config)`);
  }
  for (const spec of specs) {
    const p = getParam(params, spec.name, source);
    if (p.shape.length !== spec.shape.length || p.shape.some((n, j) => n !== spec.shape[j])) {
      throw new Error(
        `${source}: tensor "${spec.name}" has shape [${p.shape.join(', ')}], expected [${spec.shape.join(', ')}] from the config`,
      );
    }
    if (!(p.data instanceof Float32Array) || p.data.length !== shapeSize(spec.shape)) {
      throw new Error(`${source}: tensor "${spec.name}" must hold a Float32Array of ${shapeSize(spec.shape)} elements`);
    }
  }
}

/** A deep copy of `params` (fresh Float32Arrays) in canonical order. */
export function cloneParams(params: MaskGitParams): MaskGitParams {
  const out: MaskGitParams = new Map();
  for (const [name, p] of params) out.set(name, { shape: [...p.shape], data: new Float32Array(p.data) });
  return out;
}
