/** @speedrl/sampler — MaskGIT-family samplers over any LogitsFn (Chang et al. 2022, `parallel_decode`), with trajectories for RL. */
export type { GuidanceConfig, LogitsFn, SampleState, SamplerConfig, SamplerMethod, StepArrays, StepFn, StepRecord, StepResult, Trajectory } from './types';
export { DEFAULT_GUIDANCE, DEFAULT_SAMPLER_CONFIG, resolveSamplerConfig, validateSamplerConfig } from './config';
export {
  MASK_SCHEDULES, SCHEDULE_NAMES, arccosSchedule, cosineSchedule, expSchedule, getSchedule, linearSchedule, logSchedule,
  maskedCountsForSteps, maskedCountsFromRatios, nextMaskedCount, powSchedule,
} from './schedules';
export type { MaskSchedule } from './schedules';
export { annealedGumbelScale, guidanceWeightAt, resolveStepParams, stepMaskRatio, validateStepArrays } from './step-arrays';
export type { StepParams } from './step-arrays';
export { combineGuidance, drawToken, modelLogProb, policyLogProbs, validateLogits } from './policy';
export type { TokenDraw } from './policy';
export { initState, maskedCounts, maskedPositions, validateState } from './state';
export type { InitStateOptions } from './state';
export { confidenceStep } from './confidence-step';
export { HALTON_OFFSET_STREAM, haltonGrid, haltonOrder, haltonStep, radicalInverse, sampleHaltonOrder } from './halton';
export { adaptiveStep } from './adaptive';
export { STEP_FUNCTIONS, sample } from './sample';
export type { SampleOptions, SampleResult } from './sample';
export { commitSteps, committedCountsPerStep, trajectoryLogProbs } from './trajectory';
