import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evalAcceleration, type EvalRow } from '@speedrl/eval';
import { locateRecorded, writtenFrom } from './recorded-path';
import { writeSyntheticClaims, writeSyntheticRun } from './synthetic-run';
import { checkEvalAcceleration } from './verify';

describe('writtenFrom / locateRecorded', () => {
  it('takes the recorded --out off the end of the file\'s folder, and says why when it cannot', () => {
    expect(writtenFrom('/w/r19/cmpA/compare.json', 'cmpA')).toEqual({ base: '/w/r19', up: 0 });
    expect(writtenFrom('/w/r19/runs/e1/eval.json', './runs/e1/')).toEqual({ base: '/w/r19', up: 0 });
    expect(writtenFrom('/w/out/eval.json', '.')).toEqual({ base: '/w/out', up: 0 });
    expect(writtenFrom('/w/runs/e1/eval.json', '../runs/e1')).toEqual({ base: '/w', up: 1 });
    expect(writtenFrom('/e1/eval.json', 'e1')).toEqual({ base: '/', up: 0 });
    expect(writtenFrom('/w/moved/eval.json', 'e1')).toBe('it lies in "/w/moved", which its --out "e1" does not name (moved since?)');
    expect(writtenFrom('/w/e1/eval.json', '/w/e1')).toBe('its --out "/w/e1" was absolute');
    expect(writtenFrom('/w/e1/eval.json', undefined)).toBe('it records no --out');
    expect(locateRecorded('/w/r19/cmpA/compare.json', 'cmpA', 'mg')).toEqual({ path: '/w/r19/mg', where: 'at /w/r19/mg' });
    expect(locateRecorded('/w/r19/cmpA/compare.json', 'cmpA', '../models/m')).toEqual({ path: '/w/models/m', where: 'at /w/models/m' });
    expect(locateRecorded('/w/runs/e1/eval.json', '../runs/e1', '../x/m').path).toBe('/w/x/m');
    expect(locateRecorded('/w/e1/eval.json', 'e1', '/abs/m')).toEqual({ path: '/abs/m', where: 'at /abs/m' });
    expect(locateRecorded('/w/runs/e1/eval.json', '../runs/e1', 'mg')).toEqual({
      path: 'mg', where: 'from here',
      unanchored: '"mg" is relative to the directory "/w/runs/e1/eval.json" was written from, which cannot be told: its --out "../runs/e1" starts above the directory it ran in, and "mg" does not reach it',
    });
    expect(locateRecorded('/w/e1/eval.json', '/w/e1', 'mg').unanchored).toMatch(/which cannot be told: its --out "\/w\/e1" was absolute$/);
  });
});

describe('checkEvalAcceleration with a relative base path', () => {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'speedrl-recorded-')));
  const cwd = process.cwd();
  afterAll(() => {
    process.chdir(cwd);
    rmSync(root, { recursive: true, force: true });
  });

  it('reads the base from the directory the eval ran in, not the report\'s (was: another file of that name here refused as re-measured)', async () => {
    const work = join(root, 'work');
    const run = await writeSyntheticRun(join(work, 'run'), 3);
    const { accelerated, baseEval } = writeSyntheticClaims(run.dir);
    const json = JSON.parse(readFileSync(accelerated, 'utf8'));
    const baseRows = JSON.parse(readFileSync(baseEval, 'utf8')).rows as EvalRow[];
    // as `eval --out run/eval-accelerated --base-eval run/eval-base/eval.json` writes it, run in `work`
    const data = { ...json, options: { out: 'run/eval-accelerated' }, acceleration: evalAcceleration(json.rows, { name: 'run/eval-base/eval.json', rows: baseRows }) };
    const other = join(root, 'other');
    mkdirSync(join(other, 'run', 'eval-base'), { recursive: true });
    writeFileSync(join(other, 'run', 'eval-base', 'eval.json'), JSON.stringify({ ...json, acceleration: undefined })); // another eval of that name
    process.chdir(other);
    try {
      expect(checkEvalAcceleration(accelerated, data, '--eval')).toEqual({});
      // moved where its --out no longer leads: read from here, and the refusal says the path may name another file
      const moved = { ...data, options: { out: 'elsewhere/eval-accelerated' } };
      expect(() => checkEvalAcceleration(accelerated, moved, '--eval')).toThrow(
        `; "run/eval-base/eval.json" is relative to the directory "${accelerated}" was written from, which cannot be told: it lies in "${run.dir}/eval-accelerated", which its --out "elsewhere/eval-accelerated" does not name (moved since?), so the base read from here may be another file`,
      );
      process.chdir(root);
      expect(checkEvalAcceleration(accelerated, moved, '--eval')).toEqual({ unchecked: 'its base run/eval-base/eval.json is not found from here' });
    } finally {
      process.chdir(cwd);
    }
  });
});
