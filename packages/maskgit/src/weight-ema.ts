/**
 * Exponential moving averages of the weights (Polyak & Juditsky 1992; the EMA copy MaskGIT and diffusion models ship),
 * for several decays at once so one run sweeps them: m ← d^k·m + (1 − d^k)·θ every k optimizer steps from m₀ = 0, and
 * the average is the bias-corrected θ̄ = m / (1 − d^s) after s steps (Adam's correction, Kingma & Ba 2015): from the
 * first update it weighs only weights the run has seen, with the memory 1/(1 − d) steps of its own decay
 * (docs/architecture.md, "Weight EMA").
 */
import { cloneParams, type MaskGitParams } from './params';

/** Serialisable state of a {@link WeightEma}: steps averaged so far and one biased sum m per decay. */
export interface WeightEmaState {
  /** Optimizer steps folded in so far (s of the bias correction). */
  steps: number;
  /** The biased sums m by decay (the same names and shapes as the model's parameters; zeros before any update). */
  sums: Map<number, MaskGitParams>;
}

/** Several weight EMAs over one parameter set. */
export interface WeightEma {
  /** The decays, in the order given. */
  readonly decays: readonly number[];
  /** Optimizer steps folded in so far. */
  readonly steps: number;
  /**
   * Folds the current parameters into every average. Called every `every` optimizer steps (default 1), it applies
   * the decay `every` times at once, d^every: the same memory horizon in steps at 1/every of the cost.
   */
  update(params: MaskGitParams, every?: number): void;
  /** A copy of the bias-corrected average for `decay` (one of {@link decays}); the initial parameters before any update. */
  average(decay: number): MaskGitParams;
  /** A deep copy of the state, for checkpoints. */
  state(): WeightEmaState;
}

/**
 * y ← k·y + c·x elementwise, in float64, stored as float32: a top-level loop with the length read once (V8 re-reads
 * `.length` each iteration once any ArrayBuffer of the process was detached; see `adamw.ts`).
 */
function foldInto(y: Float32Array, x: Float32Array, k: number, c: number): void {
  const n = y.length;
  for (let i = 0; i < n; i++) y[i] = k * (y[i] as number) + c * (x[i] as number);
}

/** Checks a decay list: non-empty, each in (0, 1), no repeats; errors name `source`. */
export function validateEmaDecays(decays: readonly number[], source = 'createWeightEma'): void {
  if (decays.length === 0) throw new RangeError(`${source}: give at least one EMA decay`);
  for (const d of decays) {
    if (!(d > 0 && d < 1)) throw new RangeError(`${source}: every EMA decay must be in (0, 1), got ${d}`);
  }
  if (new Set(decays).size !== decays.length) throw new RangeError(`${source}: EMA decays repeat: ${decays.join(', ')}`);
}

/**
 * Weight EMAs for `decays` over parameters shaped like `initial` (copied; what `average` returns before the first
 * update), starting empty or from a checkpointed `state` whose sums must cover every decay with `initial`'s tensors.
 */
export function createWeightEma(initial: MaskGitParams, decays: readonly number[], state?: WeightEmaState): WeightEma {
  const source = 'createWeightEma';
  validateEmaDecays(decays, source);
  const start = cloneParams(initial);
  const zeros = (): MaskGitParams => new Map([...initial].map(([name, t]) => [name, { shape: [...t.shape], data: new Float32Array(t.data.length) }]));
  const sums = new Map<number, MaskGitParams>();
  for (const d of decays) {
    const saved = state?.sums.get(d);
    if (state !== undefined && saved === undefined) throw new Error(`${source}: the saved state has no average for decay ${d}`);
    const copy = saved === undefined ? zeros() : cloneParams(saved);
    for (const [name, t] of initial) {
      const a = copy.get(name);
      if (a === undefined || a.data.length !== t.data.length) {
        throw new Error(`${source}: the average for decay ${d} lacks tensor "${name}" of ${t.data.length} elements`);
      }
    }
    sums.set(d, copy);
  }
  let steps = state?.steps ?? 0;
  if (!(Number.isSafeInteger(steps) && steps >= 0)) throw new RangeError(`${source}: state.steps must be an integer ≥ 0, got ${steps}`);

  const update = (params: MaskGitParams, every = 1): void => {
    if (!(Number.isSafeInteger(every) && every >= 1)) throw new RangeError(`weightEma.update: every must be a positive integer, got ${every}`);
    for (const [d, m] of sums) {
      const k = d ** every;
      const c = 1 - k;
      for (const [name, a] of m) {
        const p = params.get(name);
        if (p === undefined || p.data.length !== a.data.length) throw new Error(`weightEma.update: parameter "${name}" is missing or has another size`);
        foldInto(a.data, p.data, k, c);
      }
    }
    steps += every;
  };

  const average = (decay: number): MaskGitParams => {
    const m = sums.get(decay);
    if (m === undefined) throw new RangeError(`weightEma.average: no EMA with decay ${decay}; have ${decays.join(', ')}`);
    if (steps === 0) return cloneParams(start);
    const scale = 1 / (1 - decay ** steps); // the weights the sum has seen add up to 1 − d^s
    return new Map([...m].map(([name, t]) => [name, { shape: [...t.shape], data: t.data.map((v) => v * scale) }]));
  };

  return {
    decays: [...decays],
    get steps() {
      return steps;
    },
    update,
    average,
    state: () => ({ steps, sums: new Map([...sums].map(([d, m]) => [d, cloneParams(m)])) }),
  };
}
