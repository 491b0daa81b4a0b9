import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareAcceleration, evalAcceleration, readBaseEval } from './acceleration-inputs';

const stats = (mean: number, std: number) => ({ mean, std });
const evalRow = (steps: number, fcd: number, std: number) => ({ steps, seeds: 3, fcd: stats(fcd, std), kid: stats(0, 0), recall: stats(0.5, 0.01), nfePerImage: steps });

describe('readBaseEval', () => {
  const dir = mkdtempSync(join(tmpdir(), 'speedrl-base-eval-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };

  it('reads the rows of a valid eval.json (null stats allowed)', () => {
    const path = file('ok.json', JSON.stringify({ model: 'm', rows: [evalRow(4, 30, 1), { ...evalRow(12, 20, 1), kid: { mean: null, std: null } }] }));
    const base = readBaseEval(path);
    expect(base.name).toBe(path);
    expect(base.rows.map((r) => r.steps)).toEqual([4, 12]);
  });

  it('refuses a missing, malformed, foreign or T = 12-less file, naming the flag and the file', () => {
    const cases: [string, RegExp][] = [
      [join(dir, 'nope.json'), /^--base-eval: cannot read ".*nope\.json" \(ENOENT\)$/],
      [file('bad.json', '{"rows": ['), /^--base-eval: ".*bad\.json" is not valid JSON/],
      [file('wrong.json', JSON.stringify({ rows: [{ steps: 12, fcd: 3 }] })), /^--base-eval: ".*wrong\.json" is not an eval\.json of speedrl eval \(field "rows\.0\.fcd": /],
      [file('cmp.json', JSON.stringify({ models: [], rows: [] })), /^--base-eval: ".*cmp\.json" is a compare\.json; pass the base's eval\.json/],
      [file('t.json', JSON.stringify({ format: 'speedrl-tuned-schedule', schedules: {} })), /^--base-eval: ".*t\.json" is a tune-schedule file; pass the base's eval\.json/], // was: "has no T = 12 row"
      [dir, /^--base-eval: cannot read ".*" \(EISDIR\): it is a directory; pass the base's eval\.json in it \(.*\/eval\.json\)$/],
      [file('no12.json', JSON.stringify({ rows: [evalRow(4, 30, 1), evalRow(8, 25, 1)] })), /^--base-eval: ".*no12\.json" has no T = 12 row \(its T: 4, 8\); evaluate the base with T = 12 among --steps$/],
      [file('norows.json', JSON.stringify({ model: 'm' })), /has no T = 12 row \(its T: none\)/],
      [file('twice.json', JSON.stringify({ rows: [evalRow(4, 30, 1), evalRow(12, 20, 1), evalRow(4, 10, 1)] })), /^--base-eval: ".*twice\.json" has two rows at T = 4 \(edited or merged by hand\?\); one row per T$/],
    ];
    for (const [path, message] of cases) expect(() => readBaseEval(path)).toThrow(message);
    expect(() => readBaseEval(join(dir, 'nope.json'), { flag: '--base' })).toThrow(/^--base: /);
    expect(() => readBaseEval(join(dir, 'ok.json'), { ownFile: join(dir, '.', 'ok.json') })).toThrow(/^--base-eval: ".*ok\.json" is the eval\.json this run writes \(--out\)/);
    symlinkSync(dir, join(dir, 'link'));
    expect(() => readBaseEval(join(dir, 'link', 'ok.json'), { ownFile: join(dir, 'ok.json') })).toThrow(/is the eval\.json this run writes \(--out\)/);
    expect(readBaseEval(join(dir, 'no12.json'), { referenceSteps: 8 }).rows).toHaveLength(2);
  });
});

describe('compareAcceleration', () => {
  const row = (model: string, method: string, steps: number, fcd: number, std: number, threshold?: number) => ({
    model, method, steps, seeds: 3, fcd: stats(fcd, std), recall: stats(0.5, 0.01), ...(threshold === undefined ? {} : { threshold }),
  });
  const rows = [
    row('base', 'cosine', 3, 50, 1), row('base', 'cosine', 12, 30, 1), row('base', 'halton', 3, 10, 1),
    row('rl', 'cosine', 3, 25, 1), row('rl', 'cosine', 12, 24, 1), row('rl', 'adaptive', 3, 1, 0, 0.5),
    row('rl+tuned', 'tuned', 3, 1, 0),
  ];

  it('judges every model on the cosine rows against the first model; the first one vs itself only', () => {
    const c = compareAcceleration(rows, ['base', 'rl', 'rl+tuned']);
    expect(c?.method).toBe('cosine');
    expect(c?.base).toBe('base');
    expect(c?.models.map((m) => m.model)).toEqual(['base', 'rl']); // rl+tuned has no cosine rows
    expect(c?.models[0]?.acceleration).toMatchObject({ base: null, vsBase: null, vsItself: { factor: 1, steps: 12 } });
    // halton's FCD 10 and adaptive's 1 are not cosine rows: rl's T = 3 (25) vs base T = 12 (30), margin 5 > 2
    expect(c?.models[1]?.acceleration).toMatchObject({ base: 'base (cosine)', vsBase: { steps: 3, factor: 4 }, vsItself: { steps: 3, factor: 4 }, noQualityTraded: { holds: true } });
  });

  it('is undefined when no model has a T = 12 row of the method; a base without them gives a reason', () => {
    expect(compareAcceleration(rows, ['base', 'rl'], 'linear')).toBeUndefined();
    expect(compareAcceleration(rows.filter((r) => r.steps !== 12), ['base', 'rl'])).toBeUndefined();
    expect(compareAcceleration(rows, ['base', 'rl'], 'cosine', { referenceSteps: 3 })?.models[1]?.acceleration.vsItself).toMatchObject({ steps: 3, factor: 1 });
    const c = compareAcceleration(rows, ['rl+tuned', 'rl']);
    expect(c?.models.map((m) => m.model)).toEqual(['rl']);
    expect(c?.models[0]?.acceleration.vsBase).toMatchObject({ factor: null, reason: "the base's T = 12 row is missing" });
  });
});

describe('evalAcceleration', () => {
  const row = (steps: number, fcd: number) => ({ steps, seeds: 3, fcd: stats(fcd, 1) });
  it('is vs itself when T = 12 was evaluated, vs the base when one is given, else nothing', () => {
    expect(evalAcceleration([row(4, 30)])).toBeUndefined();
    expect(evalAcceleration([row(4, 30), row(12, 29)])).toMatchObject({ base: null, vsBase: null, vsItself: { steps: 4, factor: 3 } });
    expect(evalAcceleration([row(4, 30)], { name: 'b.json', rows: [row(12, 40)] })).toMatchObject({ base: 'b.json', vsBase: { steps: 4, factor: 3 }, vsItself: { factor: null } });
  });
});
