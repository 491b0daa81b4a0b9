/**
 * `@speedrl/report` — one self-contained offline HTML report of a run (`writeRunReport`): the inputs a run directory
 * holds (run.json, metrics.jsonl, grids, eval.json, compare.json, ablations.json) validated with zod, the sections
 * built from them, Chart.js charts and PNGs inlined so the file opens without network.
 *
 * @packageDocumentation
 */
export { writeRunReport } from './write';
export type { ReportResult, WriteRunReportOptions } from './write';
export { buildReport, evenlySpaced, pm } from './build';
export type { BuiltReport, SectionInfo } from './build';
export type { EvalInput, MetricsInput, ReportInputs } from './load';
export { renderReport, externalReferences } from './html';
export type { ReportBlock, ReportImage } from './html';
export type { ChartSeries, ChartSpec } from './charts';
export { ablationRowSchema, ablationRowsKey, ablationsSchema } from './schemas';
export { ablationEvalSource } from './ablation-sources';
export type { AblationEvalSource } from './ablation-sources';
export type { AblationRow, Ablations } from './schemas';
export { syntheticRecord, writeSyntheticClaims, writeSyntheticRun } from './synthetic-run';
export type { SyntheticRun } from './synthetic-run';
