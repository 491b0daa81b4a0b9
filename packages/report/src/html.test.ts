import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeHtml, externalReferences, renderReport } from './html';

describe('offline HTML report', () => {
  it('escapes text, renders tables and inlines images as data URIs (no external references)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'speedrl-report-'));
    const png = join(dir, 'x.png');
    writeFileSync(png, Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    const html = renderReport('A <b> report', [
      { kind: 'heading', text: 'Results & more' },
      { kind: 'table', header: ['T', 'FCD'], rows: [['4', '1.5']] },
      { kind: 'image', path: png, caption: 'grid "T=4"' },
    ]);
    expect(html).toContain('<title>A &lt;b&gt; report</title>');
    expect(html).toContain('<h2>Results &amp; more</h2>');
    expect(html).toContain('<tr><td>4</td><td>1.5</td></tr>');
    expect(html).toContain('src="data:image/png;base64,iVBORw=="');
    expect(html).toContain('alt="grid &quot;T=4&quot;"');
    expect(html).not.toMatch(/(src|href)="https?:/);
    expect(escapeHtml(`'`)).toBe('&#39;');
  });

  it('finds every kind of external reference, and none in a report with charts', () => {
    const bad = '<script src="x.js"></script><link rel="stylesheet" href="a.css"><img src="https://e.com/a.png"><a href="//e.com">' +
      '<style>body{background:url(http://e.com/b.png)}@import "c.css";</style><div style="background: url(\'d.png\')"></div>';
    expect(externalReferences(bad)).toHaveLength(7);
    expect(externalReferences('<img src="data:image/png;base64,AA"><a href="#x">x</a><script>new URL("a", "b")</script>')).toEqual([]);
    const html = renderReport('r', [{ kind: 'charts', charts: [{ title: 't', xLabel: 'x', yLabel: 'y', series: [{ name: 's', x: [1], y: [1] }] }] }]);
    expect(html).toContain('<script type="application/json" data-chart="chart-1">');
    expect(externalReferences(html)).toEqual([]);
  });
});
