/**
 * Adaptive (threshold) sampler: each step draws a token at every masked position and commits all whose model
 * probability reaches a threshold — at least the most probable one, and everything at the step cap T — so a
 * confident model finishes in fewer steps (in the spirit of confidence-threshold parallel decoding for masked models).
 */
import type { Rng } from '@speedrl/core';
import { drawToken } from './policy';
import { maskedPositions } from './state';
import { applyCommits, beginStep, sampleStream, type SampleCommit } from './step-core';
import type { SampleState, SamplerConfig, StepResult } from './types';

/**
 * One adaptive step on guided logits `[B, L, K]`: tokens are drawn from the policy (stream `rng.fork(sampleId).fork(t)`,
 * position order) and committed where the guided model's untempered probability softmax(logits)[token] ≥
 * `adaptiveThreshold`; if none passes, the most probable draw (ties → lower position) is committed; at t = T−1 all are.
 * No schedule and no Gumbel noise (the record's gumbelScale is 0).
 */
export function adaptiveStep(logits: Float32Array, state: SampleState, rng: Rng, config: SamplerConfig): StepResult {
  const params = beginStep(logits, state, config);
  const { seqLen, vocabSize, step: t, totalSteps } = state;
  const threshold = Math.log(config.adaptiveThreshold);
  const commits: SampleCommit[] = [];
  for (let b = 0; b < state.batch; b++) {
    const masked = maskedPositions(state, b);
    const stream = sampleStream(rng, state, b);
    const draws = masked.map((p) => drawToken(logits, (b * seqLen + p) * vocabSize, vocabSize, params.temperature, params.topK, stream));
    let chosen = masked.map((_, i) => i).filter((i) => t === totalSteps - 1 || (draws[i] as { modelLogProb: number }).modelLogProb >= threshold);
    if (chosen.length === 0 && masked.length > 0) {
      let best = 0;
      draws.forEach((d, i) => {
        if (d.modelLogProb > (draws[best] as { modelLogProb: number }).modelLogProb) best = i;
      });
      chosen = [best];
    }
    commits.push({
      positions: chosen.map((i) => masked[i] as number),
      tokens: chosen.map((i) => (draws[i] as { token: number }).token),
      logProbs: chosen.map((i) => (draws[i] as { logProb: number }).logProb),
    });
  }
  return applyCommits(state, commits, { ...params, gumbelScale: 0 }, config);
}
