import onnxProto from 'onnx-proto';
import { maskGitPreset } from '../config';
import { paramSpecs } from '../params';
import { buildForwardGraph, buildTrainGraph, GRAD_PREFIX, ORT_TRAIN_IO } from './build';
import { MS_DOMAIN } from '@speedrl/tensor-utils';
import { createTrainGraph, TRAIN_OPSET } from './graph';

const { onnx } = onnxProto;
const config = maskGitPreset('tiny');

function io(bytes: Uint8Array): { inputs: string[]; outputs: string[]; ops: Set<string>; opsets: Record<string, number> } {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph as InstanceType<typeof onnx.GraphProto>;
  return {
    inputs: graph.input.map((v) => String(v.name)),
    outputs: graph.output.map((v) => String(v.name)),
    ops: new Set(graph.node.map((n) => String(n.opType))),
    opsets: Object.fromEntries(model.opsetImport.map((o) => [o.domain, Number(o.version)])),
  };
}

test('train graph: parameters in, loss and one gradient per parameter out, in canonical order', () => {
  const names = paramSpecs(config).map((s) => s.name);
  const g = io(buildTrainGraph(config));
  expect(g.inputs).toEqual([...names, ORT_TRAIN_IO.tokens, ORT_TRAIN_IO.classes, ORT_TRAIN_IO.targets, ORT_TRAIN_IO.weights]);
  expect(g.outputs).toEqual([ORT_TRAIN_IO.loss, ...names.map((n) => `${GRAD_PREFIX}${n}`)]);
  expect(g.opsets).toEqual({ '': TRAIN_OPSET, [MS_DOMAIN]: 1 });
  // No [B, L, K] one-hot: the one-hot term goes through GatherElements / ScatterElements.
  expect(g.ops.has('OneHot')).toBe(false);
  expect(g.ops.has('ScatterElements')).toBe(true);
});

test('optional parts: soft targets, logits and target log-probs; forward graph outputs', () => {
  const soft = io(buildTrainGraph(config, { soft: true, logits: true, targetLogProbs: true }));
  expect(soft.inputs.slice(-2)).toEqual([ORT_TRAIN_IO.softTargets, ORT_TRAIN_IO.softWeights]);
  expect(soft.outputs.slice(-2)).toEqual([ORT_TRAIN_IO.logits, ORT_TRAIN_IO.targetLogProbs]);
  const fwd = io(buildForwardGraph(config, { logSoftmax: true, targetLogProbs: true }));
  expect(fwd.inputs.slice(-3)).toEqual([ORT_TRAIN_IO.tokens, ORT_TRAIN_IO.classes, ORT_TRAIN_IO.targets]);
  expect(fwd.outputs).toEqual([ORT_TRAIN_IO.logits, ORT_TRAIN_IO.logSoftmax, ORT_TRAIN_IO.targetLogProbs]);
  expect(io(buildForwardGraph(config)).outputs).toEqual([ORT_TRAIN_IO.logits]);
});

test('builder errors are clear', () => {
  const g = createTrainGraph();
  g.input('x', 1, [2]);
  expect(() => g.input('x', 1, [2])).toThrow('ort-train graph: duplicate input name "x"');
  expect(g.ints([1, 2])).toBe(g.ints([1, 2])); // constants are shared
  expect(() => buildTrainGraph({ ...config, heads: 3 })).toThrow('buildTrainGraph: config: field "dim" (32) must be divisible by "heads" (3)');
});
