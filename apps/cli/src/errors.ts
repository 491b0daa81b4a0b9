/** Errors the CLI maps to exit codes (Node convention: 1 = failure, 2 = bad usage, 130 = stopped by Ctrl-C). */
import { DatasetError } from '@speedrl/tensor-utils';

/** Bad flags, files or values given by the user: exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A job stopped by SIGINT/SIGTERM after saving what it had: exit 130, the shell's code for Ctrl-C. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
}

/** Exit code for an error thrown by a command. */
export function exitCodeOf(error: unknown): 1 | 2 | 130 {
  if (error instanceof InterruptedError) return 130;
  if (error instanceof UsageError || error instanceof DatasetError) return 2; // a dataset file the user pointed at is malformed
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('commander.') ? 2 : 1;
}
