/**
 * A tiny exact-gradient {@link TrainablePolicy} for tests of anything that drives one: logits are a learnable vector
 * θ[c] per class, the same at every position and independent of the tokens; gradients of the weighted cross-entropy are
 * computed exactly in TypeScript and applied by Adam (Kingma & Ba 2015) with global-norm clipping. Exported on the
 * `@speedrl/rl-trainer/testing` subpath, not the main entry.
 */
import type { Decoder, PolicyState, ReferencePolicy, TrainablePolicy, WeightedCeBatch } from '../policy';

const FILE = '@speedrl/rl-trainer testing/fake-policy.ts';

/** Settings of {@link createFakePolicy}. */
export interface FakePolicyOptions {
  readonly seqLen: number;
  readonly vocabSize: number;
  readonly numClasses: number;
  /** Initial θ `[numClasses, vocabSize]` (default zeros = uniform). */
  readonly theta?: Float32Array;
  /** Global gradient-norm clip (default 1). */
  readonly maxGradNorm?: number;
}

/** The fake policy plus read-outs for tests. */
export interface FakePolicy extends TrainablePolicy {
  /** A copy of θ `[numClasses, vocabSize]`. */
  theta(): Float32Array;
  /** The gradient accumulated since the last update `[numClasses, vocabSize]` (float64). */
  pendingGradient(): Float64Array;
  /** softmax(θ[c]) `[vocabSize]`. */
  probabilities(cls: number): Float64Array;
}

function softmax(z: ArrayLike<number>, offset: number, k: number): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < k; i++) m = Math.max(m, z[offset + i] as number);
  const p = new Float64Array(k);
  let s = 0;
  for (let i = 0; i < k; i++) {
    p[i] = Math.exp((z[offset + i] as number) - m);
    s += p[i] as number;
  }
  return p.map((v) => v / s);
}

/** Logits `[B, L, K]` with θ[classes[b]] at every position of row b. */
function classLogits(theta: Float32Array, classes: Int32Array, seqLen: number, k: number): Float32Array {
  const out = new Float32Array(classes.length * seqLen * k);
  classes.forEach((c, b) => {
    for (let p = 0; p < seqLen; p++) out.set(theta.subarray(c * k, c * k + k), (b * seqLen + p) * k);
  });
  return out;
}

/** A frozen reference whose logits are θ_ref[c] at every position. */
export function createFakeReference(theta: Float32Array, seqLen: number, vocabSize: number): ReferencePolicy {
  const frozen = theta.slice();
  return { logits: async (_tokens, classes) => classLogits(frozen, classes, seqLen, vocabSize) };
}

/** A decoder to `[B, 1, L]` images: pixel i = token i / (K − 1). */
export function createFakeDecoder(seqLen: number, vocabSize: number): Decoder {
  return {
    height: 1,
    width: seqLen,
    decode: async (tokens) => Float32Array.from(tokens, (t) => t / (vocabSize - 1)),
  };
}

/** Creates the fake policy (see the module doc). */
export function createFakePolicy(options: FakePolicyOptions): FakePolicy {
  const { seqLen, vocabSize: k, numClasses } = options;
  const size = numClasses * k;
  const theta = options.theta?.slice() ?? new Float32Array(size);
  if (theta.length !== size) throw new RangeError(`${FILE}: theta has ${theta.length} values, expected numClasses·vocabSize = ${size}`);
  const maxGradNorm = options.maxGradNorm ?? 1;
  let m = new Float32Array(size);
  let v = new Float32Array(size);
  let step = 0;
  const grad = new Float64Array(size);

  const accumulateGradients = async (batch: WeightedCeBatch): Promise<{ loss: number }> => {
    const rows = batch.classes.length;
    if (batch.tokens.length !== rows * seqLen || batch.weights.length !== rows * seqLen || batch.targets.length !== rows * seqLen) {
      throw new RangeError(`${FILE}: accumulateGradients needs tokens, targets and weights of ${rows}·${seqLen} values`);
    }
    let loss = 0;
    for (let r = 0; r < rows; r++) {
      const c = batch.classes[r] as number;
      const p = softmax(theta, c * k, k);
      for (let i = 0; i < seqLen; i++) {
        const cell = r * seqLen + i;
        const w = batch.weights[cell] as number;
        if (w !== 0) {
          const x = batch.targets[cell] as number;
          loss -= w * Math.log(p[x] as number);
          for (let j = 0; j < k; j++) grad[c * k + j] = (grad[c * k + j] as number) + w * ((p[j] as number) - (j === x ? 1 : 0));
        }
        const u = batch.softWeights?.[cell] ?? 0;
        if (u !== 0 && batch.softTargets !== undefined) {
          let mass = 0;
          for (let j = 0; j < k; j++) mass += batch.softTargets[cell * k + j] as number;
          for (let j = 0; j < k; j++) {
            const q = batch.softTargets[cell * k + j] as number;
            if (q > 0) loss -= u * q * Math.log(p[j] as number);
            grad[c * k + j] = (grad[c * k + j] as number) + u * (mass * (p[j] as number) - q);
          }
        }
      }
    }
    return { loss };
  };

  const applyGradients = async (lr: number): Promise<{ gradNorm: number }> => {
    const gradNorm = Math.sqrt(grad.reduce((s, g) => s + g * g, 0));
    const scale = gradNorm > maxGradNorm ? maxGradNorm / gradNorm : 1;
    step++;
    const b1 = 0.9;
    const b2 = 0.999;
    for (let i = 0; i < size; i++) {
      const g = (grad[i] as number) * scale;
      m[i] = b1 * (m[i] as number) + (1 - b1) * g;
      v[i] = b2 * (v[i] as number) + (1 - b2) * g * g;
      const mh = (m[i] as number) / (1 - b1 ** step);
      const vh = (v[i] as number) / (1 - b2 ** step);
      theta[i] = (theta[i] as number) - (lr * mh) / (Math.sqrt(vh) + 1e-8);
    }
    grad.fill(0);
    return { gradNorm };
  };

  const shape = [numClasses, k];
  return {
    seqLen,
    vocabSize: k,
    maskId: k,
    numClasses,
    logits: async (_tokens, classes) => classLogits(theta, classes, seqLen, k),
    accumulateGradients,
    applyGradients,
    saveState: async (): Promise<PolicyState> => ({
      tensors: { theta: { shape, data: theta.slice() }, 'adam.m': { shape, data: m.slice() }, 'adam.v': { shape, data: v.slice() } },
      meta: { step },
    }),
    loadState: async (state) => {
      for (const name of ['theta', 'adam.m', 'adam.v']) {
        if (state.tensors[name]?.data.length !== size) throw new RangeError(`${FILE}: loadState: tensor "${name}" must have ${size} values`);
      }
      if (!Number.isInteger(state.meta.step)) throw new RangeError(`${FILE}: loadState: meta.step must be an integer, got ${JSON.stringify(state.meta.step)}`);
      theta.set(state.tensors.theta?.data ?? theta);
      m = state.tensors['adam.m']?.data.slice() ?? m;
      v = state.tensors['adam.v']?.data.slice() ?? v;
      step = state.meta.step as number;
      grad.fill(0);
    },
    theta: () => theta.slice(),
    pendingGradient: () => grad.slice(),
    probabilities: (cls) => softmax(theta, cls * k, k),
  };
}
