/**
 * A single offline HTML file: everything (tables, PNG plots and grids) inlined, no network, no scripts.
 * Charts are the PNG line charts of @speedrl/tensor-utils; the full interactive report comes with `speedrl report`.
 */
import { readFileSync } from 'node:fs';

/** One section of the report. */
export type ReportBlock =
  | { readonly kind: 'heading'; readonly text: string }
  | { readonly kind: 'paragraph'; readonly text: string }
  | { readonly kind: 'table'; readonly header: readonly string[]; readonly rows: readonly (readonly string[])[] }
  | { readonly kind: 'image'; readonly path: string; readonly caption: string }
  | { readonly kind: 'pre'; readonly text: string };

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function block(b: ReportBlock): string {
  switch (b.kind) {
    case 'heading':
      return `<h2>${escapeHtml(b.text)}</h2>`;
    case 'paragraph':
      return `<p>${escapeHtml(b.text)}</p>`;
    case 'pre':
      return `<pre>${escapeHtml(b.text)}</pre>`;
    case 'table':
      return `<table><thead><tr>${b.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${b.rows
        .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
        .join('')}</tbody></table>`;
    case 'image': {
      const data = readFileSync(b.path).toString('base64');
      return `<figure><img alt="${escapeHtml(b.caption)}" src="data:image/png;base64,${data}"><figcaption>${escapeHtml(b.caption)}</figcaption></figure>`;
    }
    default:
      throw new Error(`report: unknown block ${JSON.stringify(b)}`);
  }
}

/** Renders a complete HTML document (images read from disk and inlined as data URIs). */
export function renderReport(title: string, blocks: readonly ReportBlock[]): string {
  const style = [
    'body{font-family:system-ui,sans-serif;max-width:1100px;margin:2rem auto;padding:0 1rem;color:#222}',
    'table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:right}',
    'th{background:#f3f3f3}figure{display:inline-block;margin:.5rem 1rem .5rem 0}img{max-width:100%;image-rendering:pixelated}',
    'figcaption{font-size:.9rem;color:#555}pre{background:#f6f6f6;padding:.6rem;overflow:auto}',
  ].join('');
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${escapeHtml(title)}</title><style>${style}</style></head><body><h1>${escapeHtml(title)}</h1>\n${blocks.map(block).join('\n')}\n</body></html>\n`;
}
