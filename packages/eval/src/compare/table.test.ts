import { stepDistribution } from '@speedrl/sampler';
import { aggregateCells, compareMarkdown, sortRows, type CompareCell } from './table';

const cell = (model: string, method: string, steps: number, seed: number, fcd: number, extra: Partial<CompareCell> = {}): CompareCell => ({
  model, method, steps, seed, fcd, kid: 0.002, precision: 0.5, recall: 0.4, accuracy: 0.9, nfePerImage: steps, meanSteps: steps, msPerImage: 2, ...extra,
});

describe('compare table', () => {
  it('aggregates over seeds; adaptive rows report the steps and NFE actually used', () => {
    const rows = aggregateCells([
      cell('rl', 'cosine', 4, 0, 1), cell('base', 'cosine', 4, 0, 3), cell('rl', 'cosine', 4, 1, 3),
      cell('base', 'adaptive', 8, 0, 5, { threshold: 0.9, meanSteps: 3, nfePerImage: 4 }), cell('base', 'adaptive', 8, 1, 7, { threshold: 0.9, meanSteps: 4, nfePerImage: 5 }),
    ]);
    const sorted = sortRows(rows, ['base', 'rl'], ['cosine', 'adaptive']);
    expect(sorted.map((r) => [r.model, r.method, r.steps, r.nfePerImage, r.seeds])).toEqual([['base', 'cosine', 4, 4, 1], ['base', 'adaptive', 3.5, 4.5, 2], ['rl', 'cosine', 4, 4, 2]]);
    expect(sorted[2]?.fcd).toEqual({ mean: 2, std: Math.SQRT2 });
    expect(sorted[1]).toMatchObject({ threshold: 0.9, maxSteps: 8 });
    const md = compareMarkdown({ rows: sorted, engine: 'ort', models: [{ name: 'base', dir: 'b' }], floors: { reconstruction: 6.5, trainHeldOut: 1.5 }, searchBudget: '1 T × 4' }, 1000);
    expect(md).toContain('| base | adaptive (p ≥ 0.9, T ≤ 8) | 3.50 | 4.5 | 2.00 ± 0.00 | 6.000 ± 1.414 | 2.00 ± 0.00 |');
    expect(md).toContain('| rl | cosine | 4 | 4.0 |');
    expect(md).toMatch(/tokenizer reconstructions of the test set \(\S+'s tokenizer\): 6\.500/); // one floor, of the first model's tokenizer (was: unlabelled)
    expect(md).toContain('Tuned schedule search budget: 1 T × 4.');
    expect(md).toContain('Warning: rows average different numbers of seeds (1 to 2, see the seeds column)');
    expect(compareMarkdown({ rows: [sorted[0] as (typeof sorted)[0]], engine: 'ort', models: [] }, 1000)).not.toContain('Warning');
    expect(md).not.toContain('Steps used'); // these cells carry no distribution (files written before it)
  });

  it('adaptive rows sum the steps used over seeds; compare.md tables them, fixed-T rows not', () => {
    const steps = (s: number[]) => ({ stepsDistribution: stepDistribution(s, [0, 1], 8) });
    const rows = aggregateCells([
      cell('base', 'cosine', 4, 0, 1),
      cell('base', 'adaptive', 8, 0, 5, { threshold: 0.5, meanSteps: 3, ...steps([2, 4]) }), cell('base', 'adaptive', 8, 1, 7, { threshold: 0.5, meanSteps: 5, ...steps([8, 2]) }),
    ]);
    expect(rows[0]?.stepsDistribution).toBeUndefined();
    expect(rows[1]?.stepsDistribution?.histogram).toEqual([0, 2, 0, 1, 0, 0, 0, 1]);
    const md = compareMarkdown({ rows, engine: 'ort', models: [] }, 2);
    expect(md).toContain('| base / adaptive (p ≥ 0.5, T ≤ 8) | 4 | 4.00 ± 2.45 | 2 / 2 / 8 | 2–8 of 8 | 5.00 | 3.00 |');
    expect(md).not.toContain('| base / cosine |');
  });
});
