/**
 * The onnxruntime gradient engine (docs/architecture.md, "Engines and parity"): forward + backward of the MaskGIT
 * transformer as one onnxruntime graph per variant (built lazily, cached), the parameters fed as inputs every call.
 * `gradients` is the low-level API the RL trainer uses with its own targets and weights; `forward` returns logits (and
 * log-probs).
 */
import { validateMaskGitConfig, type MaskGitConfig } from '../config';
import { checkParams, paramSpecs, shapeSize, type MaskGitParams } from '../params';
import { buildForwardGraph, buildTrainGraph, GRAD_PREFIX, ORT_TRAIN_IO } from './build';
import { openGraphSession, type Feed, type Fetch, type GraphSession, type GraphSessionOptions } from '../ort-session';

/**
 * Inputs of one gradient evaluation of L = −Σ w·log p(target) − Σ u·Σ_k q_k·log p_k (see `head-loss.ts`).
 * Pretraining: w = mask / #masked; GRPO: w = the advantage coefficient of each committed token; exact KL(p_ref‖p_θ):
 * q = p_ref with weights u (its gradient is u·(softmax − p_ref)).
 */
export interface GradientInputs {
  /** `[B, L]` model input ids 0..K (K = `[MASK]`). */
  tokens: Int32Array;
  /** `[B]` classes 0..numClasses (numClasses = null class). */
  classes: Int32Array;
  /** `[B, L]` one-hot target ids 0..K-1 (any id where the weight is 0). */
  targets: Int32Array;
  /** `[B, L]` weights w of the one-hot term. */
  weights: Float32Array;
  /** `[B, L, K]` soft target distributions q (with `softWeights`). */
  softTargets?: Float32Array;
  /** `[B, L]` weights u of the soft term. */
  softWeights?: Float32Array;
}

/** Options of {@link OrtTrainEngine.gradients}. */
export interface GradientOptions {
  /** Also return the logits `[B, L, K]`. */
  logits?: boolean;
  /** Also return log p(target) `[B, L]`. */
  targetLogProbs?: boolean;
  /** Write the gradients into these tensors (same names and shapes as the parameters) instead of fresh arrays. */
  into?: MaskGitParams;
}

/** Loss, one gradient per parameter and the optional extra outputs. */
export interface GradientResult {
  loss: number;
  grads: MaskGitParams;
  logits?: Float32Array;
  targetLogProbs?: Float32Array;
}

/** Options of {@link OrtTrainEngine.forward}. */
export interface OrtForwardOptions {
  /** `[B, L]` ids 0..K-1 whose log-probabilities to return. */
  targets?: Int32Array;
  /** Also return the full log-softmax `[B, L, K]`. */
  logSoftmax?: boolean;
}

/** Forward outputs: logits `[B, L, K]` and the requested log-probabilities. */
export interface OrtForwardResult {
  logits: Float32Array;
  logSoftmax?: Float32Array;
  targetLogProbs?: Float32Array;
}

/** Forward / backward of one MaskGIT config on onnxruntime. */
export interface OrtTrainEngine {
  readonly config: MaskGitConfig;
  /** Loss and dLoss/dθ at `params` for one batch. */
  gradients(params: MaskGitParams, inputs: GradientInputs, options?: GradientOptions): Promise<GradientResult>;
  /** Logits (and log-probs) at `params`. */
  forward(params: MaskGitParams, tokens: Int32Array, classes: Int32Array, options?: OrtForwardOptions): Promise<OrtForwardResult>;
  /** Releases every session. */
  dispose(): Promise<void>;
}

function checkInts(a: Int32Array, n: number, max: number, what: string, source: string): void {
  if (!(a instanceof Int32Array) || a.length !== n) throw new RangeError(`${source}: ${what} must be an Int32Array of ${n} elements, got ${a?.length}`);
  for (let i = 0; i < n; i++) {
    const x = a[i] as number;
    if (x < 0 || x > max) throw new RangeError(`${source}: ${what}[${i}] = ${x}; expected 0..${max}`);
  }
}

function checkFloats(a: Float32Array, n: number, what: string, source: string): void {
  if (!(a instanceof Float32Array) || a.length !== n) throw new RangeError(`${source}: ${what} must be a Float32Array of ${n} elements, got ${a?.length}`);
}

/** Options of {@link createOrtTrainEngine}: session settings and how the train graph splits its rows. */
export interface OrtTrainEngineOptions extends GraphSessionOptions {
  /**
   * Row blocks (of whole samples) the transformer blocks of the train graph run in (`block-halves.ts`); default: about
   * 2 MiB of MLP activations per thread and row block for the first batch of each graph variant, e.g. 3 for fmnist
   * batch 64 on 2 threads, 1 for small batches (later batches of other sizes run in the same graph).
   */
  rowChunks?: number;
}

/**
 * Floats of the `[rows, F]` MLP activations per thread in one row block: 2 MiB. Measured on fmnist batch 64 (loaded
 * 2-core machine, graph CPU vs one block, round-robin runs): on 1 thread 2, 4, 8 blocks 0.88, 0.83, 0.81; on 2
 * threads 2, 3, 4 blocks 0.97–0.98, 0.93–0.97, 0.96–0.99. This gives 3 on 2 threads and 6 on 1.
 */
export const ROW_CHUNK_FLOATS = 524_288;

/** The default number of row blocks for `rows` rows of MLP width `width` on `threads` threads (1 to 8). */
export function rowChunksFor(rows: number, width: number, threads: number): number {
  return Math.min(8, Math.max(1, Math.round((rows * width) / (ROW_CHUNK_FLOATS * Math.max(1, threads)))));
}

/** Opens the engine for `config` (sessions are created on first use of each graph variant). */
export async function createOrtTrainEngine(config: MaskGitConfig, options: OrtTrainEngineOptions = {}): Promise<OrtTrainEngine> {
  const cfg = validateMaskGitConfig(config, 'createOrtTrainEngine: config');
  const { rowChunks, ...sessionOptions } = options;
  if (rowChunks !== undefined && !(Number.isInteger(rowChunks) && rowChunks >= 1)) {
    throw new RangeError(`createOrtTrainEngine: option "rowChunks" must be an integer ≥ 1, got ${rowChunks}`);
  }
  const specs = paramSpecs(cfg);
  const { seqLen: l, numCodes: k } = cfg;
  const sessions = new Map<string, Promise<GraphSession>>();
  let disposed = false;
  const session = (key: string, build: () => Uint8Array): Promise<GraphSession> => {
    if (disposed) throw new Error(`ort train engine: already disposed`);
    let s = sessions.get(key);
    if (s === undefined) {
      s = openGraphSession(build(), sessionOptions, `ort train engine (${key})`);
      sessions.set(key, s);
    }
    return s;
  };
  const paramFeeds = (params: MaskGitParams, source: string): Record<string, Feed> => {
    checkParams(params, cfg, source);
    const feeds: Record<string, Feed> = {};
    for (const [name, p] of params) feeds[name] = { data: p.data, shape: p.shape };
    return feeds;
  };
  const batchOf = (tokens: Int32Array, classes: Int32Array, source: string): number => {
    const b = classes?.length ?? 0;
    if (b < 1) throw new RangeError(`${source}: classes must be a non-empty Int32Array [batch]`);
    checkInts(tokens, b * l, k, 'tokens', source);
    checkInts(classes, b, cfg.numClasses, 'classes', source);
    return b;
  };

  const gradients = async (params: MaskGitParams, inputs: GradientInputs, opts: GradientOptions = {}): Promise<GradientResult> => {
    const source = 'ortTrainEngine.gradients';
    const b = batchOf(inputs.tokens, inputs.classes, source);
    checkInts(inputs.targets, b * l, k - 1, 'targets', source);
    checkFloats(inputs.weights, b * l, 'weights', source);
    const soft = inputs.softTargets !== undefined || inputs.softWeights !== undefined;
    if (soft && (inputs.softTargets === undefined || inputs.softWeights === undefined)) {
      throw new RangeError(`${source}: softTargets and softWeights go together; got only ${inputs.softTargets === undefined ? 'softWeights' : 'softTargets'}`);
    }
    const feeds = paramFeeds(params, source);
    feeds[ORT_TRAIN_IO.tokens] = { data: inputs.tokens, shape: [b, l] };
    feeds[ORT_TRAIN_IO.classes] = { data: inputs.classes, shape: [b] };
    feeds[ORT_TRAIN_IO.targets] = { data: inputs.targets, shape: [b, l] };
    feeds[ORT_TRAIN_IO.weights] = { data: inputs.weights, shape: [b, l] };
    if (soft) {
      checkFloats(inputs.softTargets as Float32Array, b * l * k, 'softTargets', source);
      checkFloats(inputs.softWeights as Float32Array, b * l, 'softWeights', source);
      feeds[ORT_TRAIN_IO.softTargets] = { data: inputs.softTargets as Float32Array, shape: [b, l, k] };
      feeds[ORT_TRAIN_IO.softWeights] = { data: inputs.softWeights as Float32Array, shape: [b, l] };
    }
    if (opts.into !== undefined) checkParams(opts.into, cfg, `${source}: options.into`);
    const fetches: Record<string, Fetch> = { [ORT_TRAIN_IO.loss]: {} };
    for (const s of specs) {
      const into = opts.into?.get(s.name)?.data;
      fetches[`${GRAD_PREFIX}${s.name}`] = into === undefined ? {} : { into, shape: s.shape };
    }
    if (opts.logits === true) fetches[ORT_TRAIN_IO.logits] = {};
    if (opts.targetLogProbs === true) fetches[ORT_TRAIN_IO.targetLogProbs] = {};
    const variant = { soft, logits: opts.logits === true, targetLogProbs: opts.targetLogProbs === true };
    const key = `train${soft ? '+soft' : ''}${variant.logits ? '+logits' : ''}${variant.targetLogProbs ? '+tlogp' : ''}`;
    // the row-block count is fixed by the first batch of each variant; the graph takes any batch (blocks split at run
    // time), so other sizes (the RL loop's last micro-batch) reuse the session instead of opening one per size
    const build = (): Uint8Array =>
      buildTrainGraph(cfg, { ...variant, rowChunks: rowChunks ?? rowChunksFor(b * (l + 1), cfg.dim * cfg.mlpRatio, sessionOptions.intraOpNumThreads ?? 2) });
    const out = await (await session(key, build)).run(feeds, fetches);
    const grads: MaskGitParams = new Map();
    for (const s of specs) {
      const data = out[`${GRAD_PREFIX}${s.name}`] as Float32Array;
      if (data.length !== shapeSize(s.shape)) throw new Error(`${source}: gradient of "${s.name}" has ${data.length} elements, expected ${shapeSize(s.shape)}`);
      grads.set(s.name, { shape: [...s.shape], data });
    }
    const result: GradientResult = { loss: (out[ORT_TRAIN_IO.loss] as Float32Array)[0] as number, grads };
    if (opts.logits === true) result.logits = out[ORT_TRAIN_IO.logits];
    if (opts.targetLogProbs === true) result.targetLogProbs = out[ORT_TRAIN_IO.targetLogProbs];
    return result;
  };

  const forward = async (params: MaskGitParams, tokens: Int32Array, classes: Int32Array, opts: OrtForwardOptions = {}): Promise<OrtForwardResult> => {
    const source = 'ortTrainEngine.forward';
    const b = batchOf(tokens, classes, source);
    const feeds = paramFeeds(params, source);
    feeds[ORT_TRAIN_IO.tokens] = { data: tokens, shape: [b, l] };
    feeds[ORT_TRAIN_IO.classes] = { data: classes, shape: [b] };
    const fetches: Record<string, Fetch> = { [ORT_TRAIN_IO.logits]: {} };
    if (opts.targets !== undefined) {
      checkInts(opts.targets, b * l, k - 1, 'targets', source);
      feeds[ORT_TRAIN_IO.targets] = { data: opts.targets, shape: [b, l] };
      fetches[ORT_TRAIN_IO.targetLogProbs] = {};
    }
    if (opts.logSoftmax === true) fetches[ORT_TRAIN_IO.logSoftmax] = {};
    const variant = { logSoftmax: opts.logSoftmax === true, targetLogProbs: opts.targets !== undefined };
    const key = `forward${variant.logSoftmax ? '+logsoftmax' : ''}${variant.targetLogProbs ? '+tlogp' : ''}`;
    const out = await (await session(key, () => buildForwardGraph(cfg, variant))).run(feeds, fetches);
    const result: OrtForwardResult = { logits: out[ORT_TRAIN_IO.logits] as Float32Array };
    if (variant.logSoftmax) result.logSoftmax = out[ORT_TRAIN_IO.logSoftmax];
    if (variant.targetLogProbs) result.targetLogProbs = out[ORT_TRAIN_IO.targetLogProbs];
    return result;
  };

  return {
    config: cfg,
    gradients,
    forward,
    dispose: async () => {
      disposed = true;
      const all = [...sessions.values()];
      sessions.clear();
      for (const s of await Promise.allSettled(all)) if (s.status === 'fulfilled') await s.value.release();
    },
  };
}
