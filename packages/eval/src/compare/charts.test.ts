import { paretoSeries } from './charts';
import { aggregateCells, type CompareCell } from './table';

const cell = (model: string, method: string, steps: number, fcd: number): CompareCell => ({
  model, method, steps, seed: 0, fcd, kid: 0.002, precision: 0.5, recall: 0.4, accuracy: 0.9, nfePerImage: steps, meanSteps: steps, msPerImage: steps * 3,
});

describe('compare Pareto series', () => {
  const rows = aggregateCells([
    cell('base', 'cosine', 4, 40), cell('base', 'cosine', 2, 60), cell('base', 'arccos', 2, 62), cell('base', 'linear', 2, 68), cell('rl', 'cosine', 2, 50),
  ]);

  it('draws one series per model × method, points sorted by x, colour per method and style per model', () => {
    const s = paretoSeries(rows, 'nfe', ['base', 'rl'], ['cosine', 'arccos', 'linear']);
    const base = s.find((x) => x.name === 'base / cosine');
    expect(Array.from(base?.x ?? [])).toEqual([2, 4]);
    expect(Array.from(base?.y ?? [])).toEqual([60, 40]);
    expect(s.find((x) => x.name === 'rl / cosine')).toMatchObject({ color: base?.color, dashed: true });
    expect(Array.from(paretoSeries(rows, 'wallclock', ['base', 'rl'], ['cosine']).find((x) => x.name === 'base / cosine')?.x ?? [])).toEqual([6, 12]);
  });

  it('gives methods kept from an earlier run (not in --methods) colours of their own', () => {
    const s = paretoSeries(rows, 'nfe', ['base', 'rl'], ['cosine']); // resumed with fewer --methods
    const colours = ['cosine', 'arccos', 'linear'].map((m) => s.find((x) => x.name === `base / ${m}`)?.color);
    expect(new Set(colours).size).toBe(3);
  });
});
