/** Progress of long work: a redrawn bar on a terminal, plain lines (at most every few seconds) otherwise. */
import type { TextIo } from './text-io';

/** A running progress display. */
export interface Progress {
  /** Reports that `done` of `total` units are finished, with optional key=value details. */
  update(done: number, details?: Record<string, number | string>): void;
  /** Finishes the display (a final line), whatever `done` was. */
  finish(details?: Record<string, number | string>): void;
}

/** Settings of {@link createProgress}. */
export interface ProgressOptions {
  readonly label: string;
  readonly total: number;
  readonly io: TextIo;
  /** Minimum milliseconds between plain (non-TTY) lines, so logs stay short. */
  readonly plainIntervalMs?: number;
  /** Clock, injectable for tests. */
  readonly now?: () => number;
}

const BAR_WIDTH = 24;

function formatDetails(details?: Record<string, number | string>): string {
  if (details === undefined) return '';
  return Object.entries(details)
    .map(([k, v]) => `${k}=${typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toPrecision(4)) : v}`)
    .join(' ');
}

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  return s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m` : s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** Starts a progress display on `io.stderr` (stdout stays clean for `--json`). */
export function createProgress(options: ProgressOptions): Progress {
  const now = options.now ?? Date.now;
  const interval = options.plainIntervalMs ?? 5000;
  const started = now();
  let lastPlain = -Infinity;
  let first: { at: number; done: number } | undefined;
  const line = (done: number, details?: Record<string, number | string>): string => {
    const total = Math.max(options.total, 1);
    const frac = Math.min(Math.max(done / total, 0), 1);
    const t = now();
    first ??= { at: t, done };
    const rate = done > first.done ? (t - first.at) / (done - first.done) : NaN;
    const eta = formatDuration(((options.total - done) * rate) / 1000);
    const text = `${options.label} ${done}/${options.total} (${(frac * 100).toFixed(0)}%) elapsed ${formatDuration((t - started) / 1000)} eta ${eta}`;
    const extra = formatDetails(details);
    if (!options.io.isTTY) return extra === '' ? text : `${text} ${extra}`;
    const filled = Math.round(frac * BAR_WIDTH);
    return `${options.label} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${text.slice(options.label.length + 1)}${extra === '' ? '' : ` ${extra}`}`;
  };
  return {
    update(done, details) {
      if (options.io.isTTY) {
        options.io.stderr(`\r\x1b[2K${line(done, details)}`);
        return;
      }
      const t = now();
      if (t - lastPlain < interval && done < options.total) return;
      lastPlain = t;
      options.io.stderr(`${line(done, details)}\n`);
    },
    finish(details) {
      const text = `${options.label} done in ${formatDuration((now() - started) / 1000)}${details === undefined ? '' : ` ${formatDetails(details)}`}`;
      options.io.stderr(options.io.isTTY ? `\r\x1b[2K${text}\n` : `${text}\n`);
    },
  };
}
