/**
 * Ctrl-C for long jobs: the first SIGINT/SIGTERM asks the job to stop after the current step and save a
 * checkpoint; a second one aborts at once (exit 130), as users expect from Node tools.
 */
import { existsSync } from 'node:fs';
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
  active.add(state);
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
      active.delete(state);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** The stop states of the handlers installed now (a demo's or an ablation's, whose in-process jobs check them). */
const active = new Set<{ readonly requested: boolean; readonly signal: string | undefined }>();

/**
 * The signal an installed `installInterruptHandler` received, or undefined: jobs run in-process by a pipeline that
 * handles Ctrl-C (eval and compare inside demo and ablate) stop after the cell they are saving instead of finishing all.
 */
export function interruptRequested(): string | undefined {
  for (const state of active) if (state.requested) return state.signal ?? 'a signal';
  return undefined;
}

/**
 * Ctrl-C for jobs whose results are saved as they finish (eval, compare and tune-schedule cells are written atomically
 * one by one): SIGINT/SIGTERM ends the process at once (exit 130) with a line saying what is kept and how to continue —
 * `--resume` when `savedFile` exists, else that nothing was saved. Not installed when the process already handles
 * SIGINT (demo and ablate run these jobs in-process and stop them their own way); returns the remover.
 */
export function installStopHint(io: TextIo, what: string, savedFile: string, exit: (code: number) => void = (code) => process.exit(code)): () => void {
  if (process.listenerCount('SIGINT') > 0) return () => undefined;
  const onSignal = (signal: NodeJS.Signals): void => {
    io.stderr(existsSync(savedFile)
      ? `\nspeedrl: ${signal}: ${what} stopped; what finished is saved in ${savedFile}: continue with the same command and --resume\n`
      : `\nspeedrl: ${signal}: ${what} stopped before anything was saved\n`);
    exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
}
