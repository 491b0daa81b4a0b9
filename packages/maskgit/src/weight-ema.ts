/**
 * Exponential moving averages of the weights (Polyak & Juditsky 1992; the EMA copy MaskGIT and diffusion models ship):
 * θ̄ ← d_t·θ̄ + (1 − d_t)·θ after every optimizer step, for several decays at once so one run sweeps them. The
 * effective decay warms up as d_t = min(d, (1 + t) / (10 + t)) (TensorFlow's `ExponentialMovingAverage` with
 * `num_updates`), so early averages are not dominated by the random initialisation; updating every k steps applies
 * d_t^k (docs/architecture.md, "Weight EMA").
 */
import { cloneParams, type MaskGitParams } from './params';

/** Serialisable state of a {@link WeightEma}: updates so far and one averaged copy per decay. */
export interface WeightEmaState {
  /** Updates applied so far (t of the warm-up). */
  updates: number;
  /** Averaged parameters by decay (the same names and shapes as the model's parameters). */
  averages: Map<number, MaskGitParams>;
}

/** Several weight EMAs over one parameter set. */
export interface WeightEma {
  /** The decays, in the order given. */
  readonly decays: readonly number[];
  /** Updates applied so far. */
  readonly updates: number;
  /**
   * Folds the current parameters into every average. Called every `every` optimizer steps (default 1), it applies
   * the decay `every` times at once, d_t^every: the same memory horizon in steps at 1/every of the cost.
   */
  update(params: MaskGitParams, every?: number): void;
  /** A copy of the average for `decay` (one of {@link decays}). */
  average(decay: number): MaskGitParams;
  /** A deep copy of the state, for checkpoints. */
  state(): WeightEmaState;
}

/** Checks a decay list: non-empty, each in (0, 1), no repeats; errors name `source`. */
export function validateEmaDecays(decays: readonly number[], source = 'createWeightEma'): void {
  if (decays.length === 0) throw new RangeError(`${source}: give at least one EMA decay`);
  for (const d of decays) {
    if (!(d > 0 && d < 1)) throw new RangeError(`${source}: every EMA decay must be in (0, 1), got ${d}`);
  }
  if (new Set(decays).size !== decays.length) throw new RangeError(`${source}: EMA decays repeat: ${decays.join(', ')}`);
}

/** The effective decay of update number `t` (0-based): min(decay, (1 + t) / (10 + t)). */
export function effectiveEmaDecay(decay: number, t: number): number {
  return Math.min(decay, (1 + t) / (10 + t));
}

/**
 * Weight EMAs for `decays`, starting from `initial` parameters (copied), or from a checkpointed `state` whose
 * averages must cover every decay with tensors of `initial`'s names and sizes.
 */
export function createWeightEma(initial: MaskGitParams, decays: readonly number[], state?: WeightEmaState): WeightEma {
  const source = 'createWeightEma';
  validateEmaDecays(decays, source);
  const averages = new Map<number, MaskGitParams>();
  for (const d of decays) {
    const saved = state?.averages.get(d);
    if (state !== undefined && saved === undefined) throw new Error(`${source}: the saved state has no average for decay ${d}`);
    const copy = cloneParams(saved ?? initial);
    for (const [name, t] of initial) {
      const a = copy.get(name);
      if (a === undefined || a.data.length !== t.data.length) {
        throw new Error(`${source}: the average for decay ${d} lacks tensor "${name}" of ${t.data.length} elements`);
      }
    }
    averages.set(d, copy);
  }
  let updates = state?.updates ?? 0;
  if (!(Number.isSafeInteger(updates) && updates >= 0)) throw new RangeError(`${source}: state.updates must be an integer ≥ 0, got ${updates}`);

  const update = (params: MaskGitParams, every = 1): void => {
    if (!(Number.isSafeInteger(every) && every >= 1)) throw new RangeError(`weightEma.update: every must be a positive integer, got ${every}`);
    for (const [d, avg] of averages) {
      const k = effectiveEmaDecay(d, updates) ** every;
      const c = 1 - k;
      for (const [name, a] of avg) {
        const p = params.get(name);
        if (p === undefined || p.data.length !== a.data.length) throw new Error(`weightEma.update: parameter "${name}" is missing or has another size`);
        const x = p.data;
        const y = a.data;
        for (let i = 0; i < y.length; i++) y[i] = k * (y[i] as number) + c * (x[i] as number);
      }
    }
    updates += 1;
  };

  const average = (decay: number): MaskGitParams => {
    const avg = averages.get(decay);
    if (avg === undefined) throw new RangeError(`weightEma.average: no EMA with decay ${decay}; have ${decays.join(', ')}`);
    return cloneParams(avg);
  };

  return {
    decays: [...decays],
    get updates() {
      return updates;
    },
    update,
    average,
    state: () => ({ updates, averages: new Map([...averages].map(([d, a]) => [d, cloneParams(a)])) }),
  };
}
