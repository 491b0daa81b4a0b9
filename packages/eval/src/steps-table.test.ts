import { stepDistribution } from '@speedrl/sampler';
import { compareRowSchema, evalRowSchema } from './results';
import { rowStepsDistribution, stepsField, stepsMarkdown } from './steps-table';

const seed0 = stepDistribution([1, 3, 3, 4], [0, 0, 1, 1], 4);
const seed1 = stepDistribution([2, 4, 4, 4], [0, 0, 1, 1], 4);

describe('steps used by adaptive rows', () => {
  it('sums the cells over seeds, and has none unless every cell has one', () => {
    const row = rowStepsDistribution([{ stepsDistribution: seed0 }, { stepsDistribution: seed1 }]);
    expect(row?.histogram).toEqual([1, 1, 2, 4]);
    expect(row?.count).toBe(8);
    expect(row?.byClass['1']).toEqual({ count: 4, mean: 15 / 4, histogram: [0, 0, 1, 3] });
    expect(rowStepsDistribution([{ stepsDistribution: seed0 }, {}])).toBeUndefined(); // a cell of an older file
    expect(stepsField([{}, {}])).toEqual({});
    expect(stepsField([])).toEqual({});
  });

  it('tables mean ± std, quantiles, range and the mean per class of the rows that have one', () => {
    const md = stepsMarkdown([{ label: 'cosine T=4' }, { label: 'adaptive p ≥ 0.5', steps: seed0 }], 'method');
    expect(md).toContain('| method | images | steps used (mean ± std) | p10 / p50 / p90 | range | class 0 | class 1 |');
    expect(md).toContain(`| adaptive p ≥ 0.5 | 4 | 2.75 ± ${Math.sqrt(1.1875).toFixed(2)} | 1 / 3 / 4 | 1–4 of 4 | 2.00 | 3.50 |`);
    expect(md).not.toContain('cosine T=4');
    expect(stepsMarkdown([{ label: 'cosine T=4' }], 'method')).toBe('');
  });

  it('rows of eval.json and compare.json read back with the distribution, and without it (older files)', () => {
    const stored = JSON.parse(JSON.stringify(rowStepsDistribution([{ stepsDistribution: seed0 }]))) as unknown;
    const ms = { mean: 1, std: 0 };
    const evalRow = { steps: 4, fcd: ms, nfePerImage: 2.75 };
    expect(evalRowSchema.parse(evalRow).stepsDistribution).toBeUndefined();
    expect(evalRowSchema.parse({ ...evalRow, stepsDistribution: stored }).stepsDistribution?.histogram).toEqual([1, 0, 2, 1]);
    const compareRow = { model: 'base', method: 'adaptive', steps: 2.75, threshold: 0.5, maxSteps: 4, nfePerImage: 2.75, msPerImage: ms, fcd: ms, kid: ms, precision: ms, recall: ms, accuracy: ms, seeds: 1 };
    expect(compareRowSchema.parse(compareRow).stepsDistribution).toBeUndefined();
    expect(compareRowSchema.parse({ ...compareRow, stepsDistribution: stored }).stepsDistribution?.byClass['0']?.mean).toBe(2);
    expect(compareRowSchema.safeParse({ ...compareRow, stepsDistribution: { histogram: 'x' } }).success).toBe(false);
  });
});
