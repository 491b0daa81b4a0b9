import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '@speedrl/core';
import { loadReportInputs, parseMetricsText } from './load';
import { runMaxSteps } from './metrics-checks';
import { syntheticRecord } from './synthetic-run';

const line = (r: unknown) => `${JSON.stringify(r)}\n`;
const adaptive = syntheticRecord(0, true) as Record<string, unknown> & { stepsDistribution: Record<string, unknown> & { byClass: Record<string, Record<string, unknown>> } };
const d = adaptive.stepsDistribution;
const mean = d.mean as number;

describe('parseMetricsText refuses fields of one line that disagree (was: a hand-edited line plotted as measured)', () => {
  it('accepts the lines a run logs', () => {
    expect(parseMetricsText('m.jsonl', line(adaptive) + line(syntheticRecord(1, true))).records).toHaveLength(2);
    expect(parseMetricsText('m.jsonl', line(syntheticRecord(0)) + line({ step: 1, event: 'eval', fcd: 3 }) + line(syntheticRecord(1))).records).toHaveLength(3);
  });

  it('names the file, the line and the field of each inconsistency', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ ...adaptive, stepsDistribution: { ...d, count: (d.count as number) + 5 } }, `m.jsonl: line 1: field "stepsDistribution.count": ${(d.count as number) + 5} is not what its histogram gives (${d.count as number}`],
      [{ ...adaptive, stepsDistribution: { ...d, histogram: (d.histogram as number[]).map((c, k) => (k === 0 ? c + 9 : c)) } }, 'm.jsonl: line 1: field "stepsDistribution.count"'],
      [{ ...adaptive, stepsDistribution: { ...d, mean: 2 } }, 'field "stepsDistribution.mean": 2 is not what its histogram gives'],
      [{ ...adaptive, stepsDistribution: { ...d, min: mean + 1 } }, 'field "stepsDistribution.min"'],
      [{ ...adaptive, stepsDistribution: { ...d, p10: 12 } }, 'field "stepsDistribution.p10"'],
      [{ ...adaptive, stepsDistribution: { ...d, max: 1 } }, 'field "stepsDistribution.max"'],
      [{ ...adaptive, stepsDistribution: { ...d, byClass: { ...d.byClass, 3: { ...d.byClass[3], mean: 1 } } } }, 'field "stepsDistribution.byClass": is not what its per-class histograms give'],
      [{ ...adaptive, stepsMean: mean + 1 }, `m.jsonl: line 1: field "stepsMean": ${mean + 1} is not the mean of this line's stepsDistribution (${mean})`],
      [{ ...adaptive, stepsMeanByClass: { ...(adaptive.stepsMeanByClass as object), 4: 1 } }, 'field "stepsMeanByClass.4": 1 is not class 4\'s mean in this line\'s stepsDistribution'],
      [{ ...adaptive, stepsMeanByClass: { 40: 2 } }, 'field "stepsMeanByClass.40": 2 is not class 40\'s mean in this line\'s stepsDistribution (no such class)'],
      [{ ...adaptive, samples: 400 }, `field "samples": 400 is not the count of this line's stepsDistribution (${d.count as number})`],
      [{ ...syntheticRecord(1), nfeMean: 1, stepsMean: 4 }, 'm.jsonl: line 1: field "nfeMean": 1 is not the mean steps 4 × 1 pass (or × 2 with guidance)'],
      [{ ...syntheticRecord(1), speedRewardMean: 5 }, 'm.jsonl: line 1: field "speedRewardMean": 5 is outside [0, 1), what the speed reward 1 − T/T_max gives'],
      [{ ...syntheticRecord(1), iteration: 1.5 }, 'm.jsonl: line 1: field "iteration": must be an integer'],
    ];
    for (const [record, message] of bad) {
      expect(() => parseMetricsText('m.jsonl', line(record))).toThrow(UsageError);
      expect(() => parseMetricsText('m.jsonl', line(record))).toThrow(message);
    }
    expect(parseMetricsText('m.jsonl', line({ ...syntheticRecord(1), nfeMean: 2 * (6 - 0.1), stepsMean: 6 - 0.1 })).records).toHaveLength(1); // guidance: 2 passes
  });

  it('refuses an iteration that repeats or goes back (order was checked on step only)', () => {
    const text = line(syntheticRecord(0)) + line({ ...syntheticRecord(1), iteration: 0 });
    expect(() => parseMetricsText('m.jsonl', text)).toThrow(
      'm.jsonl: line 2: field "iteration": 0 after iteration 0 on line 1 (records repeated or out of order: two runs written to one file?)',
    );
  });

  it('checks the speed reward against 1 − stepsMean/T_max when the run.json gives T_max', () => {
    const record = { ...syntheticRecord(0), stepsMean: 3, nfeMean: 3, speedRewardMean: 0.5 };
    expect(parseMetricsText('m.jsonl', line(record), 6).records).toHaveLength(1);
    expect(() => parseMetricsText('m.jsonl', line(record), 4)).toThrow('m.jsonl: line 1: field "speedRewardMean": 0.5 is not 1 − stepsMean/T_max = 1 − 3/4 (T_max from run.json)');
    expect(runMaxSteps({ command: 'accelerate', options: { rollout: 'fixed', stepChoices: '2,3,4,6' } })).toBe(6);
    expect(runMaxSteps({ command: 'accelerate', options: { rollout: 'adaptive', maxSteps: 4, stepChoices: '2,3,4,6' } })).toBe(4);
    expect(runMaxSteps({ command: 'train-maskgit', options: { rollout: 'fixed', stepChoices: '2' } })).toBeUndefined();
    expect(runMaxSteps({ command: 'accelerate', options: {} })).toBeUndefined();
    expect(runMaxSteps(undefined)).toBeUndefined();
    // through the report: T_max read from RUN_DIR/run.json
    const dir = mkdtempSync(join(tmpdir(), 'speedrl-report-metrics-'));
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ command: 'accelerate', options: { rollout: 'fixed', stepChoices: '2,4' } }));
    writeFileSync(join(dir, 'metrics.jsonl'), line(record));
    expect(() => loadReportInputs({ runDir: dir })).toThrow(`${join(dir, 'metrics.jsonl')}: line 1: field "speedRewardMean": 0.5 is not 1 − stepsMean/T_max = 1 − 3/4`);
    writeFileSync(join(dir, 'metrics.jsonl'), line({ ...record, speedRewardMean: 0.25 }));
    expect(loadReportInputs({ runDir: dir }).metrics?.records).toHaveLength(1);
  });
});
