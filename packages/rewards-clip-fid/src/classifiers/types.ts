/**
 * The shape shared by classifier-based rewards and metrics (docs/architecture.md, "Speed-RL objective" and
 * "Evaluation protocol"): a frozen image classifier that returns its logits and its penultimate features. Structural:
 * any object of this shape fits.
 */

/** Which job a classifier does: `reward` scores rollouts, `eval` judges models (FCD); never the same network. */
export type ClassifierRole = 'reward' | 'eval';

/**
 * A trained image classifier seen as a feature extractor by rewards and metrics (implemented in `src/classifiers/`).
 * `role` says what it may be used for: the `reward` classifier shapes training, the `eval` classifier (different
 * architecture and seed) judges it; the evaluation classifier is never used as a reward (honesty rule,
 * docs/architecture.md, "Speed-RL objective").
 */
export interface FeatureModel {
  /** `reward` (used in RL rewards) or `eval` (used only for held-out metrics). */
  readonly role: ClassifierRole;
  /** Length D of each penultimate feature vector. */
  readonly featureDim: number;
  /** Number of classes (length of each logits row). */
  readonly numClasses: number;
  /**
   * Logits `[batch, numClasses]` and penultimate features `[batch, featureDim]` of `images`
   * `[batch, 28, 28]` (grey, f32 in [0, 1]).
   */
  predict(images: Float32Array, batch: number): Promise<{ logits: Float32Array; features: Float32Array }>;
}
