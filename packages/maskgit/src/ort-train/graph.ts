/**
 * ONNX graph builder for the training graphs (ONNX IR spec: onnx/onnx `onnx.proto`, opset 17, plus the
 * `com.microsoft` contrib domain of onnxruntime for `FusedMatMul`): fresh SSA names, multi-output nodes,
 * int64 / float constants and the handful of composite helpers every layer file uses.
 */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxTypes } from 'onnx-proto';
import type { MaskGitConfig } from '../config';
import { ONNX_FLOAT, ONNX_INT64, valueInfo } from '../onnx/builder';

const { onnx } = onnxProto;

/** Opset of the default ONNX domain (LayerNormalization with Mean / InvStdDev outputs needs 17). */
export const TRAIN_OPSET = 17;
/** The onnxruntime contrib domain (FusedMatMul with transA / transB / alpha). */
export const MS_DOMAIN = 'com.microsoft';

/** What a layer file needs to emit its forward and backward: the graph, the config and the parameter names. */
export interface LayerContext {
  readonly g: TrainGraph;
  readonly cfg: MaskGitConfig;
  /** The graph value holding parameter `name` (a graph input). */
  param(name: string): string;
  /** Records the graph value of dLoss/d`name`. */
  grad(name: string, value: string): void;
}

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

/** An attribute value: int, float, ints or string. */
export type Attr = number | number[] | string | { float: number };

function attribute(name: string, value: Attr): OnnxTypes.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === 'string') return { name, type: T.STRING, s: new TextEncoder().encode(value) };
  if (typeof value === 'number') return { name, type: T.INT, i: value };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  return { name, type: T.FLOAT, f: value.float };
}

/** Accumulates the nodes, constants, inputs and outputs of one graph. */
export class TrainGraph {
  private readonly nodes: OnnxTypes.INodeProto[] = [];
  private readonly initializers: OnnxTypes.ITensorProto[] = [];
  private readonly inputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly outputs: OnnxTypes.IValueInfoProto[] = [];
  private readonly used = new Set<string>();
  private readonly constCache = new Map<string, string>();
  private counter = 0;

  /** A fresh value name starting with `hint`. */
  fresh(hint: string): string {
    let name = hint;
    while (this.used.has(name)) name = `${hint}_${++this.counter}`;
    this.used.add(name);
    return name;
  }

  /** Declares a graph input of `elemType` and `shape` (numbers fixed, strings symbolic); returns its exact name. */
  input(name: string, elemType: number, shape: (number | string)[]): string {
    if (this.used.has(name)) throw new Error(`ort-train graph: duplicate input name "${name}"`);
    this.used.add(name);
    this.inputs.push(valueInfo(name, elemType, shape));
    return name;
  }

  /** Declares graph output `name` holding `value` (through an Identity node). */
  output(name: string, value: string, elemType: number, shape: (number | string)[]): void {
    if (this.used.has(name)) throw new Error(`ort-train graph: duplicate output name "${name}"`);
    this.used.add(name);
    this.nodes.push({ opType: 'Identity', input: [value], output: [name], name: `Identity_${this.nodes.length}` });
    this.outputs.push(valueInfo(name, elemType, shape));
  }

  /** A cached int64 constant (a scalar when `dims` is `[]`). */
  ints(values: number[], dims: number[] = [values.length]): string {
    const key = `i${dims.join('x')}:${values.join(',')}`;
    const hit = this.constCache.get(key);
    if (hit !== undefined) return hit;
    const n = this.fresh('c_i64');
    const data = BigInt64Array.from(values.map(BigInt));
    this.initializers.push({ name: n, dims, dataType: ONNX_INT64, rawData: leBytes(data) });
    this.constCache.set(key, n);
    return n;
  }

  /** A cached float32 scalar constant. */
  scalar(value: number): string {
    const key = `f:${value}`;
    const hit = this.constCache.get(key);
    if (hit !== undefined) return hit;
    const n = this.fresh('c_f32');
    this.initializers.push({ name: n, dims: [], dataType: ONNX_FLOAT, rawData: leBytes(new Float32Array([value])) });
    this.constCache.set(key, n);
    return n;
  }

  /** Adds a node with `outputs` results (default 1) and returns their names; `domain` selects a contrib op set. */
  multi(opType: string, inputs: string[], attrs: Record<string, Attr>, hints: string[], domain = ''): string[] {
    const output = hints.map((h) => this.fresh(h));
    this.nodes.push({
      opType,
      domain,
      input: inputs,
      output,
      name: `${opType}_${this.nodes.length}`,
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return output;
  }

  /** Adds a single-output node and returns its output name. */
  op(opType: string, inputs: string[], attrs: Record<string, Attr> = {}, hint = opType.toLowerCase()): string {
    return this.multi(opType, inputs, attrs, [hint])[0] as string;
  }

  /** `alpha · op(a) · op(b)` over the last two axes with optional transposes (onnxruntime's FusedMatMul). */
  matmul(a: string, b: string, hint: string, opts: { transA?: boolean; transB?: boolean; alpha?: number } = {}): string {
    if (opts.transA !== true && opts.transB !== true && (opts.alpha ?? 1) === 1) return this.op('MatMul', [a, b], {}, hint);
    const attrs = { transA: opts.transA === true ? 1 : 0, transB: opts.transB === true ? 1 : 0, alpha: { float: opts.alpha ?? 1 } };
    return this.multi('FusedMatMul', [a, b], attrs, [hint], MS_DOMAIN)[0] as string;
  }

  /** 2-D `op(a) · op(b) (+ c)` through Gemm (the layout of every linear layer here: rows × features). */
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

  /** Serialises the graph as ONNX ModelProto bytes (IR 8, default opset {@link TRAIN_OPSET} + com.microsoft 1). */
  encode(graphName: string, docString: string): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: 8,
      producerName: '@speedrl/maskgit',
      producerVersion: '0.1.0',
      docString,
      opsetImport: [
        { domain: '', version: TRAIN_OPSET },
        { domain: MS_DOMAIN, version: 1 },
      ],
      graph: { name: graphName, node: this.nodes, initializer: this.initializers, input: this.inputs, output: this.outputs },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
