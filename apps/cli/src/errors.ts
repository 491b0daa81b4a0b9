/** Errors the CLI maps to exit codes (Node convention: 1 = failure, 2 = bad usage). */

/** Bad flags, files or values given by the user: exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Exit code for an error thrown by a command. */
export function exitCodeOf(error: unknown): 1 | 2 {
  if (error instanceof UsageError) return 2;
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && code.startsWith('commander.') ? 2 : 1;
}
