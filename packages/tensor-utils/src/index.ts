/**
 * `@speedrl/tensor-utils` — tfjs backend selection, IDX data, PNG grids and plots, statistics and Fréchet distance, the ONNX graph builder.
 *
 * @packageDocumentation
 */
export { initBackend } from './backend';
export type { BackendName, BackendOptions, BackendReport } from './backend';
export { readIdxFile, DatasetError } from './idx';
export type { IdxArray, IdxData, IdxDtype } from './idx';
export {
  loadIdxDataset, imagesToFloat32, findIdxFile, idxFileNames, FASHION_MNIST_CLASSES, DEFAULT_FASHION_MNIST_DIR,
} from './fashion-mnist';
export type { IdxDataset, IdxDatasetOptions, IdxSplit } from './fashion-mnist';
export { imageGridToPng, writeImageGrid, readPng, DEFAULT_IMAGE_GRID } from './png';
export { SAMPLE_PNG_TEXT, pngTextOf, withPngText } from './png-text';
export type { ImageGridOptions, DecodedPng } from './png';
export {
  createMoments, updateMoments, mergeMoments, finalizeMoments, gaussianFromFeatures, mean, checkGaussian,
  gaussianToTensors, gaussianFromTensors, maxAbsDiff,
} from './stats';
export type { FeatureArray, Moments, GaussianStats, FinalizeOptions, F64Tensor } from './stats';
export { frechetDistance, frechetDistanceFromFeatures, DEFAULT_FRECHET_OPTIONS } from './frechet';
export type { FrechetOptions } from './frechet';
export { renderLineChart, writeLineChart, DEFAULT_LINE_CHART, OKABE_ITO, REFERENCE_GREY } from './plot';
export type { LineChartSpec, LineSeries, ReferenceLine, ChartColor, MarkerShape } from './plot';
export {
  conv2dSame, conv2dFilterGrad, conv2dInputGrad, samePadding, pixelShuffle, pixelUnshuffle, stopGradient,
} from './conv';
export { TF_ADAM_DEFAULTS, createTfAdamState, disposeTfAdamState, tfAdamWUpdate } from './tf-adamw';
export type { TfAdamState, TfAdamWOptions } from './tf-adamw';
export { encodeNpy, encodeNpz, writeNpz } from './npz';
export type { NpyArray, NpyData } from './npz';
export { writeSampleSet, checkSampleOut, sampleOutPath, SAMPLE_FORMATS } from './sample-set';
export type { SampleSet, SampleSetSummary, SampleClassCount, WriteSampleSetOptions } from './sample-set';
export { checkSampleSize } from './sample-set';
export { SAMPLE_MANIFEST, readSampleManifest } from './sample-manifest';
export type { SampleManifest, SampleManifestClass } from './sample-manifest';
export { pngDirTarget } from './sample-out';
export type { SampleFormat } from './sample-set';
export {
  GraphBuilder, valueInfo, readModelMetadata, ONNX_FLOAT, ONNX_INT32, ONNX_INT64, MS_DOMAIN,
} from './onnx-builder';
export type { AttrValue, GraphBuilderOptions, ModelInfo } from './onnx-builder';
export { convSame, denseLayer, hwioToOihw, nhwcRowsToNchw } from './onnx-conv';
export type { TfConvWeights } from './onnx-conv';
export { optionalImport } from './optional-import';
