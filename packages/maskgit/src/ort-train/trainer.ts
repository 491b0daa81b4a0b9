/**
 * The fast MaskGIT trainer (docs/architecture.md, "Engines and parity"): the tfjs trainer's surface and semantics (same
 * masking through `maskBatch`, class dropout, masked mean cross-entropy, AdamW with decay mask, clipping and schedule)
 * with forward and backward run by onnxruntime (`engine.ts`) and the update by {@link createAdamW} on Float32Arrays.
 * Async, as onnxruntime is.
 */
import { mergeConfig, type Rng } from '@speedrl/core';
import { createAdamW, validateAdamWOptions, type AdamW } from '../adamw';
import { validateMaskGitConfig, type MaskGitConfig } from '../config';
import { maskBatch } from '../masking';
import { checkParams, cloneParams, paramSpecs, type MaskGitParams } from '../params';
import { DEFAULT_TRAINER_OPTIONS, type CreateTrainerOptions, type OptimizerState, type StepResult, type TrainerOptions } from '../train';
import { createOrtTrainEngine, type GradientInputs, type GradientOptions, type GradientResult, type OrtTrainEngine, type OrtTrainEngineOptions } from './engine';

/** Options of {@link createOrtTrainer}: the tfjs trainer's options plus the engine's (onnxruntime session, row blocks). */
export type CreateOrtTrainerOptions = CreateTrainerOptions & OrtTrainEngineOptions;

/** A stateful onnxruntime trainer; the async twin of the tfjs `Trainer`. */
export interface OrtTrainer {
  /** One step on clean tokens `[B, L]` (0..K-1) and classes `[B]`; masks and drops classes with `rng` as the tfjs trainer. */
  step(tokens: Int32Array, classes: Int32Array, rng: Rng): Promise<StepResult>;
  /** Loss and gradients at the current parameters for caller-made inputs (no update). */
  gradients(inputs: GradientInputs, options?: GradientOptions): Promise<GradientResult>;
  /** The underlying engine (forward passes at the current parameters: `engine.forward(trainer.params(), …)`). */
  readonly engine: OrtTrainEngine;
  /** A copy of the current parameters. */
  params(): MaskGitParams;
  /** A copy of the optimiser state (step, m, v). */
  optimizerState(): OptimizerState;
  /** Releases the onnxruntime sessions. */
  dispose(): Promise<void>;
}

/**
 * Creates an onnxruntime trainer from flat parameters (copied). Rejects `config.dropout > 0`: the onnxruntime
 * graphs have no dropout (train such a model with the tfjs `createTrainer`).
 */
export async function createOrtTrainer(config: MaskGitConfig, params: MaskGitParams, options: CreateOrtTrainerOptions = {}): Promise<OrtTrainer> {
  const source = 'createOrtTrainer';
  const cfg = validateMaskGitConfig(config, `${source}: config`);
  if (cfg.dropout > 0) {
    throw new RangeError(`${source}: config.dropout is ${cfg.dropout}; the onnxruntime engine trains without dropout (set it to 0 or use createTrainer)`);
  }
  checkParams(params, cfg, source);
  const { initialState, intraOpNumThreads, graphOptimizationLevel, allowSpinning, rowChunks, ...hyper } = options;
  const o: TrainerOptions = mergeConfig(DEFAULT_TRAINER_OPTIONS, hyper, source);
  validateAdamWOptions(o, source);
  if (!(o.classDropout >= 0 && o.classDropout <= 1)) throw new RangeError(`${source}: option "classDropout" must be in [0, 1], got ${o.classDropout}`);
  const specs = paramSpecs(cfg);
  if (initialState !== undefined) {
    checkParams(initialState.m, cfg, `${source}: initialState.m`);
    checkParams(initialState.v, cfg, `${source}: initialState.v`);
  }
  const adamw: AdamW = createAdamW(specs, o, initialState);
  const current = cloneParams(params);
  const grads = cloneParams(params);
  const sessionOptions: OrtTrainEngineOptions = {};
  if (intraOpNumThreads !== undefined) sessionOptions.intraOpNumThreads = intraOpNumThreads;
  if (graphOptimizationLevel !== undefined) sessionOptions.graphOptimizationLevel = graphOptimizationLevel;
  if (allowSpinning !== undefined) sessionOptions.allowSpinning = allowSpinning;
  if (rowChunks !== undefined) sessionOptions.rowChunks = rowChunks;
  const engine = await createOrtTrainEngine(cfg, sessionOptions);
  // onnxruntime reads the parameter buffers on its own thread: no call may overlap a step's update.
  let busy = false;
  const exclusive = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    if (busy) throw new Error(`ortTrainer.${what}: another step or gradients call is still running; await it first`);
    busy = true;
    try {
      return await fn();
    } finally {
      busy = false;
    }
  };

  const step = async (tokens: Int32Array, classes: Int32Array, rng: Rng): Promise<StepResult> => {
    const batch = classes.length;
    for (let i = 0; i < tokens.length; i++) {
      const id = tokens[i] as number;
      if (id < 0 || id >= cfg.numCodes) throw new RangeError(`ortTrainer.step: tokens[${i}] = ${id}; clean tokens must be in 0..${cfg.numCodes - 1}`);
    }
    for (let i = 0; i < batch; i++) {
      const c = classes[i] as number;
      if (c < 0 || c > cfg.numClasses) throw new RangeError(`ortTrainer.step: classes[${i}] = ${c}; expected 0..${cfg.numClasses}`);
    }
    const masked = maskBatch(tokens, classes, cfg, rng, o.classDropout);
    const weights = masked.lossMask;
    const norm = 1 / Math.max(1, masked.maskedCount);
    for (let i = 0; i < weights.length; i++) weights[i] = (weights[i] as number) * norm;
    return exclusive('step', async () => {
      const inputs = { tokens: masked.inputTokens, classes: masked.inputClasses, targets: tokens, weights };
      const { loss } = await engine.gradients(current, inputs, { into: grads });
      const { lr, gradNorm } = adamw.update(current, grads);
      return { loss, gradNorm, lr, maskedCount: masked.maskedCount };
    });
  };

  return {
    step,
    gradients: (inputs, opts) => exclusive('gradients', () => engine.gradients(current, inputs, opts)),
    engine,
    params: () => cloneParams(current),
    optimizerState: () => adamw.state(),
    dispose: () => engine.dispose(),
  };
}
