/**
 * The report in a real headless Chromium (Debian's `chromium`, driven by playwright-core): every chart and
 * image must be DRAWN — chart points inside the plot area and series colours in the canvas pixels, PNGs decoded
 * at their real width — with no page error, no console error and no request leaving the file.
 * Without a chromium binary the test is skipped with the reason, unless SPEEDRL_REQUIRE_BROWSER=1 (CI).
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { readPng } from '@speedrl/tensor-utils';
import { writeRunReport } from './write';
import { PALETTE } from './charts';
import { externalReferences } from './html';
import { writeSyntheticRun } from './synthetic-run';

/** The chromium binary: $SPEEDRL_CHROMIUM, else the first of chromium / chromium-browser / google-chrome on PATH. */
function findChromium(): string | undefined {
  const override = process.env.SPEEDRL_CHROMIUM;
  if (override !== undefined && override !== '') return existsSync(override) ? override : undefined;
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((d) => d !== '');
  for (const name of ['chromium', 'chromium-browser', 'google-chrome']) {
    for (const dir of dirs) if (existsSync(join(dir, name))) return join(dir, name);
  }
  return undefined;
}

const executablePath = findChromium();
const required = process.env.SPEEDRL_REQUIRE_BROWSER === '1';
const reason = 'no chromium binary on PATH (apt-get install -y chromium, or set SPEEDRL_CHROMIUM); SPEEDRL_REQUIRE_BROWSER=1 makes this a failure';
if (executablePath === undefined && !required) console.warn(`browser test skipped: ${reason}`);
const browserIt = executablePath === undefined && !required ? it.skip : it;

/** Per chart: the datasets with data whose points lie outside the plot area, and pixels of the series colours. */
interface ChartCheck {
  id: string;
  title: string;
  hasChart: boolean;
  datasetsWithData: number;
  undrawn: string[];
  seriesPixels: number;
}

/** In the page: counts pixels within ±tol of one of `colors` inside a rectangle of a canvas. */
const COUNT_PIXELS = `(canvas, rect, colors, tol) => {
  const ctx = canvas.getContext('2d');
  const ratio = canvas.width / canvas.clientWidth;
  const x = Math.floor(rect.left * ratio), y = Math.floor(rect.top * ratio);
  const w = Math.max(1, Math.floor((rect.right - rect.left) * ratio)), h = Math.max(1, Math.floor((rect.bottom - rect.top) * ratio));
  const data = ctx.getImageData(x, y, w, h).data;
  const rgb = colors.map((c) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)));
  let n = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] < 200) continue;
    if (rgb.some((c) => Math.abs(c[0] - data[i]) <= tol && Math.abs(c[1] - data[i + 1]) <= tol && Math.abs(c[2] - data[i + 2]) <= tol)) n++;
  }
  return n;
}`;

describe('report in headless Chromium', () => {
  let browser: Browser | undefined;
  afterAll(async () => browser?.close());

  browserIt(`draws every chart and image, offline, without errors${executablePath === undefined ? ` (${reason})` : ''}`, async () => {
    if (executablePath === undefined) throw new Error(`SPEEDRL_REQUIRE_BROWSER=1 but ${reason}`);
    const run = await writeSyntheticRun(mkdtempSync(join(tmpdir(), 'speedrl-report-browser-')), 40, { adaptive: true });
    const { out } = await writeRunReport(run.dir);
    browser = await chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('console', (m) => (m.type() === 'error' || m.type() === 'warning' ? errors.push(`console.${m.type()}: ${m.text()}`) : undefined));
    page.on('request', (r) => requests.push(r.url()));
    await page.goto(pathToFileURL(out).href, { waitUntil: 'load' });

    const specCount = await page.locator('script[data-chart]').count();
    expect(specCount).toBe(16); // 8 training + FCD vs T + 2 Pareto, and of adaptive sampling: 2 training, 1 eval, 2 compare
    const checks = await page.evaluate(`(() => {
      const count = ${COUNT_PIXELS};
      const palette = ${JSON.stringify(PALETTE)};
      return [...document.querySelectorAll('canvas')].map((canvas) => {
        const chart = Chart.getChart(canvas);
        if (!chart) return { id: canvas.id, title: canvas.getAttribute('aria-label'), hasChart: false, datasetsWithData: 0, undrawn: [], seriesPixels: 0 };
        const a = chart.chartArea;
        const inside = (p) => Number.isFinite(p.x) && Number.isFinite(p.y) && p.x >= a.left - 1 && p.x <= a.right + 1 && p.y >= a.top - 1 && p.y <= a.bottom + 1;
        const withData = chart.data.datasets.map((ds, i) => ({ ds, i })).filter(({ ds }) => ds.data.some((d) => d.y !== null));
        const undrawn = withData.filter(({ i }) => !chart.getDatasetMeta(i).data.some((p, j) => chart.data.datasets[i].data[j].y !== null && inside(p))).map(({ ds }) => ds.label);
        const colors = [...new Set(chart.data.datasets.filter((ds) => !ds.legendHidden && ds.borderColor !== '#888').map((ds) => ds.borderColor))];
        return { id: canvas.id, title: chart.options.plugins.title.text, hasChart: true, datasetsWithData: withData.length, undrawn, seriesPixels: count(canvas, a, colors, 40) };
      });
    })()`) as ChartCheck[];
    expect(checks).toHaveLength(specCount);
    for (const c of checks) {
      expect({ id: c.id, title: c.title, hasChart: c.hasChart, undrawn: c.undrawn }).toEqual({ id: c.id, title: c.title, hasChart: true, undrawn: [] });
      expect(c.datasetsWithData).toBeGreaterThan(0);
      if (c.seriesPixels < 30) throw new Error(`chart "${c.title}" (${c.id}): only ${c.seriesPixels} pixels of its series colours in the plot area`);
    }
    // the pixel counter itself finds nothing on a blank canvas (so the check above can fail)
    const blank = await page.evaluate(`(() => { const c = document.createElement('canvas'); c.width = 50; c.height = 50; document.body.appendChild(c);
      const n = (${COUNT_PIXELS})(c, { left: 0, top: 0, right: 50, bottom: 50 }, ${JSON.stringify(PALETTE)}, 40); c.remove(); return n; })()`);
    expect(blank).toBe(0);

    // every image decoded completely: its pixels, read back through a canvas, are the PNG's own pixels
    const images = await page.evaluate(`Promise.all([...document.images].map((img) => img.decode().then(() => true, () => false).then((decoded) => {
      const c = document.createElement('canvas'); c.width = img.naturalWidth; c.height = img.naturalHeight;
      const ctx = c.getContext('2d'); let red = 0, opaque = 0;
      if (c.width > 0 && c.height > 0) {
        ctx.drawImage(img, 0, 0); const d = ctx.getImageData(0, 0, c.width, c.height).data;
        for (let i = 0; i < d.length; i += 4) { red += d[i]; if (d[i + 3] === 255) opaque++; }
      }
      return { alt: img.alt, decoded, complete: img.complete, width: img.naturalWidth, height: img.naturalHeight, red, opaque };
    })))`) as { alt: string; decoded: boolean; complete: boolean; width: number; height: number; red: number; opaque: number }[];
    expect(images).toHaveLength(run.pngs.length);
    for (const img of images) {
      expect({ alt: img.alt, ok: img.decoded && img.complete && img.width > 0 && img.height > 0, allOpaque: img.opaque === img.width * img.height }).toEqual({ alt: img.alt, ok: true, allOpaque: true });
    }
    const key = (w: number, h: number, red: number) => `${w}x${h}:${red}`;
    const expected = run.pngs.map((p) => readPng(p.path)).map((png) => key(png.width, png.height, png.data.reduce((sum, v, i) => (i % 4 === 0 ? sum + v : sum), 0)));
    expect(images.map((i) => key(i.width, i.height, i.red)).sort()).toEqual(expected.sort());

    expect(errors).toEqual([]);
    expect(requests.filter((u) => !u.startsWith('file:') && !u.startsWith('data:'))).toEqual([]);
    expect(externalReferences(await page.content())).toEqual([]);
  });
});
