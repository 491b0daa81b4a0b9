/**
 * @speedrl/report — one self-contained offline HTML report of a run (`writeRunReport`): the inputs a run directory
 * holds (run.json, metrics.jsonl, grids, eval.json, compare.json, ablations.json) validated with zod, the sections
 * built from them, Chart.js charts and PNGs inlined so the file opens without network.
 */
export { writeRunReport } from './write';
export type { ReportResult, WriteRunReportOptions } from './write';
export { buildReport, evenlySpaced, pm, MAX_GRID_ITERATIONS } from './build';
export type { BuiltReport, SectionInfo } from './build';
export { loadReportInputs, parseMetricsText, evalName, REPORT_FILES } from './load';
export type { EvalInput, MetricsInput, ReportInputs, ReportSources } from './load';
export { renderReport, escapeHtml, externalReferences } from './html';
export type { ReportBlock, ReportImage } from './html';
export { chartConfig, chartLibrarySource, PALETTE } from './charts';
export type { ChartSeries, ChartSpec } from './charts';
export {
  ablationRowSchema, ablationsSchema, metricsRecordSchema, readJsonFile, runJsonSchema, validateJson,
} from './schemas';
export type { AblationRow, Ablations, MetricsRecord, RunJson } from './schemas';
export { syntheticRecord, writeSyntheticRun } from './synthetic-run';
export type { SyntheticRun } from './synthetic-run';
