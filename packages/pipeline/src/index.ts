/**
 * `@speedrl/pipeline` — composition of the Speed-RL packages: model bundles (tokenizer + transformer) on either engine,
 * class-balanced sample sets, the MaskGIT RL policy and frozen reference, the quality reward, run directories, and the
 * two long runs built from them: Speed-RL (`accelerate`) and MaskGIT pretraining (`trainMaskgit`).
 *
 * @packageDocumentation
 */
export {
  MASKGIT_DIR, TOKENIZER_DIR, bundleIdentity, bundleIterations, checkBundleSteps, checkDerivedFrom, generatorFromParams, installBundleTokenizer, loadGenerator, tokenizerKey,
} from './bundle';
export type { Engine, Generator } from './bundle';
export { interpolateModel, interpolateParams } from './interpolate-model';
export type { InterpolateModelOptions, InterpolateModelResult } from './interpolate-model';
export { loadRlModel, rlRunFinished } from './rl-model';
export type { RlModel, RlModelOptions } from './rl-model';
export {
  changedInputs, checkDataDir, checkRecordedInputs, checkSamplerOptionsRead, checkSeedRange, classifierFiles, dataFiles, inputKeys, jobInputKeys, jobInputPaths, newJobRecord, maskgitInputs, trainingInputs,
} from './checks';
export type { JobInputKind, JobInputs, JobRecord } from './checks';
export { loadClassifierFor } from './classifiers';
export { createMaskgitPolicy, createReference } from './maskgit-policy';
export type { MaskgitPolicy } from './maskgit-policy';
export { ACCELERATE_REWARD_FLAGS, accelerateRewardUse, createQualityReward } from './quality-reward';
export type { QualityReward, QualityWeights, RealImagesSource } from './quality-reward';
export { drawSampleSet } from './sample-set';
export type { SampleSet } from './sample-set';
export { RUN_FILES, checkCheckpointSeed, checkNewOutDir, defaultedNote, openRunDir, readConfigStep, runModeOf, savedRunOptions } from './run-dir';
export type { InputPaths, RunDir, RunMode } from './run-dir';
export { checkCheckpointOptions, checkCheckpointRun, checkEpochsUsed, checkResumeOverrides, checkSavedOptions, checkpointRunRecord, definingOptions, savedOptions } from './resume-options';
export type { CheckpointRunRecord } from './resume-options';
export type { LengthChange } from './resume-options';
export type { CheckedRun } from './resume-options';
export { LOCK_FILE, acquireRunLock, lockMark, processAlive, releaseLocksSince, withRunLock } from './run-lock';
export { sampleOutLock, withSampleOutLock } from './sample-out-lock';
export { installInterruptHandler, installStopHint, interruptRequested } from './interrupt';
export type { InterruptHandler, StopSignal } from './interrupt';
export { ROLLOUT_OPTIONS, accelerate, checkRolloutOptions, openAccelerateRun, speedRlConfigOf } from './accelerate';
export type { AccelerateOptions, AccelerateSummary } from './accelerate';
export type { AccelerateRun, RolloutSelectors } from './accelerate';
export type { RewardChange, RewardKeyEntry } from './reward-resume';
export { checkCooldownResume, cooldownOf, emaDecays, trainMaskgit, writeQualityCurve } from './train-maskgit';
export type {
  ProbeRecord, QualityProbe, QualityProbeOptions, QualityProbeResult, TrainMaskgitOptions, TrainMaskgitSummary,
} from './train-maskgit';
export { CLASSIFIER_DIR, trainClassifierRun } from './train-classifier';
export type { TrainClassifierRunOptions, TrainClassifierRunSummary } from './train-classifier';
