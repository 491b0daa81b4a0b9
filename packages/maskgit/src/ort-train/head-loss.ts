/**
 * Final LayerNorm, K-way head and the one loss every objective reduces to (docs/architecture.md, "Engines and parity"):
 * a weighted cross-entropy against soft targets, L = −Σ_{b,l} w_{bl}·log p(y_{bl}) − Σ_{b,l} u_{bl}·Σ_k q_{blk}·log
 * p_k, whose gradient at the logits is dL/dz = (w + u)·softmax(z) − w·onehot(y) − u·q. The one-hot term is applied with
 * GatherElements / ScatterElements (no [B, L, K] one-hot tensor); the soft term is present only when the graph is built
 * with soft targets.
 */
import type { LayerContext } from './graph';
import { layerNormBackward, layerNormForward, type LayerNormSaved } from './layer-norm';

/** Values the head backward needs. */
export interface HeadSaved {
  ln: LayerNormSaved;
  /** Final LayerNorm output at the image positions `[B·L, D]`. */
  y: string;
}

/** Forward: residual stream `[B·T, D]` → logits `[B, L, K]` at the L image positions (the class position dropped). */
export function headForward(c: LayerContext, x: string): { logits: string; saved: HeadSaved } {
  const { g, cfg } = c;
  const { seqLen: l, dim: d, numCodes: k } = cfg;
  const x3 = g.reshape(x, [-1, l + 1, d], 'head.x3');
  const img = g.reshape(g.op('Slice', [x3, g.ints([1]), g.ints([l + 1]), g.ints([1])], {}, 'head.img3'), [-1, d], 'head.img');
  const { y, saved: ln } = layerNormForward(c, img, 'ln_f');
  const logits2 = g.gemm(y, c.param('head.w'), 'head.logits2', { c: c.param('head.b') });
  return { logits: g.reshape(logits2, [-1, l, k], 'head.logits'), saved: { ln, y } };
}

/** Loss inputs: graph values of the targets and weights. */
export interface LossInputs {
  /** int32 `[B, L]` one-hot target ids. */
  targets: string;
  /** float32 `[B, L]` one-hot term weights w. */
  weights: string;
  /** float32 `[B, L, K]` soft targets q and `[B, L]` weights u (both or neither). */
  softTargets?: string;
  softWeights?: string;
}

/** Log-softmax `[B, L, K]` and the log-probability of the targets `[B, L]`. */
export function targetLogProbs(c: LayerContext, logits: string, targets: string): { logp: string; idx: string; target: string } {
  const { g } = c;
  const logp = g.op('LogSoftmax', [logits], { axis: -1 }, 'loss.logp');
  const idx = g.op('Unsqueeze', [targets, g.ints([2])], {}, 'loss.idx'); // [B, L, 1]
  const gathered = g.op('GatherElements', [logp, idx], { axis: 2 }, 'loss.tlogp3');
  return { logp, idx, target: g.op('Squeeze', [gathered, g.ints([2])], {}, 'loss.tlogp') };
}

/**
 * Loss and logits gradient: returns the scalar loss, dL/dlogits `[B, L, K]` and the target log-probs `[B, L]`.
 */
export function weightedSoftCrossEntropy(c: LayerContext, logits: string, inputs: LossInputs): { loss: string; dlogits: string; target: string } {
  const { g } = c;
  const { logp, idx, target } = targetLogProbs(c, logits, inputs.targets);
  const probs = g.op('Exp', [logp], {}, 'loss.probs');
  const w3 = g.op('Unsqueeze', [inputs.weights, g.ints([2])], {}, 'loss.w3'); // [B, L, 1]
  let loss = g.op('Neg', [g.sum(g.op('Mul', [target, inputs.weights], {}, 'loss.wt'), [0, 1], 'loss.hardSum')], {}, 'loss.hard');
  let grad: string;
  if (inputs.softTargets !== undefined && inputs.softWeights !== undefined) {
    const u3 = g.op('Unsqueeze', [inputs.softWeights, g.ints([2])], {}, 'loss.u3');
    const qLogp = g.sum(g.op('Mul', [inputs.softTargets, logp], {}, 'loss.qlogp3'), [2], 'loss.qlogp'); // [B, L]
    const soft = g.op('Neg', [g.sum(g.op('Mul', [qLogp, inputs.softWeights], {}, 'loss.uq'), [0, 1], 'loss.softSum')], {}, 'loss.soft');
    loss = g.op('Add', [loss, soft], {}, 'loss.total');
    const coef = g.op('Add', [w3, u3], {}, 'loss.coef');
    grad = g.op('Sub', [g.op('Mul', [probs, coef], {}, 'loss.pc'), g.op('Mul', [inputs.softTargets, u3], {}, 'loss.uq3')], {}, 'loss.g0');
  } else {
    grad = g.op('Mul', [probs, w3], {}, 'loss.g0');
  }
  const atTarget = g.op('GatherElements', [grad, idx], { axis: 2 }, 'loss.gt');
  const dlogits = g.op('ScatterElements', [grad, idx, g.op('Sub', [atTarget, w3], {}, 'loss.gtw')], { axis: 2 }, 'loss.dlogits');
  return { loss, dlogits, target };
}

/** Backward: dlogits `[B, L, K]` → d(residual stream) `[B·T, D]` (zero at the class position); records head / ln_f grads. */
export function headBackward(c: LayerContext, dlogits: string, s: HeadSaved): string {
  const { g, cfg } = c;
  const { seqLen: l, dim: d, numCodes: k } = cfg;
  const dl2 = g.reshape(dlogits, [-1, k], 'head.dlogits2');
  c.grad('head.w', g.gemm(s.y, dl2, 'head.dw', { transA: true }));
  c.grad('head.b', g.sum(dl2, [0], 'head.db'));
  const dy = g.gemm(dl2, c.param('head.w'), 'head.dy', { transB: true }); // [B·L, D]
  const dimg = g.reshape(layerNormBackward(c, dy, s.ln), [-1, l, d], 'head.dimg3');
  const padded = g.op('Pad', [dimg, g.ints([0, 1, 0, 0, 0, 0])], {}, 'head.dx3'); // [B, T, D]
  return g.reshape(padded, [-1, d], 'head.dx');
}
