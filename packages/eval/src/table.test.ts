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
  });
});
