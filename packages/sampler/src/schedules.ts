/**
 * Mask schedules γ(r): progress r ∈ [0, 1] → fraction of the tokens still masked, γ(0) = 1, γ(1) = 0, non-increasing.
 * Formulas follow google-research/maskgit `libml/mask_schedule.py` (`schedule`) and the MaskGIT paper (arccos).
 */

/** A mask schedule: progress `r` ∈ [0, 1] and the number N of tokens that start masked → masked ratio γ(r). */
export type MaskSchedule = (r: number, totalTokens: number) => number;

const FILE = '@speedrl/sampler schedules.ts';

function checkProgress(r: number): void {
  if (!(r >= 0 && r <= 1)) throw new RangeError(`${FILE}: progress r must be in [0, 1], got ${r}`);
}

/** MaskGIT cosine schedule γ(r) = cos(πr/2) (the paper's default). */
export const cosineSchedule: MaskSchedule = (r) => {
  checkProgress(r);
  return r === 1 ? 0 : Math.cos((Math.PI / 2) * r);
};

/** MaskGIT arccos schedule γ(r) = (2/π)·arccos(r) (best FID in Besnier et al. 2025). */
export const arccosSchedule: MaskSchedule = (r) => {
  checkProgress(r);
  return (2 / Math.PI) * Math.acos(r);
};

/** MaskGIT "uniform" (linear) schedule γ(r) = 1 − r. */
export const linearSchedule: MaskSchedule = (r) => {
  checkProgress(r);
  return 1 - r;
};

/**
 * MaskGIT `exp` schedule γ(r) = 1 − 2^(−log2(N)·(1 − r)) = 1 − N^(r−1) for r > 0; MaskGIT gives 1 − 1/N at r = 0,
 * we define γ(0) = 1 so every schedule starts fully masked (the sampler only evaluates r = (t+1)/T > 0).
 * With N ≤ 1 it degenerates to the linear schedule (its limit as N → 1).
 */
export const expSchedule: MaskSchedule = (r, totalTokens) => {
  checkProgress(r);
  if (r === 0) return 1;
  if (!(totalTokens > 1)) return 1 - r;
  return Math.min(1, Math.max(0, 1 - Math.pow(totalTokens, r - 1)));
};

/**
 * MaskGIT `log` schedule γ(r) = −log2(r)/log2(N), clipped to ≤ 1 as in MaskGIT (so γ = 1 for r ≤ 1/N).
 * MaskGIT also clips to ≥ 1e-6; we keep γ(1) = 0 (the floor of N·1e-6 is 0 anyway). N ≤ 1 gives a step at r = 1.
 */
export const logSchedule: MaskSchedule = (r, totalTokens) => {
  checkProgress(r);
  if (r === 1) return 0;
  if (r === 0 || !(totalTokens > 1)) return 1;
  return Math.min(1, Math.max(0, -Math.log2(r) / Math.log2(totalTokens)));
};

/** MaskGIT `pow-k` schedule γ(r) = 1 − r^k for k > 0 (k = 2 is "square", k = 0.5 "square root"). */
export function powSchedule(k: number): MaskSchedule {
  if (!(k > 0) || !Number.isFinite(k)) throw new RangeError(`${FILE}: pow schedule exponent k must be finite and > 0, got ${k}`);
  return (r) => {
    checkProgress(r);
    return 1 - Math.pow(r, k);
  };
}

/** The fixed-name schedules; `pow-k` is parsed by {@link getSchedule}. */
export const MASK_SCHEDULES: Readonly<Record<string, MaskSchedule>> = Object.freeze({
  cosine: cosineSchedule,
  arccos: arccosSchedule,
  linear: linearSchedule,
  exp: expSchedule,
  log: logSchedule,
});

/** Names the conformance suite runs over: every fixed schedule plus a few pow-k. */
export const SCHEDULE_NAMES: readonly string[] = Object.freeze([...Object.keys(MASK_SCHEDULES), 'pow-2', 'pow-0.5', 'pow-3']);

const POW_NAME = /^pow-?(\d+(?:\.\d+)?)$/;

/** Looks a schedule up by name: a registry key, "uniform" (= linear, MaskGIT's name) or "pow-k"/"powk" with k > 0. */
export function getSchedule(name: string): MaskSchedule {
  if (name === 'uniform') return linearSchedule;
  const fixed = Object.prototype.hasOwnProperty.call(MASK_SCHEDULES, name) ? MASK_SCHEDULES[name] : undefined;
  if (fixed !== undefined) return fixed;
  const match = POW_NAME.exec(name);
  if (match !== null) return powSchedule(Number(match[1]));
  throw new RangeError(
    `${FILE}: unknown schedule "${name}", expected one of ${Object.keys(MASK_SCHEDULES).join(', ')}, uniform or pow-k (e.g. pow-2, pow-0.5)`,
  );
}

/**
 * Tokens still masked after step t, MaskGIT `parallel_decode` rule: floor(N·ratio), clamped so that this step commits
 * at least one token (≤ current − 1), enough stay masked for one commit in every later step (≥ T − 1 − t),
 * and everything is committed at the last step. With fewer masked tokens than steps left (possible only for
 * partially masked inputs), one token is committed per step until none is left; a sample with none masked commits nothing.
 */
export function nextMaskedCount(ratio: number, totalTokens: number, current: number, t: number, totalSteps: number): number {
  if (current <= 0 || t >= totalSteps - 1) return 0;
  const scheduled = Math.floor(totalTokens * ratio + 1e-9); // 1e-9: N·γ = 3.9999999… from round-off still floors to 4
  return Math.max(0, Math.min(current - 1, Math.max(totalSteps - 1 - t, scheduled)));
}

/**
 * Number of tokens still masked after each step t = 0..T−1 for N tokens starting masked, from the schedule at
 * r = (t+1)/T: ≥ 1 committed per step, ≥ 1 kept masked until the last step, 0 after it. Throws when T > N
 * (each step must commit at least one token) or T < 1.
 */
export function maskedCountsForSteps(schedule: MaskSchedule | string, totalSteps: number, totalTokens: number): Int32Array {
  const gamma = typeof schedule === 'string' ? getSchedule(schedule) : schedule;
  checkStepsAndTokens(totalSteps, totalTokens);
  const ratios = Array.from({ length: totalSteps }, (_, t) => gamma((t + 1) / totalSteps, totalTokens));
  return maskedCountsFromRatios(ratios, totalTokens);
}

/** Like {@link maskedCountsForSteps} from explicit per-step ratios (AutoNAT-style arrays); length = T. */
export function maskedCountsFromRatios(ratios: readonly number[], totalTokens: number): Int32Array {
  const totalSteps = ratios.length;
  checkStepsAndTokens(totalSteps, totalTokens);
  const counts = new Int32Array(totalSteps);
  let current = totalTokens;
  for (let t = 0; t < totalSteps; t++) {
    current = nextMaskedCount(ratios[t] as number, totalTokens, current, t, totalSteps);
    counts[t] = current;
  }
  return counts;
}

function checkStepsAndTokens(totalSteps: number, totalTokens: number): void {
  if (!Number.isInteger(totalSteps) || totalSteps < 1) throw new RangeError(`${FILE}: steps T must be an integer ≥ 1, got ${totalSteps}`);
  if (!Number.isInteger(totalTokens) || totalTokens < 1) {
    throw new RangeError(`${FILE}: token count L must be an integer ≥ 1, got ${totalTokens}`);
  }
  if (totalSteps > totalTokens) {
    throw new RangeError(`${FILE}: steps T=${totalSteps} exceeds the ${totalTokens} masked tokens; each step must commit ≥ 1 token, so T ≤ L`);
  }
}
