#!/usr/bin/env node
/** Entry point of the `speedrl` binary. */
import { runCli } from './cli';

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`speedrl: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
