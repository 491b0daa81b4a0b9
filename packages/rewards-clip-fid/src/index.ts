/**
 * `@speedrl/rewards-clip-fid` — rewards for training and set metrics for judging
 * (docs/architecture.md, "Speed-RL objective" and "Evaluation protocol").
 *
 * @packageDocumentation
 */
export { predictChecked } from './rewards/types';
export type { RewardInput, RewardFn, FeatureModel, FeatureOutput } from './rewards/types';
export { createClassifierReward, DEFAULT_CLASSIFIER_REWARD_CONFIG } from './rewards/classifier-reward';
export type { ClassifierRewardConfig } from './rewards/classifier-reward';
export { createRealismReward, DEFAULT_REALISM_CONFIG } from './rewards/realism';
export type { ClassGaussian, RealismConfig } from './rewards/realism';
export { createMmdWitnessReward, realClassFeatures, DEFAULT_MMD_WITNESS_CONFIG } from './rewards/mmd-witness';
export type { MmdWitnessConfig, RealClassFeatures } from './rewards/mmd-witness';
export { combineRewards, DEFAULT_COMBINE_CONFIG } from './rewards/combine';
export type {
  RewardComponent, ZScoreMode, NanPolicy, CombineConfig, RunningStat, NormaliserState, CombinedScores, CombinedReward,
} from './rewards/combine';
export { listRewards } from './rewards/registry';
export type { RewardName, RewardInfo } from './rewards/registry';
export { loadClipModel } from './clip/clip-onnx';
export type { ClipOnnxOptions, ClipOnnxModel } from './clip/clip-onnx';
export { createClipReward, DEFAULT_CLIP_REWARD_CONFIG } from './clip/clip-reward';
export type { ClipEncoder, ClipRewardConfig } from './clip/clip-reward';
export type { ClipTokenizer, TokenizedBatch } from './clip/tokenizer';
export type { ClipImageSpec } from './clip/preprocess';
export { fcd, featureGaussian } from './metrics/fd';
export type { FcdInput } from './metrics/fd';
export { kid, DEFAULT_KID_CONFIG } from './metrics/kid';
export type { KidConfig, KidResult } from './metrics/kid';
export { precisionRecall, prepareManifold, DEFAULT_PRECISION_RECALL_CONFIG } from './metrics/precision-recall';
export type { PrecisionRecallConfig, PrecisionRecallResult, Manifold } from './metrics/precision-recall';
export type { PackedRows } from './metrics/pairwise';
export { classAccuracy } from './metrics/accuracy';
export type { AccuracyResult } from './metrics/accuracy';
export type { FeatureSet } from './metrics/features';
export {
  extractEvalOutputs, prepareReference, computeSetMetrics, DEFAULT_SET_METRICS_CONFIG,
} from './metrics/set-metrics';
export type { EvalOutputs, ReferenceStats, SetMetricsConfig, SetMetrics, ExtractOptions } from './metrics/set-metrics';
// classifiers
export type { ClassifierRole } from './classifiers/types';
export {
  DEFAULT_REWARD_CLASSIFIER_CONFIG, DEFAULT_EVAL_CLASSIFIER_CONFIG, CLASSIFIER_SEEDS, CLASSIFIER_PRESETS,
  classifierPreset,
} from './classifiers/config';
export type { ClassifierConfig, ClassifierPooling, ClassifierPresetName } from './classifiers/config';
export { createClassifier, classifierFeatureFn } from './classifiers/model';
export type { Classifier } from './classifiers/model';
export { trainClassifier, evaluateClassifier } from './classifiers/train';
export type { TrainClassifierOptions, ClassifierTrainProgress, ClassifierTrainResult } from './classifiers/train';
export { saveClassifier, loadClassifier } from './classifiers/checkpoint';
export type { LoadedClassifier, SaveClassifierOptions } from './classifiers/checkpoint';
export {
  FEATURE_STATS_FILE, featureStatistics, saveFeatureStatistics, loadFeatureStatistics,
} from './classifiers/feature-stats';
export type { FeatureStatistics, FeatureStatisticsOptions } from './classifiers/feature-stats';
export type { ClassifierImages, ClassifierLabels } from './classifiers/data';
export {
  exportClassifierOnnx, classifierOnnxInfo, CLASSIFIER_ONNX_IO, CLASSIFIER_ONNX_OPSET, CLASSIFIER_ONNX_META_KEY,
} from './classifiers/onnx-export';
export type { ExportableClassifier } from './classifiers/onnx-export';
export { createOrtFeatureModel, featureModelOnEngine } from './classifiers/ort-model';
export type { FeatureEngine, OrtFeatureModel, OrtFeatureModelOptions } from './classifiers/ort-model';
export { onnxRuntimeAvailable } from './ort-runtime';
