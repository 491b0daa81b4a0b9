import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { escapeHtml, renderReport } from './html';

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
});
