/**
 * Loading a classifier directory the user named (`classifier/` as train-classifier writes it): a missing or broken
 * directory is a UsageError naming the flag, so every command reports it the same way (exit 2).
 */
import { UsageError } from '@speedrl/core';
import { loadClassifier } from '@speedrl/rewards-clip-fid';

/** A loaded classifier with its role (reward or eval). */
export type LoadedClassifier = Awaited<ReturnType<typeof loadClassifier>>;

/** Loads the classifier a user named with `flag`; a missing or broken directory is a usage error naming the flag. */
export async function loadClassifierFor(dir: string, flag: string): Promise<LoadedClassifier> {
  try {
    return await loadClassifier(dir);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`${flag}: ${(error as Error).message.split('\n')[0]} (a classifier directory is the classifier/ folder that train-classifier writes)`);
  }
}
