/**
 * Two-layer GELU MLP of the training graph, forward and backward. GELU is the tanh approximation
 * (Hendrycks & Gimpel 2016) as in `model.ts`, written with ½(1 + tanh(u)) = σ(2u) to save elementwise passes:
 * gelu(x) = x·s, s = σ(x·(2c + 2ac·x²)); gelu'(x) = s + x·s·(1 − s)·(2c + 6ac·x²) (from the saved x, x², s, gelu).
 */
import { GELU_TANH_A, GELU_TANH_C } from '../model';
import type { LayerContext } from './graph';

/** Values the MLP backward needs. */
export interface MlpSaved {
  prefix: string;
  /** Input (LayerNorm output) `[N, D]`. */
  h: string;
  /** Pre-activation x `[N, F]` and x². */
  pre: string;
  pre2: string;
  /** s = σ(2u) = ½(1 + tanh u) `[N, F]`. */
  gate: string;
  /** GELU output x·s `[N, F]`. */
  act: string;
}

/** Forward: h `[N, D]` → gelu(h·W1 + b1)·W2 + b2 `[N, D]` with parameters `<prefix>.{w1,b1,w2,b2}`. */
export function mlpForward(c: LayerContext, h: string, prefix: string): { y: string; saved: MlpSaved } {
  const { g } = c;
  const p = prefix;
  const a = GELU_TANH_A;
  const k = GELU_TANH_C;
  const pre = g.gemm(h, c.param(`${p}.w1`), `${p}.pre`, { c: c.param(`${p}.b1`) });
  const pre2 = g.op('Mul', [pre, pre], {}, `${p}.pre2`);
  const poly = g.op('Add', [g.op('Mul', [pre2, g.scalar(2 * a * k)], {}, `${p}.poly0`), g.scalar(2 * k)], {}, `${p}.poly`);
  const gate = g.op('Sigmoid', [g.op('Mul', [pre, poly], {}, `${p}.u2`)], {}, `${p}.gate`);
  const act = g.op('Mul', [pre, gate], {}, `${p}.act`);
  const y = g.gemm(act, c.param(`${p}.w2`), `${p}.out`, { c: c.param(`${p}.b2`) });
  return { y, saved: { prefix, h, pre, pre2, gate, act } };
}

/** Backward: dy `[N, D]` → dh `[N, D]`; records the gradients of w1, b1, w2, b2. */
export function mlpBackward(c: LayerContext, dy: string, s: MlpSaved): string {
  const { g } = c;
  const p = s.prefix;
  const a = GELU_TANH_A;
  const k = GELU_TANH_C;
  c.grad(`${p}.w2`, g.gemm(s.act, dy, `${p}.dw2`, { transA: true }));
  c.grad(`${p}.b2`, g.sum(dy, [0], `${p}.db2`));
  const dAct = g.gemm(dy, c.param(`${p}.w2`), `${p}.dact`, { transB: true }); // [N, F]
  const r = g.op('Mul', [s.act, g.op('Sub', [g.scalar(1), s.gate], {}, `${p}.oneMinusGate`)], {}, `${p}.r`); // x·s·(1 − s)
  const poly = g.op('Add', [g.op('Mul', [s.pre2, g.scalar(6 * a * k)], {}, `${p}.dpoly0`), g.scalar(2 * k)], {}, `${p}.dpoly`);
  const deriv = g.op('Add', [s.gate, g.op('Mul', [r, poly], {}, `${p}.rpoly`)], {}, `${p}.deriv`);
  const dPre = g.op('Mul', [dAct, deriv], {}, `${p}.dpre`);
  c.grad(`${p}.w1`, g.gemm(s.h, dPre, `${p}.dw1`, { transA: true }));
  c.grad(`${p}.b1`, g.sum(dPre, [0], `${p}.db1`));
  return g.gemm(dPre, c.param(`${p}.w1`), `${p}.dh`, { transB: true });
}
