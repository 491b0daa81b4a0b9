/**
 * Golden samples: the tokens and recorded log π of fixed seeds, for every sampler method and policy setting, hashed.
 * They were recorded before the sampler's inner loops were optimised; any change to the numbers a seed produces (an
 * extra random draw, another summation order) changes a hash. Change a hash only with a reason in the commit.
 */
import { Rng } from '@speedrl/core';
import { fakeLogitsFn } from './testing/fake-logits';
import { sample } from './sample';
import type { SamplerConfig } from './types';

const K = 200;
const L = 16;
/** Logits that depend on class, position, token and the row's committed tokens, spread like a trained model's. */
const logitsFn = fakeLogitsFn(K, (cls, p, k, row) => {
  const context = row.reduce((a, t) => (t < K ? a + t : a), 0);
  const h = Math.sin(k * 12.9898 + p * 78.233 + cls * 37.719 + context * 0.173) * 43758.5453;
  return 6 * (h - Math.floor(h)) - 3 + (k % 17 === cls ? 2 : 0);
});

/** FNV-1a over the bytes of the tokens and of every committed log π (Float32). */
function fnv(parts: readonly ArrayBufferView[]): string {
  let h = 0x811c9dc5;
  for (const part of parts) {
    const bytes = new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
    for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

const CASES: readonly [string, Partial<SamplerConfig>, number, string][] = [
  ['confidence τ=1, gumbel 4.5', { gumbelScale: 4.5 }, 6, 'db589ffa'],
  ['confidence τ=0.7', { temperature: 0.7, gumbelScale: 2 }, 6, '86ff2c15'],
  ['confidence top-k 20', { topK: 20, gumbelScale: 4.5 }, 6, 'bb55f9a8'],
  ['confidence greedy', { temperature: 0, gumbelScale: 1 }, 6, 'b15a5fa7'],
  ['confidence CFG w=2', { gumbelScale: 4.5, guidance: { weight: 2, nullClassId: 10, warmup: 'none' } }, 5, 'dad663a0'],
  ['halton', { method: 'halton' }, 6, 'fd3fafbd'],
  ['adaptive p=0.05', { method: 'adaptive', adaptiveThreshold: 0.05 }, 12, 'e6c8d7fd'],
];

describe('golden samples (fixed seeds give fixed tokens and log π)', () => {
  it.each(CASES)('%s', async (_name, config, steps, expected) => {
    const classes = Int32Array.from([0, 3, 7, 9, 1, 5]);
    const r = await sample(logitsFn, { classes, steps, rng: Rng.fromSeed(2024), maskId: K, seqLen: L, vocabSize: K, numClasses: 10, config });
    const logProbs = r.trajectory.records.flatMap((rec) => rec.committedLogProbs);
    expect(fnv([r.tokens, ...logProbs])).toBe(expected);
  });
});
