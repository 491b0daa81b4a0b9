/**
 * `@speedrl/sampler` — MaskGIT-family samplers over any LogitsFn (Chang et al. 2022, `parallel_decode`), with trajectories for RL.
 *
 * @packageDocumentation
 */
export type {
  AdaptiveMinPerStep, GuidanceConfig, LogitsFn, SampleState, SamplerConfig, SamplerMethod, StepArrays, StepFn, StepRecord, StepResult,
  Trajectory,
} from './types';
export { DEFAULT_GUIDANCE, DEFAULT_SAMPLER_CONFIG, guidanceForWeight, resolveSamplerConfig, validateSamplerConfig } from './config';
export {
  MASK_SCHEDULES, getSchedule, maskedCountsForSteps, maskedCountsFromRatios, nextMaskedCount,
} from './schedules';
export type { MaskSchedule } from './schedules';
export { annealedGumbelScale, validateStepArrays } from './step-arrays';
export { initState } from './state';
export type { InitStateOptions } from './state';
export { confidenceStep } from './confidence-step';
export { haltonStep } from './halton';
export { adaptiveStep } from './adaptive';
export { sample } from './sample';
export type { SampleOptions, SampleResult } from './sample';
export { commitSteps, committedCountsPerStep, trajectoryLogProbs } from './trajectory';
export { describeStepDistribution, mergeStepDistributions, stepDistribution } from './step-distribution';
export type { ClassStepDistribution, StepCounts, StepDistribution } from './step-distribution';
