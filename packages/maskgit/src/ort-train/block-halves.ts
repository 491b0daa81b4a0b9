/**
 * A transformer block of the training graphs and its two halves, forward and backward: x + attn(ln1(x)) and
 * x + mlp(ln2(x)). Each can run in a few row blocks ("chunks"): the MLP half is row by row, the attention half works
 * per sample, so a whole block's row blocks hold whole samples. Each block's Gemms and elementwise passes then work on a few MiB per
 * thread that stay in cache instead of streaming `[B·T, F]` tensors through memory (MLAS does not block over the rows
 * of A and C). The weight gradients of the blocks are summed; the result is the same up to summation order.
 */
import { attentionBackward, attentionForward, type AttentionSaved } from './attention';
import type { LayerContext } from './graph';
import { layerNormBackward, layerNormForward, type LayerNormSaved } from './layer-norm';
import { mlpBackward, mlpForward, type MlpSaved } from './mlp';

/** What the backward of one half needs: per row block, its layers' values. */
export interface HalfSaved<S> {
  /** Block index. */
  block: number;
  /** int64 `[chunks]` row counts of the row blocks (absent for one block). */
  sizes?: string;
  parts: S[];
}

/** Values of one row block of a half: its LayerNorm's and its layer's. */
export interface HalfPart<S> {
  ln: LayerNormSaved;
  layer: S;
}

/** Values of one row block of an attention half. */
export type AttentionPart = HalfPart<AttentionSaved>;

/** Values of one row block of an MLP half. */
export type MlpPart = HalfPart<MlpSaved>;

/** Values of one row block of a whole block. */
export interface BlockPart {
  attn: AttentionPart;
  mlp: MlpPart;
}

/**
 * int64 `[chunks]` row counts splitting the rows of x into `chunks` near-equal blocks, the last taking the rest; with
 * `unit` > 1 every block but the last is a multiple of `unit` rows (whole samples of `unit` positions).
 */
export function chunkSizes(c: LayerContext, x: string, chunks: number, hint: string, unit = 1): string {
  const { g } = c;
  const n = g.op('Slice', [g.op('Shape', [x], {}, `${hint}.shape`), g.ints([0]), g.ints([1])], {}, `${hint}.n`); // [1]
  const q = unit === 1
    ? g.op('Div', [n, g.ints([chunks])], {}, `${hint}.q`)
    : g.op('Mul', [g.op('Div', [n, g.ints([chunks * unit])], {}, `${hint}.samples`), g.ints([unit])], {}, `${hint}.q`);
  const last = g.op('Sub', [n, g.op('Mul', [q, g.ints([chunks - 1])], {}, `${hint}.head`)], {}, `${hint}.last`);
  return g.op('Concat', [...Array.from({ length: chunks - 1 }, () => q), last], { axis: 0 }, `${hint}.sizes`);
}

/** Runs `one` on each row block of x (by `sizes`) and concatenates the outputs; one call without sizes. */
function forwardInBlocks<S>(c: LayerContext, x: string, block: number, sizes: string | undefined, chunks: number, hint: string, one: (rows: string) => { y: string; part: S }): { x: string; saved: HalfSaved<S> } {
  if (sizes === undefined || chunks <= 1) {
    const { y, part } = one(x);
    return { x: y, saved: { block, parts: [part] } };
  }
  const rows = c.g.multi('Split', [x, sizes], { axis: 0 }, Array.from({ length: chunks }, (_, k) => `${hint}.rows${k}`));
  const done = rows.map(one);
  return { x: c.g.op('Concat', done.map((o) => o.y), { axis: 0 }, `${hint}.out`), saved: { block, sizes, parts: done.map((o) => o.part) } };
}

/** The backward of {@link forwardInBlocks}: splits d like x, sums the blocks' weight gradients, concatenates d(x). */
function backwardInBlocks<S>(c: LayerContext, d: string, s: HalfSaved<S>, hint: string, one: (cc: LayerContext, dk: string, part: S) => string): string {
  const { g } = c;
  if (s.sizes === undefined) return one(c, d, s.parts[0] as S);
  const partial = new Map<string, string[]>();
  const cc: LayerContext = { ...c, grad: (name, value) => partial.set(name, [...(partial.get(name) ?? []), value]) };
  const ds = g.multi('Split', [d, s.sizes], { axis: 0 }, s.parts.map((_, k) => `${hint}.drows${k}`));
  const out = ds.map((dk, k) => one(cc, dk, s.parts[k] as S));
  for (const [name, values] of partial) c.grad(name, g.op('Sum', values, {}, `${name}.dsum`));
  return g.op('Concat', out, { axis: 0 }, `${hint}.din`);
}

/** One half of a block: parameter and value names, and its layer's forward and backward. */
interface HalfKind<S> {
  ln: string;
  layer: string;
  res: string;
  dres: string;
  forward(c: LayerContext, h: string, prefix: string): { y: string; saved: S };
  backward(c: LayerContext, dy: string, saved: S): string;
}

const ATTENTION: HalfKind<AttentionSaved> = { ln: 'ln1', layer: 'attn', res: 'res1', dres: 'dres0', forward: attentionForward, backward: attentionBackward };
const MLP: HalfKind<MlpSaved> = { ln: 'ln2', layer: 'mlp', res: 'res2', dres: 'dres1', forward: mlpForward, backward: mlpBackward };

/** rows + layer(LayerNorm(rows)) of block `block` on one row block. */
function halfRows<S>(c: LayerContext, rows: string, block: number, k: HalfKind<S>): { y: string; part: HalfPart<S> } {
  const p = `blocks.${block}`;
  const ln = layerNormForward(c, rows, `${p}.${k.ln}`);
  const layer = k.forward(c, ln.y, `${p}.${k.layer}`);
  return { y: c.g.op('Add', [rows, layer.y], {}, `${p}.${k.res}`), part: { ln: ln.saved, layer: layer.saved } };
}

/** Backward of {@link halfRows}: d(rows) from d(output); records the half's gradients. */
function halfRowsBackward<S>(c: LayerContext, d: string, block: number, k: HalfKind<S>, part: HalfPart<S>): string {
  return c.g.op('Add', [d, layerNormBackward(c, k.backward(c, d, part.layer), part.ln)], {}, `blocks.${block}.${k.dres}`);
}

/** Forward of a whole block on the stream x `[B·T, D]`, in row blocks of whole samples (`sizes`). */
export function blockForward(c: LayerContext, x: string, block: number, sizes?: string, chunks = 1): { x: string; saved: HalfSaved<BlockPart> } {
  return forwardInBlocks(c, x, block, sizes, chunks, `blocks.${block}.block`, (rows) => {
    const a = halfRows(c, rows, block, ATTENTION);
    const m = halfRows(c, a.y, block, MLP);
    return { y: m.y, part: { attn: a.part, mlp: m.part } };
  });
}

/** Backward of {@link blockForward} from d(its output): d(its input); records the block's gradients. */
export function blockBackward(c: LayerContext, d: string, s: HalfSaved<BlockPart>): string {
  return backwardInBlocks(c, d, s, `blocks.${s.block}.block`, (cc, dk, part) =>
    halfRowsBackward(cc, halfRowsBackward(cc, dk, s.block, MLP, part.mlp), s.block, ATTENTION, part.attn));
}

/** Forward of block `block`'s attention half on the stream x `[B·T, D]`, in row blocks of whole samples (`sizes`). */
export function attentionHalfForward(c: LayerContext, x: string, block: number, sizes?: string, chunks = 1): { x: string; saved: HalfSaved<AttentionPart> } {
  return forwardInBlocks(c, x, block, sizes, chunks, `blocks.${block}.attnHalf`, (rows) => halfRows(c, rows, block, ATTENTION));
}

/** Backward of an attention half from d(its output) `[B·T, D]`: d(its input); records the LayerNorm and attention gradients. */
export function attentionHalfBackward(c: LayerContext, d: string, s: HalfSaved<AttentionPart>): string {
  return backwardInBlocks(c, d, s, `blocks.${s.block}.attnHalf`, (cc, dk, part) => halfRowsBackward(cc, dk, s.block, ATTENTION, part));
}

/** Forward of block `block`'s MLP half on rows x `[R, D]`, in row blocks (`sizes`). */
export function mlpHalfForward(c: LayerContext, x: string, block: number, sizes?: string, chunks = 1): { x: string; saved: HalfSaved<MlpPart> } {
  return forwardInBlocks(c, x, block, sizes, chunks, `blocks.${block}.mlpHalf`, (rows) => halfRows(c, rows, block, MLP));
}

/** Backward of an MLP half from d(its output rows): d(its input rows); records the LayerNorm and MLP gradients. */
export function mlpHalfBackward(c: LayerContext, d: string, s: HalfSaved<MlpPart>): string {
  return backwardInBlocks(c, d, s, `blocks.${s.block}.mlpHalf`, (cc, dk, part) => halfRowsBackward(cc, dk, s.block, MLP, part));
}
