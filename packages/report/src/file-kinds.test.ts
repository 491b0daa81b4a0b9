import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '@speedrl/core';
import { compareOptionsKey, evalOptionsKey } from '@speedrl/eval';
import { fileKindOf } from './file-kinds';
import { loadReportInputs } from './load';
import { writeSyntheticRun } from './synthetic-run';

const tmp = () => mkdtempSync(join(tmpdir(), 'speedrl-report-kinds-'));
const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
const write = (file: string, json: unknown) => writeFileSync(file, JSON.stringify(json));

describe('a report input given to the wrong flag is named as what it is (was: the schema\'s first missing field)', () => {
  it('tells the kinds of speedrl file apart by shape', () => {
    expect(fileKindOf({ budget: 'x', rows: [] })).toBe('ablations');
    expect(fileKindOf({ models: [], rows: [], cells: [] })).toBe('compare');
    expect(fileKindOf({ model: 'm', rows: [], cells: [] })).toBe('eval');
    expect(fileKindOf({ command: 'accelerate', options: {} })).toBe('run');
    expect(fileKindOf({ format: 'speedrl-tuned-schedule', schedules: {} })).toBe('tune-schedule');
    expect(fileKindOf({ loss: 1 })).toBeUndefined();
    expect(fileKindOf({ rows: [] })).toBeUndefined();
    expect(fileKindOf(null)).toBeUndefined();
  });

  it('refuses a compare.json, eval.json or run.json as --ablations, --compare or --eval, naming the flag, the file and where it goes', async () => {
    const run = await writeSyntheticRun(tmp(), 3);
    const compare = join(run.dir, 'compare', 'compare.json');
    const evalFile = join(run.dir, 'eval-base', 'eval.json');
    const ablations = join(run.dir, 'ablations.json');
    const runFile = join(run.dir, 'run.json');
    const dir = tmp();
    expect(() => loadReportInputs({ runDir: dir, ablationsFile: compare })).toThrow(
      new UsageError(`--ablations: "${compare}" is a compare.json of speedrl compare, not an ablations.json of speedrl ablate; pass it (or its directory) with --compare`),
    );
    expect(() => loadReportInputs({ runDir: dir, ablationsFile: evalFile })).toThrow(`--ablations: "${evalFile}" is an eval.json of speedrl eval, not an ablations.json of speedrl ablate; pass it (or its directory) with --eval`);
    expect(() => loadReportInputs({ runDir: dir, compareDir: evalFile })).toThrow(`--compare: "${evalFile}" is an eval.json of speedrl eval, not a compare.json of speedrl compare; pass it (or its directory) with --eval`);
    expect(() => loadReportInputs({ runDir: dir, compareDir: ablations })).toThrow(`--compare: "${ablations}" is an ablations.json of speedrl ablate, not a compare.json of speedrl compare; pass it with --ablations`);
    expect(() => loadReportInputs({ runDir: dir, evalDirs: [compare] })).toThrow(`--eval: "${compare}" is a compare.json of speedrl compare, not an eval.json of speedrl eval; pass it (or its directory) with --compare`);
    expect(() => loadReportInputs({ runDir: dir, evalDirs: [ablations] })).toThrow(`--eval: "${ablations}" is an ablations.json of speedrl ablate, not an eval.json of speedrl eval; pass it with --ablations`);
    expect(() => loadReportInputs({ runDir: dir, ablationsFile: runFile })).toThrow(`--ablations: "${runFile}" is a run.json of a run directory, not an ablations.json of speedrl ablate; give its directory as RUN_DIR`);
    const tuned = join(dir, 'tuned.json');
    write(tuned, { format: 'speedrl-tuned-schedule', schedules: {} });
    expect(() => loadReportInputs({ runDir: dir, compareDir: tuned })).toThrow(`--compare: "${tuned}" is a tune-schedule file, not a compare.json of speedrl compare; it is read by speedrl compare --tuned, not by the report`);
    // a file of no known shape still gets the schema's message, and the right kinds still load
    write(join(dir, 'a.json'), { rows: 'x', budget: 3 });
    expect(() => loadReportInputs({ runDir: tmp(), ablationsFile: join(dir, 'a.json') })).toThrow('field "budget": Expected string, received number');
    expect(loadReportInputs({ runDir: tmp(), ablationsFile: ablations, compareDir: compare, evalDirs: [evalFile] }).ablations?.data.rows).toHaveLength(3);
  });
});

describe('report refuses a result file whose options were edited since its optionsKey (as --base-eval and --resume do)', () => {
  it('refuses an eval.json whose options.n was edited, and reads one without optionsKey (older files) as before', async () => {
    const run = await writeSyntheticRun(tmp(), 3);
    const file = join(run.dir, 'eval-base', 'eval.json');
    const good = read(file);
    const options = { model: 'm', classifier: 'c', data: 'd', n: 30, engine: 'ort', sampler: 'confidence', schedule: 'cosine', temperature: 1, gumbel: 4.5, cfg: 0, refLimit: 0, kidSubsets: 5, batch: 64, steps: '2,4,12', seeds: 2 };
    write(file, { ...good, options, optionsKey: evalOptionsKey(options) });
    expect(loadReportInputs({ runDir: run.dir }).evals).toHaveLength(2);
    write(file, { ...good, options: { ...options, n: 60 }, optionsKey: evalOptionsKey(options) }); // was: shown as an n = 60 eval
    expect(() => loadReportInputs({ runDir: run.dir })).toThrow(
      new UsageError(`RUN_DIR: "${file}" has options that no longer give its optionsKey (edited by hand?), so they are not those its cells were computed with; restore it, or rerun that eval with --force`),
    );
    expect(() => loadReportInputs({ runDir: tmp(), evalDirs: [file] })).toThrow(`--eval: "${file}" has options that no longer give its optionsKey`);
    write(file, { ...good, options: { ...options, n: 60 } }); // no key: an older file, read as before
    expect(loadReportInputs({ runDir: run.dir }).evals).toHaveLength(2);
  });

  it('refuses a compare.json whose options were edited since its optionsKey', async () => {
    const run = await writeSyntheticRun(tmp(), 3);
    const file = join(run.dir, 'compare', 'compare.json');
    const good = read(file);
    const options = { n: 30, classifier: 'c', data: 'd', refLimit: 0, engine: 'ort', batch: 64, temperature: 1, gumbel: 4.5, cfg: 0, haltonSchedule: 'cosine', adaptiveCap: 12, kidSubsets: 5, tuned: '', minPerStep: 0, adaptiveNoise: false };
    write(file, { ...good, options, optionsKey: compareOptionsKey(options) });
    expect(loadReportInputs({ runDir: run.dir }).compare?.data.rows).toHaveLength(16);
    write(file, { ...good, options: { ...options, gumbel: 0 }, optionsKey: compareOptionsKey(options) });
    expect(() => loadReportInputs({ runDir: tmp(), compareDir: file })).toThrow(
      new UsageError(`--compare: "${file}" has options that no longer give its optionsKey (edited by hand?), so they are not those its cells were computed with; restore it, or rerun that compare with --force`),
    );
  });
});
