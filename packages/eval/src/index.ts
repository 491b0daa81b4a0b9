/**
 * @speedrl/eval — the evaluation protocol (docs/architecture.md, "Evaluation protocol"): the evaluation classifier's
 * test-set reference, the floors and their cache, evaluation cells, `runEval` (eval.json), `runCompare` (models ×
 * methods × budgets, compare.json), the schedule search `runTuneSchedule`, the result schemas, and the training-time
 * quality probe.
 */
export { computeFloorMetrics } from './reference';
export type { FloorMetrics } from './reference';
export {
  computeFloors, loadEvalClassifier, loadRewardClassifier, loadTestReference, loadTrainReference, rewardFeatures,
} from './reference';
export type { DatasetLoader, Floors, TestReference, TrainReference } from './reference';
export { FLOORS_FILE, floorsKey, loadOrComputeFloors } from './floors-cache';
export type { CachedFloors, FloorsInputs } from './floors-cache';
export { measureCell } from './cell';
export type { CellSampling, Judge } from './cell';
export { aggregate, markdownTable, meanStd } from './table';
export type { CellMetrics, EvalCell, EvalRow, MeanStd } from './table';
export { runEval } from './run-eval';
export type { EvalOptions, EvalResult } from './run-eval';
export { createQualityProbe } from './quality-probe';
export type { QualityProbe, QualityProbeOptions, QualityProbeResult } from './quality-probe';
export { trainVq } from './train-vq';
export type { TrainVqOptions, TrainVqSummary } from './train-vq';
export {
  compareModelSchema, compareResultSchema, compareRowSchema, evalResultSchema, evalRowSchema, gridEntrySchema, meanStdSchema,
  statNumberSchema,
} from './results';
export type {
  CompareFloors, CompareModel, CompareResult, CompareRowJson, EvalResultJson, EvalRowJson, MeanStdJson,
} from './results';
export { runCompare } from './compare/run-compare';
export type { CompareOptions } from './compare/run-compare';
export { runTuneSchedule } from './compare/run-tune';
export type { TuneOptions } from './compare/run-tune';
export {
  SPECIAL_METHODS, TUNED_SUFFIX, cellId, methodsOf, parseMethods, parseModels, parseNumberList, planCells, rowId, samplerConfigFor,
} from './compare/spec';
export type { BaseSampling, CellKey, ModelSpec, TunedEntry } from './compare/spec';
export { aggregateCells, compareMarkdown, sortRows } from './compare/table';
export type { CompareCell, CompareJson, CompareRow, GridEntry } from './compare/table';
export { paretoSeries, writePareto } from './compare/charts';
export type { ParetoAxis } from './compare/charts';
export { DEFAULT_SEARCH, minimise, pointKey } from './compare/search';
export type { Evaluated, SearchOptions } from './compare/search';
export {
  paramsAt, readTunedFile, searchSpace, stepArraysOf, trialSchema, tunedFileSchema, tunedScheduleSchema,
} from './compare/tuned-space';
export type { Coordinate, PlainStepArrays, TunedFile, TunedSchedule } from './compare/tuned-space';
