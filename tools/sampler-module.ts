/**
 * The `sample()` of a sampler module for the sampling benchmarks: the package itself, or the index.ts of an older copy
 * (`git archive REV packages/sampler tsconfig.base.json | tar -x -C tmp/before`), timed side by side with the package.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LogitsFn, SampleOptions, SampleResult } from '@speedrl/sampler';

/** `sample()` as the benchmarks call it. */
export type SampleFn = (logitsFn: LogitsFn, options: SampleOptions) => Promise<SampleResult>;

/** Imports `sample` from '@speedrl/sampler' or from a path to a copy's index.ts; `who` names the caller in the error. */
export async function loadSample(spec: string, who: string): Promise<SampleFn> {
  const url = spec.startsWith('@') ? spec : pathToFileURL(resolve(spec)).href;
  const mod = (await import(url)) as { sample?: SampleFn };
  if (typeof mod.sample !== 'function') throw new TypeError(`${who}: ${spec} exports no sample()`);
  return mod.sample;
}
