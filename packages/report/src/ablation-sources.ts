/**
 * ablations.json rows name the eval.json they were read from (`eval`: its path relative to the ablations file's
 * directory and the digest of its cells and floors, `resultsDigest`). The report reads each again: a variant's eval
 * rerun since (`eval --force`) has other cells, and the row no longer shows what any file on disk holds.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import { UsageError } from '@speedrl/core';
import { resultsDigest } from '@speedrl/eval';
import type { Ablations } from './schemas';

/** Where an ablation row came from: its eval.json, relative to the ablations file's directory, and that file's key. */
export interface AblationEvalSource {
  readonly file: string;
  readonly resultsKey: string;
}

/** The key of an eval.json's measurements as an ablation row records it (its cells and floors; `resultsDigest`). */
function keyOf(json: { readonly cells?: unknown; readonly floors?: unknown }): string {
  return resultsDigest(Array.isArray(json.cells) ? json.cells : [], json.floors);
}

/** What `speedrl ablate` records in a row read from `evalFile` (parsed as `json`) for an ablations.json in `ablationsDir`. */
export function ablationEvalSource(ablationsDir: string, evalFile: string, json: { readonly cells?: unknown; readonly floors?: unknown }): AblationEvalSource {
  return { file: relative(ablationsDir, evalFile).split(sep).join('/'), resultsKey: keyOf(json) };
}

/**
 * Refuses (UsageError naming `flag` and the file) an ablations.json whose row came from an eval.json that now holds
 * other measurements (rerun since); returns what cannot be checked from here (an eval.json not found: moved), one
 * line each. Rows without a recorded source (older files) are read as before.
 */
export function checkAblationSources(flag: string, file: string, data: Ablations): string[] {
  const unchecked: string[] = [];
  const seen = new Set<string>();
  for (const row of data.rows) {
    if (row.eval === undefined || seen.has(row.eval.file)) continue;
    seen.add(row.eval.file);
    const path = resolve(dirname(file), row.eval.file);
    if (!existsSync(path)) {
      unchecked.push(`the rows of ${row.name} (from ${row.eval.file}, not found beside ${file})`);
      continue;
    }
    let key: string | undefined;
    try {
      key = keyOf(JSON.parse(readFileSync(path, 'utf8')) as { cells?: unknown; floors?: unknown });
    } catch {
      key = undefined; // unreadable: not the file the rows came from
    }
    if (key !== row.eval.resultsKey) {
      throw new UsageError(
        `${flag}: "${file}" has rows of ${row.name} read from ${path}, which holds other measurements now (that eval rerun since, or edited?): ` +
          'the rows no longer show what it holds. Rerun speedrl ablate with --resume (same --out) to rebuild the table from the current evals',
      );
    }
  }
  return unchecked;
}
