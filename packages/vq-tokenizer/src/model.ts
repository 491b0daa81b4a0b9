/**
 * VQ-VAE networks (van den Oord et al. 2017, §4.1): a downsampling conv encoder with residual blocks down
 * to a latent grid, and a mirrored decoder that upsamples by sub-pixel convolution to a sigmoid image.
 * Parameters are plain tf.Variables in a name → variable map, so checkpoints name every tensor.
 */
import * as tf from '@tensorflow/tfjs';
import type { Rng } from '@speedrl/core';
import { createTfAdamState, disposeTfAdamState, type TfAdamState } from '@speedrl/tensor-utils';
import { downsampleStages, tokensPerImage, validateVqConfig, type VqConfig } from './config';
import { conv2dSame, pixelShuffle, pixelUnshuffle } from './conv';
import type { EmaState } from './ema';
import { newVariable } from './variables';

/** A trainable tokenizer: networks, codebook, EMA statistics, optimizer state and progress. */
export interface VqModel {
  readonly config: Readonly<VqConfig>;
  /** Encoder/decoder weights by checkpoint name, in `vqParamShapes` order. */
  readonly params: ReadonlyMap<string, tf.Variable>;
  /** Code vectors `[K, codeDim]`; learnt by EMA, so not trainable. */
  readonly codebook: tf.Variable;
  /** EMA cluster sizes `[K]` and sums `[K, codeDim]` (paper appendix A.1). */
  readonly ema: EmaState;
  /** Adam moments for `params`. */
  readonly optimizer: TfAdamState;
  /** Training steps taken so far (resume point). */
  step: number;
  /** How the codebook was initialised: `random` until k-means ran. */
  codebookInit: 'random' | 'kmeans';
}

/** Kernel, input and output channels of one conv layer. */
interface ConvSpec {
  readonly kernel: number;
  readonly cIn: number;
  readonly cOut: number;
  /** He-normal gain²: 2 before a ReLU, 1 for linear outputs. */
  readonly gain: number;
}

/** Channels after encoder downsampling stage `i` of `stages` (doubling up to `channels`). */
function downChannels(config: Readonly<VqConfig>, i: number, stages: number): number {
  return config.channels >> (stages - 1 - i);
}

/** Channels after decoder upsampling stage `i` (halving: convs at high resolution are the costly ones). */
function upChannels(config: Readonly<VqConfig>, i: number): number {
  return config.channels >> (i + 1);
}

/** Every conv layer of the model, by checkpoint name prefix (weight `<name>.weight`, bias `<name>.bias`). */
function convSpecs(config: Readonly<VqConfig>): [string, ConvSpec][] {
  const c = config.channels;
  const stages = downsampleStages(config);
  const specs: [string, ConvSpec][] = [];
  let cIn = 1;
  for (let i = 0; i < stages; i++) {
    // space-to-depth then a 2×2 conv: the paper's 4×4 stride-2 conv, written without strides.
    const cOut = downChannels(config, i, stages);
    specs.push([`encoder.down${i}`, { kernel: 2, cIn: 4 * cIn, cOut, gain: 2 }]);
    cIn = cOut;
  }
  specs.push(['encoder.mid', { kernel: 3, cIn: c, cOut: c, gain: 2 }]);
  const res = (prefix: string) => {
    for (let r = 0; r < config.resBlocks; r++) {
      specs.push([`${prefix}.res${r}.conv3`, { kernel: 3, cIn: c, cOut: c / 2, gain: 2 }]);
      specs.push([`${prefix}.res${r}.conv1`, { kernel: 1, cIn: c / 2, cOut: c, gain: 0.5 }]);
    }
  };
  res('encoder');
  specs.push(['encoder.out', { kernel: 1, cIn: c, cOut: config.codeDim, gain: 1 }]);
  specs.push(['decoder.in', { kernel: 3, cIn: config.codeDim, cOut: c, gain: 1 }]);
  res('decoder');
  cIn = c;
  for (let i = 0; i < stages; i++) {
    // a 3×3 conv to 4× the channels then depth-to-space: sub-pixel convolution (Shi et al. 2016).
    const cOut = upChannels(config, i);
    specs.push([`decoder.up${i}`, { kernel: 3, cIn, cOut: 4 * cOut, gain: 2 }]);
    cIn = cOut;
  }
  specs.push(['decoder.out', { kernel: 3, cIn, cOut: 1, gain: 1 }]);
  return specs;
}

/** Name → shape of every trainable tensor, in a fixed order (the checkpoint contract). */
export function vqParamShapes(config: Readonly<VqConfig>): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (const [name, s] of convSpecs(config)) {
    shapes.set(`${name}.weight`, [s.kernel, s.kernel, s.cIn, s.cOut]);
    shapes.set(`${name}.bias`, [s.cOut]);
  }
  return shapes;
}

/** He-normal initial values (He et al. 2015) for `name`, zeros for biases. */
function initialValues(name: string, shape: number[], specs: Map<string, ConvSpec>, rng: Rng): Float32Array {
  const out = new Float32Array(shape.reduce((a, b) => a * b, 1));
  if (name.endsWith('.bias')) return out;
  const spec = specs.get(name.slice(0, -'.weight'.length));
  if (spec === undefined) throw new Error(`vq model: no layer spec for "${name}"`);
  return rng.fillNormal(out, 0, Math.sqrt(spec.gain / (spec.kernel * spec.kernel * spec.cIn)));
}

/** Fresh EMA statistics for `codebook` `[K, D]`: every code starts with a fair share of a batch's assignments. */
export function freshEmaState(config: Readonly<VqConfig>, codebook: Float32Array): EmaState {
  const k = config.codebookSize;
  const share = (config.batchSize * tokensPerImage(config)) / k;
  const clusterSize = new Float32Array(k).fill(share);
  const embedSum = new Float32Array(codebook.length);
  for (let i = 0; i < codebook.length; i++) embedSum[i] = (codebook[i] as number) * share;
  return { clusterSize, embedSum };
}

/**
 * A new model with He-normal weights and a N(0, 1) codebook drawn from `rng` (call
 * `initCodebookKMeans` before training for a data-fitted codebook).
 */
export function createVqModel(config: Readonly<VqConfig>, rng: Rng): VqModel {
  const cfg = validateVqConfig(config);
  const specs = new Map(convSpecs(cfg));
  const params = new Map<string, tf.Variable>();
  for (const [name, shape] of vqParamShapes(cfg)) {
    params.set(name, newVariable(() => tf.tensor(initialValues(name, shape, specs, rng), shape), true));
  }
  const codebookData = rng.fillNormal(new Float32Array(cfg.codebookSize * cfg.codeDim));
  const codebook = newVariable(() => tf.tensor2d(codebookData, [cfg.codebookSize, cfg.codeDim]), false);
  return {
    config: cfg,
    params,
    codebook,
    ema: freshEmaState(cfg, codebookData),
    optimizer: createTfAdamState(params),
    step: 0,
    codebookInit: 'random',
  };
}

/** Frees every tensor the model holds. */
export function disposeVqModel(model: VqModel): void {
  for (const v of model.params.values()) v.dispose();
  model.codebook.dispose();
  disposeTfAdamState(model.optimizer);
}

function param(model: VqModel, name: string): tf.Variable {
  const v = model.params.get(name);
  if (v === undefined) throw new Error(`vq model: missing parameter "${name}"`);
  return v;
}

function conv(model: VqModel, name: string, x: tf.Tensor4D): tf.Tensor4D {
  return conv2dSame(x, param(model, `${name}.weight`) as tf.Tensor4D, param(model, `${name}.bias`) as tf.Tensor1D);
}

function resStack(model: VqModel, prefix: string, x: tf.Tensor4D): tf.Tensor4D {
  let h = x;
  for (let r = 0; r < model.config.resBlocks; r++) {
    const inner = conv(model, `${prefix}.res${r}.conv3`, tf.relu(h));
    h = tf.add(h, conv(model, `${prefix}.res${r}.conv1`, tf.relu(inner)));
  }
  return tf.relu(h);
}

/** Encoder E(x): images `[batch, 28, 28, 1]` in [0, 1] → latents z_e `[batch, side, side, codeDim]`. */
export function encodeLatents(model: VqModel, images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    let h = tf.sub(images, 0.5) as tf.Tensor4D; // centre the input
    for (let i = 0; i < downsampleStages(model.config); i++) h = tf.relu(conv(model, `encoder.down${i}`, pixelUnshuffle(h, 2)));
    h = conv(model, 'encoder.mid', h);
    h = resStack(model, 'encoder', h);
    return conv(model, 'encoder.out', h);
  });
}

/** Decoder D(z): quantised latents `[batch, side, side, codeDim]` → images `[batch, 28, 28, 1]` in (0, 1). */
export function decodeLatents(model: VqModel, latents: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => {
    let h = conv(model, 'decoder.in', latents);
    h = resStack(model, 'decoder', h);
    for (let i = 0; i < downsampleStages(model.config); i++) h = tf.relu(pixelShuffle(conv(model, `decoder.up${i}`, h), 2));
    return tf.sigmoid(conv(model, 'decoder.out', h));
  });
}
