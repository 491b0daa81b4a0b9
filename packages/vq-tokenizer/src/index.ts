/**
 * `@speedrl/vq-tokenizer` — VQ-VAE image tokenizer (van den Oord et al. 2017) with an EMA codebook.
 *
 * @packageDocumentation
 */
export { DEFAULT_VQ_CONFIG, VQ_PRESETS, vqPreset, resolveVqConfig } from './config';
export type { VqConfig, VqDownsample, VqPresetName } from './config';
export { createVqModel, disposeVqModel } from './model';
export type { VqModel } from './model';
export type { VqStepMetrics, VqFeatureFn, VqPerceptualLoss } from './train-step';
export { train } from './train';
export type { VqTrainOptions, VqTrainProgress, VqTrainResult } from './train';
export { encode, decode, evaluate } from './codec';
export type { VqEvaluation } from './codec';
export {
  exportVqDecoderOnnx, vqDecoderOnnxConfig, VQ_DECODER_ONNX_IO, VQ_DECODER_ONNX_OPSET, VQ_DECODER_ONNX_CONFIG_KEY,
} from './onnx-export';
export { createOrtVqDecoder, vqOnnxRuntimeAvailable } from './ort-decoder';
export type { OrtVqDecoder, OrtVqDecoderOptions } from './ort-decoder';
export { saveVq, loadVq } from './checkpoint';
export type { LoadedVq, SaveVqOptions } from './checkpoint';
export type { EmaState } from './ema';
export type { VqImages } from './images';
