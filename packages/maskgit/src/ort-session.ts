/**
 * The one module of this package that imports onnxruntime-node (inference and training engines alike): opens a graph
 * (2 intra-op threads, graph optimisation 'all', no spin-waiting by default) and runs it with plain typed arrays in
 * and out, writing chosen float32 outputs into caller-owned buffers (onnxruntime's pre-allocated fetches) so a
 * training step allocates no gradient memory.
 */
import * as ort from 'onnxruntime-node';

/** Session settings of the training engine. */
export interface GraphSessionOptions {
  /** Threads inside one op (default 2: the cores of our machines). */
  intraOpNumThreads?: number;
  /** onnxruntime graph optimisation level (default 'all'). */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  /**
   * Whether idle intra-op threads spin-wait for work (default false, unlike onnxruntime: on a busy 2-core machine
   * spinning workers fight the other processes: measured 1.6 → 1.2 s per fmnist step at load ≈ 4, ≈ 3% slower when idle).
   */
  allowSpinning?: boolean;
}

/** One input: row-major data of `shape`. */
export interface Feed {
  data: Float32Array | Int32Array;
  shape: readonly number[];
}

/** A float32 output: `into` (of `shape`) is filled in place; without it a fresh array is returned. */
export interface Fetch {
  into?: Float32Array;
  shape?: readonly number[];
}

/** What onnxruntime says of one input or output (type and shape only for tensors; symbolic dimensions as names). */
export interface ValueInfo {
  readonly name: string;
  readonly isTensor: boolean;
  readonly type?: string;
  readonly shape?: ReadonlyArray<number | string>;
}

/** An open onnxruntime session over one graph. */
export interface GraphSession {
  /** Input names of the graph. */
  readonly inputNames: readonly string[];
  /** Output names of the graph. */
  readonly outputNames: readonly string[];
  /** Inputs and outputs with their types and shapes (signature checks). */
  readonly inputMetadata: readonly ValueInfo[];
  readonly outputMetadata: readonly ValueInfo[];
  /** Runs the graph; returns the float32 data of every requested output (`into` itself when given). */
  run(feeds: Record<string, Feed>, fetches: Record<string, Fetch>): Promise<Record<string, Float32Array>>;
  /** Releases the native session. */
  release(): Promise<void>;
}

/** Opens ONNX model bytes in onnxruntime-node; `source` names the graph in errors. */
export async function openGraphSession(bytes: Uint8Array, options: GraphSessionOptions = {}, source = 'ort-train'): Promise<GraphSession> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, {
      intraOpNumThreads: options.intraOpNumThreads ?? 2,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
      enableCpuMemArena: true,
      enableMemPattern: true,
      extra: { session: { intra_op: { allow_spinning: options.allowSpinning === true ? '1' : '0' } } },
    });
  } catch (error) {
    throw new Error(`${source}: onnxruntime cannot load the model: ${(error as Error).message}`);
  }
  let released = false;
  const run = async (feeds: Record<string, Feed>, fetches: Record<string, Fetch>): Promise<Record<string, Float32Array>> => {
    if (released) throw new Error(`${source}: the session is already released`);
    const inputs: Record<string, ort.Tensor> = {};
    for (const [name, f] of Object.entries(feeds)) {
      inputs[name] = new ort.Tensor(f.data instanceof Float32Array ? 'float32' : 'int32', f.data, f.shape as number[]);
    }
    const outs: Record<string, ort.Tensor | null> = {};
    for (const [name, f] of Object.entries(fetches)) {
      outs[name] = f.into === undefined ? null : new ort.Tensor('float32', f.into, (f.shape ?? [f.into.length]) as number[]);
    }
    const result = await session.run(inputs, outs as ort.InferenceSession.FetchesType);
    const out: Record<string, Float32Array> = {};
    for (const name of Object.keys(fetches)) {
      const t = result[name];
      if (t === undefined || !(t.data instanceof Float32Array)) throw new Error(`${source}: the session returned no float32 output "${name}"`);
      const into = fetches[name]?.into;
      if (into !== undefined && t.data !== into) into.set(t.data);
      out[name] = into ?? t.data;
    }
    return out;
  };
  return {
    inputNames: session.inputNames,
    outputNames: session.outputNames,
    inputMetadata: session.inputMetadata as readonly ValueInfo[],
    outputMetadata: session.outputMetadata as readonly ValueInfo[],
    run,
    release: async () => {
      if (!released) await session.release();
      released = true;
    },
  };
}
