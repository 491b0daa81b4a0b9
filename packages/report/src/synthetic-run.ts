/**
 * Fixture for tests and demos: a small synthetic run directory with every input a report reads (run.json,
 * metrics.jsonl, training grids, two eval.json, compare/compare.json with grids, ablations.json) — deterministic, no
 * training. With `adaptive`, the run's rollouts and a third eval and two compare rows are adaptive: they carry the
 * steps each image used.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { aggregate, aggregateCells, compareAcceleration, evalAcceleration, type CompareCell, type EvalCell } from '@speedrl/eval';
import { stepDistribution, type StepDistribution } from '@speedrl/sampler';
import { readPng, writeImageGrid } from '@speedrl/tensor-utils';
import type { Ablations, CompareResult, EvalResultJson } from './schemas';

/** What the synthetic run holds, for assertions. */
export interface SyntheticRun {
  readonly dir: string;
  readonly iterations: number;
  /** Every PNG written, with its pixel width (after scaling). */
  readonly pngs: readonly { readonly path: string; readonly width: number }[];
}

const ms = (mean: number, std: number) => ({ mean, std });

/** A deterministic grid of `n` 8×8 grey images: a diagonal gradient shifted by `phase`. */
async function writeGrid(path: string, n: number, phase: number): Promise<number> {
  const size = 8;
  const images = new Float32Array(n * size * size).map((_, i) => {
    const k = Math.floor(i / (size * size));
    const p = i % (size * size);
    return (((p % size) + Math.floor(p / size) + k + phase) % 16) / 15;
  });
  await writeImageGrid(path, { images, n, height: size, width: size, columns: Math.min(n, 4), scale: 3 });
  return readPng(path).width;
}

/**
 * Steps used by `perClass` images of each of 10 classes under a cap of 12: class c around 12 − c, `shift` fewer
 * (the later in training, the faster).
 */
function syntheticSteps(perClass: number, shift: number): StepDistribution {
  const classes = Array.from({ length: 10 * perClass }, (_, j) => Math.floor(j / perClass));
  const steps = classes.map((c, j) => Math.min(12, Math.max(1, 12 - c + (j % 4) - 1 - shift)));
  return stepDistribution(steps, classes, 12);
}

/** One metrics.jsonl record at iteration `i` (smooth curves; a NaN KL at iteration 3 written as null); `adaptive` adds the adaptive-rollout fields. */
export function syntheticRecord(i: number, adaptive = false): Record<string, unknown> {
  const steps = adaptive ? syntheticSteps(8, Math.floor(i / 10)) : undefined;
  return {
    ...(steps === undefined ? {} : { stepsMeanByClass: Object.fromEntries(Object.entries(steps.byClass).map(([c, d]) => [c, d.mean])), stepsDistribution: steps }),
    iteration: i, step: i + 1, rewardMean: 0.2 + 0.03 * i, rewardStd: 1.5 - 0.02 * i, qualityMean: 0.1 * Math.sin(i / 3), speedRewardMean: 0.4 + 0.01 * i,
    components: { classifier: { mean: -0.2 + 0.01 * i, std: 0.5 }, realism: { mean: -8 + 0.05 * i, std: 3 } },
    stepsMean: steps?.mean ?? 6 - 0.1 * i, nfeMean: steps?.mean ?? 6 - 0.1 * i, ...(steps === undefined ? {} : { samples: steps.count }), klMean: i === 3 ? null : 1e-4 * i, clipFraction: 0.01 * (i % 5), droppedGroupFraction: i % 7 === 0 ? 0.1 : 0,
    meanBrightness: 0.29 + 0.002 * i, tokenEntropy: 5.9 - 0.01 * i, sampleDiversity: 6.8 - 0.02 * i, timeMs: { rollout: 2400, reward: 130, train: 8700 },
    time: '2026-01-01T00:00:00.000Z',
  };
}

/** Seeds a synthetic row is measured over. */
type SeedCount = 1 | 2 | 3;

/** `seeds` values whose mean is `mean` and whose sample std is `std` (0 for one seed): the cells a row of that mean ± std comes from. */
function seedValues(mean: number, std: number, seeds: SeedCount): number[] {
  return seeds === 1 ? [mean] : seeds === 2 ? [mean - std / Math.SQRT2, mean + std / Math.SQRT2] : [mean - std, mean, mean + std];
}

/** Mean and sample std over seeds of each metric of a synthetic row. */
export type Spread = Readonly<Record<'fcd' | 'kid' | 'precision' | 'recall' | 'accuracy' | 'msPerImage', readonly [number, number]>>;

/** Measured cells at T, one per seed, whose row is `spread`; `steps` adds the steps each image used (adaptive; NFE its mean). */
export function syntheticCells(t: number, seeds: SeedCount, spread: Spread, steps?: StepDistribution): EvalCell[] {
  const nfe = steps?.mean ?? t;
  const at = (seed: number) => Object.fromEntries(Object.entries(spread).map(([k, [mean, std]]) => [k, seedValues(mean, std, seeds)[seed]])) as Record<keyof Spread, number>;
  return Array.from({ length: seeds }, (_, seed) => ({ steps: t, seed, ...at(seed), nfePerImage: nfe, meanSteps: nfe, ...(steps === undefined ? {} : { stepsDistribution: steps }) }));
}

/** eval.json of `model` as `speedrl eval` writes it: cells over 2 seeds (at T = 2, 4, 12; adaptive: cap 12) and the rows they give. */
function evalJson(model: string, shift: number, steps?: StepDistribution): EvalResultJson {
  const spread = (t: number): Spread => ({ fcd: [20 / t + shift, 0.3], kid: [0.01 / t, 0.001], precision: [0.7, 0.01], recall: [0.5, 0.02], accuracy: [0.8, 0.01], msPerImage: [0.5 * t, 0.05] });
  const cells = (steps === undefined ? [2, 4, 12] : [12]).flatMap((t) => syntheticCells(t, 2, spread(t), steps));
  return { model, engine: 'ort', floors: { reconstruction: 1.2, trainHeldOut: 0.4 }, cells, rows: aggregate(cells) };
}

/** compare.json's cells over 3 seeds: cosine and halton at T = 2, 4, 8, 12 per model and, with `adaptive`, one adaptive row each (p ≥ 0.5, cap 12). */
function compareCells(adaptive: boolean): CompareCell[] {
  const spread = (fcd: number, ms: number): Spread => ({ fcd: [fcd, 0.4], kid: [0.002, 0.0005], precision: [0.7, 0.01], recall: [0.5, 0.01], accuracy: [0.85, 0.01], msPerImage: [ms, 0.02] });
  const cells: CompareCell[] = [];
  for (const [model, m, shift] of [['base', 1, 0], ['speedrl', 0.6, 3]] as const) {
    if (adaptive) {
      const steps = syntheticSteps(10, shift); // per seed: 3 seeds × 100 images
      cells.push(...syntheticCells(12, 3, spread(30 / steps.mean + 1, 0.4 * steps.mean), steps).map((c) => ({ ...c, model, method: 'adaptive', threshold: 0.5 })));
    }
    for (const [method, k] of [['cosine', 1], ['halton', 0.8]] as const) {
      for (const t of [2, 4, 8, 12]) cells.push(...syntheticCells(t, 3, spread((30 * m * k) / t + 1, 0.4 * t)).map((c) => ({ ...c, model, method })));
    }
  }
  return cells;
}

/** Writes the synthetic run into `dir` (created) and returns what it holds; `adaptive` adds adaptive sampling (see above). */
export async function writeSyntheticRun(dir: string, iterations = 30, options: { readonly adaptive?: boolean } = {}): Promise<SyntheticRun> {
  const adaptive = options.adaptive === true;
  mkdirSync(join(dir, 'grids'), { recursive: true });
  mkdirSync(join(dir, 'compare'), { recursive: true });
  const pngs: { path: string; width: number }[] = [];
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ command: 'accelerate', options: { base: 'models/fashion-mnist', iterations, groupSize: 8, klBeta: 0.04 }, node: '20' }));
  writeFileSync(join(dir, 'metrics.jsonl'), Array.from({ length: iterations }, (_, i) => `${JSON.stringify(syntheticRecord(i, adaptive))}\n`).join(''));
  for (const iteration of [0, Math.floor(iterations / 2), iterations - 1]) {
    for (const t of [2, 12]) {
      const path = join(dir, 'grids', `iter-${String(iteration).padStart(5, '0')}-T${t}.png`);
      pngs.push({ path, width: await writeGrid(path, 8, iteration + t) });
    }
  }
  for (const [name, shift] of [['eval-base', 1], ['eval-accelerated', 0]] as const) {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, 'eval.json'), JSON.stringify(evalJson(name, shift)));
  }
  if (adaptive) {
    mkdirSync(join(dir, 'eval-adaptive'), { recursive: true });
    writeFileSync(join(dir, 'eval-adaptive', 'eval.json'), JSON.stringify(evalJson('eval-adaptive', 0, syntheticSteps(50, 2)))); // 2 seeds × 500 images
  }
  const grids: NonNullable<CompareResult['grids']> = [];
  for (const model of ['base', 'speedrl']) {
    for (const t of [2, 12]) {
      const file = `grid-${model}-cosine-T${t}.png`;
      const path = join(dir, 'compare', file);
      pngs.push({ path, width: await writeGrid(path, 4, t) });
      grids.push({ model, method: 'cosine', steps: t, file });
    }
  }
  const cells = compareCells(adaptive);
  const compare: CompareResult & { readonly cells: readonly CompareCell[] } = {
    models: [{ name: 'base', dir: 'models/fashion-mnist' }, { name: 'speedrl', dir: 'runs/speedrl-1/model' }],
    rows: aggregateCells(cells), floors: { reconstruction: 1.2, trainHeldOut: 0.4 }, grids, searchBudget: '200 candidate schedules per T', cells,
  };
  writeFileSync(join(dir, 'compare', 'compare.json'), JSON.stringify(compare));
  const ablations: Ablations = {
    budget: '50 iterations, group size 8',
    rows: ['full', 'no KL', 'no speed reward'].map((name, i) => ({
      name, config: { klBeta: i === 1 ? 0 : 0.04, speedWeight: i === 2 ? 0 : 0.5 }, evalSteps: 4, fcd: ms(5 + i, 0.2), precision: ms(0.7, 0.01),
      recall: ms(0.5, 0.01), accuracy: ms(0.8, 0.01), stepsMean: 4 + i, ...(i === 1 ? { notes: 'brightness drifts' } : {}),
    })),
  };
  writeFileSync(join(dir, 'ablations.json'), JSON.stringify(ablations));
  return { dir, iterations, pngs };
}

/** One measured cell at T and seed: FCD `fcd(T)` plus a little seed noise, the other metrics constant. */
const claimCell = (steps: number, seed: number, fcd: (t: number) => number) => ({
  steps, seed, fcd: fcd(steps) + 0.05 * seed, kid: 0.01, precision: 0.7, recall: 0.5, accuracy: 0.8, nfePerImage: steps, meanSteps: steps, msPerImage: 0.5 * steps,
});

const BASE_FCD = (t: number): number => 20 / t + 1;
const FAST_FCD = (t: number): number => 6 / t + 0.5;

/**
 * Rewrites a synthetic run's eval-base, eval-accelerated and compare/compare.json as `eval --base-eval` and `compare`
 * write them: cells over 3 seeds, their rows, and the acceleration claims computed from those rows (eval-accelerated
 * vs eval-base's file, 3× at T = 4; compare's speedrl vs base). Returns the three files.
 */
export function writeSyntheticClaims(dir: string): { readonly baseEval: string; readonly accelerated: string; readonly compare: string } {
  const seeds = [0, 1, 2];
  const evalCells = (fcd: (t: number) => number): EvalCell[] => [2, 4, 12].flatMap((t) => seeds.map((seed) => claimCell(t, seed, fcd)));
  const baseEval = join(dir, 'eval-base', 'eval.json');
  const accelerated = join(dir, 'eval-accelerated', 'eval.json');
  const baseRows = aggregate(evalCells(BASE_FCD));
  const fastRows = aggregate(evalCells(FAST_FCD));
  const write = (file: string, json: object) => writeFileSync(file, JSON.stringify(json));
  const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  write(baseEval, { ...read(baseEval), cells: evalCells(BASE_FCD), rows: baseRows, acceleration: evalAcceleration(baseRows) });
  write(accelerated, { ...read(accelerated), options: { baseEval }, cells: evalCells(FAST_FCD), rows: fastRows, acceleration: evalAcceleration(fastRows, { name: baseEval, rows: baseRows }) });
  const compare = join(dir, 'compare', 'compare.json');
  const cells: CompareCell[] = (['base', 'speedrl'] as const).flatMap((model) => [2, 4, 8, 12].flatMap((t) => seeds.map((seed) => ({
    model, method: 'cosine', ...claimCell(t, seed, model === 'base' ? BASE_FCD : FAST_FCD),
  }))));
  const rows = aggregateCells(cells);
  write(compare, { ...read(compare), cells, rows, acceleration: compareAcceleration(rows, ['base', 'speedrl']) });
  return { baseEval, accelerated, compare };
}
