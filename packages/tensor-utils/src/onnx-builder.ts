/**
 * The project's one ONNX graph builder, over onnx-proto's protobufjs classes (ONNX IR spec: onnx/onnx `onnx.proto`):
 * graph inputs and outputs, named initializers and cached constants, single- and multi-output nodes with fresh SSA
 * names, composite helpers, and serialisation to ModelProto bytes. Every graph is built with it: the MaskGIT export
 * and training graphs (@speedrl/maskgit), the classifier export (@speedrl/rewards-clip-fid) and the VQ decoder export
 * (@speedrl/vq-tokenizer). Conv helpers over tfjs-layout weights are in `onnx-conv.ts`.
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
/** The onnxruntime contrib domain (FusedMatMul with transA / transB / alpha). */
export const MS_DOMAIN = 'com.microsoft';

const HOST_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Little-endian bytes of a typed array (a copy), as ONNX raw_data requires. */
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

/** Settings of a {@link GraphBuilder}. */
export interface GraphBuilderOptions {
  /** Names the graph in errors (default "onnx graph"). */
  readonly label?: string;
  /**
   * The domain written on each node that names none; undefined (the default) leaves the field out, which ONNX also
   * reads as the default domain (the two serialise differently).
   */
  readonly nodeDomain?: string;
}

/** Model-level fields of {@link GraphBuilder.encode}. */
export interface ModelInfo {
  readonly graphName: string;
  /** Opset imports, e.g. `[{ domain: '', version: 17 }]`. */
  readonly opsets: readonly { readonly domain: string; readonly version: number }[];
  readonly producer: string;
  readonly docString?: string;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Accumulates the nodes, initializers, inputs and outputs of one graph. */
export class GraphBuilder {
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly inputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly outputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly used = new Set<string>();
  private readonly constCache = new Map<string, string>();
  private counter = 0;
  private readonly label: string;
  private readonly nodeDomain: string | undefined;

  constructor(options: GraphBuilderOptions = {}) {
    this.label = options.label ?? 'onnx graph';
    this.nodeDomain = options.nodeDomain;
  }

  /** A fresh value name starting with `hint`. */
  fresh(hint: string): string {
    let name = hint;
    while (this.used.has(name)) name = `${hint}_${++this.counter}`;
    this.used.add(name);
    return name;
  }

  /** Declares a graph input of `elemType` and `shape` (numbers fixed, strings symbolic); returns its exact name. */
  input(name: string, elemType: number, shape: (number | string)[]): string {
    if (this.used.has(name)) throw new Error(`${this.label}: duplicate input name "${name}"`);
    this.used.add(name);
    this.inputs.push(valueInfo(name, elemType, shape));
    return name;
  }

  /** Declares graph output `name` holding `value` (through an Identity node). */
  output(name: string, value: string, elemType: number, shape: (number | string)[]): void {
    if (this.used.has(name)) throw new Error(`${this.label}: duplicate output name "${name}"`);
    this.used.add(name);
    this.nodes.push({ opType: 'Identity', input: [value], output: [name], name: `Identity_${this.nodes.length}` });
    this.outputs.push(valueInfo(name, elemType, shape));
  }

  /** Adds a float32 initializer of `dims` named after `name` and returns its name. */
  float(name: string, dims: number[], data: Float32Array): string {
    const n = this.fresh(name);
    this.initializers.push({ name: n, dims, dataType: ONNX_FLOAT, rawData: leBytes(data) });
    return n;
  }

  /** Adds an int64 initializer (a scalar when `dims` is `[]`) named after `name` and returns its name. */
  int64(name: string, dims: number[], values: number[]): string {
    const n = this.fresh(name);
    this.initializers.push({ name: n, dims, dataType: ONNX_INT64, rawData: leBytes(BigInt64Array.from(values.map(BigInt))) });
    return n;
  }

  /** A cached int64 constant (a scalar when `dims` is `[]`): the same values give the same initializer. */
  ints(values: number[], dims: number[] = [values.length]): string {
    const key = `i${dims.join('x')}:${values.join(',')}`;
    const hit = this.constCache.get(key);
    if (hit !== undefined) return hit;
    const n = this.int64('c_i64', dims, values);
    this.constCache.set(key, n);
    return n;
  }

  /** A cached float32 scalar constant. */
  scalar(value: number): string {
    const key = `f:${value}`;
    const hit = this.constCache.get(key);
    if (hit !== undefined) return hit;
    const n = this.float('c_f32', [], new Float32Array([value]));
    this.constCache.set(key, n);
    return n;
  }

  /** Adds a node with one result per hint and returns their names; `domain` selects a contrib op set. */
  multi(opType: string, inputs: string[], attrs: Record<string, AttrValue>, hints: string[], domain = this.nodeDomain): string[] {
    const output = hints.map((h) => this.fresh(h));
    this.nodes.push({
      opType,
      ...(domain === undefined ? {} : { domain }),
      input: inputs,
      output,
      name: `${opType}_${this.nodes.length}`,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return output;
  }

  /** Adds a single-output node and returns its output name. */
  op(opType: string, inputs: string[], attrs: Record<string, AttrValue> = {}, hint = opType.toLowerCase()): string {
    return this.multi(opType, inputs, attrs, [hint])[0] as string;
  }

  /** `alpha · op(a) · op(b)` over the last two axes with optional transposes (onnxruntime's FusedMatMul). */
  matmul(a: string, b: string, hint: string, opts: { transA?: boolean; transB?: boolean; alpha?: number } = {}): string {
    if (opts.transA !== true && opts.transB !== true && (opts.alpha ?? 1) === 1) return this.op('MatMul', [a, b], {}, hint);
    const attrs = { transA: opts.transA === true ? 1 : 0, transB: opts.transB === true ? 1 : 0, alpha: { float: opts.alpha ?? 1 } };
    return this.multi('FusedMatMul', [a, b], attrs, [hint], MS_DOMAIN)[0] as string;
  }

  /** 2-D `op(a) · op(b) (+ c)` through Gemm (rows × features, as every linear layer of the training graphs). */
  gemm(a: string, b: string, hint: string, opts: { transA?: boolean; transB?: boolean; c?: string } = {}): string {
    const inputs = opts.c === undefined ? [a, b] : [a, b, opts.c];
    return this.op('Gemm', inputs, { transA: opts.transA === true ? 1 : 0, transB: opts.transB === true ? 1 : 0 }, hint);
  }

  /** Sum over `axes` (keepdims 0 unless asked). */
  sum(x: string, axes: number[], hint: string, keepdims = false): string {
    return this.op('ReduceSum', [x, this.ints(axes)], { keepdims: keepdims ? 1 : 0 }, hint);
  }

  /** Reshape to `shape` (0 copies a dim, −1 infers it). */
  reshape(x: string, shape: number[], hint: string): string {
    return this.op('Reshape', [x, this.ints(shape)], {}, hint);
  }

  /** Serialises the graph as ONNX ModelProto bytes (IR version 8). */
  encode(info: ModelInfo): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: info.producer,
      producerVersion: '0.1.0',
      docString: info.docString ?? '',
      opsetImport: info.opsets.map((o) => ({ ...o })),
      metadataProps: Object.entries(info.metadata ?? {}).map(([key, value]) => ({ key, value })),
      graph: { name: info.graphName, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

/** Reads `metadata_props` of ONNX model bytes (decodes the whole ModelProto). */
export function readModelMetadata(bytes: Uint8Array): Record<string, string> {
  const model = onnx.ModelProto.decode(bytes);
  const out: Record<string, string> = {};
  for (const { key, value } of model.metadataProps) if (typeof key === 'string') out[key] = value ?? '';
  return out;
}
