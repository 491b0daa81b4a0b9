/**
 * Integrity of checkpoint weights: a checkpoint's JSON records the SHA-256 of its tensor file, checked on `--resume`,
 * so weights edited or damaged after they were saved are refused instead of trained on. A checkpoint written before
 * the hash was recorded has none and resumes unchecked.
 */
import { createHash } from 'node:crypto';
import { UsageError, sha256File } from '@speedrl/core';

/** SHA-256 of `bytes`, hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Refuses `file` (exit 2, naming it) when `recorded` (a hex SHA-256 from `recordedIn`) is given and the file's differs. */
export async function checkRecordedSha256(file: string, recorded: unknown, recordedIn: string): Promise<void> {
  if (recorded === undefined) return; // an older checkpoint: no hash recorded
  if (typeof recorded !== 'string' || !/^[0-9a-f]{64}$/.test(recorded)) {
    throw new UsageError(`--resume: ${recordedIn}: the recorded SHA-256 of "${file}" must be 64 hex digits, got ${JSON.stringify(recorded)}`);
  }
  const now = await sha256File(file);
  if (now !== recorded) {
    throw new UsageError(`--resume: checkpoint "${file}" has SHA-256 ${now.slice(0, 12)}…, not the ${recorded.slice(0, 12)}… recorded in ${recordedIn}: the weights changed after they were saved (edited, or damaged); restore the file or start over with --force`);
  }
}
