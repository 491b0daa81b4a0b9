import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { aggregate, aggregateCells, compareAcceleration, evalAcceleration, type Acceleration, type CompareCell, type EvalCell } from '@speedrl/eval';
import { escapeHtml } from './html';
import { syntheticCells, writeSyntheticClaims, writeSyntheticRun } from './synthetic-run';
import { writeRunReport } from './write';

describe('writeRunReport with modelIdentity', () => {
  const root = mkdtempSync(join(tmpdir(), 'speedrl-report-write-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('refuses an eval whose model changed since it ran (a resumed run shown with its old eval), and names the model of every eval', async () => {
    const run = await writeSyntheticRun(join(root, 'run'), 3);
    const model = join(root, 'model');
    mkdirSync(model);
    const evalFile = join(run.dir, 'eval-accelerated', 'eval.json');
    writeFileSync(evalFile, JSON.stringify({ ...JSON.parse(readFileSync(evalFile, 'utf8')), model, inputs: { '--model': 'a'.repeat(64) } }));
    await expect(writeRunReport(run.dir, { out: join(root, 'stale.html'), modelIdentity: async () => 'b'.repeat(64) })).rejects.toThrow(
      `RUN_DIR: "${evalFile}" judged ${model} as it was when it ran; its files changed since (content key aaaaaaaaaaaa… then, bbbbbbbbbbbb… now)`,
    );
    const ok = await writeRunReport(run.dir, { out: join(root, 'ok.html'), modelIdentity: async () => 'a'.repeat(64) });
    expect(readFileSync(ok.out, 'utf8')).toContain(`(accelerated = model ${model})`);
    // a model directory that is gone (or a path relative to another cwd) cannot be checked: the eval is shown, with its model named
    writeFileSync(evalFile, JSON.stringify({ ...JSON.parse(readFileSync(evalFile, 'utf8')), model: 'relative/model' }));
    const gone = await writeRunReport(run.dir, { out: join(root, 'gone.html'), modelIdentity: async () => 'b'.repeat(64) });
    expect(gone.sections.find((s) => s.id === 'model-check')?.note).toBe(`not checked: ${evalFile} (model relative/model not found from here)`);
    expect(readFileSync(gone.out, 'utf8')).toContain('Not checked against their model');
  });

  it('refuses a compare.json whose model changed since it ran (its Pareto fronts were drawn from an earlier model)', async () => {
    const run = await writeSyntheticRun(join(root, 'run-cmp'), 3);
    const model = join(root, 'model-cmp');
    mkdirSync(model);
    const compareFile = join(run.dir, 'compare', 'compare.json');
    const cmp = JSON.parse(readFileSync(compareFile, 'utf8'));
    cmp.models = cmp.models.map((m: { name: string }) => ({ ...m, dir: model, identity: 'a'.repeat(64) }));
    writeFileSync(compareFile, JSON.stringify(cmp));
    await expect(writeRunReport(run.dir, { out: join(root, 'cmp.html'), modelIdentity: async () => 'c'.repeat(64) })).rejects.toThrow(
      `RUN_DIR: "${compareFile}" judged ${model} as it was when it ran; its files changed since`,
    );
    await expect(writeRunReport(run.dir, { out: join(root, 'cmp-ok.html'), modelIdentity: async () => 'a'.repeat(64) })).resolves.toBeDefined();
  });

  it('reads a compare.json\'s relative model paths from the directory it was written from, not the report\'s (was: another "mg" here called it stale)', async () => {
    const top = realpathSync(mkdtempSync(join(tmpdir(), 'speedrl-report-cwd-')));
    const [work, other] = [join(top, 'work'), join(top, 'other')];
    for (const d of [join(work, 'mg'), join(other, 'mg'), join(work, 'cmp')]) mkdirSync(d, { recursive: true });
    const run = await writeSyntheticRun(join(top, 'run'), 3);
    const cmp = JSON.parse(readFileSync(join(run.dir, 'compare', 'compare.json'), 'utf8'));
    const written = (out: string) => JSON.stringify({ ...cmp, options: { out }, models: cmp.models.map((m: object) => ({ ...m, dir: 'mg', identity: 'a'.repeat(64) })) });
    writeFileSync(join(work, 'cmp', 'compare.json'), written('cmp')); // `compare --models base=mg,… --out cmp`, run in work/
    const identity = async (dir: string) => (resolve(dir) === join(work, 'mg') ? 'a' : 'b').repeat(64); // other/mg is another model
    const cwd = process.cwd();
    process.chdir(other);
    try {
      const report = (out: string) => writeRunReport(run.dir, { compareDir: join(work, 'cmp'), out: join(top, out), modelIdentity: identity });
      expect((await report('ok.html')).sections.find((s) => s.id === 'model-check')).toBeUndefined();
      writeFileSync(join(work, 'cmp', 'compare.json'), written(join(work, 'cmp'))); // an absolute --out: where it ran is not recorded
      await expect(report('abs.html')).rejects.toThrow(
        `--compare: "${join(work, 'cmp', 'compare.json')}" judged a model "mg" other than the "mg" found from here (content key aaaaaaaaaaaa… then, bbbbbbbbbbbb… now); ` +
          `"mg" is relative to the directory "${join(work, 'cmp', 'compare.json')}" was written from, which cannot be told: its --out "${join(work, 'cmp')}" was absolute. Run the report from the directory that command ran in to check it`,
      );
    } finally {
      process.chdir(cwd);
      rmSync(top, { recursive: true, force: true });
    }
  });

  it('shows the acceleration claims of an eval.json and of a compare.json: the table, each claim\'s line and the rows left out', async () => {
    const run = await writeSyntheticRun(join(root, 'run-acc'), 3);
    // cells over seeds whose rows have these FCDs (mean ± sample std)
    const measured = (steps: number, mean: number, std: number, seeds: 1 | 3 = 3) => syntheticCells(steps, seeds, {
      fcd: [mean, std], kid: [0.01, 0], precision: [0.7, 0], recall: [0.5, 0], accuracy: [0.8, 0], msPerImage: [1, 0],
    });
    const cells = [...measured(2, 20, 0, 1), ...measured(3, 29, 0.5), ...measured(12, 28.5, 0.3)];
    const rows = aggregate(cells);
    const baseFile = join(run.dir, 'eval-base', 'eval.json');
    const baseCells = measured(12, 35.8, 2.9);
    const baseRows = aggregate(baseCells);
    // claims as eval and compare compute them from these rows (the report recomputes them and refuses others)
    writeFileSync(baseFile, JSON.stringify({ ...JSON.parse(readFileSync(baseFile, 'utf8')), cells: baseCells, rows: baseRows }));
    const a = evalAcceleration(rows, { name: baseFile, rows: baseRows }) as Acceleration;
    const evalFile = join(run.dir, 'eval-accelerated', 'eval.json');
    writeFileSync(evalFile, JSON.stringify({ ...JSON.parse(readFileSync(evalFile, 'utf8')), cells, rows, acceleration: a }));
    const compareFile = join(run.dir, 'compare', 'compare.json');
    const cmp = JSON.parse(readFileSync(compareFile, 'utf8'));
    const cosine = (model: string, cs: readonly EvalCell[]): CompareCell[] => cs.map((c) => ({ ...c, model, method: 'cosine' }));
    cmp.cells = [...cmp.cells.filter((c: { method: string }) => c.method !== 'cosine'), ...cosine('base', baseCells), ...cosine('speedrl', cells)];
    cmp.rows = aggregateCells(cmp.cells);
    writeFileSync(compareFile, JSON.stringify({ ...cmp, acceleration: compareAcceleration(cmp.rows, ['base', 'speedrl']) }));
    const html = readFileSync((await writeRunReport(run.dir, { out: join(root, 'acc.html') })).out, 'utf8');
    expect(html).toContain('Acceleration of accelerated. FCD mean ± sample std over seeds');
    expect(html).toContain('Acceleration of speedrl (method cosine, vs base).');
    for (const cells of [['vs the base: base FCD(12) − FCD(T) &gt; 2σ', '3', '4×', '+6.800', '5.800', 'yes'], ['vs itself: FCD(T) − FCD(12) ≤ 2σ', '3', '4×', '+0.500', '1.000', 'yes']]) {
      expect(html.split(`<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`).length - 1).toBe(2); // once under the evals, once under compare
    }
    expect(html).toContain(escapeHtml(a.vsBase?.statement ?? 'no statement'));
    expect(html).toContain('vs the base, rows left out: T = 2 needs ≥ 3 seeds (has 1)');
  });

  it('shows no claims whose base eval.json is not found from here, and says so on the page (was: shown unchecked)', async () => {
    const run = await writeSyntheticRun(join(root, 'run-unchecked'), 3);
    const { accelerated } = writeSyntheticClaims(run.dir);
    const json = JSON.parse(readFileSync(accelerated, 'utf8'));
    writeFileSync(accelerated, JSON.stringify({ ...json, acceleration: { ...json.acceleration, base: 'runs/elsewhere/eval.json' } }));
    const result = await writeRunReport(run.dir, { out: join(root, 'unchecked.html') });
    const html = readFileSync(result.out, 'utf8');
    expect(html).not.toContain('Acceleration of accelerated.');
    expect(html).toContain('Acceleration of base.'); // its claims vs itself were checked against its rows
    const why = `acceleration claims of accelerated (${accelerated}) not shown: its base runs/elsewhere/eval.json is not found from here; run the report from the directory that eval ran in to check them`;
    expect(html).toContain(escapeHtml(`Unchecked ${why}.`));
    expect(result.sections.find((s) => s.id === 'eval')?.note).toBe(why);
  });

  it('names each eval\'s floors when the evals record different ones (another tokenizer), and whose tokenizer compare.json\'s floors are', async () => {
    const run = await writeSyntheticRun(join(root, 'run-floors'), 3);
    const evalFile = join(run.dir, 'eval-base', 'eval.json');
    writeFileSync(evalFile, JSON.stringify({ ...JSON.parse(readFileSync(evalFile, 'utf8')), floors: { reconstruction: 2.5, trainHeldOut: 0.4 } }));
    const html = readFileSync((await writeRunReport(run.dir, { out: join(root, 'floors.html') })).out, 'utf8');
    expect(html).toContain('Floors (FCD vs the test set): reconstruction 1.200 (accelerated), 2.500 (base); held-out train 0.400. The evals record different floors');
    expect(html).toContain('"label":"reconstruction floor (accelerated)"');
    expect(html).toContain('"label":"reconstruction floor (base)"');
    expect(html).toContain("Floors (base&#39;s tokenizer): reconstruction 1.200, held-out train 0.400.");
  });
});
