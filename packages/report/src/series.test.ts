import { chartConfig, PALETTE, scriptJson, xRange } from './charts';
import type { EvalInput } from './load';
import type { MetricsRecord } from './schemas';
import { column, componentNames, evalChart, evalFloors, floorLabel, paretoCharts, paretoFront, trainingCharts, valueAt, wantsLog } from './series';
import { syntheticRecord } from './synthetic-run';

const records = Array.from({ length: 10 }, (_, i) => syntheticRecord(i)) as MetricsRecord[];

describe('series extraction from metrics.jsonl', () => {
  it('reads dotted paths and turns absent / non-finite values into gaps', () => {
    expect(valueAt({ a: { b: { c: 2 } } }, 'a.b.c')).toBe(2);
    expect(valueAt({ a: { b: 'x' } }, 'a.b')).toBeNull();
    expect(valueAt({ a: null }, 'a.b')).toBeNull();
    expect(valueAt({ a: NaN }, 'a')).toBeNull();
    expect(column(records, 'klMean')[3]).toBeNull();
    expect(column(records, 'components.realism.mean')[2]).toBeCloseTo(-7.9);
    expect(componentNames([{ step: 1, components: { b: {} } }, { step: 2, components: { a: {}, b: {} } }])).toEqual(['b', 'a']);
  });

  it('builds one chart per statistic, reward with a ±std band, against step', () => {
    const { charts, missing } = trainingCharts(records);
    expect(charts.map((c) => c.title)).toEqual([
      'Reward (mean ± std over rollouts)', 'Reward components (means)', 'KL to the base model', 'Sampling steps', 'Clipped and dropped',
      'Mean brightness of samples', 'Token entropy of samples', 'Sample diversity',
    ]);
    expect(missing).toEqual([]); // FCD during training is optional: no note when absent
    const reward = charts[0]?.series[0];
    expect(reward?.x).toEqual(records.map((r) => r.step));
    expect(reward?.band?.hi[2]).toBeCloseTo(0.26 + 1.46);
    expect(reward?.band?.lo[2]).toBeCloseTo(0.26 - 1.46);
    expect(charts[1]?.series.map((s) => s.name)).toEqual(['classifier', 'realism']);
    expect(charts[4]?.series.map((s) => s.name)).toEqual(['clip fraction', 'dropped-group fraction']);
  });

  it('omits charts whose fields are absent and plots FCD when records carry it', () => {
    const { charts, missing } = trainingCharts([{ step: 1, fcd: 9 }, { step: 2, fcd: 7 }]);
    expect(charts.map((c) => c.title)).toEqual(['FCD during training']);
    expect(missing).toContain('KL to the base model');
    expect(missing).toContain('Reward (mean ± std over rollouts)');
  });
});

describe('eval and Pareto charts', () => {
  const evalInput = (name: string, fcd: number[], floors?: Record<string, number>): EvalInput => ({
    name, file: `${name}/eval.json`, flag: '--eval',
    data: { ...(floors !== undefined ? { floors } : {}), rows: fcd.map((f, i) => ({ steps: [16, 1, 4][i] ?? 0, fcd: { mean: f, std: 0.1 }, nfePerImage: 1 })) },
  });

  it('plots FCD vs T per eval, sorted by T, with the floors and a log axis over a wide range', () => {
    const chart = evalChart([evalInput('base', [1, 9, 3], { reconstruction: 0.5, trainHeldOut: 0.2 }), evalInput('rl', [])]);
    expect(chart?.series).toHaveLength(1);
    expect(chart?.series[0]?.x).toEqual([1, 4, 16]);
    expect(chart?.series[0]?.y).toEqual([9, 3, 1]);
    expect(chart?.xLog).toBe(true);
    expect(chart?.hlines?.map((h) => h.y)).toEqual([0.5, 0.2]);
    expect(evalChart([evalInput('empty', [])])).toBeUndefined();
    expect(wantsLog([2, 4, 12])).toBe(false);
  });

  it('draws each eval\'s floors, named and in its colour, when they differ (models with other tokenizers): never the first eval\'s for all', () => {
    const floors = (reconstruction: number) => ({ reconstruction, trainHeldOut: 0.2 });
    const order = (evals: EvalInput[]) => evalChart(evals)?.hlines;
    // the same floors: one line each, in grey
    expect(order([evalInput('a', [1, 2, 3], floors(0.5)), evalInput('b', [1, 2, 3], floors(0.5))])).toEqual([
      { name: 'reconstruction floor', y: 0.5 }, { name: 'held-out train floor', y: 0.2 },
    ]);
    // other reconstruction floors: one line per eval, whatever the --eval order
    const differ = [evalInput('a', [1, 2, 3], floors(0.5)), evalInput('b', [1, 2, 3], floors(1.5))];
    for (const evals of [differ, [...differ].reverse()]) {
      const lines = order(evals);
      expect(lines?.filter((h) => h.name.startsWith('reconstruction')).map((h) => [h.name, h.y]).sort()).toEqual([['reconstruction floor (a)', 0.5], ['reconstruction floor (b)', 1.5]]);
      expect(lines?.find((h) => h.name === 'reconstruction floor (a)')?.color).toBe(PALETTE[evals.findIndex((e) => e.name === 'a')]);
      expect(lines?.filter((h) => h.name.startsWith('held-out'))).toEqual([{ name: 'held-out train floor', y: 0.2 }]);
    }
    // an eval without floors (an older file) is not given another's: the floor is labelled with its eval
    expect(evalFloors([evalInput('a', [1, 2, 3], floors(0.5)), evalInput('old', [1, 2, 3])]).map(floorLabel)).toEqual(['reconstruction floor (a)', 'held-out train floor (a)']);
    expect(evalFloors([evalInput('a', [1, 2, 3])])).toEqual([]);
  });

  it('finds the non-dominated points', () => {
    const pts = [{ x: 1, y: 10 }, { x: 2, y: 5 }, { x: 2, y: 7 }, { x: 4, y: 6 }, { x: 8, y: 1 }, { x: 3, y: null }];
    expect(paretoFront(pts)).toEqual([0, 1, 4]);
    expect(paretoFront([])).toEqual([]);
  });

  it('draws one series per model/method and the front, against NFE and ms/image', () => {
    const row = (model: string, method: string, steps: number, fcd: number) => ({
      model, method, steps, nfePerImage: steps, msPerImage: { mean: steps * 2, std: 0 }, fcd: { mean: fcd, std: 0.1 }, kid: { mean: 0, std: 0 },
      precision: { mean: 1, std: 0 }, recall: { mean: 1, std: 0 }, accuracy: { mean: 1, std: 0 }, seeds: 1,
    });
    const charts = paretoCharts({ models: [], rows: [row('a', 'cosine', 4, 5), row('a', 'cosine', 2, 9), row('b', 'halton', 2, 6), row('b', 'halton', 4, 5.5)] });
    expect(charts.map((c) => c.title)).toEqual(['Pareto: FCD vs NFE', 'Pareto: FCD vs wall-clock']);
    expect(charts[0]?.series.map((s) => s.name)).toEqual(['a / cosine', 'b / halton', 'Pareto front']);
    expect(charts[0]?.series[0]?.x).toEqual([2, 4]);
    expect(charts[0]?.series[2]?.labels).toEqual(['b / halton T=2', 'a / cosine T=4']);
    expect(charts[1]?.series[0]?.x).toEqual([4, 8]);
  });
});

describe('Chart.js configuration', () => {
  it('maps series to scatter datasets with bands, error bars and floor lines across the x range', () => {
    const cfg = chartConfig({
      title: 't', xLabel: 'x', yLabel: 'y', xLog: true,
      series: [{ name: 's', x: [1, 2, 3], y: [1, null, 3], yErr: [0.1, null, NaN], band: { lo: [0, 0, 0], hi: [2, 2, 2] } }],
      hlines: [{ name: 'floor', y: 0.5 }, { name: 'none', y: null }, { name: 'floor of s', y: 0.7, color: '#1f77b4' }],
    }) as { data: { datasets: Record<string, unknown>[] }; options: { scales: { x: { type: string } } } };
    const ds = cfg.data.datasets;
    expect(ds.map((d) => d.label)).toEqual(['s − std', 's + std', 's', 'floor', 'floor of s']);
    expect(ds.slice(3).map((d) => d.borderColor)).toEqual(['#888', '#1f77b4']); // one eval's floor in its series' colour
    expect(ds[1]?.fill).toBe('-1');
    expect(ds[2]?.data).toEqual([{ x: 1, y: 1 }, { x: 2, y: null }, { x: 3, y: 3 }]);
    expect(ds[2]?.errors).toEqual([0.1, null, null]);
    expect(ds[3]?.data).toEqual([{ x: 1, y: 0.5 }, { x: 3, y: 0.5 }]);
    expect(cfg.options.scales.x.type).toBe('logarithmic');
    expect(xRange({ title: '', xLabel: '', yLabel: '', series: [] })).toBeUndefined();
  });

  it('escapes JSON for a script element', () => {
    expect(scriptJson({ a: '</script><!--' })).toBe('{"a":"\\u003c/script>\\u003c!--"}');
    expect(JSON.parse(scriptJson({ a: '</script>' }))).toEqual({ a: '</script>' });
  });
});
