/**
 * Codebook learning by exponential moving averages (van den Oord et al. 2017, appendix A.1; Razavi et
 * al. 2019, VQ-VAE-2), with Laplace-smoothed cluster sizes and dead-code restarts. Pure functions on
 * typed arrays, so the maths is testable by hand.
 */
import type { Rng } from '@speedrl/core';

/** EMA statistics: N_i (`clusterSize` `[K]`) and m_i (`embedSum` `[K, D]`). */
export interface EmaState {
  readonly clusterSize: Float32Array;
  readonly embedSum: Float32Array;
}

/**
 * One EMA step over a batch of encoder outputs `vectors` `[n, D]` assigned to codes `assignments` `[n]`:
 * N_i ← γN_i + (1−γ)n_i, m_i ← γm_i + (1−γ)Σ_{j: a_j = i} z_j, then
 * e_i = m_i / Ñ_i with Laplace smoothing Ñ_i = (N_i + ε) / (Σ_k N_k + Kε) · Σ_k N_k.
 * Updates `state` in place and returns the new codebook `[K, D]`.
 */
export function emaUpdate(
  state: EmaState,
  vectors: Float32Array,
  assignments: Int32Array,
  dim: number,
  decay: number,
  epsilon: number,
): Float32Array {
  const k = state.clusterSize.length;
  const n = assignments.length;
  if (vectors.length !== n * dim) throw new RangeError(`emaUpdate: vectors has ${vectors.length} values, expected ${n}×${dim}`);
  if (state.embedSum.length !== k * dim) throw new RangeError(`emaUpdate: embedSum has ${state.embedSum.length} values, expected ${k}×${dim}`);
  const counts = new Float64Array(k);
  const sums = new Float64Array(k * dim);
  for (let j = 0; j < n; j++) {
    const a = assignments[j] as number;
    if (!(a >= 0 && a < k)) throw new RangeError(`emaUpdate: assignment ${j} is ${a}, expected an integer in [0, ${k})`);
    counts[a] = (counts[a] as number) + 1;
    for (let d = 0; d < dim; d++) sums[a * dim + d] = (sums[a * dim + d] as number) + (vectors[j * dim + d] as number);
  }
  let total = 0;
  for (let i = 0; i < k; i++) {
    state.clusterSize[i] = decay * (state.clusterSize[i] as number) + (1 - decay) * (counts[i] as number);
    total += state.clusterSize[i] as number;
  }
  for (let i = 0; i < k * dim; i++) {
    state.embedSum[i] = decay * (state.embedSum[i] as number) + (1 - decay) * (sums[i] as number);
  }
  return codebookFromEma(state, dim, epsilon, total);
}

/** The codebook e_i = m_i / Ñ_i implied by EMA statistics (Laplace-smoothed, see {@link emaUpdate}). */
export function codebookFromEma(state: EmaState, dim: number, epsilon: number, total?: number): Float32Array {
  const k = state.clusterSize.length;
  const n = total ?? state.clusterSize.reduce((a, b) => a + b, 0);
  const codebook = new Float32Array(k * dim);
  for (let i = 0; i < k; i++) {
    const smoothed = (((state.clusterSize[i] as number) + epsilon) / (n + k * epsilon)) * n;
    const inv = smoothed > 0 ? 1 / smoothed : 0;
    for (let d = 0; d < dim; d++) codebook[i * dim + d] = (state.embedSum[i * dim + d] as number) * inv;
  }
  return codebook;
}

/**
 * Dead-code restart: every code whose EMA count is below `threshold` is re-seeded from an encoder output
 * of the current batch drawn with `rng` (as in Dhariwal et al. 2020, Jukebox §3.2, and Zeghidour et al.
 * 2021, SoundStream). The code gets a fair share Σ_k N_k / K of the counts, so it is not re-killed at once.
 * Updates `codebook` `[K, D]` and `state` in place; returns the restarted code ids.
 */
export function restartDeadCodes(
  state: EmaState,
  codebook: Float32Array,
  vectors: Float32Array,
  dim: number,
  threshold: number,
  rng: Rng,
): Int32Array {
  const k = state.clusterSize.length;
  const n = vectors.length / dim;
  const dead: number[] = [];
  for (let i = 0; i < k; i++) if ((state.clusterSize[i] as number) < threshold) dead.push(i);
  if (dead.length === 0 || n === 0) return new Int32Array(0);
  const share = Math.max(state.clusterSize.reduce((a, b) => a + b, 0) / k, threshold);
  for (const i of dead) {
    const j = rng.int(n);
    state.clusterSize[i] = share;
    for (let d = 0; d < dim; d++) {
      const z = vectors[j * dim + d] as number;
      codebook[i * dim + d] = z;
      state.embedSum[i * dim + d] = z * share;
    }
  }
  return Int32Array.from(dead);
}

/** Code usage of assignments: perplexity exp(−Σ p log p) of the code histogram and the fraction of codes used. */
export function codeUsage(assignments: Int32Array, k: number): { perplexity: number; usage: number; counts: Float64Array } {
  const counts = new Float64Array(k);
  for (const a of assignments) counts[a] = (counts[a] as number) + 1;
  let entropy = 0;
  let used = 0;
  const n = assignments.length;
  for (const c of counts) {
    if (c === 0) continue;
    used++;
    const p = c / n;
    entropy -= p * Math.log(p);
  }
  return { perplexity: n === 0 ? 0 : Math.exp(entropy), usage: used / k, counts };
}
