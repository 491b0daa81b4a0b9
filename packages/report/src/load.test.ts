import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '@speedrl/core';
import { aggregate, aggregateCells, resultsDigest, type EvalCell } from '@speedrl/eval';
import { buildReport } from './build';
import { evalName, loadReportInputs, parseMetricsText } from './load';
import { ablationRowsKey, compareResultSchema, readJsonFile } from './schemas';
import { syntheticRecord, writeSyntheticClaims, writeSyntheticRun } from './synthetic-run';

const tmp = () => mkdtempSync(join(tmpdir(), 'speedrl-report-load-'));
const line = (r: unknown) => `${JSON.stringify(r)}\n`;

describe('parseMetricsText', () => {
  it('parses records, keeps null (NaN) values and tolerates a cut-off last line', () => {
    const text = line(syntheticRecord(0)) + line(syntheticRecord(3)) + '{"step": 5, "rewardMe';
    const m = parseMetricsText('m.jsonl', text);
    expect(m.records.map((r) => r.step)).toEqual([1, 4]);
    expect(m.records[1]?.klMean).toBeNull();
    expect(m.records[0]?.components?.realism?.mean).toBe(-8);
    expect(m.truncatedTail).toBe(true);
  });

  it('names the file, the line and the field of a malformed record', () => {
    const bad = line(syntheticRecord(0)) + line({ ...syntheticRecord(1), rewardMean: 'high' }) + line(syntheticRecord(2));
    expect(() => parseMetricsText('runs/x/metrics.jsonl', bad)).toThrow('runs/x/metrics.jsonl: line 2: field "rewardMean": Expected number, received string');
    const noStep = line({ rewardMean: 1 });
    expect(() => parseMetricsText('m.jsonl', noStep)).toThrow('m.jsonl: line 1: field "step": Required');
    const nested = line({ step: 1, components: { classifier: { mean: 'x' } } });
    expect(() => parseMetricsText('m.jsonl', nested)).toThrow('field "components.classifier.mean"');
  });

  it('refuses values no run can log (was: a hand-edited stepsMean 99 over the cap, or nfeMean −4, plotted)', () => {
    const adaptive = syntheticRecord(0, true);
    expect(() => parseMetricsText('m.jsonl', line(adaptive))).not.toThrow();
    const bad: [Record<string, unknown>, string][] = [
      [{ ...adaptive, stepsMean: 99 }, 'm.jsonl: line 1: field "stepsMean": must be ≤ 12, the step cap of this line\'s stepsDistribution (got 99)'],
      [{ ...adaptive, stepsMeanByClass: { ...(adaptive.stepsMeanByClass as object), 3: 13 } }, 'field "stepsMeanByClass.3": must be ≤ 12'],
      [{ ...syntheticRecord(1), nfeMean: -4 }, 'm.jsonl: line 1: field "nfeMean": must be ≥ 1 (null for "not computed")'],
      [{ ...syntheticRecord(1), clipFraction: 1.5 }, 'field "clipFraction": must be in [0, 1]'],
      [{ ...syntheticRecord(1), tokenEntropy: -1 }, 'field "tokenEntropy": must be ≥ 0'],
      [{ ...syntheticRecord(1), klMean: -0.5 }, 'field "klMean": must be ≥ 0'],
    ];
    for (const [record, message] of bad) expect(() => parseMetricsText('m.jsonl', line(record))).toThrow(message);
    expect(parseMetricsText('m.jsonl', line({ ...syntheticRecord(1), klMean: -1e-7, stepsMean: null })).records[0]?.klMean).toBe(-1e-7); // rounding; NaN
  });

  it('rejects invalid JSON before the last line, as a usage error', () => {
    const text = `${line(syntheticRecord(0))}not json\n${line(syntheticRecord(1))}`;
    expect(() => parseMetricsText('m.jsonl', text)).toThrow(UsageError);
    expect(() => parseMetricsText('m.jsonl', text)).toThrow('m.jsonl: line 2 is not valid JSON');
  });

  it('refuses repeated or out-of-order steps (two runs in one file) instead of counting and drawing them', () => {
    const repeated = line(syntheticRecord(0)) + line(syntheticRecord(1)) + line(syntheticRecord(1));
    expect(() => parseMetricsText('m.jsonl', repeated)).toThrow(
      'm.jsonl: line 3 has step 2 after step 2 on line 2 (records repeated or out of order: two runs written to one file?)',
    );
    const backwards = line(syntheticRecord(0)) + line(syntheticRecord(4)) + line(syntheticRecord(2));
    expect(() => parseMetricsText('m.jsonl', backwards)).toThrow(UsageError);
    expect(() => parseMetricsText('m.jsonl', backwards)).toThrow(/line 3 has step 3 after step 5 on line 2/);
    // A probe record (event) may share its iteration's step; the next iteration must still come after it.
    const withEvent = line(syntheticRecord(0)) + line({ step: 1, event: 'eval', fcd: 20 }) + line(syntheticRecord(1));
    expect(parseMetricsText('m.jsonl', withEvent).records.map((r) => r.step)).toEqual([1, 1, 2]);
  });
});

describe('loadReportInputs', () => {
  it('discovers every input of a run directory', async () => {
    const run = await writeSyntheticRun(tmp(), 12);
    const inputs = loadReportInputs({ runDir: run.dir });
    expect(inputs.run?.data.command).toBe('accelerate');
    expect(inputs.metrics?.records).toHaveLength(12);
    expect(inputs.evals.map((e) => e.name)).toEqual(['accelerated', 'base']);
    expect(inputs.compare?.data.rows).toHaveLength(16);
    expect(inputs.ablations?.data.rows.map((r) => r.name)).toEqual(['full', 'no KL', 'no speed reward']);
    expect(inputs.runGrids).toHaveLength(6);
  });

  it('returns absent inputs as undefined/empty for an empty directory', () => {
    const inputs = loadReportInputs({ runDir: tmp() });
    expect(inputs).toMatchObject({ run: undefined, metrics: undefined, evals: [], compare: undefined, ablations: undefined, runGrids: [] });
  });

  it('refuses a run directory whose --force stopped while it removed the earlier run (run.json marked replacing)', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ command: 'accelerate', options: {}, replacing: { command: 'accelerate' } }));
    expect(() => loadReportInputs({ runDir: dir })).toThrow(new UsageError(`RUN_DIR: "${join(dir, 'run.json')}" says a --force over an earlier run stopped while it removed that run's files, so "${dir}" may hold files of two runs; finish it with the command's --force first`));
  });

  it('refuses a run directory whose --force stopped while it moved the earlier run aside (.replaced.staging), or whose --force run is unfinished (.replaced: its other folders may be the earlier run\'s)', () => {
    const dir = tmp();
    writeFileSync(join(dir, 'run.json'), JSON.stringify({ command: 'accelerate', options: {} }));
    mkdirSync(join(dir, '.replaced.staging'));
    expect(() => loadReportInputs({ runDir: dir })).toThrow(/^RUN_DIR: ".*\.replaced\.staging" is there: a --force over an earlier run stopped while it moved that run's files aside/);
    renameSync(join(dir, '.replaced.staging'), join(dir, '.replaced'));
    expect(() => loadReportInputs({ runDir: dir })).toThrow(/^RUN_DIR: ".*" holds an unfinished run started with --force \(the run it replaces is kept in .*\.replaced\)/);
    rmSync(join(dir, '.replaced'), { recursive: true });
    expect(loadReportInputs({ runDir: dir }).run?.data.command).toBe('accelerate');
  });

  it('errors on a missing RUN_DIR and on missing flag paths, naming them', () => {
    const dir = tmp();
    expect(() => loadReportInputs({ runDir: join(dir, 'nope') })).toThrow(`RUN_DIR: "${join(dir, 'nope')}" does not exist`);
    expect(() => loadReportInputs({ runDir: dir, evalDirs: [dir] })).toThrow(`--eval: "${join(dir, 'eval.json')}" does not exist`);
    expect(() => loadReportInputs({ runDir: dir, compareDir: join(dir, 'c') })).toThrow('--compare:');
    expect(() => loadReportInputs({ runDir: dir, ablationsFile: join(dir, 'a.json') })).toThrow('--ablations:');
  });

  it('names the file and the field of a malformed eval.json, compare.json or ablations.json', async () => {
    const run = await writeSyntheticRun(tmp(), 3);
    const evalFile = join(run.dir, 'eval-base', 'eval.json');
    const ev = JSON.parse(readFileSync(evalFile, 'utf8'));
    ev.rows[1].fcd = { mean: '3' };
    writeFileSync(evalFile, JSON.stringify(ev));
    expect(() => loadReportInputs({ runDir: run.dir })).toThrow(`${evalFile}: field "rows.1.fcd.mean": Expected number, received string`);
    writeFileSync(evalFile, '{"rows": [');
    expect(() => loadReportInputs({ runDir: run.dir })).toThrow(`${evalFile}: not valid JSON`);
    writeFileSync(evalFile, JSON.stringify({ loss: 0.3, step: 10 })); // some other JSON named eval.json: not "no rows yet"
    expect(() => loadReportInputs({ runDir: run.dir })).toThrow(`RUN_DIR: "${evalFile}" is not an eval.json of speedrl eval (it has no model, rows or cells)`);
    const other = await writeSyntheticRun(tmp(), 3);
    const compareFile = join(other.dir, 'compare', 'compare.json');
    const cmp = JSON.parse(readFileSync(compareFile, 'utf8'));
    delete cmp.rows[0].method;
    writeFileSync(compareFile, JSON.stringify(cmp));
    expect(() => loadReportInputs({ runDir: other.dir })).toThrow(`${compareFile}: field "rows.0.method": Required`);
    writeFileSync(join(other.dir, 'abl.json'), JSON.stringify({ rows: [] }));
    expect(() => loadReportInputs({ runDir: tmp(), ablationsFile: join(other.dir, 'abl.json') })).toThrow('abl.json: field "budget": Required');
    // rows edited since ablate recorded their rowsKey (was: drawn as written); a file without the key is read as before
    const ablations = JSON.parse(readFileSync(join(run.dir, 'ablations.json'), 'utf8')) as { budget: string; rows: { fcd: { mean: number } }[] };
    const keyed = { ...ablations, rowsKey: ablationRowsKey(ablations.rows) };
    writeFileSync(join(other.dir, 'abl.json'), JSON.stringify(keyed));
    expect(loadReportInputs({ runDir: tmp(), ablationsFile: join(other.dir, 'abl.json') }).ablations?.data.rows).toHaveLength(ablations.rows.length);
    keyed.rows[0]!.fcd.mean = 1.234;
    writeFileSync(join(other.dir, 'abl.json'), JSON.stringify(keyed));
    expect(() => loadReportInputs({ runDir: tmp(), ablationsFile: join(other.dir, 'abl.json') })).toThrow(/^--ablations: ".*abl\.json" has rows that are not those its rowsKey was written for \(edited by hand\?\)/);
  });

  it('takes --eval directories besides the discovered ones, once each, with distinct names', async () => {
    const run = await writeSyntheticRun(tmp(), 3);
    const extra = join(tmp(), 'eval-base');
    mkdirSync(extra);
    writeFileSync(join(extra, 'eval.json'), readFileSync(join(run.dir, 'eval-base', 'eval.json')));
    const inputs = loadReportInputs({ runDir: run.dir, evalDirs: [join(run.dir, 'eval-base'), extra] });
    expect(inputs.evals.map((e) => e.name)).toEqual(['accelerated', 'base', 'base (2)']);
    expect(evalName('/a/eval-xyz/eval.json')).toBe('xyz');
    expect(evalName('/a/mine/eval.json')).toBe('mine');
  });

  it('refuses evals judged differently in one report, and rows that are not their cells\' (was: one table, the first floors)', async () => {
    const run = await writeSyntheticRun(tmp(), 3);
    const file = (name: string) => join(run.dir, name, 'eval.json');
    const edit = (name: string, change: (ev: Record<string, unknown>) => Record<string, unknown>) =>
      writeFileSync(file(name), JSON.stringify(change(JSON.parse(readFileSync(file(name), 'utf8')) as Record<string, unknown>)));
    edit('eval-base', (ev) => ({ ...ev, options: { n: 1500, refLimit: 0 } }));
    edit('eval-accelerated', (ev) => ({ ...ev, options: { n: 40, refLimit: 0 } }));
    expect(() => loadReportInputs({ runDir: run.dir })).toThrow(
      `RUN_DIR: "${file('eval-accelerated')}" and "${file('eval-base')}" were judged differently (--n 40 vs 1500); their FCDs are not comparable in one table`,
    );
    edit('eval-accelerated', (ev) => ({ ...ev, options: { n: 1500, refLimit: 0 } }));
    expect(loadReportInputs({ runDir: run.dir }).evals).toHaveLength(2);
    const cells: EvalCell[] = [0, 1].map((seed) => ({ steps: 4, seed, fcd: 5 + seed, kid: 0.1, precision: 0.8, recall: 0.6, accuracy: 0.9, nfePerImage: 4, meanSteps: 4, msPerImage: 10 }));
    const rows = aggregate(cells);
    edit('eval-base', (ev) => ({ ...ev, cells, rows }));
    expect(loadReportInputs({ runDir: run.dir }).evals).toHaveLength(2);
    edit('eval-base', (ev) => ({ ...ev, rows: rows.map((r) => ({ ...r, fcd: { mean: 99.9, std: 0 } })) }));
    expect(() => loadReportInputs({ runDir: run.dir })).toThrow(`RUN_DIR: "${file('eval-base')}" has rows that are not the aggregate of its cells (edited by hand?)`);
  });
});

describe('loadReportInputs: acceleration claims and compare rows are what the measurements give', () => {
  const read = (file: string) => JSON.parse(readFileSync(file, 'utf8')); // the file as written, edited below
  const write = (file: string, json: unknown) => writeFileSync(file, JSON.stringify(json));

  it('refuses an eval.json whose claims its rows and its base\'s no longer give: the base re-measured (eval --force), a hand-edited "yes"', async () => {
    const run = await writeSyntheticRun(tmp(), 3);
    const { baseEval, accelerated } = writeSyntheticClaims(run.dir);
    const inputs = loadReportInputs({ runDir: run.dir });
    expect(inputs.evals.find((e) => e.name === 'accelerated')?.data.acceleration?.vsBase?.factor).toBe(3);
    const good = { base: read(baseEval), accelerated: read(accelerated) };
    // the base re-measured since: its rows (and cells) now give other claims than the ones the accelerated eval.json shows
    const cells = (good.base.cells as { fcd: number }[]).map((c) => ({ ...c, fcd: c.fcd + 2 }));
    write(baseEval, { ...good.base, cells, rows: aggregate(cells as EvalCell[]) });
    expect(() => loadReportInputs({ runDir: run.dir })).toThrow(UsageError);
    expect(() => loadReportInputs({ runDir: run.dir })).toThrow(
      `RUN_DIR: "${accelerated}" has acceleration claims that its rows and those of its base "${baseEval}" do not give (differing: vsBase, noQualityTraded, recall, atEqualSteps, statement; the base re-measured since, or the claims edited by hand?). Rerun that eval with --resume --base-eval ${baseEval} to judge them again`,
    );
    write(baseEval, good.base);
    // a claim edited by hand: "no quality traded: yes" where the rows say otherwise
    const acc = good.accelerated.acceleration;
    write(accelerated, { ...good.accelerated, acceleration: { ...acc, noQualityTraded: { ...acc.noQualityTraded, holds: !acc.noQualityTraded.holds } } });
    expect(() => loadReportInputs({ runDir: run.dir })).toThrow(`RUN_DIR: "${accelerated}" has acceleration claims that its rows and those of its base "${baseEval}" do not give (differing: noQualityTraded;`);
    // a file written before the comparison at equal steps existed (no atEqualSteps) is read; an edited verdict is not
    const { atEqualSteps, ...before } = acc as { atEqualSteps: { verdict: string }[] };
    expect(atEqualSteps.length).toBeGreaterThan(0);
    write(accelerated, { ...good.accelerated, acceleration: before });
    const older = loadReportInputs({ runDir: run.dir }).evals.find((e) => e.name === 'accelerated');
    expect(older?.data.acceleration?.atEqualSteps).toBeUndefined();
    // … and says what it leaves out (was: silently verdict-free)
    expect(older?.claimsNote).toBe(
      `its acceleration claims record no comparison at equal steps (a file written before it was recorded, or the field removed), though its rows give ${atEqualSteps.length} ` +
        `verdict${atEqualSteps.length === 1 ? '' : 's'} at equal steps: none is shown. Rerun that eval with --resume --base-eval ${baseEval} to record them`,
    );
    expect(loadReportInputs({ runDir: run.dir }).evals.every((e) => e.name !== 'base' || e.claimsNote === undefined)).toBe(true);
    write(accelerated, { ...good.accelerated, acceleration: { ...acc, atEqualSteps: atEqualSteps.map((e) => ({ ...e, verdict: e.verdict === 'better' ? 'worse' : 'better' })) } });
    expect(() => loadReportInputs({ runDir: run.dir })).toThrow(`RUN_DIR: "${accelerated}" has acceleration claims that its rows and those of its base "${baseEval}" do not give (differing: atEqualSteps;`);
    // and an eval's claim vs itself only (no base) is checked against its own rows
    write(accelerated, good.accelerated);
    write(baseEval, { ...good.base, acceleration: { ...good.base.acceleration, vsItself: { ...good.base.acceleration.vsItself, factor: 6, steps: 2 } } });
    expect(() => loadReportInputs({ runDir: run.dir })).toThrow(`RUN_DIR: "${baseEval}" has acceleration claims that its rows do not give (differing: vsItself; edited by hand?). Rerun that eval with --resume to judge them again`);
    // a base that is no longer an eval.json with a T = 12 row cannot back the claims
    const noT12 = (good.base.cells as EvalCell[]).filter((c) => c.steps !== 12);
    write(baseEval, { ...good.base, cells: noT12, rows: aggregate(noT12), acceleration: undefined });
    expect(() => loadReportInputs({ runDir: run.dir })).toThrow(`RUN_DIR: "${accelerated}" has acceleration claims vs the base "${baseEval}", which cannot be used: RUN_DIR: "${baseEval}" has no T = 12 row`);
  });

  it('does not show claims whose base is not found from here, and says why', async () => {
    const run = await writeSyntheticRun(tmp(), 3);
    const { accelerated } = writeSyntheticClaims(run.dir);
    const json = read(accelerated);
    write(accelerated, { ...json, acceleration: { ...json.acceleration, base: 'relative/eval-base/eval.json' } });
    const e = loadReportInputs({ runDir: run.dir }).evals.find((x) => x.name === 'accelerated');
    expect(e?.data.acceleration).toBeUndefined();
    expect(e?.uncheckedAcceleration).toBe('its base relative/eval-base/eval.json is not found from here');
  });

  it('refuses compare.json rows that are not the aggregate of its cells (hand-edited rows were drawn as measured), in any order', async () => {
    const run = await writeSyntheticRun(tmp(), 3);
    const { compare } = writeSyntheticClaims(run.dir);
    const good = read(compare);
    expect(loadReportInputs({ runDir: run.dir }).compare?.data.rows).toHaveLength(8);
    write(compare, { ...good, rows: [...good.rows].reverse() }); // order is not content
    expect(loadReportInputs({ runDir: run.dir }).compare?.data.rows).toHaveLength(8);
    const rows = good.rows.map((r: { model: string; steps: number; fcd: object }) => (r.model === 'base' && r.steps === 8 ? { ...r, fcd: { mean: 0.5, std: 0.01 } } : r));
    write(compare, { ...good, rows });
    expect(() => loadReportInputs({ runDir: run.dir })).toThrow(
      new UsageError(`RUN_DIR: "${compare}" has rows that are not the aggregate of its cells (edited by hand?); restore it, or rerun that compare with --force to recompute it`),
    );
    write(compare, { ...good, cells: [{ ...good.cells[0], fcd: -3 }, ...good.cells.slice(1)] });
    expect(() => loadReportInputs({ runDir: run.dir })).toThrow(`RUN_DIR: ${compare}: cell 0 field "fcd" must be a finite number ≥ 0, got -3; the file was edited or damaged`);
    // a copied cell with rows rebuilt from the cells (was: a seed counted twice, drawn), an edited cell under a resultsKey
    const copied = [...good.cells, good.cells[0]];
    write(compare, { ...good, cells: copied, rows: aggregateCells(copied) });
    expect(() => loadReportInputs({ runDir: run.dir })).toThrow(new RegExp(`RUN_DIR: ${compare}: cells 0 and ${good.cells.length} are the same cell`));
    const edited = [{ ...good.cells[0], fcd: 0.5 }, ...good.cells.slice(1)];
    const message = `RUN_DIR: ${compare}: its cells or floors are not those its resultsKey was written for (edited, added or copied by hand?)`;
    write(compare, { ...good, cells: edited, resultsKey: resultsDigest(good.cells, good.floors), rows: aggregateCells(edited) });
    expect(() => loadReportInputs({ runDir: run.dir })).toThrow(message);
    write(compare, { ...good, resultsKey: resultsDigest(good.cells, good.floors) });
    expect(loadReportInputs({ runDir: run.dir }).compare?.data.rows).toHaveLength(8);
    write(compare, { ...good, floors: { ...good.floors, reconstruction: 0.001 }, resultsKey: resultsDigest(good.cells, good.floors) }); // was: shown as measured
    expect(() => loadReportInputs({ runDir: run.dir })).toThrow(message);
  });

  it('reads a compare.json whose claims lack atEqualSteps as an older file\'s, and says which verdicts that leaves out (was: silently verdict-free)', async () => {
    const run = await writeSyntheticRun(tmp(), 3);
    const { compare } = writeSyntheticClaims(run.dir);
    const good = read(compare);
    expect(loadReportInputs({ runDir: run.dir }).compare?.claimsNote).toBeUndefined();
    const verdicts = good.acceleration.models.reduce((n: number, m: { acceleration: { atEqualSteps: unknown[] | null } }) => n + (m.acceleration.atEqualSteps?.length ?? 0), 0);
    expect(verdicts).toBeGreaterThan(0);
    const models = good.acceleration.models.map((m: { acceleration: Record<string, unknown> }) => {
      const { atEqualSteps: _removed, ...acceleration } = m.acceleration;
      return { ...m, acceleration };
    });
    write(compare, { ...good, acceleration: { ...good.acceleration, models } });
    const c = loadReportInputs({ runDir: run.dir }).compare;
    expect(c?.claimsNote).toMatch(new RegExp(`^its acceleration claims record no comparison at equal steps \\(a file written before it was recorded, or the field removed\\), though its rows give ${verdicts} verdicts? at equal steps: none is shown\\. Rerun that compare with --resume to record them$`));
    const html = buildReport(loadReportInputs({ runDir: run.dir }));
    const pareto = html.sections.find((s) => s.id === 'pareto');
    expect(pareto?.note).toBe(`${compare}: ${c?.claimsNote}`);
  });

  it('refuses compare.json acceleration claims its rows and models do not give (a "ghost" model), and rows of a model it does not list', async () => {
    const run = await writeSyntheticRun(tmp(), 3);
    const { compare } = writeSyntheticClaims(run.dir);
    const good = read(compare);
    const speedrl = good.acceleration.models.find((m: { model: string }) => m.model === 'speedrl');
    write(compare, { ...good, acceleration: { ...good.acceleration, models: [...good.acceleration.models, { ...speedrl, model: 'ghost' }] } });
    expect(() => loadReportInputs({ runDir: run.dir })).toThrow(
      new UsageError(`RUN_DIR: "${compare}" has acceleration claims that its rows and models do not give (differing: claims of ghost; edited by hand?). Rerun that compare with --resume to judge them again`),
    );
    const edited = { ...speedrl, acceleration: { ...speedrl.acceleration, vsBase: { ...speedrl.acceleration.vsBase, factor: 6, steps: 2 } } };
    write(compare, { ...good, acceleration: { ...good.acceleration, models: good.acceleration.models.map((m: { model: string }) => (m.model === 'speedrl' ? edited : m)) } });
    expect(() => loadReportInputs({ runDir: run.dir })).toThrow('(differing: claims of speedrl; edited by hand?)');
    const ghostRow = { ...good.rows[0], model: 'ghost' };
    write(compare, { ...good, cells: undefined, acceleration: undefined, rows: [...good.rows, ghostRow] });
    expect(() => loadReportInputs({ runDir: run.dir })).toThrow(`RUN_DIR: "${compare}" has rows of model "ghost", which is not among its models (base, speedrl); edited or merged by hand?`);
  });
});

describe('loadReportInputs: result files hold the cells their rows come from', () => {
  it('refuses an eval.json or compare.json whose cells were removed, naming the file (was: accepted as an older version, its rows unchecked)', async () => {
    const run = await writeSyntheticRun(tmp(), 3);
    const evalFile = join(run.dir, 'eval-base', 'eval.json');
    const ev = JSON.parse(readFileSync(evalFile, 'utf8'));
    writeFileSync(evalFile, JSON.stringify({ ...ev, cells: undefined, rows: ev.rows.map((r: { fcd: object }) => ({ ...r, fcd: { mean: 0.1, std: 0 } })) }));
    const noCells = 'no cells: edited, or written by a version before cells were stored; rerun it';
    expect(() => loadReportInputs({ runDir: run.dir })).toThrow(new UsageError(`RUN_DIR: "${evalFile}" has rows but ${noCells}`));
    expect(() => loadReportInputs({ runDir: tmp(), evalDirs: [join(run.dir, 'eval-base')] })).toThrow(new UsageError(`--eval: "${evalFile}" has rows but ${noCells}`));
    writeFileSync(evalFile, JSON.stringify(ev));
    const compareFile = join(run.dir, 'compare', 'compare.json');
    const { cells: _cells, ...cmp } = JSON.parse(readFileSync(compareFile, 'utf8'));
    writeFileSync(compareFile, JSON.stringify(cmp));
    expect(() => loadReportInputs({ runDir: run.dir })).toThrow(new UsageError(`RUN_DIR: "${compareFile}" has rows but ${noCells}`));
    expect(() => loadReportInputs({ runDir: tmp(), compareDir: join(run.dir, 'compare') })).toThrow(new UsageError(`--compare: "${compareFile}" has rows but ${noCells}`));
  });

  it('names RUN_DIR, not --eval or --compare, for a file it found in RUN_DIR itself (was: "--eval:", a flag never typed)', async () => {
    const run = await writeSyntheticRun(tmp(), 3);
    const evalFile = join(run.dir, 'eval-base', 'eval.json');
    const ev = JSON.parse(readFileSync(evalFile, 'utf8'));
    writeFileSync(evalFile, JSON.stringify({ ...ev, rows: ev.rows.map((r: { seeds: number }) => ({ ...r, seeds: 9 })) }));
    const edited = 'has rows that are not the aggregate of its cells (edited by hand?)';
    expect(() => loadReportInputs({ runDir: run.dir })).toThrow(`RUN_DIR: "${evalFile}" ${edited}`);
    expect(() => loadReportInputs({ runDir: run.dir, evalDirs: [join(run.dir, 'eval-base')] })).toThrow(`--eval: "${evalFile}" ${edited}`); // typed as well
    writeFileSync(evalFile, JSON.stringify(ev));
    const compareFile = join(run.dir, 'compare', 'compare.json');
    const cmp = JSON.parse(readFileSync(compareFile, 'utf8'));
    writeFileSync(compareFile, JSON.stringify({ ...cmp, rows: cmp.rows.map((r: { seeds: number }) => ({ ...r, seeds: 9 })) }));
    expect(() => loadReportInputs({ runDir: run.dir })).toThrow(`RUN_DIR: "${compareFile}" has rows that are not the aggregate of its cells`);
    expect(() => loadReportInputs({ runDir: run.dir, compareDir: join(run.dir, 'compare') })).toThrow(`--compare: "${compareFile}" has rows that are not the aggregate of its cells`);
  });
});

describe('compare.json schema', () => {
  it('accepts the documented shape and NaN statistics written as null', () => {
    const dir = tmp();
    const row = { model: 'm', method: 'cosine', steps: 4, nfePerImage: 4, msPerImage: { mean: 1, std: 0 }, fcd: { mean: 3, std: null }, kid: { mean: null, std: null }, precision: { mean: 1, std: 0 }, recall: { mean: 1, std: 0 }, accuracy: { mean: 1, std: 0 }, seeds: 1 };
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ models: [{ name: 'm', dir: 'd' }], rows: [row] }));
    expect(readJsonFile(join(dir, 'c.json'), compareResultSchema).rows[0]?.fcd.std).toBeNull();
    writeFileSync(join(dir, 'c.json'), JSON.stringify({ models: [], rows: [{ ...row, seeds: 0 }] }));
    expect(() => readJsonFile(join(dir, 'c.json'), compareResultSchema)).toThrow('field "rows.0.seeds"');
  });
});
