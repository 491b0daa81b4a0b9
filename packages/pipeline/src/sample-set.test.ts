import { Rng } from '@speedrl/core';
import { MASKGIT_PRESETS, maskTokenId } from '@speedrl/maskgit';
import { sample, stepDistribution, type SamplerConfig } from '@speedrl/sampler';
import { fakeLogitsFn } from '@speedrl/sampler/testing';
import type { Generator } from './bundle';
import { balancedClasses, drawSampleSet } from './sample-set';

const config = MASKGIT_PRESETS.tiny;
/** Token 0 gets logit 1 + 0.3·class: confident classes commit more per adaptive step and finish sooner. */
const logits = fakeLogitsFn(config.numCodes, (cls, _p, k) => (k === 0 ? 1 + 0.3 * cls : 0));
const gen = {
  config, logits, engine: 'tfjs', decode: async (tokens: Int32Array) => new Float32Array((tokens.length / config.seqLen) * 28 * 28), dispose: () => undefined,
} as unknown as Generator;
const ADAPTIVE: Partial<SamplerConfig> = { method: 'adaptive', adaptiveThreshold: 0.5 };

describe('drawSampleSet step counts', () => {
  it('records the steps each image used: the histogram sums to n and is that of the trajectories, per class', async () => {
    const n = 30;
    const set = await drawSampleSet(gen, n, 8, 5, 7, ADAPTIVE);
    const d = set.stepsDistribution;
    expect(d.histogram).toHaveLength(8);
    expect(d.histogram.reduce((a, c) => a + c, 0)).toBe(n);
    expect(Object.values(d.byClass).reduce((a, c) => a + c.count, 0)).toBe(n);
    expect(set.meanSteps).toBe(d.mean);
    // the same images sampled directly, one call, give the same steps used
    const classes = balancedClasses(n, config.numClasses);
    const direct = await sample(logits, {
      classes, steps: 8, rng: Rng.fromSeed(5), maskId: maskTokenId(config), seqLen: config.seqLen, vocabSize: config.numCodes,
      numClasses: config.numClasses, config: ADAPTIVE,
    });
    expect(d).toEqual(stepDistribution(direct.trajectory.stepsUsed, classes, 8));
    expect(new Set(direct.trajectory.stepsUsed).size).toBeGreaterThan(1); // the adaptive sampler's counts differ per image
    expect(d.byClass['9']?.mean).toBeLessThan(d.byClass['0']?.mean ?? 0); // the confident class finishes sooner
    expect((await drawSampleSet(gen, n, 8, 5, 30, ADAPTIVE)).stepsDistribution).toEqual(d); // whatever the batch size
  });

  it('counts NFE per image from each image\'s own steps, whatever the batch (was: each image charged its batch\'s slowest)', async () => {
    const sets = await Promise.all([1, 7, 30].map((batch) => drawSampleSet(gen, 30, 8, 5, batch, ADAPTIVE)));
    for (const set of sets) expect(set.nfePerImage).toBeCloseTo(set.meanSteps, 12);
    expect(sets[2]?.meanSteps).toBeLessThan(8); // images finish before the cap, so a batch-max count would differ
    const guided = await drawSampleSet(gen, 30, 8, 5, 30, { ...ADAPTIVE, guidance: { weight: 2, nullClassId: config.numClasses, warmup: 'none' } });
    expect(guided.nfePerImage).toBeCloseTo(2 * guided.meanSteps, 12); // two passes per step with CFG
  });

  it('is a point mass at T for a scheduled sampler', async () => {
    const d = (await drawSampleSet(gen, 10, 3, 0, 4, {})).stepsDistribution;
    expect(d.histogram).toEqual([0, 0, 10]);
    expect([d.mean, d.std, d.p10, d.p90]).toEqual([3, 0, 3, 3]);
  });
});
