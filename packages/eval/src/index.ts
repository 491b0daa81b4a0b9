/**
 * @speedrl/eval — the evaluation protocol (docs/architecture.md, "Evaluation protocol"): the evaluation classifier's
 * test-set reference, the floors and their cache, evaluation cells, `runEval` (eval.json), and the training-time
 * quality probe.
 */
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
export { createQualityProbe, writeQualityCurve } from './quality-probe';
export type { QualityProbe, QualityProbeOptions, QualityProbeResult } from './quality-probe';
