/** @speedrl/cli — the `speedrl` command, usable as a library for tests and scripts. */
export { buildProgram, runCli } from './cli';
export { UsageError, exitCodeOf } from './errors';
export { processIo } from './io';
export type { CliIo } from './io';
