/**
 * ONNX export of the classifier forward (opset 17), built with the project's one graph builder (@speedrl/tensor-utils):
 * the same computation as `classifierForward` in `model.ts` without dropout (inference), on NCHW activations. Input
 * `images` float32 `[batch, size, size]` in [0, 1]; outputs `features` float32 `[batch, featureDim]` (post-ReLU
 * penultimate layer) and `logits` float32 `[batch, numClasses]`. The role and config are in the model's metadata.
 */
import type * as tf from '@tensorflow/tfjs';
import { convSame, denseLayer, GraphBuilder, nhwcRowsToNchw, ONNX_FLOAT, readModelMetadata, type TfConvWeights } from '@speedrl/tensor-utils';
import { checkRole, validateClassifierConfig, type ClassifierConfig } from './config';
import type { ClassifierRole } from './types';

/** ONNX opset of the classifier export. */
export const CLASSIFIER_ONNX_OPSET = 17;
/** Graph input and output names of an exported classifier. */
export const CLASSIFIER_ONNX_IO = Object.freeze({ images: 'images', features: 'features', logits: 'logits' });
/** `metadata_props` key holding the JSON `{ role, config }` of an exported classifier. */
export const CLASSIFIER_ONNX_META_KEY = 'speedrl.classifier';

/** What the export reads of a classifier: its role, config and parameters by checkpoint name. */
export interface ExportableClassifier {
  readonly role: ClassifierRole;
  readonly config: Readonly<ClassifierConfig>;
  readonly params: ReadonlyMap<string, tf.Tensor>;
}

/** Float32 values of parameter `name`, checked against its expected shape. */
function paramData(params: ReadonlyMap<string, tf.Tensor>, name: string): { data: Float32Array; shape: number[] } {
  const t = params.get(name);
  if (t === undefined) throw new Error(`exportClassifierOnnx: parameter "${name}" is missing`);
  return { data: t.dataSync() as Float32Array, shape: [...t.shape] };
}

/** Builds the ONNX model of `model` (its current weights) and returns its bytes. */
export function exportClassifierOnnx(model: ExportableClassifier): Uint8Array {
  const role = checkRole(model.role, 'exportClassifierOnnx');
  const cfg = validateClassifierConfig(model.config, 'exportClassifierOnnx: config');
  const g = new GraphBuilder({ label: 'classifier onnx export' });
  const size = cfg.imageSize;
  const conv = (x: string, name: string): string => {
    const w = paramData(model.params, `${name}.weight`);
    const weights: TfConvWeights = { weight: w.data, shape: w.shape, bias: paramData(model.params, `${name}.bias`).data };
    return convSame(g, x, name, weights);
  };
  const relu = (x: string, hint: string): string => g.op('Relu', [x], {}, hint);

  const images = g.input(CLASSIFIER_ONNX_IO.images, ONNX_FLOAT, ['batch', size, size]);
  const nchw = g.reshape(images, [-1, 1, size, size], 'images4'); // [B, 1, S, S]: the same memory as NHWC with C = 1
  const normalised = g.op('Div', [g.op('Sub', [nchw, g.scalar(cfg.inputMean)], {}, 'centred'), g.scalar(cfg.inputStd)], {}, 'normalised');
  let h = g.op('SpaceToDepth', [normalised], { blocksize: 2 }, 'unshuffled'); // [B, 4, S/2, S/2], TensorFlow's channel order
  cfg.stageChannels.forEach((_, s) => {
    if (s > 0) h = g.op(cfg.pooling === 'max' ? 'MaxPool' : 'AveragePool', [h], { kernel_shape: [2, 2], strides: [2, 2] }, `stage${s}.pool`);
    h = relu(conv(h, `stage${s}.conv`), `stage${s}.relu`);
    for (let r = 0; r < (cfg.stageResBlocks[s] ?? 0); r++) {
      const p = `stage${s}.res${r}`;
      const branch = conv(relu(conv(h, `${p}.conv1`), `${p}.relu1`), `${p}.conv2`);
      h = relu(g.op('Add', [h, branch], {}, `${p}.sum`), `${p}.out`);
    }
  });
  const side = size / 2 ** cfg.stageChannels.length;
  const channels = cfg.stageChannels[cfg.stageChannels.length - 1] as number;
  const flat = g.reshape(h, [0, -1], 'flat'); // NCHW order; fc's rows are reordered to match
  const fc = paramData(model.params, 'fc.weight');
  const features = relu(denseLayer(g, flat, 'fc', nhwcRowsToNchw(fc.data, side, side, channels), fc.shape, paramData(model.params, 'fc.bias').data), 'fc.relu');
  const head = paramData(model.params, 'head.weight');
  const logits = denseLayer(g, features, 'head', head.data, head.shape, paramData(model.params, 'head.bias').data);
  g.output(CLASSIFIER_ONNX_IO.features, features, ONNX_FLOAT, ['batch', cfg.featureDim]);
  g.output(CLASSIFIER_ONNX_IO.logits, logits, ONNX_FLOAT, ['batch', cfg.numClasses]);
  return g.encode({
    graphName: `classifier_${role}`,
    opsets: [{ domain: '', version: CLASSIFIER_ONNX_OPSET }],
    producer: '@speedrl/rewards-clip-fid',
    docString: `The ${role} classifier: images [batch, ${size}, ${size}] in [0, 1] → features [batch, ${cfg.featureDim}], logits [batch, ${cfg.numClasses}]`,
    metadata: { [CLASSIFIER_ONNX_META_KEY]: JSON.stringify({ role, config: cfg }) },
  });
}

/** The role and config recorded in an exported classifier's metadata (validated). */
export function classifierOnnxInfo(bytes: Uint8Array): { role: ClassifierRole; config: Readonly<ClassifierConfig> } {
  const text = readModelMetadata(bytes)[CLASSIFIER_ONNX_META_KEY];
  if (text === undefined) throw new Error(`classifier onnx: the model has no "${CLASSIFIER_ONNX_META_KEY}" metadata (not exported by exportClassifierOnnx)`);
  const json = JSON.parse(text) as { role?: unknown; config?: unknown };
  return { role: checkRole(json.role, 'classifier onnx metadata'), config: validateClassifierConfig(json.config, 'classifier onnx metadata') };
}
