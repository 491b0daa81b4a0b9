/**
 * The fast draws give exactly what the plain definitions give: `fastExp` within its bound; the approximate draw either
 * declines or returns the exact token with a model log-probability and a log π within their bounds (the log π settled
 * to the exact float32 unless the bound straddles a rounding boundary); `drawToken` (one exp per logit,
 * bisection of running sums) equals policyLogProbs → exp → categorical → modelLogProb bit for bit, also for uniforms
 * placed on a crossing; and the confidence, adaptive and Halton steps equal a plain re-implementation of the original
 * steps (every position drawn exactly) on random states, including exact confidence ties.
 */
import { Rng } from '@speedrl/core';
import { adaptiveStep, minimumCommits } from './adaptive';
import { approxDraw, float32IfCertain, modelLogProbError, policyLogProbError } from './approx-draw';
import { resolveSamplerConfig } from './config';
import { confidenceStep } from './confidence-step';
import { haltonStep, sampleHaltonOrder } from './halton';
import { FAST_EXP_REL_ERROR, fastExp } from './fast-exp';
import { drawTokenWithUniform, modelLogProb, policyLogProbs, type TokenDraw } from './policy';
import { nextMaskedCount } from './schedules';
import { initState, maskedPositions } from './state';
import { stepMaskRatio } from './step-arrays';
import { sampleStream } from './step-core';
import type { SampleState, SamplerConfig, StepRecord } from './types';

const { exp, log } = Math;

/** `Rng.categorical` with a given uniform, written out (the definition the draws must match). */
function categorical(weights: Float64Array, u: number): number {
  let total = 0;
  for (const w of weights) total += w;
  let r = u * total;
  for (let i = 0; i < weights.length; i++) {
    r -= weights[i] as number;
    if (r < 0) return i;
  }
  for (let i = weights.length - 1; i >= 0; i--) if ((weights[i] as number) > 0) return i;
  return weights.length - 1;
}

/** The draw by definition: policyLogProbs, its exp as weights, the categorical (argmax at temperature 0), modelLogProb. */
function referenceDraw(logits: Float32Array, offset: number, K: number, temperature: number, topK: number, u: number): TokenDraw {
  const logp = policyLogProbs(logits, offset, K, temperature, topK);
  let token = 0;
  if (temperature > 0) token = categorical(Float64Array.from(logp, (v) => exp(v)), u);
  else for (let k = 1; k < K; k++) if ((logits[offset + k] as number) > (logits[offset + token] as number)) token = k;
  return { token, logProb: logp[token] as number, modelLogProb: modelLogProb(logits, offset, K, token) };
}

/** A random logits row: N(0, scale²) spread, a few strong tokens, sometimes −Infinity entries or a flat row. */
function randomRow(rng: Rng, K: number, scale: number): Float32Array {
  const row = new Float32Array(K);
  const kind = rng.int(6);
  for (let k = 0; k < K; k++) row[k] = kind === 5 ? 0.25 : scale * rng.normal();
  for (let j = 0; j < 3; j++) {
    const k = rng.int(K);
    row[k] = (row[k] as number) + 4 * rng.uniform();
  }
  if (kind === 4) for (let j = 0; j < K / 3; j++) row[rng.int(K)] = -Infinity;
  return row;
}

/** Uniforms that put u·total right on the crossings of the row's first few tokens (where rounding decides). */
function crossingUniforms(row: Float32Array, temperature: number): number[] {
  const w = Float64Array.from(policyLogProbs(row, 0, row.length, temperature, 0), (v) => exp(v));
  const total = w.reduce((a, b) => a + b, 0);
  const out: number[] = [];
  let acc = 0;
  for (let k = 0; k < Math.min(6, row.length); k++) {
    acc += w[k] as number;
    for (const nudge of [-1e-15, 0, 1e-15]) out.push(Math.min(1 - 2 ** -53, Math.max(0, acc / total + nudge)));
  }
  return out;
}

describe('fastExp', () => {
  it('is within FAST_EXP_REL_ERROR of Math.exp on [−700, 0], 1 at 0 and 0 below −700', () => {
    const rng = Rng.fromSeed(3);
    let worst = 0;
    for (let i = 0; i < 200000; i++) {
      const d = -(i % 2 === 0 ? 700 : 30) * rng.uniform();
      worst = Math.max(worst, Math.abs(fastExp(d) / exp(d) - 1));
    }
    expect(worst).toBeLessThan(FAST_EXP_REL_ERROR / 10);
    expect(fastExp(0)).toBe(1);
    expect(fastExp(-Infinity)).toBe(0);
    expect(fastExp(-800)).toBe(0);
    expect([fastExp(-700), fastExp(700), fastExp(Infinity), fastExp(NaN)]).toEqual([0, Infinity, Infinity, NaN]);
  });
});

describe('token draws equal their definition', () => {
  const cases: [number, number, number][] = [[1025, 1, 1.5], [64, 1, 3], [64, 0.7, 1.5], [64, 1.6, 1], [64, 0, 2], [7, 1, 0.5], [2, 1, 1], [64, 1e-6, 1], [64, 1, 5e4]];
  it.each(cases)('K=%d, temperature %d, logit scale %d: drawToken bit for bit; the approximate draw exact or declined', (K, temperature, scale) => {
    const rng = Rng.fromSeed(K * 31 + Math.round(scale * 10));
    const prefix = new Float64Array(K);
    const out = new Float64Array(2);
    let randomDeclined = 0;
    let unsettled = 0;
    let settled = 0;
    for (let trial = 0; trial < 150; trial++) {
      const row = randomRow(rng, K, scale);
      const onCrossings = trial % 3 === 0 && temperature > 0;
      const uniforms = onCrossings ? crossingUniforms(row, temperature) : [rng.uniform(), rng.uniform()];
      for (const u of uniforms) {
        const expected = referenceDraw(row, 0, K, temperature, 0, u);
        const got = drawTokenWithUniform(row, 0, K, temperature, 0, u);
        expect([got.token, Object.is(got.logProb, expected.logProb), Object.is(got.modelLogProb, expected.modelLogProb)]).toEqual([expected.token, true, true]);
        const token = approxDraw(row, 0, K, temperature, u, prefix, out);
        if (token < 0) {
          if (!onCrossings) randomDeclined += 1;
          continue;
        }
        expect(token).toBe(expected.token);
        expect(Math.abs((out[0] as number) - expected.modelLogProb)).toBeLessThanOrEqual(modelLogProbError(out[0] as number));
        if (temperature === 0) continue; // log π = 0 of the greedy draw, which settleDraw records without out[1]
        const v = out[1] as number;
        const z = (row[token] as number) / temperature;
        expect(Math.abs(v - expected.logProb)).toBeLessThanOrEqual(policyLogProbError(z, v) / 4); // the bound holds with room
        const f = float32IfCertain(v, policyLogProbError(z, v));
        if (Number.isNaN(f)) unsettled += 1;
        else expect([settled++, f]).toEqual([settled - 1, Math.fround(expected.logProb)]); // the exact draw's float32
      }
    }
    if (scale < 1e4 && temperature >= 0.5) expect(randomDeclined).toBeLessThan(5); // of 200 random uniforms: the fast path is the rule
    // and settling without an exact draw too (except where log π is near 0 and float32s are dense: K = 2, one strong token)
    if (scale < 1e4 && temperature >= 0.5 && K > 2) expect(unsettled).toBeLessThan(settled / 20);
  });

  it('top-k draws are unchanged (drawTokenWithUniform = definition)', () => {
    const rng = Rng.fromSeed(5);
    for (let trial = 0; trial < 100; trial++) {
      const row = randomRow(rng, 50, 2);
      const u = rng.uniform();
      expect(drawTokenWithUniform(row, 0, 50, 0.8, 5, u)).toEqual(referenceDraw(row, 0, 50, 0.8, 5, u));
    }
  });
});

/**
 * The original steps: confidence / adaptive draw every masked position exactly, in position order, then the noise;
 * Halton draws the first masked positions of its order exactly, in that order.
 */
function referenceCommits(logits: Float32Array, state: SampleState, rng: Rng, config: SamplerConfig): number[][][] {
  const { seqLen: L, vocabSize: K, step: t, totalSteps: T } = state;
  const temperature = config.stepArrays?.temperatures?.[t] ?? config.temperature;
  const tau = t >= T - 1 ? 0 : config.gumbelScale * (1 - (t + 1) / T);
  const result: number[][][] = [];
  for (let b = 0; b < state.batch; b++) {
    const masked = maskedPositions(state, b);
    const stream = sampleStream(rng, state, b);
    if (config.method === 'halton') {
      const total = state.initialMasked[b] as number;
      const keep = masked.length === 0 ? 0 : nextMaskedCount(stepMaskRatio(config, t, T, total), total, masked.length, t, T);
      const positions = Array.from(sampleHaltonOrder(config, state, rng, b)).filter((p) => masked.includes(p)).slice(0, masked.length - keep);
      const draws = positions.map((p) => referenceDraw(logits, (b * L + p) * K, K, temperature, config.topK, temperature > 0 ? stream.uniform() : 0));
      const byPosition = positions.map((_, i) => i).sort((i, j) => (positions[i] as number) - (positions[j] as number));
      result.push([byPosition.map((i) => positions[i] as number), byPosition.map((i) => (draws[i] as TokenDraw).token), byPosition.map((i) => Math.fround((draws[i] as TokenDraw).logProb))]);
      continue;
    }
    const draws = masked.map((p) => referenceDraw(logits, (b * L + p) * K, K, temperature, config.topK, temperature > 0 ? stream.uniform() : 0));
    let chosen: number[];
    if (config.method === 'confidence') {
      const total = state.initialMasked[b] as number;
      const keep = masked.length === 0 ? 0 : nextMaskedCount(stepMaskRatio(config, t, T, total), total, masked.length, t, T);
      const confidence = draws.map((d) => d.modelLogProb + (tau > 0 ? tau * stream.gumbel() : 0));
      chosen = masked.map((_, i) => i).sort((i, j) => (confidence[i] as number) - (confidence[j] as number) || i - j).slice(keep);
    } else if (config.adaptiveMinPerStep === 'exit') { // every draw when all pass (or at the cap), else the schedule's count, most probable first
      const threshold = log(config.adaptiveThreshold);
      const all = masked.map((_, i) => i);
      const count = Math.max(minimumCommits(config, state, b, masked.length), Math.min(masked.length, 1));
      chosen = t === T - 1 || all.every((i) => (draws[i] as TokenDraw).modelLogProb >= threshold)
        ? all : [...all].sort((i, j) => (draws[j] as TokenDraw).modelLogProb - (draws[i] as TokenDraw).modelLogProb || i - j).slice(0, count);
    } else {
      const threshold = log(config.adaptiveThreshold);
      chosen = masked.map((_, i) => i).filter((i) => t === T - 1 || (draws[i] as TokenDraw).modelLogProb >= threshold);
      if (chosen.length === 0 && masked.length > 0) {
        let best = 0;
        draws.forEach((d, i) => {
          if (d.modelLogProb > (draws[best] as TokenDraw).modelLogProb) best = i;
        });
        chosen = [best];
      }
      const floor = t === T - 1 ? 0 : minimumCommits(config, state, b, masked.length);
      const rest = masked.map((_, i) => i).filter((i) => !chosen.includes(i));
      rest.sort((i, j) => (draws[j] as TokenDraw).modelLogProb - (draws[i] as TokenDraw).modelLogProb || i - j);
      chosen = [...chosen, ...rest.slice(0, Math.max(0, floor - chosen.length))];
    }
    chosen.sort((i, j) => (masked[i] as number) - (masked[j] as number));
    result.push([chosen.map((i) => masked[i] as number), chosen.map((i) => (draws[i] as TokenDraw).token), chosen.map((i) => Math.fround((draws[i] as TokenDraw).logProb))]);
  }
  return result;
}

function recordCommits(record: StepRecord): number[][][] {
  return record.committedPositions.map((p, b) => [Array.from(p), Array.from(record.committedTokens[b] as Int32Array), Array.from(record.committedLogProbs[b] as Float32Array)]);
}

/** Steps on random states of B samples of L positions (K = 40) against {@link referenceCommits}. */
function checkAgainstReference(partial: Partial<SamplerConfig>, B: number, L: number, trials: number): void {
  const K = 40;
  const config = resolveSamplerConfig(partial);
  const rng = Rng.fromSeed(11);
  for (let trial = 0; trial < trials; trial++) {
    const T = 2 + (trial % 5);
    const initialTokens = Int32Array.from({ length: B * L }, () => (rng.uniform() < 0.2 ? rng.int(K) : K));
    let state = initState({ classes: new Array<number>(B).fill(0), seqLen: L, vocabSize: K, maskId: K, steps: T, initialTokens });
    state = { ...state, step: trial % T };
    const logits = new Float32Array(B * L * K);
    const tied = trial % 4 === 0; // every position alike: exact confidence ties without noise
    const shared = trial % 8 === 0 ? new Float32Array(K) : randomRow(rng, K, 2);
    for (let i = 0; i < B * L; i++) logits.set(tied ? shared : randomRow(rng, K, 1 + (i % 3)), i * K);
    const step = config.method === 'adaptive' ? adaptiveStep : config.method === 'halton' ? haltonStep : confidenceStep;
    const { record } = step(logits, state, rng.fork(trial), config);
    expect(recordCommits(record)).toEqual(referenceCommits(logits, state, rng.fork(trial), config));
  }
}

describe('confidence, adaptive and Halton steps equal the original exact steps', () => {
  const configs: Partial<SamplerConfig>[] = [
    {}, { temperature: 0.6, gumbelScale: 2 }, { gumbelScale: 0 }, { temperature: 0, gumbelScale: 0.5 }, { topK: 6 },
    { method: 'adaptive', adaptiveThreshold: 0.3 }, { method: 'adaptive', adaptiveThreshold: 0.9, temperature: 1.3 }, { method: 'adaptive', temperature: 0 },
    { method: 'adaptive', adaptiveThreshold: 1 / 40 }, // flat rows put every model probability on the threshold (K = 40)
    { method: 'adaptive', adaptiveMinPerStep: 'schedule' }, { method: 'adaptive', adaptiveMinPerStep: 4, adaptiveThreshold: 0.3, temperature: 0.8 },
    { method: 'adaptive', adaptiveMinPerStep: 3, adaptiveThreshold: 0.99 }, // the tied trials tie the top-up exactly
    { method: 'adaptive', adaptiveMinPerStep: 'exit', adaptiveThreshold: 0.3 }, { method: 'adaptive', adaptiveMinPerStep: 'exit', adaptiveThreshold: 0.05, temperature: 0.8 },
    { method: 'adaptive', adaptiveMinPerStep: 'exit', adaptiveThreshold: 1 / 40 }, // flat rows: every draw on the threshold, the exit decided exactly
    { method: 'halton', gridHeight: 5 }, { method: 'halton', gridHeight: 5, haltonRandomOffset: true, temperature: 0.7 },
    { method: 'halton', gridHeight: 5, temperature: 0 }, { method: 'halton', gridHeight: 5, topK: 4 },
  ];
  it.each(configs.map((c) => [JSON.stringify(c), c] as const))('%s', (_name, partial) => {
    checkAgainstReference(partial, 6, 25, 24);
  });
  it.each([{}, { temperature: 0.6, gumbelScale: 2 }, { gumbelScale: 0 }])('%j with L = 81 (over 64 masked: the built-in sort)', (partial) => {
    checkAgainstReference(partial, 2, 81, 10);
  });
});
