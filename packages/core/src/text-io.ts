/**
 * Where long-running library work writes text (progress, notes, warnings): injectable so tests capture output without
 * touching process streams, and stdout stays clean for machine-readable output.
 */
export interface TextIo {
  /** Writes `text` to standard output (results, machine-readable output). */
  readonly stdout: (text: string) => void;
  /** Writes `text` to standard error (progress, notes). */
  readonly stderr: (text: string) => void;
  /** True when stderr is a terminal: progress bars instead of plain lines. */
  readonly isTTY: boolean;
}

/** The process's own streams. */
export const processIo: TextIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  isTTY: process.stderr.isTTY === true,
};
