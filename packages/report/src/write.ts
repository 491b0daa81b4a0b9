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
import { locateRecorded, recordedOut } from './recorded-path';

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

/**
 * Refuses an eval.json or compare.json whose recorded model no longer has the files it judged, and returns the files
 * whose model directory cannot be found from here (a path relative to another directory, or a run moved): those are
 * reported as not checked rather than silently trusted.
 */
async function checkResultsJudgeCurrentModels(inputs: ReturnType<typeof loadReportInputs>, identity: (dir: string) => Promise<string>): Promise<string[]> {
  const compare = inputs.compare;
  const judgedModels = [
    ...inputs.evals.map((e) => ({ flag: e.flag, file: e.file, out: recordedOut(e.data), dir: e.data.model, key: (e.data as { inputs?: Record<string, unknown> }).inputs?.['--model'] })),
    ...(compare?.data.models ?? []).map((m) => ({ flag: compare?.flag as string, file: compare?.file as string, out: recordedOut(compare?.data ?? {}), dir: m.dir, key: m.identity })),
  ];
  const unchecked: string[] = [];
  for (const { flag, file, out, dir, key } of judgedModels) {
    if (typeof dir !== 'string' || typeof key !== 'string') continue;
    const at = locateRecorded(file, out, dir); // a relative path: from the directory the result was written from
    if (!existsSync(at.path)) {
      unchecked.push(`${file} (model ${dir} not found ${at.where})`);
      continue;
    }
    const now = await identity(at.path).catch(() => undefined);
    if (now === undefined || now === key) continue;
    const keys = `content key ${key.slice(0, 12)}… then, ${now.slice(0, 12)}… now`;
    if (at.unanchored !== undefined) {
      throw new UsageError(
        `${flag}: "${file}" judged a model "${dir}" other than the "${dir}" found from here (${keys}); ${at.unanchored}. ` +
          'Run the report from the directory that command ran in to check it',
      );
    }
    throw new UsageError(
      `${flag}: "${file}" judged ${dir}${at.path === dir ? '' : ` (${at.path})`} as it was when it ran; its files changed since (${keys}). ` +
        'Rerun it with --force (it judges the current files) before reporting it',
    );
  }
  return unchecked;
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
  const unchecked = options.modelIdentity === undefined ? [] : await checkResultsJudgeCurrentModels(inputs, options.modelIdentity);
  const built = options.title === undefined ? buildReport(inputs) : buildReport(inputs, options.title);
  if (unchecked.length > 0) {
    // said on the page: these results could not be matched to their model's current files
    built.blocks.unshift({ kind: 'note', text: `Not checked against their model's current files: ${unchecked.join('; ')}. Run the report from the directory the evaluations ran in to check them.` });
    built.sections.push({ id: 'model-check', title: 'model check', included: false, note: `not checked: ${unchecked.join('; ')}` });
  }
  const out = options.out ?? join(runDir, 'report.html');
  await ensureWritableFile(out, '--out');
  if (existsSync(out)) {
    if (options.force !== true) throw new UsageError(`--out: "${out}" already exists; pass --force to replace an earlier report, or choose another --out (nothing was written)`);
    if (!isOurReport(out)) throw new UsageError(`--out: "${out}" is not a speedrl report (it lacks the report's generator tag); --force replaces only an earlier report. Choose another --out (nothing was written)`);
  }
  await writeFileAtomic(out, renderReport(built.title, built.blocks));
  return { out, sections: built.sections };
}
