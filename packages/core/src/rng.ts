/**
 * Seeded, splittable pseudo-random numbers: xoshiro128** (Blackman & Vigna 2018) seeded through
 * splitmix32. Only 32-bit integer arithmetic (`Math.imul`, `>>>`) decides the stream, so the same
 * seed gives the same numbers on every platform; the state is four uint32 words and serialises to JSON.
 */
import { showValue } from './show-value';

/** Serialisable state of an {@link Rng}: restore it with {@link Rng.fromState} to resume a run exactly. */
export interface RngState {
  /** Always "xoshiro128**"; lets a reader reject states written by another generator. */
  readonly algorithm: 'xoshiro128**';
  /** The seed key the stream was derived from (kept so `fork` stays reproducible after a resume). */
  readonly key: readonly [number, number];
  /** The four 32-bit state words. */
  readonly s: readonly [number, number, number, number];
}

// Math's functions bound once: inside a vm context (jest) every global lookup goes through an interceptor,
// which made the hot loops ~30x slower.
const { imul, log, cos, sqrt, floor, PI } = Math;

const TWO_POW_32 = 4294967296;
const TWO_POW_53 = 9007199254740992;

function splitmix32(x: number): number {
  // One splitmix32 output for input x (Steele, Lea, Flood 2014; 32-bit variant).
  let z = (x + 0x9e3779b9) | 0;
  z = imul(z ^ (z >>> 16), 0x85ebca6b);
  z = imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function checkSeed(seed: number, what: string): void {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new RangeError(`${what} must be a non-negative safe integer, got ${String(seed)}`);
  }
}

function keyOf(seed: number): [number, number] {
  return [seed >>> 0, floor(seed / TWO_POW_32) >>> 0];
}

function stateFromKey(key: readonly [number, number]): [number, number, number, number] {
  let x = splitmix32(key[0] ^ splitmix32(key[1] ^ 0x5bd1e995));
  const s: [number, number, number, number] = [0, 0, 0, 0];
  for (let i = 0; i < 4; i++) {
    x = splitmix32(x + i);
    s[i] = x;
  }
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[0] = 1; // xoshiro must not start from all zeros
  return s;
}

/**
 * Passed by this module's factories to the constructor, which is private to TypeScript only: `new Rng(1)` from plain
 * JavaScript would otherwise build a stream from a missing key and state (one fixed stream whatever the argument).
 */
const INTERNAL: unique symbol = Symbol('Rng internal');


/** A seeded random stream. Every stochastic function in Speed-RL takes one as an argument. */
export class Rng {
  private readonly key: [number, number];
  private readonly s: [number, number, number, number];

  private constructor(token: typeof INTERNAL, key: [number, number], s: [number, number, number, number]) {
    if (token !== INTERNAL) {
      throw new TypeError(
        `Rng: the constructor is internal; use Rng.fromSeed(seed) for a seeded stream (or Rng.fromState(state) to resume one), got new Rng(${showValue(token)})`,
      );
    }
    this.key = key;
    this.s = s;
  }

  /** A stream from a non-negative safe-integer seed. */
  static fromSeed(seed: number): Rng {
    checkSeed(seed, 'seed');
    const key = keyOf(seed);
    return new Rng(INTERNAL, key, stateFromKey(key));
  }

  /** Restores a stream saved with {@link Rng.state}; rejects malformed states with the bad field named. */
  static fromState(state: RngState): Rng {
    if (state === null || typeof state !== 'object' || state.algorithm !== 'xoshiro128**') {
      throw new TypeError(`rng state: field "algorithm" must be "xoshiro128**", got ${JSON.stringify(state?.algorithm)}`);
    }
    const words = (v: unknown, n: number, field: string): number[] => {
      if (!Array.isArray(v) || v.length !== n || !v.every((x) => Number.isInteger(x) && x >= 0 && x < TWO_POW_32)) {
        throw new TypeError(`rng state: field "${field}" must be ${n} uint32 values, got ${JSON.stringify(v)}`);
      }
      return v as number[];
    };
    const key = words(state.key, 2, 'key') as [number, number];
    const s = words(state.s, 4, 's') as [number, number, number, number];
    if ((s[0] | s[1] | s[2] | s[3]) === 0) throw new TypeError('rng state: field "s" must not be all zeros');
    return new Rng(INTERNAL, [key[0], key[1]], [s[0], s[1], s[2], s[3]]);
  }

  /** A JSON-serialisable snapshot of this stream. */
  state(): RngState {
    const s = this.s;
    return { algorithm: 'xoshiro128**', key: [this.key[0], this.key[1]], s: [s[0] >>> 0, s[1] >>> 0, s[2] >>> 0, s[3] >>> 0] };
  }

  /** An independent copy that continues from the same point. */
  clone(): Rng {
    return new Rng(INTERNAL, [this.key[0], this.key[1]], [this.s[0], this.s[1], this.s[2], this.s[3]]);
  }

  /**
   * The stream for sub-task `index` (e.g. sample i of a batch): derived from this stream's seed key ⊕ index,
   * independent of how far this stream has advanced, so per-sample streams survive resumes and re-batching.
   */
  fork(index: number): Rng {
    checkSeed(index, 'fork index');
    const [lo, hi] = keyOf(index);
    // Hash (parent key, index) in sequence so forks compose without commuting: fork(1).fork(2) ≠ fork(2).fork(1).
    const k0 = splitmix32(this.key[0] ^ splitmix32(lo ^ 0x27d4eb2f));
    const k1 = splitmix32((this.key[1] ^ k0 ^ splitmix32(hi + 0x165667b1)) >>> 0);
    const key: [number, number] = [k0, k1];
    return new Rng(INTERNAL, key, stateFromKey(key));
  }

  /** The next raw 32-bit output (xoshiro128**). */
  nextUint32(): number {
    const s = this.s;
    const result = imul(rotl(imul(s[1], 5), 7), 9) >>> 0;
    const t = s[1] << 9;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / TWO_POW_53;
  }

  /** Uniform in the open interval (0, 1): safe for logarithms. */
  uniformOpen(): number {
    let u = this.uniform();
    while (u === 0) u = this.uniform();
    return u;
  }

  /** Uniform integer in [0, n), unbiased (rejection sampling); n ≤ 2^32. */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > TWO_POW_32) throw new RangeError(`int(n): n must be an integer in [1, 2^32], got ${n}`);
    const limit = TWO_POW_32 - (TWO_POW_32 % n);
    let x = this.nextUint32();
    while (x >= limit) x = this.nextUint32();
    return x % n;
  }

  /** Standard normal N(mean, std²) by the Box–Muller transform (one draw per call, no cached spare). */
  normal(mean = 0, std = 1): number {
    const u1 = this.uniformOpen();
    const u2 = this.uniform();
    return mean + std * sqrt(-2 * log(u1)) * cos(2 * PI * u2);
  }

  /** Standard Gumbel(0, 1): −log(−log u), the noise of the Gumbel-max trick (MaskGIT re-masking). */
  gumbel(): number {
    return -log(-log(this.uniformOpen()));
  }

  /** An index drawn with probability proportional to `weights` (non-negative, finite, positive sum). */
  categorical(weights: ArrayLike<number>, offset = 0, length = weights.length - offset): number {
    let total = 0;
    for (let i = 0; i < length; i++) {
      const w = weights[offset + i] as number;
      if (!(w >= 0) || !Number.isFinite(w)) throw new RangeError(`categorical: weight ${i} is ${w}; weights must be finite and ≥ 0`);
      total += w;
    }
    if (!(total > 0)) throw new RangeError('categorical: weights sum to 0');
    let r = this.uniform() * total;
    for (let i = 0; i < length; i++) {
      r -= weights[offset + i] as number;
      if (r < 0) return i;
    }
    for (let i = length - 1; i >= 0; i--) if ((weights[offset + i] as number) > 0) return i; // round-off at the top end
    return length - 1;
  }

  /** Fills `out` with uniform [0, 1) values and returns it. */
  fillUniform<T extends Float32Array | Float64Array>(out: T): T {
    for (let i = 0; i < out.length; i++) out[i] = this.uniform();
    return out;
  }

  /** Fills `out` with N(mean, std²) values and returns it. */
  fillNormal<T extends Float32Array | Float64Array>(out: T, mean = 0, std = 1): T {
    for (let i = 0; i < out.length; i++) out[i] = this.normal(mean, std);
    return out;
  }

  /** Shuffles `array` in place (Fisher–Yates) and returns it. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }

  /** A uniformly random permutation of 0..n-1. */
  permutation(n: number): Int32Array {
    const p = new Int32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
