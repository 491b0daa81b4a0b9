/**
 * MaskGIT confidence step (Chang et al. 2022; google-research/maskgit `parallel_decode`): draw a token at every masked
 * position, score it by confidence = log p(token) + τ_t·Gumbel, keep the schedule's number of least confident masked.
 */
import type { Rng } from '@speedrl/core';
import { drawToken } from './policy';
import { nextMaskedCount } from './schedules';
import { maskedPositions } from './state';
import { stepMaskRatio } from './step-arrays';
import { applyCommits, beginStep, sampleStream, type SampleCommit } from './step-core';
import type { SampleState, SamplerConfig, StepResult } from './types';

/**
 * One confidence step on guided logits `[B, L, K]`. Tokens are drawn from the policy π = softmax(logits/temperature)
 * (top-k truncated), whose log π is recorded; the confidence uses the guided model's untempered log-probability
 * log softmax(logits)[token] plus τ_t·g, g ~ Gumbel(0, 1), τ_t = τ0·(1 − (t+1)/T); known tokens count as +∞.
 * The number left masked is floor(N·γ((t+1)/T)) clamped by {@link nextMaskedCount}; confidence ties re-mask the lower
 * position. Per sample, the stream `rng.fork(sampleId).fork(t)` first draws the tokens (position order), then the noise.
 */
export function confidenceStep(logits: Float32Array, state: SampleState, rng: Rng, config: SamplerConfig): StepResult {
  const params = beginStep(logits, state, config);
  const { seqLen, vocabSize, step: t, totalSteps } = state;
  const commits: SampleCommit[] = [];
  for (let b = 0; b < state.batch; b++) {
    const masked = maskedPositions(state, b);
    const total = state.initialMasked[b] as number;
    const keep = masked.length === 0 ? 0 : nextMaskedCount(stepMaskRatio(config, t, totalSteps, total), total, masked.length, t, totalSteps);
    const stream = sampleStream(rng, state, b);
    const draws = masked.map((p) => drawToken(logits, (b * seqLen + p) * vocabSize, vocabSize, params.temperature, params.topK, stream));
    const confidence = draws.map((d) => d.modelLogProb + (params.gumbelScale > 0 ? params.gumbelScale * stream.gumbel() : 0));
    const byConfidence = masked.map((_, i) => i).sort((i, j) => (confidence[i] as number) - (confidence[j] as number) || i - j);
    const commitIdx = byConfidence.slice(keep);
    commits.push({
      positions: commitIdx.map((i) => masked[i] as number),
      tokens: commitIdx.map((i) => (draws[i] as { token: number }).token),
      logProbs: commitIdx.map((i) => (draws[i] as { logProb: number }).logProb),
    });
  }
  return applyCommits(state, commits, params, config);
}
