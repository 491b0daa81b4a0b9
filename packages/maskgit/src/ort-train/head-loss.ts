/**
 * Final LayerNorm, K-way head and the one loss every objective reduces to (docs/architecture.md, "Engines and parity"):
 * a weighted cross-entropy against soft targets, L = −Σ_r w_r·log p(y_r) − Σ_r u_r·Σ_k q_rk·log p_k over rows r
 * (image positions), whose gradient at the logits is dL/dz = (w + u)·softmax(z) − w·onehot(y) − u·q. Everything here
 * works on rows `[R, ·]`: all B·L image positions, or only those with a non-zero loss weight (`build.ts`). The one-hot
 * term is applied with GatherElements / ScatterElements (no `[R, K]` one-hot tensor); the soft term is present only
 * when the graph is built with soft targets.
 */
import type { LayerContext } from './graph';
import { layerNormBackward, layerNormForward, type LayerNormSaved } from './layer-norm';

/** Values the head backward needs. */
export interface HeadSaved {
  ln: LayerNormSaved;
  /** Final LayerNorm output `[R, D]`. */
  y: string;
}

/** The image rows `[B·L, D]` of a residual stream `[B·T, D]` (the class position of each sample dropped). */
export function imageRows(c: LayerContext, x: string): string {
  const { g, cfg } = c;
  const { seqLen: l, dim: d } = cfg;
  const x3 = g.reshape(x, [-1, l + 1, d], 'head.x3');
  return g.reshape(g.op('Slice', [x3, g.ints([1]), g.ints([l + 1]), g.ints([1])], {}, 'head.img3'), [-1, d], 'head.img');
}

/** d(image rows) `[B·L, D]` → d(residual stream) `[B·T, D]`, zero at the class positions. */
export function padImageRows(c: LayerContext, d: string): string {
  const { g, cfg } = c;
  const { seqLen: l, dim } = cfg;
  const padded = g.op('Pad', [g.reshape(d, [-1, l, dim], 'head.dimg3'), g.ints([0, 1, 0, 0, 0, 0])], {}, 'head.dx3'); // [B, T, D]
  return g.reshape(padded, [-1, dim], 'head.dx');
}

/** Forward: residual-stream rows `[R, D]` → logits `[R, K]`. */
export function headForward(c: LayerContext, rows: string): { logits: string; saved: HeadSaved } {
  const { g } = c;
  const { y, saved: ln } = layerNormForward(c, rows, 'ln_f');
  const logits = g.gemm(y, c.param('head.w'), 'head.logits2', { c: c.param('head.b') });
  return { logits, saved: { ln, y } };
}

/** Loss inputs: graph values of the targets and weights, one per row. */
export interface LossInputs {
  /** int32 `[R]` one-hot target ids. */
  targets: string;
  /** float32 `[R]` one-hot term weights w. */
  weights: string;
  /** float32 `[R, K]` soft targets q and `[R]` weights u (both or neither). */
  softTargets?: string;
  softWeights?: string;
}

/** Log-softmax and the log-probability of the targets: logits `[…, K]`, int32 targets `[…]` one axis fewer. */
export function targetLogProbs(c: LayerContext, logits: string, targets: string, axis = 2): { logp: string; idx: string; target: string } {
  const { g } = c;
  const logp = g.op('LogSoftmax', [logits], { axis: -1 }, 'loss.logp');
  const idx = g.op('Unsqueeze', [targets, g.ints([axis])], {}, 'loss.idx'); // […, 1]
  const gathered = g.op('GatherElements', [logp, idx], { axis }, 'loss.tlogp3');
  return { logp, idx, target: g.op('Squeeze', [gathered, g.ints([axis])], {}, 'loss.tlogp') };
}

/**
 * Loss and logits gradient over rows: returns the scalar loss, dL/dlogits `[R, K]` and the target log-probs `[R]`.
 */
export function weightedSoftCrossEntropy(c: LayerContext, logits: string, inputs: LossInputs): { loss: string; dlogits: string; target: string } {
  const { g } = c;
  const { logp, idx, target } = targetLogProbs(c, logits, inputs.targets, 1);
  const probs = g.op('Exp', [logp], {}, 'loss.probs');
  const w2 = g.op('Unsqueeze', [inputs.weights, g.ints([1])], {}, 'loss.w3'); // [R, 1]
  let loss = g.op('Neg', [g.sum(g.op('Mul', [target, inputs.weights], {}, 'loss.wt'), [0], 'loss.hardSum')], {}, 'loss.hard');
  let grad: string;
  if (inputs.softTargets !== undefined && inputs.softWeights !== undefined) {
    const u2 = g.op('Unsqueeze', [inputs.softWeights, g.ints([1])], {}, 'loss.u3');
    const qLogp = g.sum(g.op('Mul', [inputs.softTargets, logp], {}, 'loss.qlogp3'), [1], 'loss.qlogp'); // [R]
    const soft = g.op('Neg', [g.sum(g.op('Mul', [qLogp, inputs.softWeights], {}, 'loss.uq'), [0], 'loss.softSum')], {}, 'loss.soft');
    loss = g.op('Add', [loss, soft], {}, 'loss.total');
    const coef = g.op('Add', [w2, u2], {}, 'loss.coef');
    grad = g.op('Sub', [g.op('Mul', [probs, coef], {}, 'loss.pc'), g.op('Mul', [inputs.softTargets, u2], {}, 'loss.uq3')], {}, 'loss.g0');
  } else {
    grad = g.op('Mul', [probs, w2], {}, 'loss.g0');
  }
  const atTarget = g.op('GatherElements', [grad, idx], { axis: 1 }, 'loss.gt');
  const dlogits = g.op('ScatterElements', [grad, idx, g.op('Sub', [atTarget, w2], {}, 'loss.gtw')], { axis: 1 }, 'loss.dlogits');
  return { loss, dlogits, target };
}

/** Backward: dlogits `[R, K]` → d(rows) `[R, D]`; records the head and ln_f gradients. */
export function headBackward(c: LayerContext, dlogits: string, s: HeadSaved): string {
  const { g } = c;
  c.grad('head.w', g.gemm(s.y, dlogits, 'head.dw', { transA: true }));
  c.grad('head.b', g.sum(dlogits, [0], 'head.db'));
  const dy = g.gemm(dlogits, c.param('head.w'), 'head.dy', { transB: true }); // [R, D]
  return layerNormBackward(c, dy, s.ln);
}
