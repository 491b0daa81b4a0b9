/**
 * Kernel Inception Distance on classifier features (Bińkowski et al. 2018, "Demystifying MMD GANs", §4 / eq. 4):
 * the unbiased MMD² estimator with the cubic polynomial kernel k(x, y) = (x·y / d + 1)³, averaged over random
 * subsets (as in torch-fidelity / the authors' code: each subset draws `subsetSize` rows of each set without
 * replacement). Unbiased, so it can be slightly negative when the two distributions are the same.
 */
import { mergeConfig, Rng } from '@speedrl/core';
import { checkFeaturePair, metricError, type FeatureSet } from './features';
import { dotBlock, packRows, type PackedRows } from './pairwise';

/** Settings of {@link kid}. */
export interface KidConfig {
  /** Rows drawn from each set per subset (capped at the smaller set's size; the used value is reported). */
  readonly subsetSize: number;
  /** Number of random subsets whose MMD² estimates are averaged. */
  readonly numSubsets: number;
  /** Rows per block side of the dot-product tiles (a multiple of 4). */
  readonly blockSize: number;
}

/** Defaults of {@link KidConfig}: torch-fidelity's (100 subsets of 1000). */
export const DEFAULT_KID_CONFIG: Readonly<KidConfig> = Object.freeze({
  subsetSize: 1000, // torch-fidelity default; ~2.6e8 multiply-adds per subset at d = 128
  numSubsets: 100, // torch-fidelity default; the reported std is over these subsets
  blockSize: 256, // same tile as precision/recall (512 KiB of float64)
});

/** Result of {@link kid}. */
export interface KidResult {
  /** Mean of the per-subset unbiased MMD² estimates. */
  readonly mean: number;
  /** Standard deviation (population, ddof = 0 as torch-fidelity) of the per-subset estimates. */
  readonly std: number;
  /** Per-subset estimates, `[numSubsets]`. */
  readonly values: Float64Array;
  /** Subset size actually used. */
  readonly subsetSize: number;
  readonly numSubsets: number;
}

const WHERE = 'kid.ts';

/** Σ k(x_i, y_j) over all pairs; with `symmetric` (x = y) the off-diagonal pairs i ≠ j only (i < j, doubled). */
function kernelSum(x: PackedRows, y: PackedRows, blockSize: number, tile: Float64Array, symmetric: boolean): number {
  const invD = 1 / x.dim;
  let total = 0;
  for (let i0 = 0; i0 < x.padded; i0 += blockSize) {
    const i1 = Math.min(i0 + blockSize, x.padded);
    const iEnd = Math.min(i1, x.count);
    for (let j0 = symmetric ? i0 : 0; j0 < y.padded; j0 += blockSize) {
      const j1 = Math.min(j0 + blockSize, y.padded);
      const jEnd = Math.min(j1, y.count);
      const w = j1 - j0;
      dotBlock(x, i0, i1, y, j0, j1, tile);
      for (let i = i0; i < iEnd; i++) {
        const row = (i - i0) * w - j0;
        for (let j = symmetric && j0 === i0 ? i + 1 : j0; j < jEnd; j++) {
          const t = (tile[row + j] as number) * invD + 1;
          total += t * t * t;
        }
      }
    }
  }
  return symmetric ? 2 * total : total;
}

function checkConfig(cfg: KidConfig, where: string): void {
  if (!Number.isInteger(cfg.subsetSize) || cfg.subsetSize < 2) metricError(where, `config.subsetSize must be an integer ≥ 2, got ${cfg.subsetSize}`);
  if (!Number.isInteger(cfg.numSubsets) || cfg.numSubsets < 1) metricError(where, `config.numSubsets must be an integer ≥ 1, got ${cfg.numSubsets}`);
  if (!Number.isInteger(cfg.blockSize) || cfg.blockSize < 4 || cfg.blockSize % 4 !== 0) {
    metricError(where, `config.blockSize must be a positive multiple of 4, got ${cfg.blockSize}`);
  }
}

/**
 * Unbiased MMD² (Gretton et al. 2012, eq. 3) between all rows of `x` and `y` (equal counts m ≥ 2) with the KID kernel:
 * Σ_{i≠j} k(x_i, x_j)/(m(m−1)) + Σ_{i≠j} k(y_i, y_j)/(m(m−1)) − 2 Σ_{i,j} k(x_i, y_j)/m².
 */
export function mmd2Unbiased(x: FeatureSet, y: FeatureSet, blockSize = DEFAULT_KID_CONFIG.blockSize): number {
  const where = `${WHERE} mmd2Unbiased`;
  const dim = checkFeaturePair(x, 'x', y, 'y', where);
  if (x.count !== y.count || x.count < 2) metricError(where, `x and y need the same count m ≥ 2, got ${x.count} and ${y.count}`);
  checkConfig({ ...DEFAULT_KID_CONFIG, blockSize }, where);
  return mmd2Packed(packRows(x.features, x.count, dim), packRows(y.features, y.count, dim), blockSize);
}

function mmd2Packed(x: PackedRows, y: PackedRows, blockSize: number): number {
  const m = x.count;
  const tile = new Float64Array(blockSize * blockSize);
  const kxx = kernelSum(x, x, blockSize, tile, true);
  const kyy = kernelSum(y, y, blockSize, tile, true);
  const kxy = kernelSum(x, y, blockSize, tile, false);
  return (kxx + kyy) / (m * (m - 1)) - (2 * kxy) / (m * m);
}

/** Kernel matrices of at most this many float64 entries (256 MiB) are kept whole; larger sets go subset by subset. */
const MAX_KERNEL_ENTRIES = 32 * 1024 * 1024;

/** k(x_i, y_j) for every row pair, `[x.count, y.count]` row-major. */
function kernelMatrix(x: PackedRows, y: PackedRows, blockSize: number, tile: Float64Array): Float64Array {
  const invD = 1 / x.dim;
  const out = new Float64Array(x.count * y.count);
  for (let i0 = 0; i0 < x.padded; i0 += blockSize) {
    const i1 = Math.min(i0 + blockSize, x.padded);
    const iEnd = Math.min(i1, x.count);
    for (let j0 = 0; j0 < y.padded; j0 += blockSize) {
      const j1 = Math.min(j0 + blockSize, y.padded);
      const jEnd = Math.min(j1, y.count);
      const w = j1 - j0;
      dotBlock(x, i0, i1, y, j0, j1, tile);
      for (let i = i0; i < iEnd; i++) {
        const row = (i - i0) * w - j0;
        const o = i * y.count;
        for (let j = j0; j < jEnd; j++) {
          const t = (tile[row + j] as number) * invD + 1;
          out[o + j] = t * t * t;
        }
      }
    }
  }
  return out;
}

/**
 * The generated set's kernel terms over subsets, from whole kernel matrices: each subset's Σ k(x_a, x_b) and
 * Σ k(x_a, y_b) are look-ups, so a small generated set costs n² + n·N kernel values once instead of 3m² per subset.
 */
interface GeneratedKernels {
  readonly gg: Float64Array;
  readonly gr: Float64Array;
}

/** Whole kernel matrices when they are cheaper than the per-subset sums and fit in memory, else undefined. */
function generatedKernels(generated: FeatureSet, real: FeatureSet, dim: number, cfg: KidConfig, m: number, tile: Float64Array): GeneratedKernels | undefined {
  const entries = generated.count * (generated.count + real.count);
  const perSubsetCost = cfg.numSubsets * 1.5 * m * m; // kxx (half) + kxy kernel values the subsets would compute
  if (entries > MAX_KERNEL_ENTRIES || entries >= perSubsetCost) return undefined;
  const g = packRows(generated.features, generated.count, dim);
  return { gg: kernelMatrix(g, g, cfg.blockSize, tile), gr: kernelMatrix(g, packRows(real.features, real.count, dim), cfg.blockSize, tile) };
}

/** One subset's unbiased MMD² with the generated terms looked up in `k` (rows `gi` of generated, `ri` of real). */
function mmd2FromKernels(k: GeneratedKernels, n: number, nReal: number, gi: Int32Array, ri: Int32Array, y: PackedRows, blockSize: number, tile: Float64Array): number {
  const m = gi.length;
  let kxx = 0;
  let kxy = 0;
  for (let a = 0; a < m; a++) {
    const ga = gi[a] as number;
    const rowGG = ga * n;
    for (let b = a + 1; b < m; b++) kxx += k.gg[rowGG + (gi[b] as number)] as number;
    const rowGR = ga * nReal;
    for (let b = 0; b < m; b++) kxy += k.gr[rowGR + (ri[b] as number)] as number;
  }
  const kyy = kernelSum(y, y, blockSize, tile, true);
  return (2 * kxx + kyy) / (m * (m - 1)) - (2 * kxy) / (m * m);
}

/**
 * KID between `generated` and `real` features `[n, dim]`: mean and std of MMD² over seeded random subsets
 * (Bińkowski et al. 2018, cubic polynomial kernel).
 *
 * @example
 * ```ts
 * const { mean, std } = kid(generated, real, Rng.fromSeed(0), { subsetSize: 1000 }); // FeatureSet { features, count, dim } each
 * ```
 */
export function kid(generated: FeatureSet, real: FeatureSet, rng: Rng, config: Partial<KidConfig> = {}): KidResult {
  const where = `${WHERE} kid`;
  const cfg = mergeConfig(DEFAULT_KID_CONFIG, config, 'kid.ts kid');
  checkConfig(cfg, where);
  const dim = checkFeaturePair(generated, 'generated', real, 'real', where);
  if (!(rng instanceof Rng)) metricError(where, 'rng must be a seeded Rng from @speedrl/core');
  const m = Math.min(cfg.subsetSize, generated.count, real.count);
  if (m < 2) metricError(where, `each set needs at least 2 rows, got generated ${generated.count}, real ${real.count}`);
  const values = new Float64Array(cfg.numSubsets);
  const tile = new Float64Array(cfg.blockSize * cfg.blockSize);
  // a small generated set: its kernel rows once, each subset's x-terms looked up (same sums, other addition order)
  const kernels = generatedKernels(generated, real, dim, cfg, m, tile);
  for (let s = 0; s < cfg.numSubsets; s++) {
    const gi = rng.permutation(generated.count).subarray(0, m);
    const ri = rng.permutation(real.count).subarray(0, m);
    values[s] = kernels === undefined
      ? mmd2Packed(packRows(generated.features, m, dim, gi), packRows(real.features, m, dim, ri), cfg.blockSize)
      : mmd2FromKernels(kernels, generated.count, real.count, gi, ri, packRows(real.features, m, dim, ri), cfg.blockSize, tile);
  }
  let mean = 0;
  for (const v of values) mean += v;
  mean /= values.length;
  let sq = 0;
  for (const v of values) sq += (v - mean) * (v - mean);
  return { mean, std: Math.sqrt(sq / values.length), values, subsetSize: m, numSubsets: cfg.numSubsets };
}
