/** @speedrl/tensor-utils — tfjs backend selection, IDX data, PNG grids and plots, statistics and Fréchet distance. */
export { initBackend, registerMissingWasmKernels, loadTfjsNode } from './backend';
export type { BackendName, BackendOptions, BackendReport } from './backend';
export { parseIdx, readIdxFile, encodeIdx, isGzip, IDX_MAX_DIMS, DatasetError } from './idx';
export type { IdxArray, IdxData, IdxDtype } from './idx';
export {
  loadIdxDataset, imagesToFloat32, findIdxFile, idxFileNames, FASHION_MNIST_CLASSES, DEFAULT_FASHION_MNIST_DIR,
} from './fashion-mnist';
export type { IdxDataset, IdxDatasetOptions, IdxSplit } from './fashion-mnist';
export { imageGridToPng, writeImageGrid, readPng, DEFAULT_IMAGE_GRID, LABEL_FONT_CHARS } from './png';
export { greyImageToPng } from './png';
export type { ImageGridOptions, DecodedPng } from './png';
export {
  createMoments, updateMoments, mergeMoments, finalizeMoments, gaussianFromFeatures, mean, std, checkGaussian,
  gaussianToJson, gaussianFromJson, gaussianToTensors, gaussianFromTensors,
} from './stats';
export type { FeatureArray, Moments, GaussianStats, FinalizeOptions, GaussianJson, F64Tensor } from './stats';
export { frechetDistance, frechetDistanceFromFeatures, symmetricSqrt, traceSqrtProduct, DEFAULT_FRECHET_OPTIONS } from './frechet';
export type { FrechetOptions } from './frechet';
export { drawLabelText, measureLabelText, LABEL_FONT_METRICS } from './png';
export { renderLineChart, writeLineChart, chartLayout, DEFAULT_LINE_CHART, OKABE_ITO, REFERENCE_GREY } from './plot';
export type { LineChartSpec, LineSeries, ReferenceLine, ChartColor, MarkerShape, ChartLayout, AxisTick, PixelRect } from './plot';
export { conv2dSame, conv2dFilterGrad, conv2dInputGrad, samePadding, pixelShuffle, pixelUnshuffle, stopGradient } from './conv';
export { TF_ADAM_DEFAULTS, createTfAdamState, disposeTfAdamState, tfAdamWUpdate } from './tf-adamw';
export type { TfAdamState, TfAdamWOptions } from './tf-adamw';
export { crc32, encodeNpy, encodeNpz, encodeZip, npyHeaderDict, writeNpz, NPY_DTYPES } from './npz';
export type { NpyArray, NpyData, ZipEntry } from './npz';
export {
  writeSampleSet, checkSampleOut, sampleOutPath, classDirName, imagesToUint8, countPerClass, SAMPLE_FORMATS, DEFAULT_SAMPLE_OUT,
} from './sample-set';
export type { SampleFormat, SampleSet, SampleSetSummary, SampleClassCount, WriteSampleSetOptions } from './sample-set';
