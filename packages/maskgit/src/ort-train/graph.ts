/**
 * What the layer files of the training graphs share (ONNX opset 17, plus the `com.microsoft` contrib domain of
 * onnxruntime for `FusedMatMul`): the graph they are built on (the package's one {@link GraphBuilder}, here writing the
 * domain on every node) and the context a layer's forward and backward are emitted in.
 */
import type { MaskGitConfig } from '../config';
import { GraphBuilder, MS_DOMAIN, type ModelInfo } from '@speedrl/tensor-utils';

/** Opset of the default ONNX domain (LayerNormalization with Mean / InvStdDev outputs needs 17). */
export const TRAIN_OPSET = 17;

/** Opset imports of the training graphs: the default domain at {@link TRAIN_OPSET} and com.microsoft 1. */
export const TRAIN_OPSETS: ModelInfo['opsets'] = Object.freeze([
  Object.freeze({ domain: '', version: TRAIN_OPSET }),
  Object.freeze({ domain: MS_DOMAIN, version: 1 }),
]);

/** A new, empty training graph. */
export function createTrainGraph(): GraphBuilder {
  return new GraphBuilder({ label: 'ort-train graph', nodeDomain: '' });
}

/** What a layer file needs to emit its forward and backward: the graph, the config and the parameter names. */
export interface LayerContext {
  readonly g: GraphBuilder;
  readonly cfg: MaskGitConfig;
  /** The graph value holding parameter `name` (a graph input). */
  param(name: string): string;
  /** Records the graph value of dLoss/d`name`. */
  grad(name: string, value: string): void;
}
