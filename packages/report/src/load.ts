/**
 * Finds and validates what a report is built from: RUN_DIR/{run.json, metrics.jsonl, grids/*.png,
 * eval-*\/eval.json, compare/compare.json, ablations.json}, plus the directories given by flags. An input that
 * is absent is `undefined` (its section is omitted); one that is present but malformed is a UsageError naming
 * the file and the field, as is an eval.json or compare.json whose rows or acceleration claims are not what its cells
 * and rows give (verify.ts).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { UsageError, replacedStashOf, stashStaging } from '@speedrl/core';
import { checkEvalResultRows, compareOptionsIntact, evalOptionsIntact, judgedDifferently } from '@speedrl/eval';
import { checkCompareResult, checkEvalAcceleration, checkOptionsKey } from './verify';
import { compareIncomplete, evalIncomplete } from './completeness';
import { recordIssues, runMaxSteps } from './metrics-checks';
import { checkAblationSources } from './ablation-sources';
import {
  ablationRowsKey, ablationsSchema, compareResultSchema, evalResultSchema, fieldName, metricsRecordSchema, readJsonFile, runJsonSchema, validateJson,
  type Ablations, type CompareResult, type EvalResultJson, type MetricsRecord, type RunJson,
} from './schemas';

/** File names the report looks for inside RUN_DIR. */
export const REPORT_FILES = Object.freeze({
  run: 'run.json', metrics: 'metrics.jsonl', grids: 'grids', compareDir: 'compare', compare: 'compare.json', ablations: 'ablations.json', eval: 'eval.json',
});

/** Where the inputs come from: RUN_DIR and the optional flags. */
export interface ReportSources {
  readonly runDir: string;
  /** `--eval DIR` (a directory holding eval.json, or the file itself); added to RUN_DIR/eval-*. */
  readonly evalDirs?: readonly string[];
  /** `--compare DIR` (holding compare.json, or the file); replaces RUN_DIR/compare. */
  readonly compareDir?: string;
  /** `--ablations FILE`; replaces RUN_DIR/ablations.json. */
  readonly ablationsFile?: string;
}

/** Parsed metrics.jsonl. */
export interface MetricsInput {
  readonly file: string;
  readonly records: MetricsRecord[];
  /** The last line was cut off (job killed mid-write) and skipped. */
  readonly truncatedTail: boolean;
}

/** One eval.json with a display name. */
export interface EvalInput {
  readonly name: string;
  readonly file: string;
  /** What an error about the file names: `--eval`, or `RUN_DIR` for a file the report found there itself. */
  readonly flag: string;
  /** The file as read; its `acceleration` is the one its rows give (checked), or dropped when `uncheckedAcceleration` says why. */
  readonly data: EvalResultJson;
  /** Why the file's acceleration claims are not shown (their base is not found from here), absent when shown or none. */
  readonly uncheckedAcceleration?: string;
  /** What the claims shown leave out (an older file's, without the comparison at equal steps), absent when nothing. */
  readonly claimsNote?: string;
  /** What cells its options ask for that it lacks (an interrupted eval), absent when complete or unknown. */
  readonly incomplete?: string;
}

/** Everything found; `undefined` / empty = absent. */
export interface ReportInputs {
  readonly runDir: string;
  readonly run: { readonly file: string; readonly data: RunJson } | undefined;
  readonly metrics: MetricsInput | undefined;
  readonly evals: readonly EvalInput[];
  /** compare.json, checked: rows of its models, its cells' aggregate, its acceleration what its rows give. */
  readonly compare: { readonly dir: string; readonly file: string; readonly flag: string; readonly data: CompareResult; readonly claimsNote?: string; readonly incomplete?: string } | undefined;
  /** ablations.json; `unchecked`: rows whose eval.json is not found from here (not checked against it). */
  readonly ablations: { readonly file: string; readonly data: Ablations; readonly unchecked: readonly string[] } | undefined;
  /** RUN_DIR/grids/*.png, sorted by name. */
  readonly runGrids: readonly string[];
}

/**
 * Parses metrics.jsonl text: one JSON object per line with a numeric `step`. A cut-off last line is tolerated
 * (reported as `truncatedTail`); any other bad line is a UsageError naming the file, the line and the field. Steps
 * must increase from record to record (records with an `event` field, such as probes, may share the step before them):
 * a repeated or earlier step means two runs were appended to one file, and its curves and counts would be wrong;
 * `iteration`s likewise. Fields of one line that disagree (metrics-checks.ts; `maxSteps`: the run's T_max, from its
 * run.json) are refused too, naming the file, the line and the field.
 */
export function parseMetricsText(file: string, text: string, maxSteps?: number): MetricsInput {
  const lines = text.split('\n');
  const records: MetricsRecord[] = [];
  let truncatedTail = false;
  let last: { step: number; line: number } | undefined;
  let lastIteration: { iteration: number; line: number } | undefined;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      if (i === lines.length - 1) {
        truncatedTail = true;
        return;
      }
      throw new UsageError(`${file}: line ${i + 1} is not valid JSON: ${line.slice(0, 60)}`);
    }
    const record = validateJson(file, metricsRecordSchema, value, `: line ${i + 1}`);
    const isEvent = (value as { event?: unknown }).event !== undefined;
    if (last !== undefined && (record.step < last.step || (record.step === last.step && !isEvent))) {
      throw new UsageError(
        `${file}: line ${i + 1} has step ${record.step} after step ${last.step} on line ${last.line} (records repeated or out of order: two runs written to one file?)`,
      );
    }
    last = { step: record.step, line: i + 1 };
    const issue = recordIssues(record, maxSteps)[0]; // fields logged from the same samples that disagree: edited or damaged
    if (issue !== undefined) throw new UsageError(`${file}: line ${i + 1}: field "${fieldName(issue.path)}": ${issue.message}`);
    if (record.iteration !== undefined && !isEvent) {
      if (lastIteration !== undefined && record.iteration <= lastIteration.iteration) {
        throw new UsageError(`${file}: line ${i + 1}: field "iteration": ${record.iteration} after iteration ${lastIteration.iteration} on line ${lastIteration.line} (records repeated or out of order: two runs written to one file?)`);
      }
      lastIteration = { iteration: record.iteration, line: i + 1 };
    }
    records.push(record);
  });
  return { file, records, truncatedTail };
}

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** A flag's directory or file: DIR/name when DIR is a directory, else the file itself; missing → UsageError naming the flag. */
function fileOf(flag: string, path: string, name: string): string {
  const file = isDir(path) ? join(path, name) : path;
  if (!existsSync(file)) throw new UsageError(`${flag}: "${file}" does not exist${isDir(path) ? ` (expected ${name} inside "${path}")` : ''}`);
  return file;
}

/** Display name of an eval directory: "eval-base" → "base". */
export function evalName(file: string): string {
  const dir = basename(resolve(file, '..'));
  return dir.replace(/^eval-/, '') || dir;
}

/** What an error about a file the report found in RUN_DIR itself names (one given by a flag names the flag). */
const FOUND_IN_RUN_DIR = 'RUN_DIR';

function loadEvals(runDir: string, evalDirs: readonly string[]): EvalInput[] {
  const found = readdirSync(runDir).filter((d) => d.startsWith('eval-') && existsSync(join(runDir, d, REPORT_FILES.eval))).sort()
    .map((d) => ({ file: join(runDir, d, REPORT_FILES.eval), flag: FOUND_IN_RUN_DIR }));
  const given = evalDirs.map((d) => ({ file: fileOf('--eval', d, REPORT_FILES.eval), flag: '--eval' }));
  const unique = [...new Map([...found, ...given].map((f) => [resolve(f.file), f])).values()]; // a file given by --eval too is named by --eval
  const names = new Map<string, number>();
  const evals = unique.map(({ file, flag }) => {
    const base = evalName(file);
    const seen = names.get(base) ?? 0;
    names.set(base, seen + 1);
    const data = readJsonFile(file, evalResultSchema, { flag, expected: 'eval' });
    checkOptionsKey(flag, file, data, evalOptionsIntact, 'eval'); // edited options would be shown as its cells'
    if (data.model === undefined && data.rows === undefined && (data as { cells?: unknown }).cells === undefined) {
      throw new UsageError(`${flag}: "${file}" is not an eval.json of speedrl eval (it has no model, rows or cells)`);
    }
    checkEvalResultRows(file, data, flag); // rows edited by hand would be drawn as measured
    const { unchecked, note } = checkEvalAcceleration(file, data, flag); // a claim judged against an earlier base, or edited, is refused
    const name = seen === 0 ? base : `${base} (${seen + 1})`;
    const incomplete = evalIncomplete(data); // an interrupted eval: said beside its rows
    const partial = incomplete === undefined ? {} : { incomplete };
    if (unchecked !== undefined) return { name, file, flag, data: { ...data, acceleration: undefined }, uncheckedAcceleration: unchecked, ...partial };
    return { name, file, flag, data, ...(note === undefined ? {} : { claimsNote: note }), ...partial };
  });
  // one table and one chart compare FCDs: every eval in it must be judged the same way (as --base-eval requires)
  const [first, ...rest] = evals;
  for (const other of rest) {
    const d = first === undefined ? undefined : judgedDifferently(first.data, other.data);
    if (first !== undefined && d !== undefined) {
      const flags = [...new Set([first.flag, other.flag])].join(', ');
      throw new UsageError(`${flags}: "${first.file}" and "${other.file}" were judged differently (${d.flag} ${JSON.stringify(d.a)} vs ${JSON.stringify(d.b)}); their FCDs are not comparable in one table. Report them separately`);
    }
  }
  return evals;
}

/** compare.json read (its cells kept for the check) and checked like eval.json: hand-edited rows or claims are refused, naming `flag`. */
function loadCompare(file: string, flag: string): NonNullable<ReportInputs['compare']> {
  const data = readJsonFile(file, compareResultSchema.passthrough(), { flag, expected: 'compare' });
  checkOptionsKey(flag, file, data, compareOptionsIntact, 'compare'); // edited options would be labelled as its cells'
  const claimsNote = checkCompareResult(file, data, flag); // what claims of an older file leave out
  const incomplete = compareIncomplete(data); // an interrupted compare: said beside its rows
  return { dir: resolve(file, '..'), file, flag, data, ...(claimsNote === undefined ? {} : { claimsNote }), ...(incomplete === undefined ? {} : { incomplete }) };
}

/** Loads every input of a report (see {@link ReportSources}). */
export function loadReportInputs(sources: ReportSources): ReportInputs {
  const { runDir } = sources;
  if (!existsSync(runDir)) throw new UsageError(`RUN_DIR: "${runDir}" does not exist`);
  if (!isDir(runDir)) throw new UsageError(`RUN_DIR: "${runDir}" is not a directory`);
  const runFile = join(runDir, REPORT_FILES.run);
  const metricsFile = join(runDir, REPORT_FILES.metrics);
  const compareFile = sources.compareDir !== undefined ? fileOf('--compare', sources.compareDir, REPORT_FILES.compare) : join(runDir, REPORT_FILES.compareDir, REPORT_FILES.compare);
  const ablationsFile = sources.ablationsFile !== undefined ? fileOf('--ablations', sources.ablationsFile, REPORT_FILES.ablations) : join(runDir, REPORT_FILES.ablations);
  const gridsDir = join(runDir, REPORT_FILES.grids);
  const run = existsSync(runFile) ? { file: runFile, data: readJsonFile(runFile, runJsonSchema, { flag: FOUND_IN_RUN_DIR, expected: 'run' }) } : undefined;
  if (run?.data.replacing !== undefined) {
    throw new UsageError(`RUN_DIR: "${runFile}" says a --force over an earlier run stopped while it removed that run's files, so "${runDir}" may hold files of two runs; finish it with the command's --force first`);
  }
  const stash = replacedStashOf(runDir, 'dir');
  if (existsSync(stash) && run !== undefined) { // beside the unfinished run, files it has not replaced yet (its compare/, evals) are the earlier run's
    throw new UsageError(`RUN_DIR: "${runDir}" holds an unfinished run started with --force (the run it replaces is kept in ${stash}); its other folders may still be the earlier run's, so the report would mix two runs. Finish it with the command's --resume first, or move the earlier run back`);
  }
  const staging = stashStaging(stash);
  if (existsSync(staging)) { // a --force stopped while it moved the earlier run aside: some of its files are still in place
    throw new UsageError(`RUN_DIR: "${staging}" is there: a --force over an earlier run stopped while it moved that run's files aside, so "${runDir}" may hold files of two runs; finish it with the command's --force first`);
  }
  return {
    runDir,
    run,
    metrics: existsSync(metricsFile) ? parseMetricsText(metricsFile, readFileSync(metricsFile, 'utf8'), runMaxSteps(run?.data)) : undefined,
    evals: loadEvals(runDir, sources.evalDirs ?? []),
    compare: existsSync(compareFile) ? loadCompare(compareFile, sources.compareDir === undefined ? FOUND_IN_RUN_DIR : '--compare') : undefined,
    ablations: existsSync(ablationsFile) ? readAblations(ablationsFile, sources.ablationsFile !== undefined ? '--ablations' : FOUND_IN_RUN_DIR) : undefined,
    runGrids: isDir(gridsDir) ? readdirSync(gridsDir).filter((f) => f.toLowerCase().endsWith('.png')).sort().map((f) => join(gridsDir, f)) : [],
  };
}

/**
 * ablations.json, its rows checked against the `rowsKey` ablate recorded (was: a row edited by hand was drawn as
 * measured) and against the eval.json each came from (was: a row of an eval rerun since was drawn as current).
 */
function readAblations(file: string, flag: string): NonNullable<ReportInputs['ablations']> {
  const data = readJsonFile(file, ablationsSchema, { flag, expected: 'ablations' });
  if (data.rowsKey !== undefined && data.rowsKey !== ablationRowsKey(data.rows)) {
    throw new UsageError(`${flag}: "${file}" has rows that are not those its rowsKey was written for (edited by hand?); rerun speedrl ablate with --resume to rebuild it`);
  }
  return { file, data, unchecked: checkAblationSources(flag, file, data) };
}
