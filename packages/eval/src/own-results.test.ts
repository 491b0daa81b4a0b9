import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkNoForeignProducts, checkOwnResults } from './own-results';

describe('checkOwnResults (what --force may replace)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'own-results-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('accepts only an earlier result of the same command', () => {
    const tuned = file('tuned.json', JSON.stringify({ format: 'speedrl-tuned-schedule', formatVersion: 1 }));
    const evalJson = file('eval.json', JSON.stringify({ model: 'm', cells: [], rows: [], floors: {} }));
    const compare = file('compare.json', JSON.stringify({ models: [], cells: [], rows: [] }));
    expect(() => checkOwnResults(tuned, 'tune-schedule')).not.toThrow();
    expect(() => checkOwnResults(evalJson, 'eval')).not.toThrow();
    expect(() => checkOwnResults(compare, 'compare')).not.toThrow();
    expect(() => checkOwnResults(compare, 'eval')).toThrow(/^--out: ".*compare\.json" is not an eval\.json of speedrl eval \(it holds a JSON object with models, cells, rows\)/);
    expect(() => checkOwnResults(evalJson, 'compare')).toThrow(/is not a compare\.json of speedrl compare/);
    expect(() => checkOwnResults(evalJson, 'tune-schedule')).toThrow(/is not a tune-schedule file \(it holds a JSON object with model, cells, rows, floors\); --force replaces only an earlier one/);
  });

  it('refuses a model config, weights or a run record, naming what it holds', () => {
    const config = file('config.json', JSON.stringify({ format: 'speedrl-maskgit', formatVersion: 1 }));
    expect(() => checkOwnResults(config, 'tune-schedule')).toThrow(/--out: ".*config\.json" is not a tune-schedule file \(it holds a file of format "speedrl-maskgit"\)/);
    const weights = file('model.safetensors', '\u0008\u0000\u0000\u0000\u0000\u0000\u0000\u0000{}      ');
    expect(() => checkOwnResults(weights, 'tune-schedule')).toThrow(/is not a tune-schedule file \(it holds no valid JSON\)/);
    const run = file('run.json', JSON.stringify({ command: 'accelerate', options: {} }));
    expect(() => checkOwnResults(run, 'eval')).toThrow(/is not an eval\.json of speedrl eval/);
  });

  it('refuses a directory holding what the command writes beside its result, but not the result itself', () => {
    const out = mkdtempSync(join(tmpdir(), 'own-products-'));
    const products = ['compare.md', 'pareto-nfe.png', 'grids'];
    mkdirSync(join(out, 'grids'));
    expect(() => checkNoForeignProducts(out, 'compare.json', products)).not.toThrow(); // an empty grids/ is nobody's
    writeFileSync(join(out, 'compare.md'), 'my notes');
    expect(() => checkNoForeignProducts(out, 'compare.json', products)).toThrow(
      `--out: "${out}" holds compare.md but no compare.json, so they are not an earlier result of this command and would be overwritten`,
    );
    writeFileSync(join(out, 'compare.json'), '{}'); // with its result file: an earlier run (checkOwnResults judges the file)
    expect(() => checkNoForeignProducts(out, 'compare.json', products)).not.toThrow();
    rmSync(out, { recursive: true, force: true });
  });
});
