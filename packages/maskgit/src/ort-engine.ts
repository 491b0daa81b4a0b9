/**
 * onnxruntime-node inference engine (the fast path; docs/architecture.md, "Engines and parity"): a {@link LogitsFn}
 * over a model exported by `exportOnnx`, on the package's one onnxruntime module (`ort-session.ts`).
 */
import { readFile } from 'node:fs/promises';
import { openGraphSession, type GraphSession, type ValueInfo } from './ort-session';
import { validateMaskGitConfig, type MaskGitConfig } from './config';
import { checkLogitsInputs, inputDims, type DisposableLogitsFn } from './inputs';
import { readModelMetadata } from '@speedrl/tensor-utils';
import { MASKGIT_ONNX_IO, ONNX_CONFIG_KEY } from './onnx/export';

/** Options of {@link createOrtLogitsFn}. */
export interface OrtEngineOptions {
  /** Threads inside one op (default 2: the cores of our machines). */
  intraOpNumThreads?: number;
  /** Whether idle intra-op threads spin-wait between calls (default false: spinning threads slow the sampler's step). */
  allowSpinning?: boolean;
  /** The model's config; default: read from the model's `speedrl.maskgit.config` metadata. */
  config?: MaskGitConfig;
  /** onnxruntime graph optimisation level (default 'all'). */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
}

type TensorMeta = Required<ValueInfo>;

function describe(meta: readonly ValueInfo[]): string {
  return meta.map((m) => {
    const t = m as Partial<TensorMeta>;
    return t.isTensor === true ? `${m.name}: ${t.type ?? '?'} [${(t.shape ?? []).join(', ')}]` : m.name;
  }).join('; ');
}

/** Checks the session's inputs/outputs against the expected MaskGIT signature; returns (L, K) read from the graph. */
function checkSignature(session: GraphSession, source: string): { seqLen: number; numCodes: number } {
  const expected = `inputs tokens: int32 [batch, L], classes: int32 [batch]; output logits: float32 [batch, L, K]`;
  const got = `got inputs (${describe(session.inputMetadata)}), outputs (${describe(session.outputMetadata)})`;
  const fail = (why: string): never => {
    throw new Error(`createOrtLogitsFn(${source}): not a MaskGIT model (${why}); expected ${expected}; ${got}`);
  };
  const find = (list: readonly ValueInfo[], name: string, type: string, rank: number): TensorMeta => {
    const m = list.find((x) => x.name === name);
    if (m === undefined || !m.isTensor) return fail(`no tensor named "${name}"`);
    const t = m as TensorMeta;
    if (t.type !== type || t.shape.length !== rank) return fail(`"${name}" must be ${type} of rank ${rank}`);
    return t;
  };
  if (session.inputMetadata.length !== 2 || session.outputMetadata.length !== 1) fail('wrong number of inputs or outputs');
  const tokens = find(session.inputMetadata, MASKGIT_ONNX_IO.tokens, 'int32', 2);
  find(session.inputMetadata, MASKGIT_ONNX_IO.classes, 'int32', 1);
  const logits = find(session.outputMetadata, MASKGIT_ONNX_IO.logits, 'float32', 3);
  const seqLen = tokens.shape[1];
  const numCodes = logits.shape[2];
  if (typeof seqLen !== 'number' || typeof numCodes !== 'number' || logits.shape[1] !== seqLen) {
    fail('L and K must be fixed sizes, equal in tokens and logits');
  }
  return { seqLen: seqLen as number, numCodes: numCodes as number };
}

function configFromModel(bytes: Uint8Array, source: string): MaskGitConfig {
  const text = readModelMetadata(bytes)[ONNX_CONFIG_KEY];
  if (text === undefined) {
    throw new Error(`createOrtLogitsFn(${source}): the model has no "${ONNX_CONFIG_KEY}" metadata; pass options.config`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`createOrtLogitsFn(${source}): metadata "${ONNX_CONFIG_KEY}" is not valid JSON`);
  }
  return validateMaskGitConfig(json, `createOrtLogitsFn(${source}): metadata "${ONNX_CONFIG_KEY}"`);
}

/**
 * Opens an ONNX MaskGIT model (bytes or a path to `model.onnx`) in onnxruntime and returns a {@link LogitsFn}
 * computing logits `[B, L, K]`; `dispose()` releases the session. Throws a clear error for a non-MaskGIT model.
 */
export async function createOrtLogitsFn(model: Uint8Array | string, options: OrtEngineOptions = {}): Promise<DisposableLogitsFn> {
  const source = typeof model === 'string' ? model : '<bytes>';
  let bytes: Uint8Array;
  if (typeof model === 'string') {
    try {
      bytes = new Uint8Array(await readFile(model));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new Error(`createOrtLogitsFn: cannot read ONNX model "${model}"${code === 'ENOENT' ? ' (file missing)' : `: ${String(error)}`}`);
    }
  } else {
    bytes = model;
  }
  const session = await openGraphSession(bytes, {
    intraOpNumThreads: options.intraOpNumThreads ?? 2,
    graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
    allowSpinning: options.allowSpinning ?? false,
  }, `createOrtLogitsFn(${source})`);
  try {
    const sig = checkSignature(session, source);
    const config = options.config === undefined ? configFromModel(bytes, source) : validateMaskGitConfig(options.config, 'createOrtLogitsFn: options.config');
    if (config.seqLen !== sig.seqLen || config.numCodes !== sig.numCodes) {
      throw new Error(
        `createOrtLogitsFn(${source}): config says seqLen ${config.seqLen}, numCodes ${config.numCodes}; the graph has L = ${sig.seqLen}, K = ${sig.numCodes}`,
      );
    }
    return makeFn(session, config);
  } catch (error) {
    await session.release();
    throw error;
  }
}

function makeFn(session: GraphSession, config: MaskGitConfig): DisposableLogitsFn {
  const dims = inputDims(config);
  let released = false;
  const fn = async (tokens: Int32Array, classes: Int32Array): Promise<Float32Array> => {
    if (released) throw new Error('ort logits fn: already disposed');
    const batch = checkLogitsInputs(tokens, classes, dims, 'ort logits fn');
    const out = await session.run({
      [MASKGIT_ONNX_IO.tokens]: { data: tokens, shape: [batch, dims.seqLen] },
      [MASKGIT_ONNX_IO.classes]: { data: classes, shape: [batch] },
    }, { [MASKGIT_ONNX_IO.logits]: {} });
    return out[MASKGIT_ONNX_IO.logits] as Float32Array;
  };
  return Object.assign(fn, {
    dispose: async (): Promise<void> => {
      if (!released) await session.release();
      released = true;
    },
  });
}
