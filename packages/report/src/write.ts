/**
 * `writeRunReport`: one self-contained offline HTML file from a run directory — run config, training curves, FCD at
 * eval points, Pareto plots from a compare result, sample grids and the ablation table — written atomically.
 */
import { join } from 'node:path';
import { ensureWritableFile, writeFileAtomic } from '@speedrl/core';
import { buildReport, type SectionInfo } from './build';
import { renderReport } from './html';
import { loadReportInputs } from './load';

/** What was written: the file and which sections it holds (printed by `speedrl report --json`). */
export interface ReportResult {
  readonly out: string;
  readonly sections: readonly SectionInfo[];
}

/** Options of {@link writeRunReport}. */
export interface WriteRunReportOptions {
  /** Output file; default RUN_DIR/report.html. */
  readonly out?: string;
  readonly evalDirs?: readonly string[];
  readonly compareDir?: string;
  readonly ablationsFile?: string;
  readonly title?: string;
}

/** Loads a run directory's inputs, renders the report and writes it atomically. */
export async function writeRunReport(runDir: string, options: WriteRunReportOptions = {}): Promise<ReportResult> {
  const inputs = loadReportInputs({
    runDir,
    ...(options.evalDirs !== undefined ? { evalDirs: options.evalDirs } : {}),
    ...(options.compareDir !== undefined ? { compareDir: options.compareDir } : {}),
    ...(options.ablationsFile !== undefined ? { ablationsFile: options.ablationsFile } : {}),
  });
  const built = options.title === undefined ? buildReport(inputs) : buildReport(inputs, options.title);
  const out = options.out ?? join(runDir, 'report.html');
  await ensureWritableFile(out, '--out');
  await writeFileAtomic(out, renderReport(built.title, built.blocks));
  return { out, sections: built.sections };
}
