import { cellId, checkListedOnce, methodsOf, parseMethods, parseModels, planCells, rowId, samplerConfigFor } from './spec';

const base = { temperature: 1, gumbel: 4.5, cfg: 0, haltonSchedule: 'cosine', adaptiveCap: 8 };

describe('compare spec', () => {
  it('parses NAME=DIR models and refuses bad or repeated names', () => {
    expect(parseModels('base=models/fashion-mnist,rl+tuned=runs/x/model')).toEqual([{ name: 'base', dir: 'models/fashion-mnist' }, { name: 'rl+tuned', dir: 'runs/x/model' }]);
    expect(() => parseModels('models/fashion-mnist')).toThrow(/--models: expected NAME=DIR/);
    expect(() => parseModels('a b=x')).toThrow(/--models: model name "a b"/);
    expect(() => parseModels('a=x,a=y')).toThrow(/--models: model name "a" is given twice/);
  });

  it('accepts schedule names of the sampler registry and the special methods', () => {
    expect(parseMethods('cosine,pow-2,halton,adaptive,tuned,cosine')).toEqual(['cosine', 'pow-2', 'halton', 'adaptive', 'tuned']);
    expect(() => parseMethods('cosine,fast')).toThrow(/--methods: unknown method "fast"/);
  });

  it('plans cells per model, method, budget and seed; adaptive sweeps thresholds; tuned only where the file has T', () => {
    const models = [{ name: 'base', dir: 'b' }, { name: 'rl+tuned', dir: 'r' }];
    expect(methodsOf(models[1] as never, ['cosine'])).toEqual(['tuned']);
    const cells = planCells(models, ['cosine', 'adaptive', 'tuned'], [2, 4], [0.5, 0.9], [0, 1], 8, [2]);
    expect(cells.map(cellId)).toEqual([
      'base|cosine|T2|0', 'base|cosine|T2|1', 'base|cosine|T4|0', 'base|cosine|T4|1',
      'base|adaptive|p0.5|0', 'base|adaptive|p0.5|1', 'base|adaptive|p0.9|0', 'base|adaptive|p0.9|1',
      'base|tuned|T2|0', 'base|tuned|T2|1', 'rl+tuned|tuned|T2|0', 'rl+tuned|tuned|T2|1',
    ]);
    expect(cells[4]?.steps).toBe(8);
    expect(rowId(cells[5] as never)).toBe('base|adaptive|p0.5');
  });

  it('maps every method to the sampler config it samples with', () => {
    expect(samplerConfigFor({ method: 'arccos', steps: 4 }, base, 10)).toEqual({ method: 'confidence', schedule: 'arccos', temperature: 1, gumbelScale: 4.5, guidance: null });
    expect(samplerConfigFor({ method: 'halton', steps: 4 }, { ...base, cfg: 2 }, 10)).toMatchObject({ method: 'halton', schedule: 'cosine', guidance: { weight: 2, nullClassId: 10 } });
    expect(samplerConfigFor({ method: 'adaptive', steps: 8, threshold: 0.9 }, base, 10)).toMatchObject({ method: 'adaptive', adaptiveThreshold: 0.9 });
    const stepArrays = { maskRatios: [0.5, 0], cfgWeights: [1, 2] };
    expect(samplerConfigFor({ method: 'tuned', steps: 2 }, base, 10, { stepArrays })).toMatchObject({ method: 'confidence', stepArrays, guidance: { nullClassId: 10 } });
    expect(samplerConfigFor({ method: 'tuned', steps: 2 }, { ...base, cfg: 3 }, 10, { stepArrays: { maskRatios: [0.5, 0] } }).guidance).toBeNull();
    expect(() => samplerConfigFor({ method: 'tuned', steps: 3 }, base, 10)).toThrow(/--tuned: no tuned schedule for T=3/);
  });
});

describe('checkListedOnce', () => {
  it('refuses a value listed twice, as eval does (was: compare --steps 1,1,2 de-duplicated silently)', () => {
    expect(() => checkListedOnce('--steps', [1, 1, 2])).toThrow(/^--steps: T=1 is listed twice; list each value once$/);
    expect(() => checkListedOnce('--thresholds', [0.5, 0.7, 0.5])).toThrow(/^--thresholds: 0\.5 is listed twice/);
    expect(() => checkListedOnce('--steps', [2, 1, 12])).not.toThrow();
  });
});
