import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../cli';
import { evenlySpaced, externalReferences, pm, syntheticRecord, writeSyntheticClaims, writeSyntheticRun } from '@speedrl/report';
import { aggregate, type EvalCell } from '@speedrl/eval';
import { captureIo as capture } from '../test-cli';

const tmp = () => mkdtempSync(join(tmpdir(), 'speedrl-report-cmd-'));

describe('speedrl report', () => {
  it('writes one offline HTML file with every section and prints {out, sections} with --json', async () => {
    const run = await writeSyntheticRun(tmp(), 20);
    const io = capture();
    expect(await runCli(['report', run.dir, '--json'], io)).toBe(0);
    const result = JSON.parse(io.out.join(''));
    expect(result.out).toBe(join(run.dir, 'report.html'));
    expect(result.sections.map((s: { id: string; included: boolean }) => `${s.id}:${s.included}`)).toEqual([
      'config:true', 'training:true', 'eval:true', 'pareto:true', 'grids:true', 'ablations:true',
    ]);
    const html = readFileSync(result.out, 'utf8');
    expect(externalReferences(html)).toEqual([]);
    expect(html).toContain('Chart.js v4'); // the library is inlined, licence header kept
    expect(html).not.toContain('sourceMappingURL');
    expect(html.match(/<canvas /g)).toHaveLength(11); // 8 training + FCD vs T + 2 Pareto
    expect(html.match(/src="data:image\/png;base64,/g)).toHaveLength(run.pngs.length);
    expect(html).toContain('<td>no KL</td><td>klBeta=0 speedWeight=0.5</td><td>4</td><td>6.000 ± 0.200</td>');
    expect(html).toContain('Search budget of the tuned schedules: 200 candidate schedules per T.');
  });

  it('omits absent sections with a note each, and draws no charts (no script) when there are none', async () => {
    const dir = tmp();
    const out = join(dir, 'r.html');
    const io = capture();
    expect(await runCli(['report', dir, '--out', out], io)).toBe(0);
    expect(io.out.join('')).toBe(`wrote ${out} (offline, self-contained)\n`);
    expect(io.err.join('')).toContain(`- Training curves: no ${join(dir, 'metrics.jsonl')}`);
    const html = readFileSync(out, 'utf8');
    expect(html.match(/<p class="note">Omitted: /g)).toHaveLength(6);
    expect(html).not.toContain('<script');
    // an existing --out is replaced only with --force, and only when it is a report written earlier
    const again = capture();
    expect(await runCli(['report', dir, '--out', out], again)).toBe(2);
    expect(again.err.join('')).toContain(`--out: "${out}" already exists; pass --force to replace an earlier report`);
    expect(await runCli(['report', dir, '--out', out, '--force'], capture())).toBe(0);
    const mine = join(dir, 'mine.html');
    writeFileSync(mine, '<html>mine</html>');
    const other = capture();
    expect(await runCli(['report', dir, '--out', mine, '--force'], other)).toBe(2);
    expect(other.err.join('')).toMatch(/--out: ".*mine\.html" is not a speedrl report/);
    expect(readFileSync(mine, 'utf8')).toBe('<html>mine</html>');
  });

  it('takes --eval, --compare and --ablations from elsewhere', async () => {
    const src = await writeSyntheticRun(tmp(), 5);
    const dir = tmp();
    writeFileSync(join(dir, 'metrics.jsonl'), `${JSON.stringify(syntheticRecord(0))}\n`);
    const io = capture();
    const args = ['report', dir, '--eval', join(src.dir, 'eval-base'), join(src.dir, 'eval-accelerated'), '--compare', join(src.dir, 'compare'), '--ablations', join(src.dir, 'ablations.json'), '--json'];
    expect(await runCli(args, io)).toBe(0);
    const { sections } = JSON.parse(io.out.join(''));
    expect(sections.filter((s: { included: boolean }) => s.included).map((s: { id: string }) => s.id)).toEqual(['training', 'eval', 'pareto', 'grids', 'ablations']);
 
    const wrongKind = capture();
    expect(await runCli(['report', dir, '--eval', join(src.dir, 'compare', 'compare.json')], wrongKind)).toBe(2);
    expect(wrongKind.err.join('')).toMatch(/--eval: ".*compare\.json" is a compare\.json of speedrl compare, not an eval\.json of speedrl eval; pass it \(or its directory\) with --compare/);
    const notHtml = capture();
    expect(await runCli(['report', dir, '--out', join(src.dir, 'eval-base', 'eval.json')], notHtml)).toBe(2);
    expect(notHtml.err.join('')).toMatch(/--out: must name an \.html file/);
  });

  it('exits 2 naming the path for a missing RUN_DIR, and naming the file, line and field for bad metrics', async () => {
    const dir = tmp();
    const io = capture();
    expect(await runCli(['report', join(dir, 'missing')], io)).toBe(2);
    expect(io.err.join('')).toContain(`speedrl: RUN_DIR: "${join(dir, 'missing')}" does not exist`);
    writeFileSync(join(dir, 'metrics.jsonl'), `${JSON.stringify(syntheticRecord(0))}\n${JSON.stringify({ ...syntheticRecord(1), klMean: 'big' })}\n`);
    const io2 = capture();
    expect(await runCli(['report', dir], io2)).toBe(2);
    expect(io2.err.join('')).toContain(`${join(dir, 'metrics.jsonl')}: line 2: field "klMean": Expected number, received string`);
    expect(existsSync(join(dir, 'report.html'))).toBe(false);
    const io3 = capture();
    expect(await runCli(['report'], io3)).toBe(2);
    expect(io3.err.join('')).toMatch(/missing required argument 'RUN_DIR'/);
  });

  it('exits 2 naming the file for acceleration claims or compare rows that its measurements do not give, writing nothing', async () => {
    const run = await writeSyntheticRun(tmp(), 3);
    const { baseEval, accelerated, compare } = writeSyntheticClaims(run.dir);
    expect(await runCli(['report', run.dir, '--out', join(run.dir, 'ok.html')], capture())).toBe(0);
    const base = JSON.parse(readFileSync(baseEval, 'utf8'));
    const remeasured = (base.cells as EvalCell[]).map((c) => ({ ...c, fcd: c.fcd + 2 })); // the base measured again since
    writeFileSync(baseEval, JSON.stringify({ ...base, cells: remeasured, rows: aggregate(remeasured), acceleration: undefined }));
    const io = capture();
    expect(await runCli(['report', run.dir], io)).toBe(2);
    expect(io.err.join('')).toContain(`RUN_DIR: "${accelerated}" has acceleration claims that its rows and those of its base "${baseEval}" do not give`);
    writeFileSync(baseEval, JSON.stringify(base));
    const cmp = JSON.parse(readFileSync(compare, 'utf8'));
    writeFileSync(compare, JSON.stringify({ ...cmp, rows: cmp.rows.map((r: { seeds: number }) => ({ ...r, seeds: 5 })) }));
    const io2 = capture();
    expect(await runCli(['report', run.dir], io2)).toBe(2);
    expect(io2.err.join('')).toContain(`RUN_DIR: "${compare}" has rows that are not the aggregate of its cells (edited by hand?)`);
    expect(existsSync(join(run.dir, 'report.html'))).toBe(false);
  });

  it('has help with examples', async () => {
    const io = capture();
    expect(await runCli(['report', '--help'], io)).toBe(0);
    expect(io.out.join('')).toMatch(/Usage: speedrl report \[options\] <RUN_DIR>/);
    expect(io.out.join('')).toMatch(/Examples:\n {2}\$ speedrl report runs\/speedrl-1/);
  });
});

describe('report helpers', () => {
  it('picks evenly spaced items keeping first and last, and formats mean ± std', () => {
    expect(evenlySpaced([1, 2, 3], 8)).toEqual([1, 2, 3]);
    expect(evenlySpaced(Array.from({ length: 10 }, (_, i) => i), 4)).toEqual([0, 3, 6, 9]);
    expect(pm({ mean: 1.23456, std: 0.1 }, 2)).toBe('1.23 ± 0.10');
    expect(pm({ mean: 0.002, std: null }, 2, 1e3)).toBe('2.00 ± n/a');
    expect(pm({ mean: null, std: 1 }, 2)).toBe('n/a');
    expect(pm(undefined, 2)).toBe('n/a');
  });
});
