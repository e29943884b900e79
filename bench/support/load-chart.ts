// The load benchmark's chart: time to first token p50 (solid) and p99 (dashed) against
// concurrency, one colour per server, both axes logarithmic. Drawn as SVG here and rasterised to
// PNG by resvg (@resvg/resvg-js: Rust's resvg compiled for Node, prebuilt binaries from npm, no
// browser). A browser-drawn chart (uPlot in Chromium) was the first choice, but this machine has
// no Chromium, and node-canvas needs a binary download outside npm.
import { writeFileSync } from 'node:fs';
import { Resvg } from '@resvg/resvg-js';

export interface ChartSeries {
  name: string;
  /** One point per concurrency level, in ms. */
  points: { concurrency: number; p50: number; p99: number }[];
}

const COLOURS = ['#6b7280', '#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c'];
const WIDTH = 1000;
const HEIGHT = 600;
const PLOT = { left: 90, right: 280, top: 60, bottom: 70 };

const escapeXml = (text: string) => text.replaceAll('&', '&amp;').replaceAll('<', '&lt;');

/** Powers of ten (and 2× and 5×) covering [min, max]. */
function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let exponent = Math.floor(Math.log10(min)); exponent <= Math.ceil(Math.log10(max)); exponent++) {
    for (const m of [1, 2, 5]) {
      const value = m * 10 ** exponent;
      if (value >= min && value <= max) ticks.push(value);
    }
  }
  return ticks;
}

export function ttftChartSvg(series: ChartSeries[], title: string): string {
  const xs = [...new Set(series.flatMap((s) => s.points.map((p) => p.concurrency)))].sort((a, b) => a - b);
  const ys = series.flatMap((s) => s.points.flatMap((p) => [p.p50, p.p99])).filter((v) => v > 0);
  const [xMin, xMax] = [xs[0]! / 1.3, xs.at(-1)! * 1.3];
  const [yMin, yMax] = [Math.min(...ys) / 1.3, Math.max(...ys) * 1.3];
  const w = WIDTH - PLOT.left - PLOT.right;
  const h = HEIGHT - PLOT.top - PLOT.bottom;
  const x = (v: number) => PLOT.left + (w * Math.log(v / xMin)) / Math.log(xMax / xMin);
  const y = (v: number) => PLOT.top + h - (h * Math.log(v / yMin)) / Math.log(yMax / yMin);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" font-family="DejaVu Sans" font-size="13">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#fff"/>`,
    `<text x="${PLOT.left}" y="30" font-size="16" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (const tick of logTicks(yMin, yMax)) {
    parts.push(
      `<line x1="${PLOT.left}" x2="${PLOT.left + w}" y1="${y(tick)}" y2="${y(tick)}" stroke="#e5e7eb"/>`,
      `<text x="${PLOT.left - 8}" y="${y(tick) + 4}" text-anchor="end">${tick}</text>`,
    );
  }
  for (const tick of xs) {
    parts.push(
      `<line x1="${x(tick)}" x2="${x(tick)}" y1="${PLOT.top}" y2="${PLOT.top + h}" stroke="#e5e7eb"/>`,
      `<text x="${x(tick)}" y="${PLOT.top + h + 20}" text-anchor="middle">${tick}</text>`,
    );
  }
  parts.push(
    `<rect x="${PLOT.left}" y="${PLOT.top}" width="${w}" height="${h}" fill="none" stroke="#9ca3af"/>`,
    `<text x="${PLOT.left + w / 2}" y="${HEIGHT - 20}" text-anchor="middle">concurrent conversations (log scale)</text>`,
    `<text transform="translate(24 ${PLOT.top + h / 2}) rotate(-90)" text-anchor="middle">time to first token, ms (log scale)</text>`,
  );
  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length]!;
    for (const [key, dash] of [
      ['p50', ''],
      ['p99', ' stroke-dasharray="7 5"'],
    ] as const) {
      const points = s.points.filter((p) => p[key] > 0).sort((a, b) => a.concurrency - b.concurrency);
      const path = points.map((p) => `${x(p.concurrency).toFixed(1)},${y(p[key]).toFixed(1)}`).join(' ');
      parts.push(`<polyline points="${path}" fill="none" stroke="${colour}" stroke-width="2.5"${dash}/>`);
      for (const p of points) {
        parts.push(`<circle cx="${x(p.concurrency)}" cy="${y(p[key])}" r="4" fill="${colour}"/>`);
      }
    }
    const ly = PLOT.top + 10 + i * 44;
    const lx = PLOT.left + w + 20;
    parts.push(
      `<line x1="${lx}" x2="${lx + 30}" y1="${ly}" y2="${ly}" stroke="${colour}" stroke-width="2.5"/>`,
      `<text x="${lx + 38}" y="${ly + 4}">${escapeXml(s.name)} p50</text>`,
      `<line x1="${lx}" x2="${lx + 30}" y1="${ly + 18}" y2="${ly + 18}" stroke="${colour}" stroke-width="2.5" stroke-dasharray="7 5"/>`,
      `<text x="${lx + 38}" y="${ly + 22}">${escapeXml(s.name)} p99</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Renders the chart to `file` (PNG). */
export function renderTtftChart(series: ChartSeries[], title: string, file: string): void {
  const svg = ttftChartSvg(series, title);
  const png = new Resvg(svg, { font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' } })
    .render()
    .asPng();
  writeFileSync(file, png);
}
