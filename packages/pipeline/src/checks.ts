/**
 * Checks of user input made before any work starts, so a bad value is a UsageError naming the flag (exit 2) and not a
 * failure after minutes of sampling or training.
 */
import { existsSync } from 'node:fs';
import { UsageError } from '@speedrl/core';
import { findIdxFile, idxFileNames, type IdxSplit } from '@speedrl/tensor-utils';

/** `--data`: the IDX files of each split are there (a missing dataset is a usage error before any work, exit 2). */
export function checkDataDir(dir: string, splits: readonly IdxSplit[] = ['train', 'test'], flag = '--data'): void {
  for (const split of splits) {
    const names = idxFileNames(split);
    try {
      findIdxFile(dir, names.images);
      findIdxFile(dir, names.labels);
    } catch (error) {
      const reason = existsSync(dir) ? (error as Error).message : `dataset directory "${dir}" does not exist; run \`apt-get install dataset-fashion-mnist\` or pass ${flag} DIR`;
      throw new UsageError(`${flag}: ${reason}`);
    }
  }
}

/** `--seed` and `--seeds`: the last seed used, seed + seeds − 1, must still be a safe integer. */
export function checkSeedRange(seed: number, seeds: number): void {
  if (seed + seeds - 1 > Number.MAX_SAFE_INTEGER) throw new UsageError(`--seed, --seeds: the last seed ${seed} + ${seeds} − 1 exceeds ${Number.MAX_SAFE_INTEGER}`);
}

/**
 * Runs `build` (a library config resolver that throws `field "name…" …`) and turns its error into a UsageError
 * naming the flag the user typed: `flags[name]`, else `--` + the kebab-case field name.
 */
export function usageErrorForConfigField<T>(flags: Readonly<Record<string, string>>, build: () => T): T {
  try {
    return build();
  } catch (error) {
    const match = /field "([A-Za-z]+)[^"]*" (.*)$/s.exec((error as Error).message);
    if (match === null) throw error;
    const field = match[1] as string;
    const flag = flags[field] ?? `--${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
    throw new UsageError(`${flag}: ${match[2]}`);
  }
}
