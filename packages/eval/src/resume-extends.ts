/**
 * One rule for `eval --resume` and `compare --resume`: a resume extends a result file and never drops from it. Every
 * cell the file holds is kept, and its options record the union of what was asked and what it holds (so they describe
 * every cell). A --steps or --seed/--seeds that asks for fewer T or seeds than the file holds, in a call that adds no
 * cell, would be ignored: it is refused (was: exit 0, the typed value ignored by eval, and recorded by compare as
 * options.seeds 1 beside 2-seed rows).
 */
import { UsageError } from '@speedrl/core';

/** A stored cell as this check reads it: its T (adaptive compare cells, with a threshold, have none of their own) and seed. */
interface StoredCell {
  readonly steps: number;
  readonly seed: number;
  readonly threshold?: number;
}

const sorted = (values: Iterable<number>): number[] => [...new Set(values)].sort((a, b) => a - b);

/** Whether `asked` leaves out some of `held` while adding nothing to it. */
const asksLess = (asked: readonly number[], held: readonly number[]): boolean => asked.every((v) => held.includes(v)) && held.some((v) => !asked.includes(v));

/**
 * Refuses a resume of `path` (its `cells`) whose --steps or --seed/--seeds ask for fewer values than the file holds when
 * the call adds no cell (`adds`; by default: whether a (T, seed) of the call is missing, as eval plans its cells).
 */
export function checkResumeExtends(path: string, cells: readonly StoredCell[], steps: readonly number[], o: { readonly seed: number; readonly seeds: number }, adds?: boolean): void {
  const seeds = Array.from({ length: o.seeds }, (_, k) => o.seed + k);
  if (cells.length === 0 || (adds ?? steps.some((t) => seeds.some((s) => !cells.some((c) => c.steps === t && c.seed === s))))) return;
  const heldSteps = sorted(cells.filter((c) => c.threshold === undefined).map((c) => c.steps));
  if (heldSteps.length > 0 && asksLess(steps, heldSteps)) {
    throw new UsageError(`--steps: ${path} holds cells at T=${heldSteps.join(',')} and a resume keeps them all, so --steps ${steps.join(',')} would add no cell and be ignored; give --steps ${heldSteps.join(',')} (or more), or leave --steps out (nothing was written)`);
  }
  const heldSeeds = sorted(cells.map((c) => c.seed));
  if (asksLess(seeds, heldSeeds)) {
    const first = heldSeeds[0] as number;
    const flag = o.seed > first ? '--seed' : '--seeds';
    throw new UsageError(`${flag}: ${path} holds cells of seeds ${heldSeeds.join(',')} and a resume keeps them all, so --seed ${o.seed} --seeds ${o.seeds} would add no cell and be ignored; give --seed ${first} --seeds ${(heldSeeds.at(-1) as number) - first + 1} (or more), or leave ${flag} out (nothing was written)`);
  }
}

/** The seeds of a result file's options: `seed` and `seeds` spanning this call's and the cells' (`seedList`, sorted). */
export function seedSpan(o: { readonly seed: number; readonly seeds: number }, cellSeeds: readonly number[]): { seed: number; seeds: number; seedList: number[] } {
  const seedList = sorted(cellSeeds);
  const seed = Math.min(o.seed, ...seedList);
  return { seed, seeds: Math.max(o.seed + o.seeds - 1, ...seedList) - seed + 1, seedList };
}
