import { accelerationFactors, type AccelerationRow } from './acceleration';
import { accelerationMarkdown, compareAccelerationMarkdown } from './acceleration-markdown';

const row = (steps: number, mean: number, std: number, seeds = 3): AccelerationRow => ({ steps, seeds, fcd: { mean, std }, recall: { mean: 0.5, std: 0 } });

describe('acceleration markdown', () => {
  it('tabulates each claim with its T, factor, margin and threshold, then the lines and the rows left out', () => {
    const a = accelerationFactors({ rows: [row(2, 20, 0, 1), row(3, 29, 0.5), row(12, 28.5, 0.3)], base: { name: 'runs/base/eval.json', rows: [row(12, 35.8, 2.9)] } });
    const md = accelerationMarkdown(a);
    expect(md).toMatch(/^## Acceleration\n\n.*more than 2σ, σ the larger of the two rows' seed stds; every row used needs ≥ 3 seeds\. T_ref = 12\. Base: runs\/base\/eval\.json\./);
    expect(md).toContain('| vs the base: base FCD(12) − FCD(T) > 2σ | 3 | 4× | +6.800 | 5.800 | yes |');
    expect(md).toContain('| vs itself: FCD(T) − FCD(12) ≤ 2σ | 3 | 4× | +0.500 | 1.000 | yes |');
    expect(md).toContain('| no quality traded: FCD(12) − base FCD(12) ≤ 2σ | 12 | — | −7.300 | 5.800 | yes |');
    expect(md).toContain("| recall at the vs-base T ≥ 90% of the base's at T = 12 | 3 | — | +0.0% | −10% | yes |");
    expect(md).toContain('- vs the base, rows left out: T = 2 needs ≥ 3 seeds (has 1)');
    expect(md).toContain(`- ${a.vsBase?.statement ?? ''}`);
  });

  it('marks a claim without a factor with its closest T, and renders compare sections per model', () => {
    const a = accelerationFactors({ rows: [row(4, 33, 1), row(12, 31, 1)], base: { name: 'base (cosine)', rows: [row(12, 35.8, 2.9)] } });
    expect(accelerationMarkdown(a, '### rl')).toContain('| vs the base: base FCD(12) − FCD(T) > 2σ | 12 (closest) | — | +4.800 | 5.800 | no |');
    const md = compareAccelerationMarkdown({ method: 'cosine', base: 'base', models: [{ model: 'rl', acceleration: a }] });
    expect(md).toMatch(/^## Acceleration \(method cosine; base = base, the first model\)\n\n### rl\n/);
  });

  it('adds a row per T compared with the base at equal steps, and one line of verdicts', () => {
    const a = accelerationFactors({ rows: [row(3, 18, 0.7), row(4, 25, 1), row(12, 21, 1)], base: { name: 'base (cosine)', rows: [row(3, 25, 1), row(4, 25.5, 1), row(12, 20.6, 1.2)] } });
    const md = accelerationMarkdown(a);
    expect(md).toContain('| at equal steps: base FCD(T) − FCD(T) > 2σ | 3 | — | +7.000 | 2.000 | yes |');
    expect(md).toContain('| at equal steps: base FCD(T) − FCD(T) > 2σ | 4 | — | +0.500 | 2.000 | no (within noise) |');
    expect(md).toContain('- at equal steps vs the base: T = 3 better (margin +7.000, 2σ 2.000); T = 4 within noise (margin +0.500, 2σ 2.000)');
  });

  it('says "not judged" for a claim no row could test (too few seeds), not "no"', () => {
    const a = accelerationFactors({ rows: [row(4, 20, 0, 1), row(12, 28.5, 0, 1)], base: { name: 'base', rows: [row(12, 35.8, 0, 1)] } });
    const md = accelerationMarkdown(a);
    expect(md).toMatch(/\| vs the base: base FCD\(12\) − FCD\(T\) > 2σ \| — \| — \| — \| — \| not judged \|/);
    expect(md).toMatch(/\| vs itself: FCD\(T\) − FCD\(12\) ≤ 2σ \| — \| — \| — \| — \| not judged \|/);
  });
});
