/**
 * Assembles the onnxruntime training graphs of the MaskGIT transformer (docs/architecture.md, "Engines and parity")
 * from the layer files: the parameters are graph inputs named as in `params.ts`, so every step feeds the current
 * weights; the train graph returns the loss of `head-loss.ts` and one gradient per parameter (`grad.<name>`), the
 * forward graph the logits.
 */
import { validateMaskGitConfig, type MaskGitConfig } from '../config';
import { ONNX_FLOAT, ONNX_INT32 } from '@speedrl/tensor-utils';
import { paramSpecs } from '../params';
import { embeddingBackward, embeddingForward, type EmbeddingSaved } from './embedding';
import { createTrainGraph, TRAIN_OPSETS, type LayerContext } from './graph';
import { headBackward, headForward, imageRows, padImageRows, targetLogProbs, weightedSoftCrossEntropy } from './head-loss';
import {
  attentionHalfBackward, attentionHalfForward, blockBackward, blockForward, chunkSizes, mlpHalfBackward, mlpHalfForward, type AttentionPart,
  type BlockPart, type HalfSaved,
} from './block-halves';

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
  /** Row blocks of whole samples the block halves run in (default 1; see `block-halves.ts`). */
  rowChunks?: number;
}

/** Which outputs a forward graph has besides the logits. */
export interface ForwardGraphOptions {
  /** Output the log-softmax `[B, L, K]`. */
  logSoftmax?: boolean;
  /** Take targets `[B, L]` and output their log-probabilities `[B, L]`. */
  targetLogProbs?: boolean;
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

/**
 * Forward through the embedding and the blocks; the last block stops after its attention half when `lastMlp` is
 * false (its MLP half is row-wise: the train graph runs it on the rows the loss needs). With `chunks` > 1 both halves
 * run in that many row blocks of whole samples (`block-halves.ts`). Returns the residual stream `[B·T, D]` and what
 * the backward needs.
 */
function blocksForward(c: LayerContext, tokens: string, classes: string, lastMlp = true, chunks = 1): { x: string; emb: EmbeddingSaved; blocks: HalfSaved<BlockPart>[]; last?: HalfSaved<AttentionPart> } {
  const { x: x0, saved: emb } = embeddingForward(c, tokens, classes);
  const sizes = chunks > 1 ? chunkSizes(c, x0, chunks, 'rows.blocks', c.cfg.seqLen + 1) : undefined;
  let x = x0;
  const blocks: HalfSaved<BlockPart>[] = [];
  for (let i = 0; i < c.cfg.depth; i++) {
    if (i === c.cfg.depth - 1 && !lastMlp) {
      const a = attentionHalfForward(c, x, i, sizes, chunks);
      return { x: a.x, emb, blocks, last: a.saved };
    }
    const b = blockForward(c, x, i, sizes, chunks);
    x = b.x;
    blocks.push(b.saved);
  }
  return { x, emb, blocks };
}

/** Backward through `blocks` (last first) and the embedding, from d(residual stream after them) `[B·T, D]`. */
function blocksBackward(c: LayerContext, dx: string, emb: EmbeddingSaved, blocks: HalfSaved<BlockPart>[]): void {
  let d = dx;
  for (let i = blocks.length - 1; i >= 0; i--) d = blockBackward(c, d, blocks[i] as HalfSaved<BlockPart>);
  embeddingBackward(c, d, emb);
}

/**
 * The image rows the loss sees: those with a non-zero weight w (or u), as indices into the B·L image rows (`img`)
 * and into the B·T rows of the residual stream (`stream` = r + ⌊r/L⌋ + 1: each sample's class row comes first).
 * Rows of weight 0 add nothing to the loss or any gradient, so the last block's MLP half and the head skip them.
 */
function lossRows(c: LayerContext, weights: string, softWeights?: string): { img: string; stream: string } {
  const { g, cfg } = c;
  const nonzero = (v: string, hint: string): string => g.op('Not', [g.op('Equal', [v, g.scalar(0)], {}, `${hint}0`)], {}, hint);
  let keep = nonzero(weights, 'rows.w');
  if (softWeights !== undefined) keep = g.op('Or', [keep, nonzero(softWeights, 'rows.u')], {}, 'rows.wu');
  const img = g.reshape(g.op('NonZero', [g.reshape(keep, [-1], 'rows.flat')], {}, 'rows.nz'), [-1], 'rows.img'); // int64 [M]
  const sample = g.op('Div', [img, g.ints([cfg.seqLen], [])], {}, 'rows.sample');
  const stream = g.op('Add', [g.op('Add', [img, sample], {}, 'rows.skip'), g.ints([1], [])], {}, 'rows.stream');
  return { img, stream };
}

/**
 * The training graph: inputs = parameters, tokens int32 `[B, L]`, classes int32 `[B]`, targets int32 `[B, L]`,
 * weights float32 `[B, L]` (+ soft_targets `[B, L, K]`, soft_weights `[B, L]`); outputs loss `[]`, `grad.<name>` per
 * parameter (+ logits, target_log_probs). Without the optional outputs, the last block's MLP half, the head and the
 * loss run only on the rows with a non-zero weight ({@link lossRows}); with them, on every image row.
 * Returns ONNX ModelProto bytes.
 */
export function buildTrainGraph(config: MaskGitConfig, options: TrainGraphOptions = {}): Uint8Array {
  const cfg = validateMaskGitConfig(config, 'buildTrainGraph: config');
  const { c, grads, tokens, classes } = declareBody(cfg);
  const { g } = c;
  const { seqLen: l, numCodes: k, depth } = cfg;
  const targets = g.input(ORT_TRAIN_IO.targets, ONNX_INT32, ['batch', l]);
  const weights = g.input(ORT_TRAIN_IO.weights, ONNX_FLOAT, ['batch', l]);
  const soft = options.soft === true
    ? { softTargets: g.input(ORT_TRAIN_IO.softTargets, ONNX_FLOAT, ['batch', l, k]), softWeights: g.input(ORT_TRAIN_IO.softWeights, ONNX_FLOAT, ['batch', l]) }
    : undefined;
  const dense = options.logits === true || options.targetLogProbs === true;
  const chunks = options.rowChunks ?? 1;
  const { x: x1, emb, blocks, last } = blocksForward(c, tokens, classes, false, chunks);
  const sel = dense ? undefined : lossRows(c, weights, soft?.softWeights);
  const perRow = (v: string, shape: number[], hint: string): string => {
    const flat = g.reshape(v, shape, `${hint}Rows`);
    return sel === undefined ? flat : g.op('Gather', [flat, sel.img], { axis: 0 }, `${hint}Sel`);
  };
  const rows = sel === undefined ? imageRows(c, x1) : g.op('Gather', [x1, sel.stream], { axis: 0 }, 'rows.x');
  const tail = mlpHalfForward(c, rows, depth - 1, chunks > 1 ? chunkSizes(c, rows, chunks, 'rows.tail') : undefined, chunks);
  const head = headForward(c, tail.x);
  const loss = weightedSoftCrossEntropy(c, head.logits, {
    targets: perRow(targets, [-1], 'loss.targets'),
    weights: perRow(weights, [-1], 'loss.weights'),
    ...(soft === undefined ? {} : { softTargets: perRow(soft.softTargets, [-1, k], 'loss.q'), softWeights: perRow(soft.softWeights, [-1], 'loss.u') }),
  });
  const dRows = mlpHalfBackward(c, headBackward(c, loss.dlogits, head.saved), tail.saved);
  const dx1 = sel === undefined
    ? padImageRows(c, dRows)
    : g.op('ScatterND', [g.op('ConstantOfShape', [g.op('Shape', [x1], {}, 'rows.shape')], {}, 'rows.zeros'), g.op('Unsqueeze', [sel.stream, g.ints([1])], {}, 'rows.idx'), dRows], {}, 'rows.dx');
  blocksBackward(c, attentionHalfBackward(c, dx1, last as HalfSaved<AttentionPart>), emb, blocks);
  g.output(ORT_TRAIN_IO.loss, loss.loss, ONNX_FLOAT, []);
  for (const s of paramSpecs(cfg)) {
    const v = grads.get(s.name);
    if (v === undefined) throw new Error(`ort-train build: no gradient was recorded for "${s.name}"`);
    g.output(`${GRAD_PREFIX}${s.name}`, v, ONNX_FLOAT, s.shape);
  }
  if (options.logits === true) g.output(ORT_TRAIN_IO.logits, g.reshape(head.logits, [-1, l, k], 'head.logits'), ONNX_FLOAT, ['batch', l, k]);
  if (options.targetLogProbs === true) g.output(ORT_TRAIN_IO.targetLogProbs, g.reshape(loss.target, [-1, l], 'loss.tlogp2'), ONNX_FLOAT, ['batch', l]);
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
  const logits = g.reshape(headForward(c, imageRows(c, blocksForward(c, tokens, classes).x)).logits, [-1, l, k], 'head.logits');
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
