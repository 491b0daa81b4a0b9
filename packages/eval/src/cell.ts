/**
 * One evaluation cell (docs/architecture.md, "Evaluation protocol"), the unit of `speedrl eval` and `speedrl compare`:
 * a class-balanced set sampled at T with a seed, its EVALUATION-classifier features, and FCD, KID, precision/recall and
 * class accuracy against the test-set reference, with KID subsets drawn from Rng.fromSeed(seed).fork(T).
 */
import { Rng } from '@speedrl/core';
import { drawSampleSet, type Generator, type SampleSet } from '@speedrl/pipeline';
import { computeSetMetrics, extractEvalOutputs, type FeatureModel, type ReferenceStats } from '@speedrl/rewards-clip-fid';
import type { SamplerConfig } from '@speedrl/sampler';
import type { CellMetrics } from './table';

/** The judge of every cell: the evaluation classifier and the test-set reference, loaded once per run. */
export interface Judge {
  readonly classifier: FeatureModel;
  readonly reference: ReferenceStats;
  readonly kidSubsets: number;
}

/** What one cell samples: n images at `steps` with `seed`, `batch` per forward pass, with a sampler config. */
export interface CellSampling {
  readonly n: number;
  readonly steps: number;
  readonly seed: number;
  readonly batch: number;
  readonly config: Partial<SamplerConfig>;
}

/** Samples the cell's set and measures it; `onBatch` reports the images done. */
export async function measureCell(
  gen: Generator, judge: Judge, cell: CellSampling, onBatch?: (done: number) => void,
): Promise<{ metrics: CellMetrics; set: SampleSet }> {
  const set = await drawSampleSet(gen, cell.n, cell.steps, cell.seed, cell.batch, cell.config, onBatch);
  const outputs = await extractEvalOutputs(judge.classifier, set.images, set.count);
  const m = computeSetMetrics(outputs, judge.reference, Rng.fromSeed(cell.seed).fork(cell.steps), set.classes, { kid: { numSubsets: judge.kidSubsets } });
  const metrics: CellMetrics = {
    fcd: m.fcd, kid: m.kid.mean, precision: m.precision, recall: m.recall, accuracy: m.accuracy?.accuracy ?? NaN,
    nfePerImage: set.nfePerImage, meanSteps: set.meanSteps, msPerImage: (1000 * set.sampleSeconds) / set.count,
    ...(cell.config.method === 'adaptive' ? { stepsDistribution: set.stepsDistribution } : {}), // fixed T: every image uses T
  };
  return { metrics, set };
}
