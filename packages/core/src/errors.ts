/**
 * Errors with a meaning for the caller: bad input given by the user (a command maps it to exit 2) and a job stopped by
 * SIGINT/SIGTERM after saving what it had (exit 130, the shell's code for Ctrl-C). Library code throws them; the
 * `speedrl` CLI maps them to exit codes (`exitCodeOf`).
 */

/** Bad flags, files or values given by the user: exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The command-line flag of an option key, as errors name it: `checkpointEvery` → `--checkpoint-every`. */
export const flagOf = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** A job stopped by SIGINT/SIGTERM after saving what it had: exit 130, the shell's code for Ctrl-C. */
export class InterruptedError extends Error {
  override readonly name = 'InterruptedError';
}
