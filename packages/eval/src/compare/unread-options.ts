/**
 * Which compare methods read the options that not every method reads (docs/architecture.md, "Sampler"): an option
 * given with another value than its default that no method of the run reads would be ignored, yet recorded in
 * compare.json as a setting of its cells (was: `--gumbel 9` with halton and adaptive, `--halton-schedule arccos`
 * without halton, `--temperature 2` with tuned alone: accepted, recorded, the cells those of the defaults).
 */
import { UsageError } from '@speedrl/core';
import { DEFAULT_SAMPLER_CONFIG } from '@speedrl/sampler';
import { methodsOf, SPECIAL_METHODS, type BaseSampling, type ModelSpec } from './spec';

/** The compare options whose readers this file knows (the adaptive thresholds parsed to numbers). */
export interface MethodOptions extends BaseSampling {
  readonly methods: string;
  readonly thresholds: readonly number[];
}

/** An option that only some methods read: its flag, whether it is given, which methods read it (and in words). */
interface MethodOption {
  readonly flag: string;
  readonly given: boolean;
  readonly reads: (method: string) => boolean;
  readonly readers: string;
  readonly fix: string;
}

const isMaskSchedule = (method: string): boolean => !(SPECIAL_METHODS as readonly string[]).includes(method);

function methodOptions(o: MethodOptions, defaultThresholds: readonly number[]): MethodOption[] {
  const D = DEFAULT_SAMPLER_CONFIG;
  const adaptive = (flag: string, given: boolean): MethodOption => ({ flag, given, reads: (m) => m === 'adaptive', readers: 'the adaptive method reads', fix: 'add adaptive to --methods' });
  const notTuned = (flag: string, given: boolean): MethodOption => ({ flag, given, reads: (m) => m !== 'tuned', readers: 'the methods other than tuned (whose file brings its own) read', fix: 'add another method to --methods' });
  return [
    adaptive('--thresholds', o.thresholds.join() !== defaultThresholds.join()), adaptive('--adaptive-cap', o.adaptiveCap !== 0),
    adaptive('--min-per-step', (o.minPerStep ?? 0) !== 0), adaptive('--adaptive-noise', o.adaptiveNoise === true),
    { flag: '--halton-schedule', given: o.haltonSchedule !== D.schedule, reads: (m) => m === 'halton', readers: 'the halton method reads', fix: 'add halton to --methods' },
    {
      flag: '--gumbel', given: o.gumbel !== D.gumbelScale, reads: (m) => isMaskSchedule(m) || (m === 'adaptive' && o.adaptiveNoise === true),
      readers: 'the mask-schedule methods (cosine, arccos, …) and adaptive with --adaptive-noise read', fix: 'add one of them to --methods',
    },
    notTuned('--temperature', o.temperature !== D.temperature), notTuned('--cfg', o.cfg !== 0),
  ];
}

/**
 * Refuses an option given with another value than its default that no method run by `models` reads (a NAME+tuned
 * model runs the tuned method only); the message names the flag and the methods that would read it.
 */
export function checkMethodOptionsRead(o: MethodOptions, models: readonly ModelSpec[], defaultThresholds: readonly number[]): void {
  const methods = o.methods.split(',').filter((m) => m !== '');
  const run = new Set(models.flatMap((m) => methodsOf(m, methods)));
  for (const option of methodOptions(o, defaultThresholds)) {
    if (!option.given || [...run].some(option.reads)) continue;
    const onlyTuned = methods.some(option.reads) ? ' that a model runs (a NAME+tuned model runs only the tuned method)' : '';
    throw new UsageError(`${option.flag}: only ${option.readers} it, and --methods ${o.methods} has none${onlyTuned}; ${option.fix}, or remove it`);
  }
}
