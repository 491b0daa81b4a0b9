/** @speedrl/vq-tokenizer — VQ-VAE image tokenizer (van den Oord et al. 2017) with an EMA codebook. */
export { DEFAULT_VQ_CONFIG, VQ_PRESETS, vqPreset, validateVqConfig, resolveVqConfig, latentSide, tokensPerImage } from './config';
export type { VqConfig, VqDownsample, VqPresetName } from './config';
export { createVqModel, disposeVqModel, encodeLatents, decodeLatents, vqParamShapes } from './model';
export type { VqModel } from './model';
export { trainStep } from './train-step';
export type { VqStepMetrics, VqFeatureFn, VqPerceptualLoss } from './train-step';
export { train } from './train';
export type { VqTrainOptions, VqTrainProgress, VqTrainResult } from './train';
export { initCodebookKMeans, kmeans } from './kmeans';
export type { KMeansInitOptions, KMeansResult } from './kmeans';
export { encode, decode, evaluate } from './codec';
export type { VqEvaluation } from './codec';
export { saveVq, loadVq, VQ_WEIGHTS_FILE, VQ_CONFIG_FILE, VQ_FORMAT } from './checkpoint';
export type { LoadedVq, SaveVqOptions } from './checkpoint';
export { emaUpdate, restartDeadCodes, codeUsage } from './ema';
export type { EmaState } from './ema';
export type { VqImages } from './images';
export { conv2dSame, pixelShuffle, pixelUnshuffle, stopGradient } from './conv';
