/**
 * What the Speed-RL loop needs from the outside world (docs/architecture.md, "Engines and parity" and "Interfaces").
 * The trainer owns these interfaces; the CLI adapts a concrete engine (onnxruntime or tfjs MaskGIT, a VQ decoder) to
 * them.
 */

/** Engine input of one gradient accumulation: a weighted cross-entropy at the logits ("Engines and parity"). */
export interface WeightedCeBatch {
  /** Model inputs `[R, L]`, ids 0..K (K = `[MASK]`). */
  readonly tokens: Int32Array;
  /** Class ids `[R]`. */
  readonly classes: Int32Array;
  /** One-hot target ids `[R, L]` in 0..K−1 (any id where the weight is 0). */
  readonly targets: Int32Array;
  /** Weights w of the one-hot term `[R, L]` (may be negative). */
  readonly weights: Float32Array;
  /** Soft target distributions q `[R, L, K]` (with `softWeights`). */
  readonly softTargets?: Float32Array;
  /** Weights u of the soft term `[R, L]`. */
  readonly softWeights?: Float32Array;
}

/** A policy's serialisable state: named float tensors (parameters, optimizer moments) and JSON metadata. */
export interface PolicyState {
  readonly tensors: Record<string, { readonly shape: readonly number[]; readonly data: Float32Array }>;
  readonly meta: Record<string, unknown>;
}

/**
 * A trainable masked model. Every loss of the loop is Σ w·CE(onehot, softmax z) + Σ u·CE(q, softmax z) at the logits z,
 * so the engine needs no other backward (docs/architecture.md, "Engines and parity"). The policy distribution is
 * softmax(z) at temperature 1.
 */
export interface TrainablePolicy {
  /** L: image tokens per sample. */
  readonly seqLen: number;
  /** K: codebook size (logits per position; token ids 0..K−1). */
  readonly vocabSize: number;
  /** Id of `[MASK]` on input (K; "Data, models and presets"). */
  readonly maskId: number;
  /** Real classes 0..numClasses−1. */
  readonly numClasses: number;
  /** Logits `[B, L, K]` at the current parameters for tokens `[B, L]` and classes `[B]` (rollouts and ratios). */
  logits(tokens: Int32Array, classes: Int32Array): Promise<Float32Array>;
  /**
   * Adds to the accumulated gradient ∇θ of Σ_{r,i} w[r,i]·CE(onehot(targets[r,i]), softmax z[r,i])
   * + Σ_{r,i} u[r,i]·CE(q[r,i,:], softmax z[r,i]) at the current parameters; returns that objective's value.
   */
  accumulateGradients(batch: WeightedCeBatch): Promise<{ loss: number }>;
  /** Applies the accumulated gradient (the policy's optimizer, with its clipping) at `lr`, clears it, returns the pre-clip norm. */
  applyGradients(lr: number): Promise<{ gradNorm: number }>;
  /** Parameters and optimizer state, for checkpoints. */
  saveState(): Promise<PolicyState>;
  /** Restores a state written by `saveState` (throws naming the mismatch). */
  loadState(state: PolicyState): Promise<void>;
}

/** The frozen base model the KL term pulls towards: logits `[B, L, K]` (a sampler `LogitsFn`). */
export interface ReferencePolicy {
  /** Logits `[B, L, K]` of the frozen model for tokens `[B, L]` and classes `[B]`. */
  logits(tokens: Int32Array, classes: Int32Array): Promise<Float32Array>;
}

/** Tokens → images: `decode(tokens [B, L], B)` gives grey images `[B, height, width]` in [0, 1]. */
export interface Decoder {
  readonly height: number;
  readonly width: number;
  /** Grey images `[batch, height, width]` in [0, 1] of tokens `[batch, L]`. */
  decode(tokens: Int32Array, batch: number): Promise<Float32Array>;
}
