/**
 * `@speedrl/eval` — the evaluation protocol (docs/architecture.md, "Evaluation protocol"): the evaluation classifier's
 * test-set reference, the floors and their cache, evaluation cells, `runEval` (eval.json), `runCompare` (models ×
 * methods × budgets, compare.json), the schedule search `runTuneSchedule`, the result schemas, the acceleration factors
 * read off eval rows (`accelerationFactors`), and the training-time quality probe.
 *
 * @packageDocumentation
 */
export { computeFloorMetrics } from './reference';
export type { FloorMetrics } from './reference';
export {
  computeFloors, loadEvalClassifier, loadRewardClassifier, loadTestReference, loadTrainReference, rewardFeatures,
} from './reference';
export type { DatasetLoader, Floors, TestReference, TrainReference } from './reference';
export { measureCell } from './cell';
export type { CellSampling, Judge } from './cell';
export { aggregate, markdownTable } from './table';
export { canonicalDigest, canonicalJson, resultsDigest, rowSet, checkResultsKey, checkEvalResultRows, checkStoredCells, judgedDifferently, requireCells } from './stored-cells';
export type { CellMetrics, EvalCell, EvalRow } from './table';
export { EVAL_PRODUCTS, evalOptionsIntact, evalOptionsKey, runEval } from './run-eval';
export type { EvalOptions, EvalResult } from './run-eval';
export { createQualityProbe } from './quality-probe';
export { trainVq } from './train-vq';
export type { TrainVqOptions, TrainVqSummary } from './train-vq';
export {
  compareResultSchema, compareRowSchema, evalResultSchema, evalRowSchema, meanStdSchema, statNumberSchema, stepsDistributionSchema,
} from './results';
export type { CompareResult, CompareRowJson, EvalResultJson, EvalRowJson, MeanStdJson, StepsDistributionJson } from './results';
export { stepsTable } from './steps-table';
export type { TextTable } from './steps-table';
export { compareOptionsIntact, compareOptionsKey, DEFAULT_COMPARE_THRESHOLDS, runCompare } from './compare/run-compare';
export type { CompareOptions } from './compare/run-compare';
export { runTuneSchedule } from './compare/run-tune';
export type { TuneOptions } from './compare/run-tune';
export { aggregateCells, hybridLabel, tunedSourceNote } from './compare/table';
export { cellId, planCells, rowId } from './compare/spec';
export type { CellKey, ModelSpec } from './compare/spec';
export type { CompareCell, CompareJson, CompareRow } from './compare/table';
export { readTunedFile, stopMatchSchema, stopRuleSchema, stopTrialSchema, tunedFileSchema } from './compare/tuned-space';
export { describeStopMatches, stopRuleMatches } from './compare/tune-stop';
export type { StopMatch, StopTrial } from './compare/tune-stop';
export type { TunedFile } from './compare/tuned-space';
export { accelerationFactors, DEFAULT_ACCELERATION_CONFIG, formatFactor } from './acceleration';
export type { AccelerationInput, AccelerationRow, MeanStdLike } from './acceleration';
export { compareAcceleration, evalAcceleration, readBaseEval } from './acceleration-inputs';
export type { AccelerationBase, BaseEval, BaseEvalOptions, CompareAccelerationRow } from './acceleration-inputs';
export { accelerationMarkdown, accelerationTable, compareAccelerationMarkdown } from './acceleration-markdown';
export type { AccelerationTable } from './acceleration-markdown';
export {
  accelerationConfigSchema, accelerationSchema, compareAccelerationSchema, factorClaimSchema, qualityCheckSchema, recallCheckSchema,
  skippedRowSchema, stepTestSchema, equalStepTestSchema,
} from './acceleration-schema';
export type {
  Acceleration, AccelerationConfig, CompareAcceleration, FactorClaim, QualityCheck, RecallCheck, SkippedRow, StepTest, EqualStepTest,
} from './acceleration-schema';
