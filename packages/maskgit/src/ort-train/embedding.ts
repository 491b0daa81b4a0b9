/**
 * Embedding layer of the training graph (forward and backward), the same computation as `model.ts`:
 * x0 = concat(cls_emb[class], tok_emb[tokens]) + pos_emb. The backward scatter-adds rows into the tables
 * (ScatterElements, reduction "add", opset 16, over the ids broadcast to [rows, D]) instead of multiplying by a one-hot
 * matrix. Not ScatterND: onnxruntime's CPU ScatterND splits the updates over threads and loses the adds of repeated ids
 * (microsoft/onnxruntime#18048; at batch 64 the tok_emb gradient was off by ~30%); ScatterElements adds in index order.
 */
import type { LayerContext } from './graph';

/** Values the embedding backward needs. */
export interface EmbeddingSaved {
  /** int64 `[B·L, 1]` token ids. */
  tokIdx: string;
  /** int64 `[B, 1]` class ids. */
  clsIdx: string;
}

/** Forward: tokens int32 `[B, L]`, classes int32 `[B]` → x0 `[B·T, D]` (T = L + 1, the class token first). */
export function embeddingForward(c: LayerContext, tokens: string, classes: string): { x: string; saved: EmbeddingSaved } {
  const { g, cfg } = c;
  const d = cfg.dim;
  const tok = g.op('Gather', [c.param('tok_emb'), tokens], { axis: 0 }, 'emb.tok'); // [B, L, D]
  const cls = g.op('Unsqueeze', [g.op('Gather', [c.param('cls_emb'), classes], { axis: 0 }, 'emb.cls'), g.ints([1])], {}, 'emb.cls3');
  const seq = g.op('Concat', [cls, tok], { axis: 1 }, 'emb.seq'); // [B, T, D]
  const x = g.reshape(g.op('Add', [seq, c.param('pos_emb')], {}, 'emb.x0'), [-1, d], 'emb.x');
  const tokIdx = g.reshape(g.op('Cast', [tokens], { to: 7 }, 'emb.tok64'), [-1, 1], 'emb.tokIdx');
  const clsIdx = g.reshape(g.op('Cast', [classes], { to: 7 }, 'emb.cls64'), [-1, 1], 'emb.clsIdx');
  return { x, saved: { tokIdx, clsIdx } };
}

/** Backward: dx0 `[B·T, D]` → gradients of tok_emb `[K+1, D]`, cls_emb `[C+1, D]` and pos_emb `[T, D]`. */
export function embeddingBackward(c: LayerContext, dx: string, saved: EmbeddingSaved): void {
  const { g, cfg } = c;
  const d = cfg.dim;
  const t = cfg.seqLen + 1;
  const dx3 = g.reshape(dx, [-1, t, d], 'emb.dx3');
  c.grad('pos_emb', g.sum(dx3, [0], 'emb.dpos'));
  const slice = (start: number, end: number, hint: string): string =>
    g.reshape(g.op('Slice', [dx3, g.ints([start]), g.ints([end]), g.ints([1])], {}, `${hint}3`), [-1, d], hint);
  const dcls = slice(0, 1, 'emb.dclsRows'); // [B, D]
  const dtok = slice(1, t, 'emb.dtokRows'); // [B·L, D]
  const zeros = (rows: number, hint: string): string => g.op('ConstantOfShape', [g.ints([rows, d])], {}, hint);
  const scatter = (rows: number, idx: string, upd: string, hint: string): string => {
    const idx2 = g.op('Expand', [idx, g.ints([1, d])], {}, `${hint}Idx`);
    return g.op('ScatterElements', [zeros(rows, `${hint}0`), idx2, upd], { axis: 0, reduction: 'add' }, hint);
  };
  c.grad('tok_emb', scatter(cfg.numCodes + 1, saved.tokIdx, dtok, 'emb.dtok'));
  c.grad('cls_emb', scatter(cfg.numClasses + 1, saved.clsIdx, dcls, 'emb.dcls'));
}
