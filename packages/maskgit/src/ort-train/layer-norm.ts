/**
 * LayerNorm (Ba et al. 2016) of the training graph: forward through onnxruntime's fused LayerNormalization
 * (opset 17, which also returns the row mean and 1/σ), backward written out:
 * x̂ = (x − μ)·r, dγ = Σ dy ⊙ x̂, dβ = Σ dy, dx = r·(dx̂ − mean(dx̂) − x̂ ⊙ mean(dx̂ ⊙ x̂)) with dx̂ = dy ⊙ γ.
 */
import type { LayerContext } from './graph';

/** Values the LayerNorm backward needs. */
export interface LayerNormSaved {
  /** Parameter prefix (`blocks.0.ln1`, `ln_f`). */
  prefix: string;
  /** Input `[N, D]`. */
  x: string;
  /** Row means `[N, 1]`. */
  mean: string;
  /** Row 1/√(σ² + eps) `[N, 1]`. */
  rstd: string;
}

/** Forward: x `[N, D]` → (x − μ)/√(σ² + eps)·γ + β with parameters `<prefix>.gamma`, `<prefix>.beta`. */
export function layerNormForward(c: LayerContext, x: string, prefix: string): { y: string; saved: LayerNormSaved } {
  const attrs = { axis: -1, epsilon: { float: c.cfg.layerNormEps }, stash_type: 1 };
  const [y, mean, rstd] = c.g.multi(
    'LayerNormalization',
    [x, c.param(`${prefix}.gamma`), c.param(`${prefix}.beta`)],
    attrs,
    [`${prefix}.y`, `${prefix}.mean`, `${prefix}.rstd`],
  ) as [string, string, string];
  return { y, saved: { prefix, x, mean, rstd } };
}

/** Backward: dy `[N, D]` → dx `[N, D]`; records the gradients of γ and β. */
export function layerNormBackward(c: LayerContext, dy: string, s: LayerNormSaved): string {
  const { g } = c;
  const p = s.prefix;
  const xhat = g.op('Mul', [g.op('Sub', [s.x, s.mean], {}, `${p}.xc`), s.rstd], {}, `${p}.xhat`);
  c.grad(`${p}.gamma`, g.sum(g.op('Mul', [dy, xhat], {}, `${p}.dyxhat`), [0], `${p}.dgamma`));
  c.grad(`${p}.beta`, g.sum(dy, [0], `${p}.dbeta`));
  const dxhat = g.op('Mul', [dy, c.param(`${p}.gamma`)], {}, `${p}.dxhat`);
  const mean = (v: string, hint: string): string => g.op('ReduceMean', [v], { axes: [-1], keepdims: 1 }, hint);
  const a = mean(dxhat, `${p}.mdxhat`);
  const b = mean(g.op('Mul', [dxhat, xhat], {}, `${p}.dxhatxhat`), `${p}.mdxhatxhat`);
  const centred = g.op('Sub', [g.op('Sub', [dxhat, a], {}, `${p}.dxa`), g.op('Mul', [xhat, b], {}, `${p}.xhatb`)], {}, `${p}.dxab`);
  return g.op('Mul', [centred, s.rstd], {}, `${p}.dx`);
}
