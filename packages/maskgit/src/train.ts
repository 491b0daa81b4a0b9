/**
 * tfjs masked-token training (MaskGIT, Chang et al. 2022): masked cross-entropy, AdamW with decoupled weight
 * decay (Loshchilov & Hutter 2019, PyTorch semantics: `tfAdamWUpdate` of @speedrl/tensor-utils with ε on the
 * bias-corrected moments), global-norm gradient clipping, linear LR warm-up and an optional cosine or rsqrt decay.
 */
import * as tf from '@tensorflow/tfjs';
import { learningRateAt, mergeConfig, type LrSchedule, type Rng } from '@speedrl/core';
import { tfAdamWUpdate, type TfAdamState } from '@speedrl/tensor-utils';
import { validateMaskGitConfig, type MaskGitConfig } from './config';
import { maskBatch } from './masking';
import { disposeTfParams, forward, paramsToTf, tfToParams, type TfParams } from './model';
import { checkParams, paramSpecs, type MaskGitParams } from './params';

/** Optimisation hyper-parameters. */
export interface TrainerOptions {
  /** Peak learning rate (MaskGIT uses 1e-4 at batch 256; small models take more). */
  lr: number;
  /** Linear warm-up steps from lr/warmupSteps to lr (stabilises early Adam steps). */
  warmupSteps: number;
  /** Total steps for cosine decay to lr·minLrRatio after warm-up; undefined: constant lr after warm-up. */
  totalSteps: number | undefined;
  /** Final LR as a fraction of lr: the cosine's end, or the rsqrt schedule's floor. */
  minLrRatio: number;
  /**
   * After warm-up: `cosine` decays to lr·minLrRatio at totalSteps; `rsqrt` decays as lr·√(warmup/step) down to the
   * floor lr·minLrRatio with no end (Vaswani et al. 2017): a long tail that does not depend on totalSteps, so a run
   * extended by `--resume --steps` keeps its learning rate continuous.
   */
  lrSchedule: 'cosine' | 'rsqrt';
  /**
   * `rsqrt` only: the last n steps before totalSteps decay linearly from the rsqrt value to 0 (a cool-down, Hägele et
   * al. 2024: most of a cosine's final gain at a fraction of the run); 0 = none.
   */
  cooldownSteps: number;
  /** Adam β1 (MaskGIT: 0.9). */
  beta1: number;
  /** Adam β2 (MaskGIT: 0.96). */
  beta2: number;
  /** Adam ε (PyTorch's default). */
  eps: number;
  /** Decoupled weight decay on 2-D tensors (MaskGIT: 0.045). */
  weightDecay: number;
  /** Global gradient-norm clip (1.0, as GPT-2 / nanoGPT); Infinity disables it. */
  clipNorm: number;
  /** Probability of replacing the class by the null class (10%, for classifier-free guidance). */
  classDropout: number;
}

/** Default optimisation settings. */
export const DEFAULT_TRAINER_OPTIONS: Readonly<TrainerOptions> = Object.freeze({
  lr: 3e-4,
  warmupSteps: 100,
  totalSteps: undefined,
  minLrRatio: 0.1,
  lrSchedule: 'cosine',
  cooldownSteps: 0,
  beta1: 0.9,
  beta2: 0.96,
  eps: 1e-8,
  weightDecay: 0.045,
  clipNorm: 1,
  classDropout: 0.1,
});

/** AdamW moments and step count, as flat tensors named like the parameters. */
export interface OptimizerState {
  step: number;
  m: MaskGitParams;
  v: MaskGitParams;
}

/** What one training step reports. */
export interface StepResult {
  /** Mean cross-entropy (nats) over the masked positions. */
  loss: number;
  /** Global gradient L2 norm before clipping. */
  gradNorm: number;
  /** Learning rate used for this step. */
  lr: number;
  /** Masked positions in the batch. */
  maskedCount: number;
}

/** A stateful tfjs trainer over tfjs variables. */
export interface Trainer {
  /** One step on clean tokens `[B, L]` (0..K-1) and classes `[B]`; masks and drops classes with `rng`. */
  step(tokens: Int32Array, classes: Int32Array, rng: Rng): StepResult;
  /** A copy of the current parameters. */
  params(): MaskGitParams;
  /** A copy of the optimiser state. */
  optimizerState(): OptimizerState;
  /** Frees all tfjs variables. */
  dispose(): void;
}

/**
 * The learning-rate schedule of trainer options (for `learningRateAt` of @speedrl/core): linear warm-up, then (cosine)
 * constant when totalSteps is undefined or cosine-decayed to lr·minLrRatio at totalSteps, or (rsqrt)
 * lr·√(warmup / (step + 1)) floored at lr·minLrRatio, cooling down linearly to 0 over the last cooldownSteps steps.
 * A cool-down that is not an rsqrt tail inside the run after its warm-up is a RangeError naming `source`.
 */
export function trainerLrSchedule(
  o: Pick<TrainerOptions, 'lr' | 'warmupSteps' | 'totalSteps' | 'minLrRatio' | 'lrSchedule'> & { readonly cooldownSteps?: number },
  source = 'trainerLrSchedule',
): LrSchedule {
  const base = { peak: o.lr, warmupSteps: o.warmupSteps };
  const cooldownSteps = o.cooldownSteps ?? 0;
  if (!Number.isInteger(cooldownSteps) || cooldownSteps < 0) throw new RangeError(`${source}: option "cooldownSteps" must be an integer ≥ 0, got ${cooldownSteps}`);
  if (cooldownSteps > 0) {
    if (o.lrSchedule !== 'rsqrt') throw new RangeError(`${source}: option "cooldownSteps" needs lrSchedule "rsqrt" (a cosine decays over the whole run already), got ${JSON.stringify(o.lrSchedule)}`);
    if (o.totalSteps === undefined || cooldownSteps > o.totalSteps - o.warmupSteps) {
      throw new RangeError(`${source}: option "cooldownSteps" (${cooldownSteps}) must fit between the warm-up (${o.warmupSteps} steps) and totalSteps (${o.totalSteps})`);
    }
  }
  if (o.lrSchedule === 'rsqrt') {
    const rsqrt = { ...base, decay: 'rsqrt' as const, minRatio: o.minLrRatio };
    return cooldownSteps === 0 || o.totalSteps === undefined ? rsqrt : { ...rsqrt, cooldown: { from: o.totalSteps - cooldownSteps, to: o.totalSteps } };
  }
  if (o.totalSteps === undefined) return { ...base, decay: 'constant' };
  return { ...base, decay: 'cosine', totalSteps: o.totalSteps, minRatio: o.minLrRatio };
}

/** Masked mean cross-entropy: logits `[N, K]`, targets `[N]` int32, weights `[N]` → scalar. */
export function maskedCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor1D, weights: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const k = logits.shape[1];
    const logp = tf.sub(logits, tf.logSumExp(logits, 1, true));
    const nll = tf.neg(tf.sum(tf.mul(tf.oneHot(targets, k), logp), 1));
    return tf.div(tf.sum(tf.mul(nll, weights)), tf.maximum(tf.sum(weights), 1)) as tf.Scalar;
  });
}

function checkOptions(o: TrainerOptions): void {
  const positive = ['lr', 'eps'] as const;
  for (const key of positive) if (!(o[key] > 0)) throw new RangeError(`createTrainer: option "${key}" must be > 0, got ${o[key]}`);
  if (!Number.isInteger(o.warmupSteps) || o.warmupSteps < 1) throw new RangeError(`createTrainer: option "warmupSteps" must be an integer ≥ 1, got ${o.warmupSteps}`);
  for (const key of ['beta1', 'beta2', 'minLrRatio', 'classDropout'] as const) {
    if (!(o[key] >= 0 && o[key] <= 1)) throw new RangeError(`createTrainer: option "${key}" must be in [0, 1], got ${o[key]}`);
  }
  if (!(o.weightDecay >= 0)) throw new RangeError(`createTrainer: option "weightDecay" must be ≥ 0, got ${o.weightDecay}`);
  if (!(o.clipNorm > 0)) throw new RangeError(`createTrainer: option "clipNorm" must be > 0, got ${o.clipNorm}`);
  if (o.lrSchedule !== 'cosine' && o.lrSchedule !== 'rsqrt') throw new RangeError(`createTrainer: option "lrSchedule" must be "cosine" or "rsqrt", got ${JSON.stringify(o.lrSchedule)}`);
  if (o.totalSteps !== undefined && !(Number.isInteger(o.totalSteps) && o.totalSteps >= 1)) {
    throw new RangeError(`createTrainer: option "totalSteps" must be a positive integer or undefined, got ${o.totalSteps}`);
  }
}

/** Options of {@link createTrainer}: hyper-parameters plus an optional state to resume from. */
export type CreateTrainerOptions = Partial<TrainerOptions> & { initialState?: OptimizerState };

/** Creates a tfjs trainer from flat parameters (copied into variables). */
export function createTrainer(config: MaskGitConfig, params: MaskGitParams, options: CreateTrainerOptions = {}): Trainer {
  const cfg = validateMaskGitConfig(config, 'createTrainer: config');
  checkParams(params, cfg, 'createTrainer');
  const { initialState, ...hyper } = options;
  const o: TrainerOptions = mergeConfig(DEFAULT_TRAINER_OPTIONS, hyper, 'createTrainer'); // a misspelt option is refused, an undefined one keeps its default
  checkOptions(o);
  const specs = paramSpecs(cfg);
  const vars = paramsToTf(params, true) as Map<string, tf.Variable>;
  const zerosLike = (): TfParams => new Map(specs.map((s) => [s.name, tf.zeros(s.shape)]));
  if (initialState !== undefined) {
    checkParams(initialState.m, cfg, 'createTrainer: initialState.m');
    checkParams(initialState.v, cfg, 'createTrainer: initialState.v');
  }
  const toVars = (m: TfParams | MaskGitParams): Map<string, tf.Variable> => {
    const out = new Map<string, tf.Variable>();
    for (const [name, t] of m) {
      const tensor = t instanceof tf.Tensor ? t : tf.tensor(t.data, t.shape, 'float32');
      out.set(name, tf.variable(tensor, false));
      tensor.dispose();
    }
    return out;
  };
  const adam: TfAdamState = { m: toVars(initialState?.m ?? zerosLike()), v: toVars(initialState?.v ?? zerosLike()), step: initialState?.step ?? 0 };
  const schedule = trainerLrSchedule(o, 'createTrainer');
  const varList = specs.map((s) => vars.get(s.name) as tf.Variable);
  const decays = new Set(specs.filter((s) => s.decay).map((s) => s.name));
  const adamOptions = {
    beta1: o.beta1, beta2: o.beta2, epsilon: o.eps, epsilonOnCorrected: true, weightDecay: o.weightDecay, decays: (name: string) => decays.has(name),
  };

  const step = (tokens: Int32Array, classes: Int32Array, rng: Rng): StepResult => {
    const batch = classes.length;
    for (let i = 0; i < tokens.length; i++) {
      const id = tokens[i] as number;
      if (id < 0 || id >= cfg.numCodes) throw new RangeError(`trainer.step: tokens[${i}] = ${id}; clean tokens must be in 0..${cfg.numCodes - 1}`);
    }
    for (let i = 0; i < batch; i++) {
      const c = classes[i] as number;
      if (c < 0 || c > cfg.numClasses) throw new RangeError(`trainer.step: classes[${i}] = ${c}; expected 0..${cfg.numClasses}`);
    }
    const masked = maskBatch(tokens, classes, cfg, rng, o.classDropout);
    const dropoutSeed = cfg.dropout > 0 ? rng.int(2 ** 31) : undefined;
    const lr = learningRateAt(adam.step, schedule);
    const [loss, gradNorm] = tf.tidy(() => {
      const inTok = tf.tensor2d(masked.inputTokens, [batch, cfg.seqLen], 'int32');
      const inCls = tf.tensor1d(masked.inputClasses, 'int32');
      const targets = tf.tensor1d(tokens, 'int32');
      const weights = tf.tensor1d(masked.lossMask, 'float32');
      const { value, grads } = tf.variableGrads(() => {
        const logits = forward(vars, inTok, inCls, cfg, { dropout: cfg.dropout, dropoutSeed });
        return maskedCrossEntropy(tf.reshape(logits, [-1, cfg.numCodes]) as tf.Tensor2D, targets, weights);
      }, varList);
      const gradOf = (name: string): tf.Tensor => {
        const variable = vars.get(name) as tf.Variable;
        return grads[variable.name] ?? tf.zerosLike(variable);
      };
      const norm = tf.sqrt(tf.addN(specs.map((s) => tf.sum(tf.square(gradOf(s.name))))));
      const [lossValue, normValue] = tf.stack([value, norm]).dataSync() as Float32Array;
      const scale = Math.min(1, o.clipNorm / ((normValue ?? 0) + 1e-6));
      const clipped = new Map(specs.map((s) => [s.name, tf.mul(gradOf(s.name), scale)]));
      tfAdamWUpdate(vars, clipped, adam, lr, adamOptions);
      return [lossValue ?? Number.NaN, normValue ?? Number.NaN];
    });
    return { loss, gradNorm, lr, maskedCount: masked.maskedCount };
  };

  return {
    step,
    params: () => tfToParams(vars),
    optimizerState: () => ({ step: adam.step, m: tfToParams(adam.m), v: tfToParams(adam.v) }),
    dispose: () => {
      disposeTfParams(vars);
      disposeTfParams(adam.m);
      disposeTfParams(adam.v);
    },
  };
}
