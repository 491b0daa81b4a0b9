import { ablationsSchema } from '@speedrl/report';
import { ablationRows, ablationsMarkdown, budgetText, runNotes, type EvalRowLike } from './table';

const row = (steps: number, fcd: number): EvalRowLike => ({
  steps, fcd: { mean: fcd, std: 0.5 }, precision: { mean: 0.7, std: 0 }, recall: { mean: NaN, std: NaN }, accuracy: { mean: 0.9, std: 0.01 },
});

describe('ablation table', () => {
  const rows = ablationRows([
    { name: 'base', config: {}, evalRows: [row(4, 9), row(12, 3)], evalSteps: [4, 12], notes: 'base model, no RL' },
    { name: 'no-kl', config: { klBeta: 0 }, evalRows: [row(12, 2.5), row(4, 4)], evalSteps: [4, 12], stepsMean: 3.25, notes: runNotes('time-budget', 57, 600_000) },
  ]);

  it('writes one row per (model, eval T) in ablations.json\'s schema, NaN as null', () => {
    const parsed = ablationsSchema.parse(JSON.parse(JSON.stringify({ budget: budgetText(10, undefined), rows })));
    expect(parsed.budget).toBe('10 min of RL on this machine each');
    expect(parsed.rows.map((r) => [r.name, r.evalSteps, r.fcd.mean, r.stepsMean])).toEqual([['base', 4, 9, undefined], ['base', 12, 3, undefined], ['no-kl', 4, 4, 3.25], ['no-kl', 12, 2.5, 3.25]]);
    expect(parsed.rows[0]?.recall).toEqual({ mean: null, std: null });
    expect(parsed.rows[2]?.notes).toBe('stopped by time-budget after 57 iterations (10.0 min of RL)');
    expect(budgetText(5, 200)).toBe('5 min of RL on this machine each, at most 200 iterations');
    expect(budgetText(0, 30)).toBe('30 iterations of RL each (no time limit)');
  });

  it('names the model whose eval lacks a step budget', () => {
    expect(() => ablationRows([{ name: 'full', config: {}, evalRows: [row(4, 1)], evalSteps: [4, 12] }])).toThrow('the eval of "full" has no row for T = 12');
  });

  it('renders one markdown table with the config and ± only where seeds differ', () => {
    const md = ablationsMarkdown({ budget: budgetText(10, undefined), rows });
    expect(md).toContain('Each variant trained with 10 min of RL on this machine each');
    expect(md).toContain('| no-kl | klBeta=0 | 12 | 2.50 ± 0.50 | 0.700 | n/a | 0.900 ± 0.010 | 3.25 | stopped by time-budget after 57 iterations (10.0 min of RL) |');
    expect(md.split('\n').filter((l) => l.startsWith('| ')).length).toBe(5);
  });

  it('labels an adaptive variant with the knobs it reads, not step choices (was: stepChoices=[4,8] on an adaptive row, thresholds missing)', () => {
    const config = { rollout: 'adaptive', stepChoices: [4, 8], thresholds: [0.5, 0.9], maxSteps: 12, minPerStep: 0 }; // as an earlier ablate recorded it
    const md = ablationsMarkdown({ budget: budgetText(10, undefined), rows: ablationRows([{ name: 'full', config, evalRows: [row(4, 1)], evalSteps: [4] }]) });
    expect(md).toContain('| full | rollout=adaptive thresholds=[0.5,0.9] maxSteps=12 minPerStep=0 | 4 |');
  });
});
