/**
 * The MLP half of a transformer block in the training graphs, x + mlp(ln2(x)), forward and backward. Every op of it
 * is row by row, so it can run on the rows in a few blocks ("row chunks"): each chunk's Gemms and GELU passes then
 * work on a few MiB per thread that stay in cache instead of streaming [B·T, F] tensors through memory (MLAS has no
 * blocking over the rows of A and C). The weight gradients of the chunks are summed; the result is the same up to
 * summation order.
 */
import type { LayerContext } from './graph';
import { layerNormBackward, layerNormForward, type LayerNormSaved } from './layer-norm';
import { mlpBackward, mlpForward, type MlpSaved } from './mlp';

/** What the backward of one MLP half needs. */
export interface MlpHalfSaved {
  /** Block index. */
  block: number;
  /** int64 `[chunks]` row counts of the chunks (absent for one chunk). */
  sizes?: string;
  /** Per chunk: the LayerNorm and MLP values. */
  parts: { ln2: LayerNormSaved; mlp: MlpSaved }[];
}

/** int64 `[chunks]` row counts splitting the rows of x into `chunks` near-equal blocks (the last takes the rest). */
function chunkSizes(c: LayerContext, x: string, chunks: number, hint: string): string {
  const { g } = c;
  const n = g.op('Slice', [g.op('Shape', [x], {}, `${hint}.shape`), g.ints([0]), g.ints([1])], {}, `${hint}.n`); // [1]
  const q = g.op('Div', [n, g.ints([chunks])], {}, `${hint}.q`);
  const last = g.op('Sub', [n, g.op('Mul', [q, g.ints([chunks - 1])], {}, `${hint}.head`)], {}, `${hint}.last`);
  return g.op('Concat', [...Array.from({ length: chunks - 1 }, () => q), last], { axis: 0 }, `${hint}.sizes`);
}

const split = (c: LayerContext, x: string, sizes: string, n: number, hint: string): string[] =>
  c.g.multi('Split', [x, sizes], { axis: 0 }, Array.from({ length: n }, (_, k) => `${hint}${k}`));

/** Forward of block `block`'s MLP half on rows `x` `[R, D]`, in `chunks` row blocks. */
export function mlpHalfForward(c: LayerContext, x: string, block: number, chunks = 1): { x: string; saved: MlpHalfSaved } {
  const { g } = c;
  const p = `blocks.${block}`;
  const one = (rows: string): { y: string; part: MlpHalfSaved['parts'][number] } => {
    const ln2 = layerNormForward(c, rows, `${p}.ln2`);
    const mlp = mlpForward(c, ln2.y, `${p}.mlp`);
    return { y: g.op('Add', [rows, mlp.y], {}, `${p}.res2`), part: { ln2: ln2.saved, mlp: mlp.saved } };
  };
  if (chunks <= 1) {
    const { y, part } = one(x);
    return { x: y, saved: { block, parts: [part] } };
  }
  const sizes = chunkSizes(c, x, chunks, `${p}.chunks`);
  const done = split(c, x, sizes, chunks, `${p}.rows`).map(one);
  return { x: g.op('Concat', done.map((o) => o.y), { axis: 0 }, `${p}.out`), saved: { block, sizes, parts: done.map((o) => o.part) } };
}

/** Backward of an MLP half from d(its output rows): d(its input rows); records the LayerNorm and MLP gradients. */
export function mlpHalfBackward(c: LayerContext, d: string, s: MlpHalfSaved): string {
  const { g } = c;
  const p = `blocks.${s.block}`;
  const one = (cc: LayerContext, dk: string, part: MlpHalfSaved['parts'][number]): string =>
    g.op('Add', [dk, layerNormBackward(cc, mlpBackward(cc, dk, part.mlp), part.ln2)], {}, `${p}.dres1`);
  if (s.sizes === undefined) return one(c, d, s.parts[0] as MlpHalfSaved['parts'][number]);
  const partial = new Map<string, string[]>();
  const cc: LayerContext = { ...c, grad: (name, value) => partial.set(name, [...(partial.get(name) ?? []), value]) };
  const ds = split(c, d, s.sizes, s.parts.length, `${p}.drows`).map((dk, k) => one(cc, dk, s.parts[k] as MlpHalfSaved['parts'][number]));
  for (const [name, values] of partial) c.grad(name, g.op('Sum', values, {}, `${name}.dsum`));
  return g.op('Concat', ds, { axis: 0 }, `${p}.din`);
}
