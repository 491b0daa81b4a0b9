/**
 * Draws a class-balanced sample set from a generator: n images, n/numClasses per class, image i on stream
 * seed.fork(i) whatever the batch size; with NFE, the steps each image used (their distribution, per class) and
 * sampling time, as every evaluation counts them.
 */
import { Rng } from '@speedrl/core';
import { sample, stepDistribution, type SamplerConfig, type StepDistribution } from '@speedrl/sampler';
import { maskTokenId } from '@speedrl/maskgit';
import type { Generator } from './bundle';

/** A sampled and decoded set. */
export interface SampleSet {
  /** `[n, 28, 28]` in [0, 1]. */
  readonly images: Float32Array;
  /** Conditioning class of each image `[n]`. */
  readonly classes: Int32Array;
  /** Final tokens `[n, L]`. */
  readonly tokens: Int32Array;
  readonly count: number;
  /** Transformer passes per image: the mean of each image's steps × passes per step (2 with CFG), whatever the batch. */
  readonly nfePerImage: number;
  /** Mean steps each image used (< T only for the adaptive sampler). */
  readonly meanSteps: number;
  /** The steps each image used: histogram over 1..T, per class (a point mass at T except for the adaptive sampler). */
  readonly stepsDistribution: StepDistribution;
  /** Wall-clock seconds of sampling alone (decoding excluded), at the given batch size. */
  readonly sampleSeconds: number;
}

/** Classes 0,0,…,1,1,… so every class gets ⌊n/C⌋ or ⌈n/C⌉ images. */
export function balancedClasses(n: number, numClasses: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.floor((i * numClasses) / n);
  return out;
}

/** Samples `n` images at `steps` with `seed`; image i always uses stream `seed.fork(i)`, whatever the batch size. */
export async function drawSampleSet(
  gen: Generator, n: number, steps: number, seed: number, batch: number, config: Partial<SamplerConfig>,
  onBatch?: (done: number) => void,
): Promise<SampleSet> {
  const { config: mc } = gen;
  const classes = balancedClasses(n, mc.numClasses);
  const L = mc.seqLen;
  const tokens = new Int32Array(n * L);
  const rng = Rng.fromSeed(seed);
  let nfe = 0;
  const stepsUsed = new Int32Array(n);
  let seconds = 0;
  for (let start = 0; start < n; start += batch) {
    const end = Math.min(n, start + batch);
    const t0 = performance.now();
    const result = await sample(gen.logits, {
      classes: classes.subarray(start, end), sampleIds: Array.from({ length: end - start }, (_, i) => start + i),
      steps, rng, maskId: maskTokenId(mc), seqLen: L, vocabSize: mc.numCodes, numClasses: mc.numClasses, config,
    });
    seconds += (performance.now() - t0) / 1000;
    tokens.set(result.tokens, start * L);
    // each image's own passes (its steps × passes per step, 2 with CFG), not its batch's: a batch runs until its slowest
    // image ends (ms/image measures that), so NFE per image does not depend on the batch size
    const passesPerStep = result.trajectory.records.length === 0 ? 0 : result.nfe / result.trajectory.records.length;
    for (const used of result.trajectory.stepsUsed) nfe += used * passesPerStep;
    stepsUsed.set(result.trajectory.stepsUsed, start);
    onBatch?.(end);
  }
  const images = await gen.decode(tokens);
  const stepsDistribution = stepDistribution(stepsUsed, classes, steps);
  return { images, classes, tokens, count: n, nfePerImage: nfe / n, meanSteps: stepsDistribution.mean, stepsDistribution, sampleSeconds: seconds };
}
