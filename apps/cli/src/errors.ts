/** Exit codes of the CLI (Node convention: 1 = failure, 2 = bad usage, 130 = stopped by Ctrl-C). */
import { InterruptedError, UsageError, configOrigins, flagOf, withConfigOrigin } from '@speedrl/core';
import { DatasetError } from '@speedrl/tensor-utils';

export { InterruptedError, UsageError, configOrigins, flagOf, withConfigOrigin };

/** Exit code for an error thrown by a command. */
export function exitCodeOf(error: unknown): 1 | 2 | 130 {
  if (error instanceof InterruptedError) return 130;
  if (error instanceof UsageError || error instanceof DatasetError) return 2; // a dataset file the user pointed at is malformed
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('commander.') ? 2 : 1;
}
