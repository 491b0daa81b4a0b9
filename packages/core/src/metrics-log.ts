/**
 * `metrics.jsonl` for long jobs: one JSON object per line, appended as the job runs, trimmed back to the
 * last checkpoint on `--resume` so a resumed run never repeats or loses a step.
 */
import { appendFileSync, existsSync, lstatSync, readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { namedWriteError, writeFileAtomic } from './atomic-write';
import { FAULT_INJECTION, faultPoint } from './fault-point';

/** One line of a metrics log: must carry the training `step` it belongs to. */
export interface MetricsRecord {
  readonly step: number;
  readonly [key: string]: unknown;
}

/** What {@link readJsonl} found. */
export interface JsonlContents<T> {
  readonly records: T[];
  /** True when the last line was cut off (a crash mid-write); it is not in `records`. */
  readonly truncatedTail: boolean;
}

/** Appends one record as a line (non-finite numbers become null, as JSON requires); a full disk names the file. */
export function appendJsonl(path: string, record: object): void {
  const line = `${JSON.stringify(record)}\n`;
  try {
    if (FAULT_INJECTION) {
      // two writes, so a kill between them leaves the torn last line a real crash can leave
      const half = Math.floor(line.length / 2);
      appendFileSync(path, line.slice(0, half));
      faultPoint(`append ${basename(path)}: torn line`);
      appendFileSync(path, line.slice(half));
      return;
    }
    appendFileSync(path, line);
  } catch (error) {
    throw namedWriteError(error, path, 'this line was not appended (lines already written are kept; --resume continues from the last checkpoint)');
  }
}

/**
 * Reads a JSONL file. A cut-off last line (no trailing newline, not valid JSON) is tolerated and
 * reported; a bad line anywhere else is an error naming the file and the line number.
 */
export function readJsonl<T = Record<string, unknown>>(path: string): JsonlContents<T> {
  if (!existsSync(path)) return { records: [], truncatedTail: false };
  const text = readFileSync(path, 'utf8');
  const lines = text.split('\n');
  const records: T[] = [];
  let truncatedTail = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line.trim() === '') continue;
    try {
      records.push(JSON.parse(line) as T);
    } catch {
      if (i === lines.length - 1) {
        truncatedTail = true; // the job died while writing this line
        continue;
      }
      throw new Error(`${path}: line ${i + 1} is not valid JSON: ${line.slice(0, 80)}`);
    }
  }
  return { records, truncatedTail };
}

/**
 * Rewrites a metrics log (atomically) keeping only records with `step ≤ lastStep`: called on resume
 * from a checkpoint taken at `lastStep`. Returns how many records were dropped. A log that shares its file with
 * another path (a hard-linked copy of a run, `cp -al`; a symbolic link to another run's log, `cp -rs`) is rewritten
 * too, as a file of its own, so the appends that follow never reach the other run's records.
 */
export async function trimJsonlToStep(path: string, lastStep: number): Promise<number> {
  const { records, truncatedTail } = readJsonl<MetricsRecord>(path);
  const kept = records.filter((r) => typeof r.step !== 'number' || r.step <= lastStep);
  const dropped = records.length - kept.length;
  const shared = existsSync(path) && (statSync(path).nlink > 1 || lstatSync(path).isSymbolicLink());
  if (dropped > 0 || truncatedTail || shared) {
    await writeFileAtomic(path, kept.map((r) => `${JSON.stringify(r)}\n`).join(''));
  }
  return dropped;
}
