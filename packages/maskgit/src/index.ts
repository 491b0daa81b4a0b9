/** @speedrl/maskgit — class-conditional MaskGIT transformer (Chang et al. 2022) with tfjs and onnxruntime engines. */
export { DEFAULT_MASKGIT_CONFIG, MASKGIT_PRESETS, maskGitPreset, validateMaskGitConfig, maskTokenId, nullClassId, forwardFlops } from './config';
export type { MaskGitConfig, MaskGitPresetName } from './config';
export { initParams, paramSpecs, countParams, checkParams, getParam, cloneParams, shapeSize } from './params';
export type { MaskGitParams, ParamTensor, ParamSpec, ParamInit } from './params';
export { saveModel, loadModel, WEIGHTS_FILE, CONFIG_FILE, MODEL_FORMAT, MODEL_FORMAT_VERSION } from './checkpoint';
export type { LoadedModel, ModelMetadata } from './checkpoint';
export { forward, paramsToTf, tfToParams, disposeTfParams, layerNorm, geluTanh } from './model';
export type { TfParams, ForwardOptions } from './model';
export { maskBatch, cosineMaskRatio, maskCountFor } from './masking';
export type { MaskedBatch } from './masking';
export { createTrainer, learningRateAt, maskedCrossEntropy, DEFAULT_TRAINER_OPTIONS } from './train';
export type { Trainer, TrainerOptions, CreateTrainerOptions, OptimizerState, StepResult } from './train';
export { exportOnnx, writeOnnxModel, MASKGIT_ONNX_OPSET, MASKGIT_ONNX_IO, ONNX_CONFIG_KEY, ONNX_FILE } from './onnx/export';
export { createOrtLogitsFn } from './ort-engine';
export type { OrtEngineOptions } from './ort-engine';
export { createTfjsLogitsFn } from './tfjs-engine';
export { checkLogitsInputs } from './inputs';
export type { LogitsFn, DisposableLogitsFn, InputDims } from './inputs';
