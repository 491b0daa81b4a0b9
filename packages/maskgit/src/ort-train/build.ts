/**
 * Assembles the onnxruntime training graphs of the MaskGIT transformer (docs/architecture.md, "Engines and parity")
 * from the layer files: the parameters are graph inputs named as in `params.ts`, so every step feeds the current
 * weights; the train graph returns the loss of `head-loss.ts` and one gradient per parameter (`grad.<name>`), the
 * forward graph the logits.
 */
import { validateMaskGitConfig, type MaskGitConfig } from '../config';
import { ONNX_FLOAT, ONNX_INT32 } from '@speedrl/tensor-utils';
import { paramSpecs } from '../params';
import { attentionBackward, attentionForward, type AttentionSaved } from './attention';
import { embeddingBackward, embeddingForward, type EmbeddingSaved } from './embedding';
import { createTrainGraph, TRAIN_OPSETS, type LayerContext } from './graph';
import { headBackward, headForward, targetLogProbs, weightedSoftCrossEntropy } from './head-loss';
import { layerNormBackward, layerNormForward, type LayerNormSaved } from './layer-norm';
import { mlpBackward, mlpForward, type MlpSaved } from './mlp';

/** Names of the non-parameter inputs and outputs of the graphs. */
export const ORT_TRAIN_IO = Object.freeze({
  tokens: 'tokens',
  classes: 'classes',
  targets: 'targets',
  weights: 'weights',
  softTargets: 'soft_targets',
  softWeights: 'soft_weights',
  loss: 'loss',
  logits: 'logits',
  logSoftmax: 'log_softmax',
  targetLogProbs: 'target_log_probs',
});

/** Prefix of the gradient outputs: `grad.<parameter name>`. */
export const GRAD_PREFIX = 'grad.';

/** Which optional parts a train graph has. */
export interface TrainGraphOptions {
  /** Soft targets `[B, L, K]` with weights `[B, L]` as extra inputs (the exact-KL term). */
  soft?: boolean;
  /** Also output the logits `[B, L, K]`. */
  logits?: boolean;
  /** Also output log p(target) `[B, L]` (RL ratios). */
  targetLogProbs?: boolean;
}

/** Which outputs a forward graph has besides the logits. */
export interface ForwardGraphOptions {
  /** Output the log-softmax `[B, L, K]`. */
  logSoftmax?: boolean;
  /** Take targets `[B, L]` and output their log-probabilities `[B, L]`. */
  targetLogProbs?: boolean;
}

interface BlockSaved {
  ln1: LayerNormSaved;
  attn: AttentionSaved;
  ln2: LayerNormSaved;
  mlp: MlpSaved;
}

interface Body {
  c: LayerContext;
  grads: Map<string, string>;
  tokens: string;
  classes: string;
}

function declareBody(cfg: MaskGitConfig): Body {
  const g = createTrainGraph();
  const names = new Map<string, string>();
  for (const s of paramSpecs(cfg)) names.set(s.name, g.input(s.name, ONNX_FLOAT, s.shape));
  const grads = new Map<string, string>();
  const c: LayerContext = {
    g,
    cfg,
    param: (name) => {
      const v = names.get(name);
      if (v === undefined) throw new Error(`ort-train build: no parameter "${name}" in this config`);
      return v;
    },
    grad: (name, value) => {
      if (grads.has(name)) throw new Error(`ort-train build: gradient of "${name}" recorded twice`);
      grads.set(name, value);
    },
  };
  const tokens = g.input(ORT_TRAIN_IO.tokens, ONNX_INT32, ['batch', cfg.seqLen]);
  const classes = g.input(ORT_TRAIN_IO.classes, ONNX_INT32, ['batch']);
  return { c, grads, tokens, classes };
}

/** Forward through embedding and blocks: the residual stream `[B·T, D]` and what the backward needs. */
function blocksForward(c: LayerContext, tokens: string, classes: string): { x: string; emb: EmbeddingSaved; blocks: BlockSaved[] } {
  const { x: x0, saved: emb } = embeddingForward(c, tokens, classes);
  let x = x0;
  const blocks: BlockSaved[] = [];
  for (let i = 0; i < c.cfg.depth; i++) {
    const p = `blocks.${i}`;
    const ln1 = layerNormForward(c, x, `${p}.ln1`);
    const attn = attentionForward(c, ln1.y, `${p}.attn`);
    x = c.g.op('Add', [x, attn.y], {}, `${p}.res1`);
    const ln2 = layerNormForward(c, x, `${p}.ln2`);
    const mlp = mlpForward(c, ln2.y, `${p}.mlp`);
    x = c.g.op('Add', [x, mlp.y], {}, `${p}.res2`);
    blocks.push({ ln1: ln1.saved, attn: attn.saved, ln2: ln2.saved, mlp: mlp.saved });
  }
  return { x, emb, blocks };
}

/** Backward through the blocks (last first) and the embedding, from d(residual stream) `[B·T, D]`. */
function blocksBackward(c: LayerContext, dx: string, emb: EmbeddingSaved, blocks: BlockSaved[]): void {
  let d = dx;
  for (let i = blocks.length - 1; i >= 0; i--) {
    const s = blocks[i] as BlockSaved;
    const dMid = c.g.op('Add', [d, layerNormBackward(c, mlpBackward(c, d, s.mlp), s.ln2)], {}, `blocks.${i}.dres1`);
    d = c.g.op('Add', [dMid, layerNormBackward(c, attentionBackward(c, dMid, s.attn), s.ln1)], {}, `blocks.${i}.dres0`);
  }
  embeddingBackward(c, d, emb);
}

/**
 * The training graph: inputs = parameters, tokens int32 `[B, L]`, classes int32 `[B]`, targets int32 `[B, L]`,
 * weights float32 `[B, L]` (+ soft_targets `[B, L, K]`, soft_weights `[B, L]`); outputs loss `[]`, `grad.<name>` per
 * parameter (+ logits, target_log_probs). Returns ONNX ModelProto bytes.
 */
export function buildTrainGraph(config: MaskGitConfig, options: TrainGraphOptions = {}): Uint8Array {
  const cfg = validateMaskGitConfig(config, 'buildTrainGraph: config');
  const { c, grads, tokens, classes } = declareBody(cfg);
  const { g } = c;
  const { seqLen: l, numCodes: k } = cfg;
  const targets = g.input(ORT_TRAIN_IO.targets, ONNX_INT32, ['batch', l]);
  const weights = g.input(ORT_TRAIN_IO.weights, ONNX_FLOAT, ['batch', l]);
  const soft = options.soft === true
    ? { softTargets: g.input(ORT_TRAIN_IO.softTargets, ONNX_FLOAT, ['batch', l, k]), softWeights: g.input(ORT_TRAIN_IO.softWeights, ONNX_FLOAT, ['batch', l]) }
    : {};
  const { x, emb, blocks } = blocksForward(c, tokens, classes);
  const head = headForward(c, x);
  const loss = weightedSoftCrossEntropy(c, head.logits, { targets, weights, ...soft });
  blocksBackward(c, headBackward(c, loss.dlogits, head.saved), emb, blocks);
  g.output(ORT_TRAIN_IO.loss, loss.loss, ONNX_FLOAT, []);
  for (const s of paramSpecs(cfg)) {
    const v = grads.get(s.name);
    if (v === undefined) throw new Error(`ort-train build: no gradient was recorded for "${s.name}"`);
    g.output(`${GRAD_PREFIX}${s.name}`, v, ONNX_FLOAT, s.shape);
  }
  if (options.logits === true) g.output(ORT_TRAIN_IO.logits, head.logits, ONNX_FLOAT, ['batch', l, k]);
  if (options.targetLogProbs === true) g.output(ORT_TRAIN_IO.targetLogProbs, loss.target, ONNX_FLOAT, ['batch', l]);
  return g.encode({
    graphName: 'maskgit_train',
    opsets: TRAIN_OPSETS,
    producer: '@speedrl/maskgit',
    docString: 'MaskGIT forward + backward: weighted soft-target cross-entropy and one gradient per parameter',
  });
}

/**
 * The forward graph: inputs = parameters, tokens, classes (+ targets); outputs logits `[B, L, K]`
 * (+ log_softmax `[B, L, K]`, target_log_probs `[B, L]`). Returns ONNX ModelProto bytes.
 */
export function buildForwardGraph(config: MaskGitConfig, options: ForwardGraphOptions = {}): Uint8Array {
  const cfg = validateMaskGitConfig(config, 'buildForwardGraph: config');
  const { c, tokens, classes } = declareBody(cfg);
  const { g } = c;
  const { seqLen: l, numCodes: k } = cfg;
  const targets = options.targetLogProbs === true ? g.input(ORT_TRAIN_IO.targets, ONNX_INT32, ['batch', l]) : undefined;
  const { logits } = headForward(c, blocksForward(c, tokens, classes).x);
  g.output(ORT_TRAIN_IO.logits, logits, ONNX_FLOAT, ['batch', l, k]);
  if (options.logSoftmax === true || targets !== undefined) {
    const lp = targets === undefined
      ? { logp: g.op('LogSoftmax', [logits], { axis: -1 }, 'loss.logp'), target: undefined }
      : targetLogProbs(c, logits, targets);
    if (options.logSoftmax === true) g.output(ORT_TRAIN_IO.logSoftmax, lp.logp, ONNX_FLOAT, ['batch', l, k]);
    if (lp.target !== undefined) g.output(ORT_TRAIN_IO.targetLogProbs, lp.target, ONNX_FLOAT, ['batch', l]);
  }
  return g.encode({
    graphName: 'maskgit_forward',
    opsets: TRAIN_OPSETS,
    producer: '@speedrl/maskgit',
    docString: 'MaskGIT forward: logits (and log-softmax / target log-probs) with the parameters as inputs',
  });
}
