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

/** A `--config` file and the option values a command run took from it (those a typed flag overrode left out), by key. */
export interface ConfigOrigin {
  readonly path: string;
  readonly values: Readonly<Record<string, unknown>>;
}

/** The config origin of each command run's options, by its command object: set where the options are gathered, read where an error is reported. */
export const configOrigins = new WeakMap<object, ConfigOrigin>();

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * `message` naming the file and key of each flag whose value came from a `--config` file (was: the flag alone, though
 * nothing of the kind was typed): a leading flag, `--thresholds (thresholds in th0.yaml): must be …`, and a mention of
 * the flag with the file's value, `--gumbel 0 (gumbel in c.yaml)`. A flag already marked `(from --config)` is left as it is.
 */
export function withConfigOrigin(message: string, origin: ConfigOrigin | undefined): string {
  const colon = message.indexOf(': ');
  let head = colon < 0 ? '' : message.slice(0, colon);
  let body = colon < 0 ? message : message.slice(colon);
  for (const [key, value] of Object.entries(origin?.values ?? {})) {
    const flag = flagOf(key);
    const note = `(${key} in ${origin?.path ?? ''})`;
    head = head.replace(new RegExp(`(?<![\\w-])${flag}(?![\\w-]| \\(from --config\\))`), () => `${flag} ${note}`);
    if (typeof value === 'object' && value !== null) continue; // a list is quoted otherwise
    body = body.replace(new RegExp(`(?<![\\w-])${flag} ${escapeRegExp(String(value))}(?![\\w.,-])`), (mention) => `${mention} ${note}`);
  }
  return head + body;
}
