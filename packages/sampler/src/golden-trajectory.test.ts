/**
 * Golden trajectories at a realistic size (B = 8, L = 49, K = 128): SHA-256 of the final tokens, the NFE, the steps
 * used and every field of every step record, for each sampler method and option path (temperature, top-k, greedy,
 * Gumbel noise, guidance with and without warm-up, step arrays, Halton offsets, inpainting, sample ids). Recorded on
 * the sampler before its step was taken off the critical path (issue 15; the hybrid floor cases at 15451d6, before
 * the step's second pass); a changed hash means a seed no longer gives the same sample. Change a hash only with a
 * reason in the commit.
 */
import { createHash } from 'node:crypto';
import { Rng } from '@speedrl/core';
import { sample, type SampleOptions, type SampleResult } from './sample';
import type { LogitsFn, SamplerConfig } from './types';

const B = 8;
const L = 49;
const K = 128;
const NULL_CLASS = 10;

const { cos, floor, sin } = Math; // bound once: global Math lookups are slow under jest

/** Random-looking logits of (class, position, token, row context): a few strong tokens per position, the rest spread. */
const logitsFn: LogitsFn = async (tokens, classes) => {
  const out = new Float32Array(classes.length * L * K);
  for (let b = 0; b < classes.length; b++) {
    const cls = classes[b] as number;
    let context = 0;
    for (let i = 0; i < L; i++) if ((tokens[b * L + i] as number) < K) context += (tokens[b * L + i] as number) * (i + 1);
    for (let p = 0; p < L; p++) {
      for (let k = 0; k < K; k++) {
        const h = sin(k * 12.9898 + p * 78.233 + cls * 37.719 + (context % 997) * 0.173) * 43758.5453;
        const bump = ((k * 7 + p * 3) % 31 === cls ? 4 : 0) + (cls === NULL_CLASS ? 0.5 * cos(k) : 0);
        out[(b * L + p) * K + k] = 5 * (h - floor(h)) - 2.5 + bump;
      }
    }
  }
  return out;
};

function hashResult(r: SampleResult): string {
  const h = createHash('sha256');
  const add = (v: ArrayBufferView): void => {
    h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  };
  add(r.tokens);
  h.update(`nfe ${r.nfe} records ${r.trajectory.records.length}`);
  add(r.trajectory.classes);
  add(r.trajectory.sampleIds);
  add(r.trajectory.stepsUsed);
  for (const rec of r.trajectory.records) {
    h.update(`${rec.step}/${rec.totalSteps} T=${rec.temperature} k=${rec.topK} g=${rec.gumbelScale} w=${rec.cfgWeight} nfe=${rec.nfe}`);
    add(rec.tokensBefore);
    add(rec.maskBefore);
    add(rec.maskedAfter);
    rec.committedPositions.forEach((p, b) => {
      h.update(`b${b}`);
      add(p);
      add(rec.committedTokens[b] as Int32Array);
      add(rec.committedLogProbs[b] as Float32Array);
    });
  }
  return h.digest('hex').slice(0, 16);
}

const CLASSES = Int32Array.from([0, 3, 7, 9, 1, 5, 3, 0]);
const guided = (weight: number, warmup: 'none' | 'linear' = 'none'): Partial<SamplerConfig> => ({
  guidance: { weight, nullClassId: NULL_CLASS, warmup },
});
const inpaint = Int32Array.from({ length: B * L }, (_, i) => (i % 5 === 0 ? (i * 31) % K : K));

type Extra = Partial<Pick<SampleOptions, 'sampleIds' | 'initialTokens'>>;
const CASES: readonly [string, Partial<SamplerConfig>, number, Extra, string][] = [
  ['confidence default (τ0 4.5)', {}, 12, {}, '8848ace72cb34e31'],
  ['confidence T=1', {}, 1, {}, '4426a13c27d9a142'],
  ['confidence temperature 0.7, gumbel 2', { temperature: 0.7, gumbelScale: 2 }, 12, {}, '4c296e6e2facbca4'],
  ['confidence temperature 1.6, no gumbel', { temperature: 1.6, gumbelScale: 0 }, 8, {}, '2427d8ee22c96253'],
  ['confidence top-k 10', { topK: 10 }, 12, {}, 'c923bb26b3ee9890'],
  ['confidence top-k 5, temperature 0.5', { topK: 5, temperature: 0.5 }, 6, {}, '141ddb79361a12ce'],
  ['confidence greedy', { temperature: 0, gumbelScale: 3 }, 12, {}, 'c6a9c520f0150e6e'],
  ['confidence arccos, CFG w=3', { schedule: 'arccos', ...guided(3) }, 8, {}, 'f9068720011d418a'],
  ['confidence CFG w=2 linear warm-up, temperature 0.8', { temperature: 0.8, ...guided(2, 'linear') }, 6, {}, '06b503084fdfbb7e'],
  ['confidence CFG w=0', guided(0), 4, {}, '754b1fce7439d67f'],
  [
    'confidence step arrays',
    {
      ...guided(1.5),
      stepArrays: { maskRatios: [0.8, 0.5, 0.2, 0], temperatures: [1, 0.5, 0, 1.2], gumbelScales: [3, 0, 1, 0], cfgWeights: [0, 1, 2, 4] },
    },
    4,
    {},
    'b3f8e543df3b4d3d',
  ],
  ['confidence inpainting, sample ids', { schedule: 'linear' }, 10, { initialTokens: inpaint, sampleIds: [9, 4, 100, 7, 2 ** 30, 0, 5, 6] }, 'd507a7d2be8d65fa'],
  ['halton default', { method: 'halton' }, 12, {}, '37e8a6bd60fada29'],
  ['halton random offset, temperature 0.9, top-k 20', { method: 'halton', haltonRandomOffset: true, temperature: 0.9, topK: 20 }, 8, {}, '7821c30f716fbcb0'],
  ['halton greedy, CFG w=2, 49×1 grid', { method: 'halton', temperature: 0, gridHeight: 49, ...guided(2) }, 6, {}, '23f19874f08c1e38'],
  ['halton inpainting', { method: 'halton', schedule: 'pow-2' }, 9, { initialTokens: inpaint }, '925111e4ff8bbf51'],
  ['adaptive default (0.9)', { method: 'adaptive' }, 12, {}, 'f0b73b0a3f767e14'],
  ['adaptive threshold 0.05', { method: 'adaptive', adaptiveThreshold: 0.05 }, 12, {}, '12a3fbab584c6389'],
  ['adaptive temperature 0.6, top-k 8, CFG w=1.5', { method: 'adaptive', adaptiveThreshold: 0.1, temperature: 0.6, topK: 8, ...guided(1.5) }, 6, {}, '120fca710109ec12'],
  ['adaptive greedy, inpainting', { method: 'adaptive', adaptiveThreshold: 0.08, temperature: 0 }, 5, { initialTokens: inpaint }, '0577e5ff0985391f'],
  ['adaptive hybrid, schedule floor', { method: 'adaptive', adaptiveMinPerStep: 'schedule' }, 12, {}, '89544092a35e0154'],
  ['adaptive hybrid, floor 3, threshold 0.3', { method: 'adaptive', adaptiveMinPerStep: 3, adaptiveThreshold: 0.3 }, 12, {}, '7940851489cd5ace'],
  ['adaptive hybrid, schedule floor, arccos, CFG w=2, temperature 0.8', { method: 'adaptive', adaptiveMinPerStep: 'schedule', schedule: 'arccos', temperature: 0.8, ...guided(2) }, 8, {}, '50b9dba1e2c15f7d'],
  ['adaptive hybrid, schedule floor, inpainting, sample ids', { method: 'adaptive', adaptiveMinPerStep: 'schedule', adaptiveThreshold: 0.5 }, 6, { initialTokens: inpaint, sampleIds: [3, 1, 4, 1, 5, 9, 2, 6] }, '2cbc7497ae753e0b'],
];

describe('golden trajectories (B=8, L=49, K=128): a seed gives the same tokens, records and NFE', () => {
  it.each(CASES)('%s', async (_name, config, steps, extra, expected) => {
    const r = await sample(logitsFn, { classes: CLASSES, steps, rng: Rng.fromSeed(77), maskId: K, seqLen: L, vocabSize: K, numClasses: 10, config, ...extra });
    expect(hashResult(r)).toBe(expected);
  });
});
