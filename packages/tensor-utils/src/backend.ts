/**
 * Run-time choice of the tfjs backend (docs/architecture.md, "Engines and parity"): `tensorflow` (tfjs-node-gpu or
 * tfjs-node, when the user has installed one; never a hard dependency) → `wasm` → `cpu`, with the reason for the
 * choice.
 */
import * as tf from '@tensorflow/tfjs';

/** Backends we know how to start, fastest first. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** Options of {@link initBackend}. */
export interface BackendOptions {
  /** A backend to use, or 'auto' for the fastest one that starts. */
  readonly prefer?: BackendName | 'auto';
  /** If true, failing to start `prefer` is an error instead of a fallback. */
  readonly strict?: boolean;
}

/** What {@link initBackend} chose and why. */
export interface BackendReport {
  readonly backend: BackendName;
  readonly reason: string;
  /** Each backend tried, in order, with the reason it was skipped. */
  readonly tried: ReadonlyArray<{ readonly name: BackendName; readonly ok: boolean; readonly detail: string }>;
}

const ORDER: readonly BackendName[] = ['tensorflow', 'wasm', 'cpu'];
const TFJS_NODE_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

let current: Promise<BackendReport> | undefined;
let currentKey = '';

/**
 * Starts a tfjs backend once per process and returns what was chosen. Later calls with the same
 * options return the same report; a call with other options switches backends.
 */
export function initBackend(options: BackendOptions = {}): Promise<BackendReport> {
  const key = `${options.prefer ?? 'auto'}:${options.strict ?? false}`;
  if (current === undefined || key !== currentKey) {
    currentKey = key;
    current = start(options).catch((error: unknown) => {
      current = undefined;
      throw error;
    });
  }
  return current;
}

async function start(options: BackendOptions): Promise<BackendReport> {
  const prefer = options.prefer ?? 'auto';
  if (prefer !== 'auto' && !ORDER.includes(prefer)) {
    throw new RangeError(`backend: expected one of auto, ${ORDER.join(', ')}; got "${String(prefer)}"`);
  }
  const candidates = prefer === 'auto' ? ORDER : [prefer, ...ORDER.filter((b) => b !== prefer)];
  const tried: { name: BackendName; ok: boolean; detail: string }[] = [];
  for (const name of candidates) {
    const detail = await tryStart(name);
    if (detail.ok) {
      tried.push({ name, ok: true, detail: detail.detail });
      const reason = name === candidates[0]
        ? `${name}: ${prefer === 'auto' ? 'fastest available' : 'requested'} (${detail.detail})`
        : `${name}: fell back after ${tried.filter((t) => !t.ok).map((t) => `${t.name} (${t.detail})`).join(', ')}`;
      return { backend: name, reason, tried };
    }
    tried.push({ name, ok: false, detail: detail.detail });
    if (options.strict === true && name === prefer) {
      throw new Error(`backend "${prefer}" could not start: ${detail.detail}`);
    }
  }
  throw new Error(`no tfjs backend could start: ${tried.map((t) => `${t.name}: ${t.detail}`).join('; ')}`);
}

async function tryStart(name: BackendName): Promise<{ ok: boolean; detail: string }> {
  try {
    if (name === 'tensorflow') {
      const found = await loadTfjsNode(); // importing it registers the "tensorflow" backend
      if (!found.ok) return found;
      const pkg = found.detail;
      if (!(await tf.setBackend('tensorflow'))) return { ok: false, detail: `${pkg} loaded but the backend did not start` };
      await tf.ready();
      return { ok: true, detail: pkg };
    }
    if (name === 'wasm') {
      await import('@tensorflow/tfjs-backend-wasm'); // registers the "wasm" backend and its kernels
      registerMissingWasmKernels();
      if (!(await tf.setBackend('wasm'))) return { ok: false, detail: 'the wasm module did not initialise' };
      await tf.ready();
      return { ok: true, detail: '@tensorflow/tfjs-backend-wasm' };
    }
    if (!(await tf.setBackend('cpu'))) return { ok: false, detail: 'the cpu backend did not start' };
    await tf.ready();
    return { ok: true, detail: 'pure JavaScript, slowest' };
  } catch (error) {
    return { ok: false, detail: error instanceof Error ? error.message.split('\n')[0] ?? error.message : String(error) };
  }
}

/**
 * Imports the first installed tfjs-node package (GPU build first). A variable specifier keeps bundlers
 * from resolving it at build time: tfjs-node is never a hard dependency.
 */
export async function loadTfjsNode(): Promise<{ ok: boolean; detail: string }> {
  for (const pkg of TFJS_NODE_PACKAGES) {
    try {
      await import(/* webpackIgnore: true */ pkg);
      return { ok: true, detail: pkg };
    } catch (error) {
      const code = (error as { code?: string }).code;
      const missing = (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && String((error as Error).message).includes(pkg);
      if (!missing) return { ok: false, detail: `${pkg} is installed but failed to load: ${(error as Error).message.split('\n')[0]}` };
    }
  }
  return { ok: false, detail: `neither ${TFJS_NODE_PACKAGES.join(' nor ')} is installed` };
}

interface WasmLikeBackend {
  readSync(dataId: unknown): ArrayLike<number>;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.TypedArray): tf.TensorInfo;
}

/**
 * Registers kernels our models need that tfjs-backend-wasm 4.22 lacks:
 * `UnsortedSegmentSum` (needed by the gradient of `gather`, i.e. of every embedding lookup).
 */
export function registerMissingWasmKernels(): void {
  if (tf.getKernel('UnsortedSegmentSum', 'wasm') !== undefined) return;
  tf.registerKernel({
    kernelName: 'UnsortedSegmentSum',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
      const numSegments = (attrs as { numSegments: number }).numSegments;
      const b = backend as unknown as WasmLikeBackend;
      const values = b.readSync(x.dataId);
      const ids = b.readSync(segmentIds.dataId);
      const n = ids.length;
      const inner = n === 0 ? 0 : values.length / n;
      const outShape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
      const out = x.dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
      for (let i = 0; i < n; i++) {
        const seg = ids[i] as number;
        if (seg < 0 || seg >= numSegments) continue; // as TensorFlow: out-of-range ids are dropped
        const src = i * inner;
        const dst = seg * inner;
        for (let j = 0; j < inner; j++) out[dst + j] = (out[dst + j] as number) + (values[src + j] as number);
      }
      return b.makeOutput(outShape, x.dtype, undefined, out);
    },
  });
}
