/** Test helpers: run the CLI in process and capture what it writes (no process streams touched). */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
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

/**
 * Runs `speedrl ARGS` in a child Node process (through tsx, from the repo root) with extra environment: for what jest's
 * module system cannot do in process (SIGKILL, the real `import()` of a user's .mjs module).
 */
export async function spawnCli(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; signal: string | null; out: string; err: string }> {
  const child = spawn(process.execPath, ['--conditions=@speedrl/source', '--import', 'tsx', join(__dirname, 'main.ts'), ...args], {
    cwd: join(__dirname, '../../..'), stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const [code, signal] = (await once(child, 'exit')) as [number | null, string | null];
  return { code, signal, out, err };
}
