/** Test helpers: run the CLI in process and capture what it writes (no process streams touched). */
import { runCli } from './cli';
import type { TextIo } from '@speedrl/core';

/** A non-TTY {@link TextIo} that records every write. */
export function captureIo(): TextIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, isTTY: false, stdout: (t) => out.push(t), stderr: (t) => err.push(t) };
}

/** Runs `speedrl ARGS` in process and returns its exit code and captured stdout/stderr. */
export async function runCaptured(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await runCli(args, io);
  return { code, out: io.out.join(''), err: io.err.join('') };
}
