/** @speedrl/cli — the `speedrl` command, usable as a library for tests and scripts. */
export { buildProgram, runCli } from './cli';
export { UsageError, exitCodeOf } from './errors';
export { processIo } from '@speedrl/core';
/** Where the CLI writes (the core's {@link TextIo}; the old name is kept for scripts). */
export type { TextIo as CliIo, TextIo } from '@speedrl/core';
