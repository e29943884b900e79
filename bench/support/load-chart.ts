// The load benchmark's chart: time to first token p50 and p99 against concurrency, one colour per
// server, drawn by uPlot (already the dashboard's chart library) in headless Chromium and saved as
// a PNG. No pure-JS PNG renderer without native code or a browser was at hand (node-canvas needs a
// binary download); Chromium is what the browser tests already drive through playwright-core.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { launchChromium } from '../../test/support/browser.js';

export interface ChartSeries {
  name: string;
  /** One point per concurrency level, in ms. */
  points: { concurrency: number; p50: number; p99: number }[];
}

const COLOURS = ['#6b7280', '#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c'];

function page(series: ChartSeries[], title: string): string {
  const require = createRequire(import.meta.url);
  const script = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const css = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.concurrency)))].sort((a, b) => a - b);
  const column = (s: ChartSeries, key: 'p50' | 'p99') =>
    xs.map((x) => {
      const value = s.points.find((p) => p.concurrency === x)?.[key];
      return value !== undefined && Number.isFinite(value) ? Math.max(1, value) : null;
    });
  const data = [xs, ...series.flatMap((s) => [column(s, 'p50'), column(s, 'p99')])];
  const lines = series.flatMap((s, i) => {
    const stroke = COLOURS[i % COLOURS.length];
    return [
      { label: `${s.name} p50`, stroke, width: 2, points: { size: 7 } },
      { label: `${s.name} p99`, stroke, width: 2, dash: [6, 4], points: { size: 7 } },
    ];
  });
  const options = {
    title,
    width: 1000,
    height: 560,
    scales: { x: { time: false, distr: 3 }, y: { distr: 3 } },
    axes: [
      { label: 'concurrent conversations', values: (_u: unknown, ticks: number[]) => ticks.map(String) },
      { label: 'time to first token (ms, log scale)', size: 70 },
    ],
    series: [{ label: 'concurrency' }, ...lines],
  };
  return `<!doctype html><html><head><meta charset="utf-8"><style>${css}
body { margin: 0; padding: 16px; font: 14px system-ui, sans-serif; background: #fff; }
</style><script>${script}</script></head><body><div id="chart"></div><script>
const options = ${JSON.stringify(options)};
options.axes[0].values = (u, ticks) => ticks.map(String);
options.axes[0].splits = () => ${JSON.stringify(xs)};
new uPlot(options, ${JSON.stringify(data)}, document.getElementById('chart'));
</script></body></html>`;
}

/** Renders the chart to `file` (PNG). */
export async function renderTtftChart(series: ChartSeries[], title: string, file: string): Promise<void> {
  const browser = await launchChromium();
  try {
    const tab = await browser.newPage({ viewport: { width: 1040, height: 700 } });
    await tab.setContent(page(series, title));
    await tab.locator('#chart').screenshot({ path: file });
  } finally {
    await browser.close();
  }
}
