/**
 * Bad logits (NaN, +Infinity) are refused with the same error wherever they are — masked rows the step draws from,
 * unmasked rows nobody draws from, rows drawn approximately or exactly — for every method: the error names the call
 * and the first bad entry, as a full check right after the LogitsFn call would.
 */
import { Rng } from '@speedrl/core';
import { belowInfinity, unmaskedRowsBelowInfinity } from './logits-check';
import { sample } from './sample';
import type { LogitsFn, SamplerConfig } from './types';

const B = 3;
const L = 16;
const K = 24;

/** Finite logits except `bad` at [b, position, token] entries from step `atStep` on. */
function badAt(atStep: number, bad: readonly [number, number, number, number][]): LogitsFn {
  let step = 0;
  return async (tokens) => {
    const out = Float32Array.from({ length: B * L * K }, (_, i) => Math.sin(i * 1.7 + tokens[Math.floor(i / K)]! * 0.3) * 3);
    if (step >= atStep) for (const [b, p, k, v] of bad) out[(b * L + p) * K + k] = v;
    step += 1;
    return out;
  };
}

const run = (fn: LogitsFn, config: Partial<SamplerConfig>, steps = 4): Promise<unknown> =>
  sample(fn, { classes: [1, 2, 3], steps, rng: Rng.fromSeed(4), maskId: K, seqLen: L, vocabSize: K, numClasses: 10, config });

describe('bad logits are refused with the first bad entry named', () => {
  const configs: [string, Partial<SamplerConfig>][] = [
    ['confidence', {}], ['confidence top-k', { topK: 3 }], ['confidence greedy', { temperature: 0 }], ['confidence τ=0.7', { temperature: 0.7 }],
    ['adaptive', { method: 'adaptive' }], ['halton', { method: 'halton' }],
  ];
  it.each(configs)('%s: NaN or +Infinity in a masked row at step 0', async (_name, config) => {
    await expect(run(badAt(0, [[1, 5, 7, Number.NaN]]), config)).rejects.toThrow(
      'LogitsFn output (conditional pass, step 0) has NaN at [sample 1, position 5, token 7]',
    );
    await expect(run(badAt(0, [[2, 9, 0, Infinity], [2, 11, 3, Number.NaN]]), config)).rejects.toThrow(
      'LogitsFn output (conditional pass, step 0) has Infinity at [sample 2, position 9, token 0]',
    );
  });

  it.each(configs)('%s: at the last step (all drawn exactly) and in rows no longer masked', async (_name, config) => {
    // From step 3 of 4 on, every row is bad somewhere: the masked rows left and committed ones alike.
    const everywhere = Array.from({ length: B * L }, (_, i) => [Math.floor(i / L), i % L, (i * 5) % K, Number.NaN] as [number, number, number, number]);
    await expect(run(badAt(3, everywhere), config)).rejects.toThrow('LogitsFn output (conditional pass, step 3) has NaN at [sample 0, position 0, token 0]');
  });

  it.each(configs.flatMap(([name, config]) => [1, 3].map((step) => [name, config, step] as const)))(
    '%s: a bad value in the masked rows only, from step %d on (approximate and exact draws)',
    async (_name, config, step) => {
      let calls = 0;
      const base = badAt(99, []);
      const fn: LogitsFn = async (tokens, classes) => {
        const out = await base(tokens, classes);
        if (calls++ >= step) {
          const last = tokens.lastIndexOf(K); // the last masked position of the batch
          if (last >= 0) out[last * K + 4] = calls % 2 === 0 ? Number.NaN : Infinity;
        }
        return out;
      };
      await expect(run(fn, config)).rejects.toThrow(new RegExp(`LogitsFn output \\(conditional pass, step ${step}\\) has (NaN|Infinity) at \\[sample 2, position \\d+, token 4\\]`));
    },
  );

  it('a bad value in a committed row only is refused too (step 1)', async () => {
    let committed = -1;
    const base = badAt(99, []);
    const fn: LogitsFn = async (tokens, classes) => {
      const out = await base(tokens, classes);
      if (committed < 0) committed = tokens.findIndex((t) => t < K); // a position committed by step 0, once known
      if (committed >= 0) out[committed * K + 2] = Infinity;
      return out;
    };
    await expect(run(fn, {})).rejects.toThrow(/LogitsFn output \(conditional pass, step 1\) has Infinity at \[sample \d+, position \d+, token 2\]/);
  });

  it('guided logits that overflow are refused by the step', async () => {
    const fn: LogitsFn = async (_tokens, classes) => new Float32Array(B * L * K).fill(classes[0] === 10 ? -3e38 : 3e38);
    await expect(run(fn, { guidance: { weight: 3, nullClassId: 10, warmup: 'none' } })).rejects.toThrow(/logits passed to the step has Infinity/);
  });
});

describe('belowInfinity / unmaskedRowsBelowInfinity', () => {
  it('flag exactly NaN and +Infinity, at any offset of a range', () => {
    for (let n = 0; n < 11; n++) {
      for (let at = 0; at < n; at++) {
        for (const v of [Number.NaN, Infinity]) {
          const a = new Float32Array(n).fill(-Infinity);
          a[at] = v;
          expect(belowInfinity(a, 0, n)).toBe(false);
          expect(belowInfinity(a, at + 1, n)).toBe(true);
        }
      }
    }
    expect(belowInfinity(Float32Array.from([3e38, 3e38, 3e38, 3e38, -Infinity]), 0, 5)).toBe(true);
  });

  it('looks only at rows of unmasked positions', () => {
    const logits = new Float32Array(4 * 3);
    logits[1 * 3 + 2] = Number.NaN; // row 1
    expect(unmaskedRowsBelowInfinity(logits, Uint8Array.from([0, 1, 0, 0]), 3)).toBe(true);
    expect(unmaskedRowsBelowInfinity(logits, Uint8Array.from([1, 0, 1, 1]), 3)).toBe(false);
  });
});
