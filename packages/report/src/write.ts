/**
 * `writeRunReport`: one self-contained offline HTML file from a run directory — run config, training curves, FCD at
 * eval points, Pareto plots from a compare result, sample grids and the ablation table — written atomically.
 */
import { closeSync, existsSync, openSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { ensureWritableFile, UsageError, writeFileAtomic } from '@speedrl/core';
import { buildReport, type SectionInfo } from './build';
import { GENERATOR_META, renderReport } from './html';
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
  /** Replace an existing `out`, which must be a report written earlier (it holds our generator meta tag); without it an existing `out` is refused. */
  readonly force?: boolean;
  /**
   * The content key of a model directory as `speedrl eval` records it in eval.json (`inputs["--model"]`; the CLI passes
   * `bundleIdentity` of @speedrl/pipeline). With it, an eval whose model's files changed since it was computed (a run
   * resumed after its eval) is refused instead of being shown as the current model's.
   */
  readonly modelIdentity?: (modelDir: string) => Promise<string>;
}

/** Refuses an eval.json whose recorded model no longer has the files it judged (checked where that directory still exists). */
async function checkEvalsJudgeCurrentModels(evals: ReturnType<typeof loadReportInputs>['evals'], identity: (dir: string) => Promise<string>): Promise<void> {
  for (const e of evals) {
    const model = e.data.model;
    const judged = (e.data as { inputs?: Record<string, unknown> }).inputs?.['--model'];
    if (typeof model !== 'string' || typeof judged !== 'string' || !existsSync(model)) continue;
    const now = await identity(model).catch(() => undefined);
    if (now !== undefined && now !== judged) {
      throw new UsageError(
        `--eval: "${e.file}" judged ${model} as it was when that eval ran; its files changed since (content key ${judged.slice(0, 12)}… then, ${now.slice(0, 12)}… now). ` +
          'Rerun that eval with --force (it judges the current files) before reporting it',
      );
    }
  }
}

/** Whether the head of the HTML file at `path` carries our generator tag (read from its first 4 KiB). */
function isOurReport(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(4096);
    return buf.subarray(0, readSync(fd, buf, 0, buf.length, 0)).toString('utf8').includes(GENERATOR_META);
  } finally {
    closeSync(fd);
  }
}

/** Loads a run directory's inputs, renders the report and writes it atomically. */
export async function writeRunReport(runDir: string, options: WriteRunReportOptions = {}): Promise<ReportResult> {
  const inputs = loadReportInputs({
    runDir,
    ...(options.evalDirs !== undefined ? { evalDirs: options.evalDirs } : {}),
    ...(options.compareDir !== undefined ? { compareDir: options.compareDir } : {}),
    ...(options.ablationsFile !== undefined ? { ablationsFile: options.ablationsFile } : {}),
  });
  if (options.modelIdentity !== undefined) await checkEvalsJudgeCurrentModels(inputs.evals, options.modelIdentity);
  const built = options.title === undefined ? buildReport(inputs) : buildReport(inputs, options.title);
  const out = options.out ?? join(runDir, 'report.html');
  await ensureWritableFile(out, '--out');
  if (existsSync(out)) {
    if (options.force !== true) throw new UsageError(`--out: "${out}" already exists; pass --force to replace an earlier report, or choose another --out (nothing was written)`);
    if (!isOurReport(out)) throw new UsageError(`--out: "${out}" is not a speedrl report (it lacks the report's generator tag); --force replaces only an earlier report. Choose another --out (nothing was written)`);
  }
  await writeFileAtomic(out, renderReport(built.title, built.blocks));
  return { out, sections: built.sections };
}
