import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '@speedrl/core';
import { aggregate, type EvalCell } from '@speedrl/eval';
import { ablationEvalSource } from './ablation-sources';
import { buildReport } from './build';
import { loadReportInputs } from './load';
import { ablationRowsKey, type Ablations } from './schemas';
import { syntheticCells, type Spread } from './synthetic-run';

const spread = (fcd: number): Spread => ({ fcd: [fcd, 0.2], kid: [0.01, 0.001], precision: [0.7, 0.01], recall: [0.5, 0.01], accuracy: [0.8, 0.01], msPerImage: [1, 0.1] });
const evalJson = (fcd: number) => {
  const cells: EvalCell[] = syntheticCells(4, 2, spread(fcd));
  return { model: 'm', floors: { reconstruction: 1, trainHeldOut: 0.5 }, cells, rows: aggregate(cells) };
};

/** An ablation directory as ablate writes it: full/eval/eval.json and ablations.json whose row records that file. */
function writeAblation(): { dir: string; file: string; evalFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'speedrl-report-abl-'));
  const evalFile = join(dir, 'full', 'eval', 'eval.json');
  mkdirSync(join(dir, 'full', 'eval'), { recursive: true });
  const json = evalJson(12.153);
  writeFileSync(evalFile, JSON.stringify(json));
  const row = json.rows[0] as (typeof json.rows)[number];
  const rows: Ablations['rows'] = [{ name: 'full', config: {}, evalSteps: 4, fcd: row.fcd, precision: row.precision, recall: row.recall, accuracy: row.accuracy, eval: ablationEvalSource(dir, evalFile, json) }];
  const file = join(dir, 'ablations.json');
  writeFileSync(file, JSON.stringify({ budget: '2 iterations', rows, rowsKey: ablationRowsKey(rows) }));
  return { dir, file, evalFile };
}

describe('ablations.json rows checked against the eval.json they came from', () => {
  it('records the eval.json relative to the ablations file, and reads the table while that file holds the same measurements', () => {
    const { dir, file } = writeAblation();
    const a = loadReportInputs({ runDir: dir, ablationsFile: file }).ablations;
    expect(a?.data.rows[0]?.eval?.file).toBe('full/eval/eval.json');
    expect(a?.unchecked).toEqual([]);
  });

  it('refuses a row whose eval.json was rerun since (was: FCD 12.153 shown while the file says 12.230), naming ablate --resume', () => {
    const { dir, file, evalFile } = writeAblation();
    writeFileSync(evalFile, JSON.stringify(evalJson(12.23))); // eval --force over the variant's eval
    expect(() => loadReportInputs({ runDir: dir, ablationsFile: file })).toThrow(
      new UsageError(`--ablations: "${file}" has rows of full read from ${evalFile}, which holds other measurements now (that eval rerun since, or edited?): ` +
        'the rows no longer show what it holds. Rerun speedrl ablate with --resume (same --out) to rebuild the table from the current evals'),
    );
    writeFileSync(evalFile, '{"cells": [');
    expect(() => loadReportInputs({ runDir: dir })).toThrow(`RUN_DIR: "${file}" has rows of full read from ${evalFile}, which holds other measurements now`);
  });

  it('says which rows it could not check when their eval.json is not found, and reads older rows without a source as before', () => {
    const { dir, file, evalFile } = writeAblation();
    rmSync(evalFile);
    const inputs = loadReportInputs({ runDir: dir, ablationsFile: file });
    expect(inputs.ablations?.unchecked).toEqual([`the rows of full (from full/eval/eval.json, not found beside ${file})`]);
    expect(buildReport(inputs).sections.find((s) => s.id === 'ablations')?.note).toBe(`not checked against the eval.json they came from: the rows of full (from full/eval/eval.json, not found beside ${file})`);
    const old = JSON.parse(readFileSync(file, 'utf8')) as Ablations;
    const rows = old.rows.map(({ eval: _source, ...r }) => r);
    writeFileSync(file, JSON.stringify({ budget: old.budget, rows })); // an older file: no source, no rowsKey
    expect(loadReportInputs({ runDir: dir, ablationsFile: file }).ablations?.unchecked).toEqual([]);
  });
});
