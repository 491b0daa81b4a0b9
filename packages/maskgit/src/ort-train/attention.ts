/**
 * Bidirectional multi-head self-attention of the training graph (Vaswani et al. 2017), forward and backward.
 * Q, K, V are one Gemm over the concatenation [wq | wk | wv] (built in the graph from the separate stored
 * parameters); 1/√hd is FusedMatMul's alpha; the backward reuses the saved softmax probabilities:
 * dS = P ⊙ (dP − rowsum(dP ⊙ P)), dQ = α·dS·K, dK = α·dSᵀ·Q, dV = Pᵀ·dO.
 */
import type { LayerContext } from './graph';

/** Values the attention backward needs. */
export interface AttentionSaved {
  prefix: string;
  /** Input (LayerNorm output) `[N, D]`. */
  h: string;
  /** Fused QKV weight `[D, 3D]`. */
  wqkv: string;
  /** Q, K, V `[1, B, H, T, hd]`. */
  q: string;
  k: string;
  v: string;
  /** Softmax probabilities `[1, B, H, T, T]`. */
  probs: string;
  /** Merged heads before the output projection `[N, D]`. */
  merged: string;
}

/** Forward: h `[N, D]` (N = B·T) → attention output `[N, D]` with parameters `<prefix>.{wq,bq,wk,bk,wv,bv,wo,bo}`. */
export function attentionForward(c: LayerContext, h: string, prefix: string): { y: string; saved: AttentionSaved } {
  const { g, cfg } = c;
  const p = prefix;
  const t = cfg.seqLen + 1;
  const d = cfg.dim;
  const heads = cfg.heads;
  const hd = d / heads;
  const wqkv = g.op('Concat', [c.param(`${p}.wq`), c.param(`${p}.wk`), c.param(`${p}.wv`)], { axis: 1 }, `${p}.wqkv`);
  const bqkv = g.op('Concat', [c.param(`${p}.bq`), c.param(`${p}.bk`), c.param(`${p}.bv`)], { axis: 0 }, `${p}.bqkv`);
  const qkv = g.gemm(h, wqkv, `${p}.qkv`, { c: bqkv }); // [N, 3D]
  const r = g.reshape(qkv, [-1, t, 3, heads, hd], `${p}.qkv5`);
  const split = g.op('Transpose', [r], { perm: [2, 0, 3, 1, 4] }, `${p}.qkvT`); // [3, B, H, T, hd]
  const [q, k, v] = g.multi('Split', [split, g.ints([1, 1, 1])], { axis: 0 }, [`${p}.q`, `${p}.k`, `${p}.v`]) as [string, string, string];
  const scores = g.matmul(q, k, `${p}.scores`, { transB: true, alpha: 1 / Math.sqrt(hd) }); // [1, B, H, T, T]
  const probs = g.op('Softmax', [scores], { axis: -1 }, `${p}.probs`);
  const ctx = g.matmul(probs, v, `${p}.ctx`); // [1, B, H, T, hd]
  const ctxT = g.op('Transpose', [ctx], { perm: [0, 1, 3, 2, 4] }, `${p}.ctxT`); // [1, B, T, H, hd]
  const merged = g.reshape(ctxT, [-1, d], `${p}.merged`);
  const y = g.gemm(merged, c.param(`${p}.wo`), `${p}.out`, { c: c.param(`${p}.bo`) });
  return { y, saved: { prefix, h, wqkv, q, k, v, probs, merged } };
}

/** Backward: dy `[N, D]` → dh `[N, D]`; records the gradients of the eight attention parameters. */
export function attentionBackward(c: LayerContext, dy: string, s: AttentionSaved): string {
  const { g, cfg } = c;
  const p = s.prefix;
  const t = cfg.seqLen + 1;
  const d = cfg.dim;
  const heads = cfg.heads;
  const hd = d / heads;
  const alpha = 1 / Math.sqrt(hd);
  c.grad(`${p}.wo`, g.gemm(s.merged, dy, `${p}.dwo`, { transA: true }));
  c.grad(`${p}.bo`, g.sum(dy, [0], `${p}.dbo`));
  const dMerged = g.gemm(dy, c.param(`${p}.wo`), `${p}.dmerged`, { transB: true }); // [N, D]
  const dCtxT = g.reshape(dMerged, [1, -1, t, heads, hd], `${p}.dctxT`);
  const dCtx = g.op('Transpose', [dCtxT], { perm: [0, 1, 3, 2, 4] }, `${p}.dctx`); // [1, B, H, T, hd]
  const dProbs = g.matmul(dCtx, s.v, `${p}.dprobs`, { transB: true }); // [1, B, H, T, T]
  const dv = g.matmul(s.probs, dCtx, `${p}.dv`, { transA: true });
  const rowDot = g.sum(g.op('Mul', [dProbs, s.probs], {}, `${p}.dpp`), [-1], `${p}.rowdot`, true);
  const dScores = g.op('Mul', [g.op('Sub', [dProbs, rowDot], {}, `${p}.dpc`), s.probs], {}, `${p}.dscores`);
  const dq = g.matmul(dScores, s.k, `${p}.dq`, { alpha });
  const dk = g.matmul(dScores, s.q, `${p}.dk`, { transA: true, alpha });
  const dSplit = g.op('Concat', [dq, dk, dv], { axis: 0 }, `${p}.dqkvT`); // [3, B, H, T, hd]
  const dr = g.op('Transpose', [dSplit], { perm: [1, 3, 0, 2, 4] }, `${p}.dqkv5`); // [B, T, 3, H, hd]
  const dqkv = g.reshape(dr, [-1, 3 * d], `${p}.dqkv`);
  const [dwq, dwk, dwv] = g.multi('Split', [g.gemm(s.h, dqkv, `${p}.dwqkv`, { transA: true }), g.ints([d, d, d])], { axis: 1 }, [
    `${p}.dwq`,
    `${p}.dwk`,
    `${p}.dwv`,
  ]) as [string, string, string];
  const [dbq, dbk, dbv] = g.multi('Split', [g.sum(dqkv, [0], `${p}.dbqkv`), g.ints([d, d, d])], { axis: 0 }, [
    `${p}.dbq`,
    `${p}.dbk`,
    `${p}.dbv`,
  ]) as [string, string, string];
  c.grad(`${p}.wq`, dwq);
  c.grad(`${p}.wk`, dwk);
  c.grad(`${p}.wv`, dwv);
  c.grad(`${p}.bq`, dbq);
  c.grad(`${p}.bk`, dbk);
  c.grad(`${p}.bv`, dbv);
  return g.gemm(dqkv, s.wqkv, `${p}.dh`, { transB: true });
}
