/**
 * Ctrl-C for long jobs: the first SIGINT/SIGTERM asks the job to stop after the current step and save a
 * checkpoint; a second one aborts at once (exit 130), as users expect from Node tools.
 */
import type { TextIo } from '@speedrl/core';

/** Polled by a training loop between steps. */
export interface StopSignal {
  readonly requested: boolean;
  readonly signal: string | undefined;
}

/** A stop signal wired to the process's SIGINT and SIGTERM until `dispose()`. */
export interface InterruptHandler {
  readonly stop: StopSignal;
  /** Removes the signal handlers. */
  dispose(): void;
}

/** Installs the handler; `exit` is injectable for tests. */
export function installInterruptHandler(io: TextIo, exit: (code: number) => void = (code) => process.exit(code)): InterruptHandler {
  const state: { requested: boolean; signal: string | undefined } = { requested: false, signal: undefined };
  const onSignal = (signal: NodeJS.Signals): void => {
    if (state.requested) {
      io.stderr(`\nspeedrl: ${signal} again, aborting without saving\n`);
      exit(130);
      return;
    }
    state.requested = true;
    state.signal = signal;
    io.stderr(`\nspeedrl: ${signal}: stopping after this step and saving a checkpoint (again to abort)\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    stop: state,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
