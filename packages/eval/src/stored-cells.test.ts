import { stepDistribution } from '@speedrl/sampler';
import { aggregate } from './table';
import { resultsDigest, checkResultsKey, checkEvalResultRows, checkOptionsDigest, checkStoredCells, optionsDigest } from './stored-cells';

const cell = { steps: 2, seed: 0, fcd: 18.5, kid: -0.01, precision: 0.5, recall: 0, accuracy: null, nfePerImage: 2, meanSteps: 2, msPerImage: 1.5 };

describe('checkStoredCells', () => {
  it('keeps measured cells (a negative KID, no accuracy) and refuses edited or damaged ones, naming the file, cell and field', () => {
    expect(() => checkStoredCells('e/eval.json', [cell, { ...cell, seed: 1, accuracy: 0.9, fcd: 0 }])).not.toThrow();
    expect(() => checkStoredCells('e/eval.json', undefined)).not.toThrow();
    const { kid: _k, meanSteps: _m, msPerImage: _t, ...older } = cell; // as older versions wrote cells
    expect(() => checkStoredCells('e/eval.json', [older])).not.toThrow();
    expect(() => checkStoredCells('e/eval.json', [cell, { ...cell, fcd: null }])).toThrow('--resume: e/eval.json: cell 1 field "fcd" must be a finite number ≥ 0, got null; the file was edited or damaged');
    expect(() => checkStoredCells('e/eval.json', [{ ...cell, fcd: -3 }])).toThrow('cell 0 field "fcd" must be a finite number ≥ 0, got -3');
    // a file this run only reads (--base-eval): named by its flag, with no --force remedy
    expect(() => checkStoredCells('b/eval.json', [{ ...cell, fcd: -3 }], '--base-eval', '')).toThrow(/^--base-eval: b\/eval\.json: cell 0 field "fcd" must be a finite number ≥ 0, got -3; the file was edited or damaged$/);
    expect(() => checkStoredCells('c/compare.json', [{ ...cell, precision: 7 }])).toThrow('c/compare.json: cell 0 field "precision" must be a finite number ≥ 0 and ≤ 1, got 7');
    expect(() => checkStoredCells('e/eval.json', [{ ...cell, steps: 1.5 }])).toThrow('field "steps" must be an integer ≥ 1, got 1.5');
    expect(() => checkStoredCells('e/eval.json', [{ ...cell, kid: '3' }])).toThrow('field "kid" must be a finite number, got "3"');
    expect(() => checkStoredCells('e/eval.json', [null])).toThrow('cell 0 field "steps"');
    // NFE per image is the image's own steps × 1 or 2 passes: an adaptive cell counted per batch (earlier versions) is not mixed in
    expect(() => checkStoredCells('e/eval.json', [{ ...cell, nfePerImage: 4 }, { ...cell, seed: 1, nfePerImage: 7.096, meanSteps: 7.096 }])).not.toThrow();
    expect(() => checkStoredCells('c/compare.json', [{ ...cell, nfePerImage: 10.128, meanSteps: 7.096 }])).toThrow('cell 0 field "nfePerImage" 10.128 is not its mean steps 7.096 × 1 or 2 passes (counted per batch by an earlier version)');
    expect(() => checkStoredCells('e/eval.json', { steps: 2 })).toThrow('field "cells" must be a list');
    const steps = JSON.parse(JSON.stringify(stepDistribution([1, 2, 2], [0, 1, 1], 2))) as Record<string, unknown>;
    expect(() => checkStoredCells('e/eval.json', [{ ...cell, stepsDistribution: steps }])).not.toThrow();
    expect(() => checkStoredCells('e/eval.json', [{ ...cell, stepsDistribution: { ...steps, histogram: [1, -2] } }])).toThrow('cell 0 field "stepsDistribution.histogram.1": Number must be greater than or equal to 0');
    for (const edit of [{ histogram: [3, 0] }, { count: 4 }, { mean: 1 }, { byClass: { 0: { count: 1, mean: 1, histogram: [1] } } }]) {
      expect(() => checkStoredCells('e/eval.json', [{ ...cell, stepsDistribution: { ...steps, ...edit } }])).toThrow('cell 0 field "stepsDistribution" does not match its histograms');
    }
  });
});

describe('one cell per seed, and resultsKey', () => {
  const cells = [cell, { ...cell, seed: 1 }, { ...cell, steps: 4, nfePerImage: 4, meanSteps: 4 }];

  it('refuses a cell copied within a file (was: seed 0 counted twice read as a third seed, and an acceleration claim made)', () => {
    expect(() => checkStoredCells('e/eval.json', cells)).not.toThrow();
    expect(() => checkStoredCells('e/eval.json', [...cells, { ...cell, fcd: 17 }])).toThrow(/^--resume: e\/eval\.json: cells 0 and 3 are the same cell \(.*"seed":0.*\): a seed counted twice; the file was edited or damaged/);
    const compare = [{ ...cell, model: 'base', method: 'cosine' }, { ...cell, model: 'rl', method: 'cosine' }, { ...cell, model: 'base', method: 'adaptive', threshold: 0.5 }];
    expect(() => checkStoredCells('c/compare.json', compare)).not.toThrow(); // other model, method or threshold: other cells
    expect(() => checkStoredCells('c/compare.json', [...compare, compare[2]])).toThrow('cells 2 and 3 are the same cell');
  });

  it('refuses cells edited or added since the file recorded its resultsKey; a file without the key is read as before', () => {
    const floors = { reconstruction: 1.1, trainHeldOut: 1.5 };
    const file = { cells, floors, resultsKey: resultsDigest(cells, floors) };
    expect(() => checkResultsKey('e/eval.json', file)).not.toThrow();
    expect(() => checkResultsKey('e/eval.json', { cells: [...cells].reverse(), resultsKey: file.resultsKey })).toThrow(); // order is content: rows follow it
    for (const edited of [{ cells: [{ ...cell, fcd: 1 }, ...cells.slice(1)] }, { cells: [...cells, { ...cell, seed: 7 }] }, { floors: { ...floors, reconstruction: 0.001 } }]) {
      expect(() => checkResultsKey('e/eval.json', { ...file, ...edited })).toThrow(/^--resume: e\/eval\.json: its cells or floors are not those its resultsKey was written for \(edited, added or copied by hand\?\): pass --force/);
    }
    expect(() => checkResultsKey('e/eval.json', { cells: [{ ...cell, fcd: 1 }] })).not.toThrow();
    expect(() => checkEvalResultRows('b/eval.json', { cells: [{ ...cell, accuracy: 0.8, fcd: 1 }], floors, resultsKey: file.resultsKey, rows: aggregate([{ ...cell, accuracy: 0.8, fcd: 1 }]) }, '--base-eval')).toThrow(/^--base-eval: b\/eval\.json: its cells or floors are not those its resultsKey was written for[^:]*$/);
  });

  it('a resume of a file without resultsKey (older, or the key deleted) checks its cells against its rows (was: an edited cell re-keyed and kept)', () => {
    const measured = cells.map((c) => ({ ...c, accuracy: 0.8 }));
    const rowsOf = (c: typeof measured) => aggregate(c);
    const legacy = { cells: measured, rows: aggregate(measured) };
    expect(() => checkResultsKey('e/eval.json', legacy, '--resume', undefined, rowsOf)).not.toThrow();
    expect(() => checkResultsKey('e/eval.json', { ...legacy, rows: [...legacy.rows].reverse() }, '--resume', undefined, rowsOf)).not.toThrow(); // row order is not content
    const edited = { ...legacy, cells: [{ ...cell, accuracy: 0.8, fcd: 0.5 }, ...measured.slice(1)] };
    expect(() => checkResultsKey('e/eval.json', edited, '--resume', undefined, rowsOf)).toThrow(/^--resume: e\/eval\.json: it records no resultsKey \(written by an older speedrl, or the key deleted\), and its rows are not the aggregate of its cells: edited by hand; pass --force/);
    expect(() => checkResultsKey('e/eval.json', edited)).not.toThrow(); // without rowsOf (report: its own rows check names the problem)
  });
});

describe('checkEvalResultRows', () => {
  const measured = { ...cell, accuracy: 0.8 };
  const cells = [measured, { ...measured, seed: 1, fcd: 19.5 }];

  it('refuses an eval.json with rows but no cells, naming the flag and the file (was: taken as an older version, its rows unchecked)', () => {
    expect(() => checkEvalResultRows('b/eval.json', { cells, rows: aggregate(cells) }, '--base-eval')).not.toThrow();
    expect(() => checkEvalResultRows('b/eval.json', { rows: [{ ...aggregate(cells)[0], fcd: { mean: 1, std: 0 } }] }, '--base-eval')).toThrow(
      '--base-eval: "b/eval.json" has rows but no cells: edited, or written by a version before cells were stored; rerun it',
    );
  });

  it('takes rows whose keys come in another order as their cells\' (was: an adaptive row read back through zod was refused as edited)', () => {
    const steps = stepDistribution([1, 2, 2], [0, 1, 1], 2);
    const adaptive = [{ ...measured, nfePerImage: steps.mean, meanSteps: steps.mean, stepsDistribution: steps }];
    const [row] = aggregate(adaptive);
    const reordered = { ...row, stepsDistribution: Object.fromEntries(Object.entries(row?.stepsDistribution ?? {}).reverse()) };
    expect(() => checkEvalResultRows('e/eval.json', { cells: adaptive, rows: [reordered] }, '--eval')).not.toThrow();
    expect(() => checkEvalResultRows('e/eval.json', { cells: adaptive, rows: [{ ...reordered, fcd: { mean: 1, std: 0 } }] }, '--eval')).toThrow('has rows that are not the aggregate of its cells');
  });
});

describe('optionsDigest, checkOptionsDigest', () => {
  it('digests the named options whatever their key order; refuses a file whose options no longer give its optionsKey, or that has none', () => {
    const keys = ['n', 'classifier'];
    expect(optionsDigest({ classifier: 'c', n: 30, seed: 1 }, keys)).toBe(optionsDigest({ n: 30, classifier: 'c', seed: 9 }, keys));
    const optionsKey = optionsDigest({ n: 30, classifier: 'c' }, keys);
    expect(() => checkOptionsDigest('e/eval.json', { options: { classifier: 'c', n: 30, steps: '1,2' }, optionsKey }, keys, 'restore it')).not.toThrow();
    expect(() => checkOptionsDigest('e/eval.json', { options: { classifier: 'c', n: 40 }, optionsKey }, keys, 'restore it')).toThrow(
      "--resume: e/eval.json: its options (--n, --classifier) can't be shown to be those its cells were computed with (they no longer match its optionsKey: edited by hand?); resuming could mix cells of two settings: restore it",
    );
    // the key deleted while the options were edited, or an older file: refused too (was: passed unchecked)
    expect(() => checkOptionsDigest('e/eval.json', { options: { n: 40 }, cells: [{}] }, keys, 'restore it')).toThrow(
      "--resume: e/eval.json: its options (--n, --classifier) can't be shown to be those its cells were computed with (it records no optionsKey to check them against: deleted by hand, or written by an older speedrl); resuming could mix cells of two settings: restore it",
    );
    expect(() => checkOptionsDigest('e/eval.json', { options: { classifier: 'c', n: 30 }, optionsKey: 7 }, keys, 'restore it')).toThrow('edited by hand?');
    // no cells yet (ablate seeds floors before the eval): nothing to mix, so no key is needed
    expect(() => checkOptionsDigest('e/eval.json', { floors: {}, cells: [] } as { cells: unknown[] }, keys, 'restore it')).not.toThrow();
  });
});
