/**
 * `@speedrl/maskgit` — class-conditional MaskGIT transformer (Chang et al. 2022) with tfjs and onnxruntime engines.
 *
 * @packageDocumentation
 */
export {
  DEFAULT_MASKGIT_CONFIG, MASKGIT_PRESETS, maskGitPreset, maskTokenId, nullClassId, forwardFlops,
} from './config';
export type { MaskGitConfig, MaskGitPresetName } from './config';
export { initParams, paramSpecs, countParams, cloneParams } from './params';
export type { MaskGitParams, ParamTensor, ParamSpec, ParamInit } from './params';
export { saveModel, loadModel, readModelConfig, readModelMetadata, modelIdentity } from './checkpoint';
export type { LoadedModel, ModelMetadata } from './checkpoint';
export { forward } from './model';
export type { TfParams, ForwardOptions } from './model';
export { createTrainer, DEFAULT_TRAINER_OPTIONS } from './train';
export type { Trainer, TrainerOptions, CreateTrainerOptions, OptimizerState, StepResult } from './train';
export { createWeightEma, validateEmaDecays } from './weight-ema';
export type { WeightEma, WeightEmaState } from './weight-ema';
export { exportOnnx, writeOnnxModel, onnxModelIdentity, ONNX_FILE } from './onnx/export';
export { createOrtLogitsFn } from './ort-engine';
export type { OrtEngineOptions } from './ort-engine';
export { createTfjsLogitsFn } from './tfjs-engine';
export type { LogitsFn, DisposableLogitsFn } from './inputs';
export { createAdamW } from './adamw';
export type { AdamW, AdamWOptions, AdamWUpdate } from './adamw';
export { createOrtTrainer } from './ort-train/trainer';
export type { OrtTrainer, CreateOrtTrainerOptions } from './ort-train/trainer';
export { createOrtTrainEngine } from './ort-train/engine';
export type {
  OrtTrainEngine, OrtTrainEngineOptions, GradientInputs, GradientOptions, GradientResult, OrtForwardOptions, OrtForwardResult,
} from './ort-train/engine';
export type { GraphSessionOptions as OrtTrainSessionOptions } from './ort-session';
