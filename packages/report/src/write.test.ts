import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeSyntheticRun } from './synthetic-run';
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
      `--eval: "${evalFile}" judged ${model} as it was when it ran; its files changed since (content key aaaaaaaaaaaa… then, bbbbbbbbbbbb… now)`,
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
      `--compare: "${compareFile}" judged ${model} as it was when it ran; its files changed since`,
    );
    await expect(writeRunReport(run.dir, { out: join(root, 'cmp-ok.html'), modelIdentity: async () => 'a'.repeat(64) })).resolves.toBeDefined();
  });
});
