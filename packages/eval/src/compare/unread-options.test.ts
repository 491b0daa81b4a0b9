/** Options of compare that no method of the run reads are refused, naming the flag and the methods that would read it. */
import { UsageError } from '@speedrl/core';
import { DEFAULT_COMPARE_THRESHOLDS } from './run-compare';
import { checkMethodOptionsRead, type MethodOptions } from './unread-options';

const defaults: MethodOptions = { methods: 'cosine', thresholds: [...DEFAULT_COMPARE_THRESHOLDS], temperature: 1, gumbel: 4.5, cfg: 0, haltonSchedule: 'cosine', adaptiveCap: 0 };
const base = [{ name: 'base', dir: 'b' }];

function check(o: Partial<MethodOptions>, models = base): string {
  try {
    checkMethodOptionsRead({ ...defaults, ...o }, models, DEFAULT_COMPARE_THRESHOLDS);
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  return 'accepted';
}

describe('checkMethodOptionsRead', () => {
  it('refuses --gumbel where only halton and plain adaptive run (was: recorded, cells those of the default τ)', () => {
    expect(check({ methods: 'halton,adaptive', gumbel: 9 })).toBe('--gumbel: only the mask-schedule methods (cosine, arccos, …) and adaptive with --adaptive-noise read it, and --methods halton,adaptive has none; add one of them to --methods, or remove it');
    expect(check({ methods: 'halton', gumbel: 0 })).toMatch(/^--gumbel: /);
    expect(check({ methods: 'adaptive', gumbel: 9, adaptiveNoise: true })).toBe('accepted');
    expect(check({ methods: 'halton,arccos', gumbel: 0 })).toBe('accepted');
  });

  it('refuses --halton-schedule without halton, and --temperature / --cfg where only tuned runs', () => {
    expect(check({ methods: 'cosine', haltonSchedule: 'arccos' })).toMatch(/^--halton-schedule: only the halton method reads it, and --methods cosine has none; add halton to --methods, or remove it$/);
    expect(check({ methods: 'tuned', temperature: 2 })).toMatch(/^--temperature: only the methods other than tuned \(whose file brings its own\) read it, and --methods tuned has none/);
    expect(check({ methods: 'tuned', cfg: 2 })).toMatch(/^--cfg: /);
    expect(check({ methods: 'tuned,halton', temperature: 2, cfg: 2, haltonSchedule: 'arccos' })).toBe('accepted');
  });

  it('keeps the adaptive-only refusals, and counts a NAME+tuned model as running the tuned method only', () => {
    expect(check({ methods: 'cosine,halton', minPerStep: 5 })).toMatch(/^--min-per-step: only the adaptive method reads it, and --methods cosine,halton has none; add adaptive/);
    expect(check({ thresholds: [0.5] })).toMatch(/^--thresholds: only the adaptive method/);
    expect(check({ methods: 'cosine', temperature: 2 }, [{ name: 'rl+tuned', dir: 'r' }])).toMatch(/^--temperature: .*--methods cosine has none that a model runs \(a NAME\+tuned model runs only the tuned method\)/);
    expect(check({})).toBe('accepted');
  });
});
