/**
 * @speedrl/pipeline — composition of the Speed-RL packages: model bundles (tokenizer + transformer) on either engine,
 * class-balanced sample sets, the MaskGIT RL policy and frozen reference, and the quality reward.
 */
export {
  MASKGIT_DIR, TOKENIZER_DIR, bundleIdentity, generatorFromParams, installBundleTokenizer, loadGenerator, tokenizerKey,
} from './bundle';
export type { Engine, Generator } from './bundle';
export { checkDataDir, checkSeedRange } from './checks';
export { loadClassifierFor } from './classifiers';
export type { LoadedClassifier } from './classifiers';
export { createMaskgitPolicy, createReference } from './maskgit-policy';
export type { MaskgitPolicy } from './maskgit-policy';
export { createQualityReward } from './quality-reward';
export type { QualityReward, QualityWeights, RealImagesSource } from './quality-reward';
export { balancedClasses, drawSampleSet } from './sample-set';
export type { SampleSet } from './sample-set';
