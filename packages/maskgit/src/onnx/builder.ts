/**
 * A tiny ONNX graph builder over onnx-proto's protobufjs classes (ONNX IR spec: onnx/onnx `onnx.proto`):
 * initializers, constants and nodes with fresh SSA names, serialised to ModelProto bytes.
 */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';

const { onnx } = onnxProto;

/** ONNX element types used here (TensorProto.DataType). */
export const ONNX_FLOAT = 1;
/** int32 element type. */
export const ONNX_INT32 = 6;
/** int64 element type. */
export const ONNX_INT64 = 7;

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Little-endian bytes of a typed array (a copy). */
function leBytes(data: Float32Array | BigInt64Array): Uint8Array {
  const out = new Uint8Array(data.byteLength);
  if (HOST_LE) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return out;
  }
  const view = new DataView(out.buffer);
  if (data instanceof Float32Array) data.forEach((v, i) => view.setFloat32(4 * i, v, true));
  else data.forEach((v, i) => view.setBigInt64(8 * i, v, true));
  return out;
}

/** An attribute value: int, float, ints, floats or string. */
export type AttrValue = number | number[] | string | { float: number } | { floats: number[] };

function attribute(name: string, value: AttrValue): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') return { name, type: T.INT, i: value };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  return { name, type: T.FLOATS, floats: value.floats };
}

/** A tensor value-info with a shape of fixed sizes (numbers) and symbolic dims (strings). */
export function valueInfo(name: string, elemType: number, shape: (number | string)[]): OnnxTypes.IValueInfoProto {
  const dim = shape.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return { name, type: { tensorType: { elemType, shape: { dim } } } };
}

/** Accumulates nodes and initializers of one graph. */
export class GraphBuilder {
  readonly nodes: OnnxTypes.INodeProto[] = [];
  readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly used = new Set<string>();
  private counter = 0;

  /** A fresh value name starting with `hint`. */
  fresh(hint: string): string {
    let name = hint;
    while (this.used.has(name)) name = `${hint}_${++this.counter}`;
    this.used.add(name);
    return name;
  }

  /** Adds a float32 initializer of `dims` and returns its name. */
  float(name: string, dims: number[], data: Float32Array): string {
    const n = this.fresh(name);
    this.initializers.push({ name: n, dims, dataType: ONNX_FLOAT, rawData: leBytes(data) });
    return n;
  }

  /** Adds an int64 initializer (a scalar when `dims` is `[]`) and returns its name. */
  int64(name: string, dims: number[], values: number[]): string {
    const n = this.fresh(name);
    this.initializers.push({ name: n, dims, dataType: ONNX_INT64, rawData: leBytes(BigInt64Array.from(values.map(BigInt))) });
    return n;
  }

  /** Adds a node `opType(inputs)` with attributes and returns its (single) output name. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, outHint = opType.toLowerCase()): string {
    const out = this.fresh(outHint);
    this.nodes.push({
      opType,
      input: inputs,
      output: [out],
      name: `${opType}_${this.nodes.length}`,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return out;
  }

  /** Adds an Identity node writing `input` to the graph output `name`. */
  output(name: string, input: string): void {
    this.used.add(name);
    this.nodes.push({ opType: 'Identity', input: [input], output: [name], name: `Identity_${this.nodes.length}` });
  }
}

/** Model-level fields of {@link encodeModel}. */
export interface ModelInfo {
  graphName: string;
  inputs: OnnxTypes.IValueInfoProto[];
  outputs: OnnxTypes.IValueInfoProto[];
  opset: number;
  producer: string;
  docString?: string;
  metadata?: Record<string, string>;
}

/** Serialises a built graph as ONNX ModelProto bytes (IR version 8). */
export function encodeModel(g: GraphBuilder, info: ModelInfo): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: info.producer,
    producerVersion: '0.1.0',
    docString: info.docString ?? '',
    opsetImport: [{ domain: '', version: info.opset }],
    metadataProps: Object.entries(info.metadata ?? {}).map(([key, value]) => ({ key, value })),
    graph: { name: info.graphName, node: g.nodes, initializer: g.initializers, input: info.inputs, output: info.outputs },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Reads `metadata_props` of ONNX model bytes (decodes the whole ModelProto). */
export function readModelMetadata(bytes: Uint8Array): Record<string, string> {
  const model = onnx.ModelProto.decode(bytes);
  const out: Record<string, string> = {};
  for (const { key, value } of model.metadataProps) if (typeof key === 'string') out[key] = value ?? '';
  return out;
}
