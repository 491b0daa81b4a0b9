/**
 * Cross-field checks of a metrics.jsonl line (accelerate): fields that one run logs from the same samples must agree,
 * or the line was edited or damaged and its curves would be drawn as measured. A step distribution is what its
 * histograms give (count, mean, min, p10 … max); stepsMean and each class mean are its means; samples is its count;
 * NFE is the steps × 1 pass (or 2 with guidance); the speed reward 1 − T/T_max lies in [0, 1) and, when the run's
 * options give T_max, is exactly 1 − stepsMean/T_max.
 */
import { canonicalJson } from '@speedrl/eval';
import { mergeStepDistributions, type StepCounts } from '@speedrl/sampler';

/** One problem of a line: the field (path) and what is wrong with it. */
export interface RecordIssue {
  readonly path: (string | number)[];
  readonly message: string;
}

/** Relative tolerance of values that are the same mean computed two ways. */
const SAME = 1e-9;
/** Absolute tolerance of the speed reward, averaged from float32 values. */
const SPEED_TOLERANCE = 1e-5;

const close = (a: number, b: number, tol = SAME): boolean => Math.abs(a - b) <= tol * Math.max(1, Math.abs(a), Math.abs(b));
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** The first field of a stored step distribution that is not what its histograms give, or undefined. */
function distributionIssue(stored: Record<string, unknown>): RecordIssue | undefined {
  const fresh = mergeStepDistributions([stored as unknown as StepCounts]) as unknown as Record<string, unknown>;
  for (const key of ['count', 'mean', 'std', 'min', 'p10', 'p50', 'p90', 'max']) {
    const [was, now] = [stored[key], fresh[key]];
    const same = isNumber(was) && isNumber(now) ? close(was, now) : canonicalJson(was ?? null) === canonicalJson(now ?? null);
    if (!same) {
      return { path: ['stepsDistribution', key], message: `${JSON.stringify(was)} is not what its histogram gives (${JSON.stringify(now)}: edited or damaged?)` };
    }
  }
  const byClass = (d: Record<string, unknown>) => Object.fromEntries(Object.entries((d.byClass ?? {}) as Record<string, { histogram?: unknown; count?: unknown; mean?: unknown }>)
    .map(([c, x]) => [c, { histogram: x.histogram, count: x.count, mean: isNumber(x.mean) ? Number(x.mean.toPrecision(12)) : x.mean }]));
  if (canonicalJson(byClass(stored)) !== canonicalJson(byClass(fresh))) {
    return { path: ['stepsDistribution', 'byClass'], message: 'is not what its per-class histograms give (a class count or mean edited, or the histograms not summing to the whole one)' };
  }
  return undefined;
}

/** Problems between the fields of one metrics.jsonl line (see the file's JSDoc); `maxSteps` is the run's T_max when its run.json gives it. */
export function recordIssues(r: Readonly<Record<string, unknown>>, maxSteps?: number): RecordIssue[] {
  const issues: RecordIssue[] = [];
  const d = r.stepsDistribution as Record<string, unknown> | undefined;
  if (d !== undefined) {
    const bad = distributionIssue(d);
    if (bad !== undefined) return [bad]; // the checks below read its statistics
    if (isNumber(r.stepsMean) && isNumber(d.mean) && !close(r.stepsMean, d.mean)) {
      issues.push({ path: ['stepsMean'], message: `${r.stepsMean} is not the mean of this line's stepsDistribution (${d.mean})` });
    }
    const classes = (d.byClass ?? {}) as Record<string, { mean?: unknown }>;
    for (const [c, v] of Object.entries((r.stepsMeanByClass ?? {}) as Record<string, unknown>)) {
      const mean = classes[c]?.mean;
      if (isNumber(v) && !(isNumber(mean) && close(v, mean))) {
        issues.push({ path: ['stepsMeanByClass', c], message: `${v} is not class ${c}'s mean in this line's stepsDistribution (${mean === undefined ? 'no such class' : JSON.stringify(mean)})` });
      }
    }
    if (isNumber(r.samples) && r.samples !== d.count) issues.push({ path: ['samples'], message: `${r.samples} is not the count of this line's stepsDistribution (${JSON.stringify(d.count)})` });
  }
  if (isNumber(r.nfeMean) && isNumber(r.stepsMean) && ![1, 2].some((passes) => close(r.nfeMean as number, passes * (r.stepsMean as number)))) {
    issues.push({ path: ['nfeMean'], message: `${r.nfeMean} is not the mean steps ${r.stepsMean} × 1 pass (or × 2 with guidance)` });
  }
  if (isNumber(r.speedRewardMean)) {
    const s = r.speedRewardMean;
    if (maxSteps !== undefined && isNumber(r.stepsMean) && Math.abs(s - (1 - r.stepsMean / maxSteps)) > SPEED_TOLERANCE) {
      issues.push({ path: ['speedRewardMean'], message: `${s} is not 1 − stepsMean/T_max = 1 − ${r.stepsMean}/${maxSteps} (T_max from run.json)` });
    } else if (maxSteps === undefined && !(s >= -SPEED_TOLERANCE && s < 1)) {
      issues.push({ path: ['speedRewardMean'], message: `${s} is outside [0, 1), what the speed reward 1 − T/T_max gives` });
    }
  }
  return issues;
}

/** T_max of an accelerate run's speed reward from its run.json options: max --step-choices (fixed rollouts) or --max-steps (adaptive); undefined when they do not say. */
export function runMaxSteps(run: { readonly command?: unknown; readonly options?: Readonly<Record<string, unknown>> } | undefined): number | undefined {
  const o = run?.options;
  if (run?.command !== 'accelerate' || o === undefined) return undefined;
  if (o.rollout === 'adaptive') return isNumber(o.maxSteps) && o.maxSteps >= 1 ? o.maxSteps : undefined;
  if (o.rollout !== 'fixed' || (typeof o.stepChoices !== 'string' && !isNumber(o.stepChoices))) return undefined;
  const choices = String(o.stepChoices).split(',').map(Number);
  return choices.length > 0 && choices.every((t) => Number.isInteger(t) && t >= 1) ? Math.max(...choices) : undefined;
}
