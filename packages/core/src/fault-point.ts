/**
 * Named crash points for fault-injection tests of everything that writes state (docs/architecture.md, "Crash
 * safety"). Inert unless the process was started with `SPEEDRL_KILL_AT=n` (the n-th point reached kills the process
 * with SIGKILL, as a power cut or `kill -9` would) or `SPEEDRL_FAULT_LOG=file` (each point reached is appended to the
 * file as `index<TAB>name`, so a harness can count the points of an uninterrupted run and choose where to kill).
 */
import { appendFileSync } from 'node:fs';

const KILL_AT = process.env.SPEEDRL_KILL_AT === undefined ? undefined : Number(process.env.SPEEDRL_KILL_AT);
const LOG = process.env.SPEEDRL_FAULT_LOG;
let reached = 0;

/** True when fault injection is on in this process (a writer may then split a write to expose a torn state). */
export const FAULT_INJECTION = KILL_AT !== undefined || LOG !== undefined;

/** Marks a point between two writes; kills the process here when it is the `SPEEDRL_KILL_AT`-th point reached. */
export function faultPoint(name: string): void {
  if (!FAULT_INJECTION) return;
  reached += 1;
  if (LOG !== undefined) appendFileSync(LOG, `${reached}\t${name}\n`);
  if (reached === KILL_AT) process.kill(process.pid, 'SIGKILL');
}
