import { stepDistribution } from '@speedrl/sampler';
import { aggregate, markdownTable, meanStd } from './table';

describe('eval table', () => {
  it('aggregates cells by steps with mean and sample std over seeds', () => {
    const cell = (steps: number, seed: number, fcd: number) => ({ steps, seed, fcd, kid: 0.001 * fcd, precision: 0.5, recall: 0.4, accuracy: 0.9, nfePerImage: steps, meanSteps: steps, msPerImage: 2 });
    const rows = aggregate([cell(12, 0, 1), cell(4, 0, 3), cell(12, 1, 3), cell(4, 1, 5)]);
    expect(rows.map((r) => r.steps)).toEqual([4, 12]);
    expect(rows[1]?.fcd).toEqual({ mean: 2, std: Math.SQRT2 });
    expect(meanStd([7])).toEqual({ mean: 7, std: 0 });
    const md = markdownTable(rows, { reconstruction: 0.5 }, 'ort');
    expect(md).toContain('| 4 | 4.0 | 4.000 ± 1.414 |');
    expect(md).toContain('- reconstruction: FCD 0.500');
    expect(md).not.toContain('Steps used'); // fixed T: every image uses T
  });

  it('adaptive rows carry the steps used, summed over seeds, and the table shows them', () => {
    const cell = (seed: number, steps: number[]) => {
      const stepsDistribution = stepDistribution(steps, [0, 0, 1, 1], 8);
      return { steps: 8, seed, fcd: 1, kid: 0, precision: 0.5, recall: 0.4, accuracy: 0.9, nfePerImage: stepsDistribution.mean, meanSteps: stepsDistribution.mean, msPerImage: 2, stepsDistribution };
    };
    const [row] = aggregate([cell(0, [2, 2, 8, 8]), cell(1, [3, 3, 8, 7])]);
    expect(row?.stepsDistribution?.histogram).toEqual([0, 2, 2, 0, 0, 0, 1, 3]);
    expect(row?.stepsDistribution?.byClass['0']?.mean).toBe(2.5);
    expect(markdownTable(row === undefined ? [] : [row], {}, 'ort')).toContain('| 8 | 8 | 5.13 ± 2.67 | 2 / 3 / 8 | 2–8 of 8 | 2.50 | 7.75 |');
  });
});
