import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aggregate, aggregateCells, resultsDigest, type CompareCell, type EvalCell } from '@speedrl/eval';
import { buildReport } from './build';
import { compareIncomplete, evalIncomplete } from './completeness';
import { loadReportInputs } from './load';
import { syntheticCells, writeSyntheticRun, type Spread } from './synthetic-run';

const tmp = () => mkdtempSync(join(tmpdir(), 'speedrl-report-complete-'));
const spread: Spread = { fcd: [5, 0.2], kid: [0.01, 0.001], precision: [0.7, 0.01], recall: [0.5, 0.01], accuracy: [0.8, 0.01], msPerImage: [1, 0.1] };
/** Cells at T for seeds 0 … seeds − 1 (one per seed, as eval writes them). */
const cellsAt = (t: number, seeds: 1 | 2 | 3): EvalCell[] => syntheticCells(t, seeds, spread);

describe('evalIncomplete: an interrupted eval.json against what its options ask for', () => {
  const options = { steps: '1,2,4,8', seed: 0, seeds: 3 };
  it('names a T not computed and a T with fewer seeds; a complete file, or one whose options do not say, gets none', () => {
    const partial = [...cellsAt(1, 3), ...cellsAt(2, 3), ...cellsAt(4, 2)];
    expect(evalIncomplete({ options, resultsKey: 'k', cells: partial })).toBe(
      'incomplete: T = 4 has 2 of 3 seeds, T = 8 not computed (of what its options ask for); rerun the eval with --resume to finish it',
    );
    // an older file (no resultsKey): only rows with fewer seeds
    expect(evalIncomplete({ options, cells: partial })).toBe('incomplete: T = 4 has 2 of 3 seeds (of what its options ask for); rerun the eval with --resume to finish it');
    expect(evalIncomplete({ options, resultsKey: 'k', cells: [...partial, ...cellsAt(4, 3).slice(2), ...cellsAt(8, 3)] })).toBeUndefined();
    expect(evalIncomplete({ options: { steps: '1,2,4,8' }, cells: partial })).toBeUndefined(); // an older file: seeds unknown
    expect(evalIncomplete({ cells: partial })).toBeUndefined();
  });
});

describe('compareIncomplete: an interrupted compare.json against its models × methods × budgets × seeds', () => {
  const models = [{ name: 'base', dir: 'b' }, { name: 'rl', dir: 'r' }];
  const options = { methods: 'cosine,adaptive', steps: '1,2', thresholds: '0.5', adaptiveCap: 2, seed: 0, seeds: 2, seedList: [0, 1] };
  const all: CompareCell[] = models.flatMap(({ name }) => [
    ...[1, 2].flatMap((t) => syntheticCells(t, 2, spread).map((c) => ({ ...c, model: name, method: 'cosine' }))),
    ...syntheticCells(2, 2, spread).map((c) => ({ ...c, model: name, method: 'adaptive', threshold: 0.5 })),
  ]);
  it('names a row with fewer seeds and a row not computed; a complete file gets none', () => {
    expect(compareIncomplete({ models, options, resultsKey: 'k', cells: all })).toBeUndefined();
    const cells = all.filter((c) => !(c.model === 'rl' && c.method === 'adaptive' && c.seed === 1) && !(c.model === 'base' && c.method === 'cosine' && c.steps === 2));
    expect(compareIncomplete({ models, options, resultsKey: 'k', cells })).toBe(
      'incomplete: base cosine T = 2 not computed, rl adaptive p ≥ 0.5 has 1 of 2 seeds (of what its options ask for); rerun the compare with --resume to finish it',
    );
    // an older file: rows it lacks may never have been asked for (several calls into one --out), short rows are still said
    expect(compareIncomplete({ models, options, cells })).toBe('incomplete: rl adaptive p ≥ 0.5 has 1 of 2 seeds (of what its options ask for); rerun the compare with --resume to finish it');
    expect(compareIncomplete({ models, options: { ...options, methods: undefined }, cells })).toBeUndefined(); // options that do not say
  });

  it('expects tuned cells only at the T its tuned file held, and a +tuned model only with the tuned method', () => {
    const tunedModels = [{ name: 'base', dir: 'b' }, { name: 'rl+tuned', dir: 'r' }];
    const cells: CompareCell[] = [
      ...syntheticCells(2, 2, spread).map((c) => ({ ...c, model: 'base', method: 'cosine' })),
      ...syntheticCells(4, 2, spread).map((c) => ({ ...c, model: 'base', method: 'cosine' })),
      ...syntheticCells(4, 2, spread).map((c) => ({ ...c, model: 'rl+tuned', method: 'tuned' })),
    ];
    const o = { methods: 'cosine', steps: '2,4', seed: 0, seeds: 2 };
    expect(compareIncomplete({ models: tunedModels, options: o, resultsKey: 'k', cells, tunedKeys: { 4: 'k' } })).toBeUndefined();
    expect(compareIncomplete({ models: tunedModels, options: o, resultsKey: 'k', cells, tunedKeys: { 2: 'k', 4: 'k' } })).toMatch(/^incomplete: rl\+tuned tuned T = 2 not computed/);
  });
});

describe('the report says an interrupted eval or compare is incomplete (was: shown as if complete)', () => {
  it('notes it in the eval and Pareto sections (HTML and the printed summary), and nothing for complete files', async () => {
    const run = await writeSyntheticRun(tmp(), 3);
    const evalFile = join(run.dir, 'eval-base', 'eval.json');
    const ev = JSON.parse(readFileSync(evalFile, 'utf8'));
    const evalOptions = (steps: string) => ({ steps, seed: 0, seeds: 2 });
    const keyed = (cells: unknown[], floors: unknown) => ({ cells, floors, resultsKey: resultsDigest(cells, floors) }); // a file of this version
    writeFileSync(evalFile, JSON.stringify({ ...ev, options: evalOptions('2,4,12'), ...keyed(ev.cells, ev.floors) })); // complete
    const compareFile = join(run.dir, 'compare', 'compare.json');
    const cmp = JSON.parse(readFileSync(compareFile, 'utf8'));
    const cmpOptions = { methods: 'cosine,halton', steps: '2,4,8,12', seed: 0, seeds: 3 };
    writeFileSync(compareFile, JSON.stringify({ ...cmp, options: cmpOptions, ...keyed(cmp.cells, cmp.floors) }));
    const complete = buildReport(loadReportInputs({ runDir: run.dir }));
    expect(complete.sections.find((s) => s.id === 'eval')?.note).toBeUndefined();
    expect(complete.sections.find((s) => s.id === 'pareto')?.note).toBeUndefined();

    const cut = (ev.cells as EvalCell[]).filter((c) => !(c.steps === 12 && c.seed === 1));
    writeFileSync(evalFile, JSON.stringify({ ...ev, rows: aggregate(cut), options: evalOptions('2,4,12,16'), ...keyed(cut, ev.floors) }));
    const cells = (cmp.cells as CompareCell[]).filter((c) => !(c.model === 'speedrl' && c.method === 'halton' && c.steps === 12));
    writeFileSync(compareFile, JSON.stringify({ ...cmp, rows: aggregateCells(cells), options: cmpOptions, ...keyed(cells, cmp.floors) }));
    const built = buildReport(loadReportInputs({ runDir: run.dir }));
    const evalNote = `${evalFile}: incomplete: T = 12 has 1 of 2 seeds, T = 16 not computed (of what its options ask for); rerun the eval with --resume to finish it`;
    const compareNote = `${compareFile}: incomplete: speedrl halton T = 12 not computed (of what its options ask for); rerun the compare with --resume to finish it`;
    expect(built.sections.find((s) => s.id === 'eval')?.note).toBe(evalNote);
    expect(built.sections.find((s) => s.id === 'pareto')?.note).toBe(compareNote);
    expect(built.blocks).toContainEqual({ kind: 'note', text: `${evalNote}.` });
    expect(built.blocks).toContainEqual({ kind: 'note', text: `${compareNote}.` });
  });
});
