/** @speedrl/tensor-utils — backend selection, seeded RNG, checkpoints, data, images and statistics. */
export { Rng } from './rng';
export type { RngState } from './rng';
export { initBackend, registerMissingWasmKernels, loadTfjsNode } from './backend';
export type { BackendName, BackendOptions, BackendReport } from './backend';
export { parseIdx, readIdxFile, encodeIdx, isGzip, IDX_MAX_DIMS } from './idx';
export type { IdxArray, IdxData, IdxDtype } from './idx';
export {
  loadIdxDataset, imagesToFloat32, findIdxFile, idxFileNames, FASHION_MNIST_CLASSES, DEFAULT_FASHION_MNIST_DIR,
} from './fashion-mnist';
export type { IdxDataset, IdxDatasetOptions, IdxSplit } from './fashion-mnist';
export { imageGridToPng, writeImageGrid, readPng, DEFAULT_IMAGE_GRID, LABEL_FONT_CHARS } from './png';
export type { ImageGridOptions, DecodedPng } from './png';
export {
  createMoments, updateMoments, mergeMoments, finalizeMoments, gaussianFromFeatures, mean, std, checkGaussian,
  gaussianToJson, gaussianFromJson, gaussianToTensors, gaussianFromTensors,
} from './stats';
export type { FeatureArray, Moments, GaussianStats, FinalizeOptions, GaussianJson, F64Tensor } from './stats';
export { frechetDistance, frechetDistanceFromFeatures, symmetricSqrt, traceSqrtProduct, DEFAULT_FRECHET_OPTIONS } from './frechet';
export type { FrechetOptions } from './frechet';
export {
  encodeSafetensors, decodeSafetensors, readSafetensors, readSafetensorsHeader, writeSafetensors, requireTensor,
} from './safetensors';
export type { SafeTensorMap, SafetensorsContents } from './safetensors';
export { SafetensorsError, SAFETENSORS_MAX_HEADER_BYTES, SAFETENSORS_METADATA_KEY } from './safetensors-header';
export type { SafetensorsHeader, SafetensorsTensorInfo } from './safetensors-header';
export {
  SAFETENSORS_DTYPES, dtypeByteSize, isSafetensorsDtype, float32ToF16, f16ToFloat32, float32ToBf16, bf16ToFloat32,
} from './safetensors-dtypes';
export type { SafeTensor, SafetensorsDtype, SafetensorsArrayTypes } from './safetensors-dtypes';
export { writeFileAtomic, writeJsonAtomic } from './atomic-write';
export { sha256File, contentKey } from './file-hash';
export type { AtomicWriteOptions } from './atomic-write';
export { appendJsonl, readJsonl, trimJsonlToStep } from './metrics-log';
export type { JsonlContents, MetricsRecord } from './metrics-log';
export { CHECKPOINT_COMPLETE_MARKER, findCheckpointDir, writeCheckpointDir } from './checkpoint-dir';
export { drawLabelText, measureLabelText, LABEL_FONT_METRICS } from './png';
export { renderLineChart, writeLineChart, chartLayout, DEFAULT_LINE_CHART, OKABE_ITO, REFERENCE_GREY } from './plot';
export type { LineChartSpec, LineSeries, ReferenceLine, ChartColor, MarkerShape, ChartLayout, AxisTick, PixelRect } from './plot';
export { conv2dSame, conv2dFilterGrad, conv2dInputGrad, samePadding, pixelShuffle, pixelUnshuffle, stopGradient } from './conv';
export { TF_ADAM_DEFAULTS, createTfAdamState, disposeTfAdamState, tfAdamWUpdate } from './tf-adamw';
export type { TfAdamState } from './tf-adamw';
