#!/usr/bin/env node
/** Entry point of the `speedrl` binary. */
import { runCli } from './cli';
import { unsettledExitMessage } from './unsettled';

const argv = process.argv.slice(2);
let settled = false;
let drained = false;
// a command whose promise never settles (a --reward module that never resolves) lets the event loop drain, and one
// that calls process.exit(0) mid-run stops it: either way the command did not finish, so the exit code is not 0
process.exitCode = 1;
process.on('beforeExit', () => {
  drained = true;
});
process.on('exit', (code) => {
  // finished, or stopped with its own code (a signal: 130; an uncaught error: 1, already printed)
  if (settled || !(code === 0 || (code === 1 && drained))) return;
  process.exitCode = 1;
  process.stderr.write(unsettledExitMessage(argv, drained));
});

runCli(argv).then(
  (code) => {
    settled = true;
    process.exitCode = code;
  },
  (error: unknown) => {
    settled = true;
    process.stderr.write(`speedrl: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
