/**
 * From trajectories and advantages to the engine's weighted cross-entropy (docs/architecture.md, "Engines and parity"
 * and "Speed-RL objective"). Each trained (sample, step) is one row: the model input is the pre-step grid s_t; at every
 * position committed at t the one-hot target is the committed token with weight w = −∂L/∂logπ (the engine's gradient
 * w·(softmax z − onehot) = −w·∇logπ); at every position masked before t the soft target is p_ref with weight β/P (exact
 * KL(p_ref ‖ p_θ), gradient softmax z − p_ref).
 */
import type { Rng } from '@speedrl/core';
import { klAt, logSumExpAt } from './kl';
import type { PolicyLossInput, PolicyLossOutput } from './losses/types';
import type { WeightedCeBatch } from './policy';
import type { Rollouts } from './rollout';

/** One trained (sample, step) pair. */
export interface StepRow {
  /** Index of the sample in the iteration. */
  readonly sample: number;
  readonly cls: number;
  /** Step index t. */
  readonly step: number;
  /** Tokens before the step `[L]` (the model input). */
  readonly tokens: Int32Array;
  /** Mask before the step `[L]`, 1 = masked: where the KL term applies. */
  readonly mask: Uint8Array;
  /** Positions committed at this step. */
  readonly positions: Int32Array;
  /** Token ids committed there. */
  readonly targets: Int32Array;
  /** log π_old of the committed tokens, recorded by the sampler. */
  readonly oldLogProbs: Float32Array;
  /** Policy logits `[L, K]` at the rollout parameters. */
  readonly rolloutLogits: Float32Array;
}

/** Which of a trajectory's `steps` steps are trained: a random subset of ⌈fraction·steps⌉ (≥ 1), all when fraction = 1. */
export function chooseTrainedSteps(steps: number, fraction: number, rng: Rng): Uint8Array {
  const keep = new Uint8Array(steps);
  if (fraction >= 1) return keep.fill(1);
  const count = Math.max(1, Math.ceil(fraction * steps));
  for (const t of rng.permutation(steps).subarray(0, count)) keep[t] = 1;
  return keep;
}

/**
 * The rows to train on, ordered by sample then step. `include(sample)` leaves out whole samples;
 * `trainedSteps(sample, stepsUsed)` gives the step subset of each included sample.
 */
export function collectStepRows(
  rollouts: Rollouts,
  seqLen: number,
  vocabSize: number,
  include: (sample: number) => boolean,
  trainedSteps: (sample: number, stepsUsed: number) => Uint8Array,
): StepRow[] {
  const rows: StepRow[] = [];
  for (const bucket of rollouts.buckets) {
    const { records } = bucket.trajectory;
    bucket.sampleIndex.forEach((j, b) => {
      if (!include(j)) return;
      const used = rollouts.stepsUsed[j] as number;
      const keep = trainedSteps(j, used);
      for (let t = 0; t < used; t++) {
        const record = records[t];
        const logits = bucket.stepLogits[t];
        if (keep[t] !== 1 || record === undefined || logits === undefined) continue;
        const positions = record.committedPositions[b] as Int32Array;
        if (positions.length === 0) continue;
        rows.push({
          sample: j,
          cls: rollouts.plan.classes[j] as number,
          step: t,
          tokens: record.tokensBefore.subarray(b * seqLen, (b + 1) * seqLen),
          mask: record.maskBefore.subarray(b * seqLen, (b + 1) * seqLen),
          positions,
          targets: record.committedTokens[b] as Int32Array,
          oldLogProbs: record.committedLogProbs[b] as Float32Array,
          rolloutLogits: logits.subarray(b * seqLen * vocabSize, (b + 1) * seqLen * vocabSize),
        });
      }
    });
  }
  return rows;
}

/** Model inputs of some rows: tokens `[R, L]` and classes `[R]`. */
export function stackRowInputs(rows: readonly StepRow[], seqLen: number): { tokens: Int32Array; classes: Int32Array } {
  const tokens = new Int32Array(rows.length * seqLen);
  rows.forEach((row, r) => tokens.set(row.tokens, r * seqLen));
  return { tokens, classes: Int32Array.from(rows, (row) => row.cls) };
}

/** How the rows of one update are weighted. */
export interface StepLossSettings {
  readonly seqLen: number;
  readonly vocabSize: number;
  /** The policy loss (grpo / ppo / reinforce) over committed tokens, returning ∂L/∂logπ. */
  readonly loss: (input: PolicyLossInput) => PolicyLossOutput;
  /** Advantage of each sample of the iteration `[N]`. */
  readonly advantages: Float32Array;
  /** 1 where the sample's advantage counts (kept group, scored sample) `[N]`. */
  readonly valid: Uint8Array;
  /** Weight of each committed token of a valid sample in the policy loss: 1 / (such tokens in the update). */
  readonly tokenWeight: number;
  /** Weight of each masked position in the KL mean: 1 / (masked positions in the update). */
  readonly klPositionWeight: number;
  /** β; the KL term (and `refLogits`) is skipped when 0. */
  readonly klBeta: number;
}

/** One micro-batch's engine input and its share of the loss. */
export interface StepBatch {
  readonly engine: WeightedCeBatch;
  /** This micro-batch's part of the policy loss. */
  readonly policyLoss: number;
  /** This micro-batch's part of the mean KL over masked positions (NaN without KL). */
  readonly klShare: number;
  /** Committed tokens of valid samples in the micro-batch, and how many of them were clipped. */
  readonly tokens: number;
  readonly clipped: number;
}

/**
 * Builds the engine batch of `rows`. `logits` `[R, L, K]` are the policy's at the current parameters (needed for the ratio
 * unless `ratioOne`, and for the KL value); `refLogits` `[R, L, K]` the reference's (needed when β > 0). With `ratioOne`
 * the current log-probs are the rollout's (first inner epoch: ratio exactly 1).
 */
export function buildStepBatch(
  rows: readonly StepRow[],
  logits: Float32Array | null,
  refLogits: Float32Array | null,
  ratioOne: boolean,
  s: StepLossSettings,
): StepBatch {
  const { seqLen: l, vocabSize: k } = s;
  const r = rows.length;
  if (logits !== null && logits.length !== r * l * k) throw new RangeError(`step-batch.ts: policy logits have ${logits.length} values, expected ${r}·${l}·${k}`);
  if (!ratioOne && logits === null) throw new RangeError('step-batch.ts: policy logits are needed for the ratio when ratioOne is false');
  const { tokens, classes } = stackRowInputs(rows, l);
  const targets = new Int32Array(r * l);
  const weights = new Float32Array(r * l);
  // Policy term over the committed tokens of valid samples.
  const flat: { row: number; pos: number; token: number; old: number; adv: number }[] = [];
  rows.forEach((row, ri) => {
    if (s.valid[row.sample] !== 1) return;
    row.positions.forEach((pos, i) => {
      flat.push({ row: ri, pos, token: row.targets[i] as number, old: row.oldLogProbs[i] as number, adv: s.advantages[row.sample] as number });
    });
  });
  const oldLogProbs = Float32Array.from(flat, (f) => f.old);
  let logProbs = oldLogProbs;
  if (!ratioOne && logits !== null) {
    logProbs = new Float32Array(flat.length);
    flat.forEach((f, i) => {
      const o = (f.row * l + f.pos) * k;
      logProbs[i] = (logits[o + f.token] as number) - logSumExpAt(logits, o, k, 0);
    });
  }
  let policyLoss = 0;
  let clipped = 0;
  if (flat.length > 0) {
    const out = s.loss({
      logProbs, oldLogProbs, advantages: Float32Array.from(flat, (f) => f.adv), weights: new Float32Array(flat.length).fill(s.tokenWeight),
    });
    policyLoss = out.loss;
    clipped = Math.round(out.clipFraction * flat.length);
    flat.forEach((f, i) => {
      targets[f.row * l + f.pos] = f.token;
      weights[f.row * l + f.pos] = -(out.coef[i] as number);
    });
  }
  const engine: WeightedCeBatch = { tokens, classes, targets, weights };
  if (s.klBeta === 0 || refLogits === null) return { engine, policyLoss, klShare: NaN, tokens: flat.length, clipped };
  // KL term at every masked position of every row.
  if (refLogits.length !== r * l * k) throw new RangeError(`step-batch.ts: reference logits have ${refLogits.length} values, expected ${r}·${l}·${k}`);
  // Read in place (no gathered copies): p_ref goes straight into the soft targets; the same arithmetic as exactKl.
  const softTargets = new Float32Array(r * l * k);
  const softWeights = new Float32Array(r * l);
  const positionWeight = Math.fround(s.klPositionWeight);
  let klShare = 0;
  let p = 0;
  rows.forEach((row, ri) => {
    for (let pos = 0; pos < l; pos++) {
      if (row.mask[pos] !== 1) continue;
      const cell = ri * l + pos;
      const [pol, oPol] = logits === null ? [row.rolloutLogits, pos * k] : [logits, cell * k];
      klShare += positionWeight * klAt(refLogits, cell * k, pol, oPol, k, softTargets, cell * k, p++);
      softWeights[cell] = s.klBeta * s.klPositionWeight;
    }
  });
  return { engine: { ...engine, softTargets, softWeights }, policyLoss, klShare, tokens: flat.length, clipped };
}
