/** A resume extends and never drops: fewer --steps or seeds than the file holds, adding no cell, are refused. */
import { UsageError } from '@speedrl/core';
import { checkResumeExtends, seedSpan } from './resume-extends';

/** Cells at every T × seed. */
const grid = (steps: number[], seeds: number[]): { steps: number; seed: number }[] => steps.flatMap((t) => seeds.map((seed) => ({ steps: t, seed })));

function check(...args: Parameters<typeof checkResumeExtends>): string {
  try {
    checkResumeExtends(...args);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  return 'accepted';
}

describe('checkResumeExtends', () => {
  const cells = grid([2, 12], [0, 1]);

  it('refuses fewer steps or seeds than the file holds when the call adds no cell (was: exit 0, the typed values ignored)', () => {
    expect(check('e/eval.json', cells, [2], { seed: 0, seeds: 2 })).toBe('--steps: e/eval.json holds cells at T=2,12 and a resume keeps them all, so --steps 2 would add no cell and be ignored; give --steps 2,12 (or more), or leave --steps out (nothing was written)');
    expect(check('e/eval.json', cells, [2, 12], { seed: 0, seeds: 1 })).toBe('--seeds: e/eval.json holds cells of seeds 0,1 and a resume keeps them all, so --seed 0 --seeds 1 would add no cell and be ignored; give --seed 0 --seeds 2 (or more), or leave --seeds out (nothing was written)');
    expect(check('e/eval.json', cells, [12], { seed: 1, seeds: 1 })).toMatch(/^--steps: /);
    expect(check('e/eval.json', cells, [2, 12], { seed: 1, seeds: 1 })).toMatch(/^--seed: .*give --seed 0 --seeds 2 \(or more\), or leave --seed out/);
  });

  it('accepts the file\'s own values, more of them, and a call that adds cells (the options then record the union)', () => {
    expect(check('e/eval.json', cells, [2, 12], { seed: 0, seeds: 2 })).toBe('accepted');
    expect(check('e/eval.json', cells, [2, 4, 12], { seed: 0, seeds: 3 })).toBe('accepted');
    expect(check('e/eval.json', cells, [4], { seed: 1, seeds: 1 })).toBe('accepted');
    expect(check('e/eval.json', cells, [2], { seed: 0, seeds: 3 })).toBe('accepted');
    expect(check('c/compare.json', cells, [2], { seed: 0, seeds: 1 }, true)).toBe('accepted');
    expect(check('e/eval.json', [], [2], { seed: 0, seeds: 1 })).toBe('accepted');
  });

  it('reads compare cells with a threshold (adaptive) as having no T of their own', () => {
    const adaptive = [{ steps: 4, seed: 0, threshold: 0.5 }, { steps: 2, seed: 0 }];
    expect(check('c/compare.json', adaptive, [2], { seed: 0, seeds: 1 }, false)).toBe('accepted');
  });
});

describe('seedSpan', () => {
  it('spans the call\'s seeds and the cells\' (was, in compare: the call\'s, seeds 1 beside 2-seed rows)', () => {
    expect(seedSpan({ seed: 0, seeds: 1 }, [1, 0])).toEqual({ seed: 0, seeds: 2, seedList: [0, 1] });
    expect(seedSpan({ seed: 1, seeds: 1 }, [0])).toEqual({ seed: 0, seeds: 2, seedList: [0] });
    expect(seedSpan({ seed: 3, seeds: 2 }, [])).toEqual({ seed: 3, seeds: 2, seedList: [] });
  });
});
