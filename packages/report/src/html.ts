/**
 * A single offline HTML file: tables, notes, PNG images (inlined as data URIs) and, when the report has charts,
 * Chart.js itself inlined with the chart data — no external URL anywhere, so it opens from disk without network.
 * Used by `speedrl report` and `speedrl demo`.
 */
import { readFileSync } from 'node:fs';
import { CHART_BOOTSTRAP, chartConfig, chartLibrarySource, scriptJson, type ChartSpec } from './charts';

/** A PNG on disk shown with a caption. */
export interface ReportImage {
  readonly path: string;
  readonly caption: string;
}

/** One section of the report. */
export type ReportBlock =
  | { readonly kind: 'heading'; readonly text: string; readonly id?: string }
  | { readonly kind: 'paragraph'; readonly text: string }
  | { readonly kind: 'note'; readonly text: string }
  | { readonly kind: 'table'; readonly header: readonly string[]; readonly rows: readonly (readonly string[])[] }
  | { readonly kind: 'image'; readonly path: string; readonly caption: string }
  | { readonly kind: 'imageTable'; readonly header: readonly string[]; readonly rows: readonly { readonly label: string; readonly cells: readonly (ReportImage | null)[] }[] }
  | { readonly kind: 'charts'; readonly charts: readonly ChartSpec[] }
  | { readonly kind: 'pre'; readonly text: string };

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

function img(image: ReportImage): string {
  const data = readFileSync(image.path).toString('base64');
  return `<img alt="${escapeHtml(image.caption)}" src="data:image/png;base64,${data}">`;
}

function charts(specs: readonly ChartSpec[], nextId: () => string): string {
  const figures = specs.map((spec) => {
    const id = nextId();
    const caption = spec.caption === undefined ? '' : `<figcaption>${escapeHtml(spec.caption)}</figcaption>`;
    return `<figure class="chart"><div class="chart-box"><canvas id="${id}" role="img" aria-label="${escapeHtml(spec.title)}"></canvas></div>` +
      `<script type="application/json" data-chart="${id}">${scriptJson(chartConfig(spec))}</script>${caption}</figure>`;
  });
  return `<div class="charts">${figures.join('')}</div>`;
}

function block(b: ReportBlock, nextId: () => string): string {
  switch (b.kind) {
    case 'heading':
      return `<h2${b.id === undefined ? '' : ` id="${escapeHtml(b.id)}"`}>${escapeHtml(b.text)}</h2>`;
    case 'paragraph':
      return `<p>${escapeHtml(b.text)}</p>`;
    case 'note':
      return `<p class="note">${escapeHtml(b.text)}</p>`;
    case 'pre':
      return `<pre>${escapeHtml(b.text)}</pre>`;
    case 'table':
      return `<table><thead><tr>${b.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${b.rows
        .map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`)
        .join('')}</tbody></table>`;
    case 'image':
      return `<figure>${img(b)}<figcaption>${escapeHtml(b.caption)}</figcaption></figure>`;
    case 'imageTable':
      return `<table class="images"><thead><tr>${b.header.map((h) => `<th>${escapeHtml(h)}</th>`).join('')}</tr></thead><tbody>${b.rows
        .map((r) => `<tr><th>${escapeHtml(r.label)}</th>${r.cells.map((c) => `<td>${c === null ? '—' : img(c)}</td>`).join('')}</tr>`)
        .join('')}</tbody></table>`;
    case 'charts':
      return charts(b.charts, nextId);
    default:
      throw new Error(`report: unknown block ${JSON.stringify(b)}`);
  }
}

const STYLE = [
  'body{font-family:system-ui,sans-serif;max-width:1200px;margin:2rem auto;padding:0 1rem;color:#222}',
  'table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:right}',
  'th{background:#f3f3f3}figure{display:inline-block;margin:.5rem 1rem .5rem 0}img{max-width:100%;image-rendering:pixelated}',
  'figcaption{font-size:.9rem;color:#555}pre{background:#f6f6f6;padding:.6rem;overflow:auto}.note{color:#777;font-style:italic}',
  '.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(520px,1fr));gap:1rem}.charts figure{display:block;margin:0}',
  '.chart-box{position:relative;height:320px}table.images td{text-align:center;vertical-align:top}td:first-child{text-align:left}',
].join('');

/** The marker in the head of every report we render: `speedrl report --force` replaces only a file that holds it. */
export const GENERATOR_META = '<meta name="generator" content="speedrl report">';

/** Renders a complete HTML document (images read from disk and inlined as data URIs; Chart.js inlined when there are charts). */
export function renderReport(title: string, blocks: readonly ReportBlock[]): string {
  let count = 0;
  const nextId = () => `chart-${++count}`;
  const body = blocks.map((b) => block(b, nextId)).join('\n');
  const scripts = count === 0 ? '' : `\n<script>${chartLibrarySource()}</script>\n<script>${CHART_BOOTSTRAP}</script>`;
  return `<!doctype html>\n<html lang="en"><head><meta charset="utf-8">${GENERATOR_META}<meta name="viewport" content="width=device-width,initial-scale=1">` +
    `<title>${escapeHtml(title)}</title><style>${STYLE}</style></head><body><h1>${escapeHtml(title)}</h1>\n${body}${scripts}\n</body></html>\n`;
}

/**
 * Everything in `html` that could make a browser fetch over the network: <script src>, <link>, url() and `@import`
 * in CSS (<style> elements and style attributes), and src/href/action/poster attributes pointing at http(s) or
 * protocol-relative URLs. Empty for our reports.
 */
export function externalReferences(html: string): string[] {
  const css = [...html.matchAll(/<style\b[^>]*>([\s\S]*?)<\/style>|\bstyle\s*=\s*"([^"]*)"/gi)].map((m) => m[1] ?? m[2] ?? '').join('\n');
  const inHtml = [/<script\b[^>]*\bsrc\s*=/gi, /<link\b[^>]*>/gi, /\b(?:src|href|action|poster)\s*=\s*["']?\s*(?:https?:)?\/\/[^\s"'>]*/gi];
  const inCss = [/url\(\s*['"]?(?!data:)[^)]*\)/gi, /@import\b[^;]*/gi];
  return [...inHtml.flatMap((p) => html.match(p) ?? []), ...inCss.flatMap((p) => css.match(p) ?? [])];
}
