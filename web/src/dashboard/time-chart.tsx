// One chart over time, drawn by uPlot on a canvas: lines (or bars) for a few series sharing a unit.
// It follows the container's width and the colour scheme (uPlot takes colours when it is built, so
// a scheme change rebuilds it), and carries its figures for assistive technology: a text summary
// on the canvas's role="img", and the data as a table under a disclosure.
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface ChartSeries {
  label: string;
  values: (number | null)[];
  /** A CSS custom property holding the colour, e.g. `--chart-1`. */
  color: string;
}

export interface TimeChartProps {
  id: string;
  title: string;
  /** Bucket starts, in seconds since the epoch. */
  xs: number[];
  series: ChartSeries[];
  format(value: number | null): string;
  bars?: boolean;
  /** Whether the x values are whole days (labels without the time). */
  daily?: boolean;
}

function useColorScheme(): 'light' | 'dark' {
  const query = '(prefers-color-scheme: dark)';
  const [scheme, setScheme] = useState<'light' | 'dark'>(() =>
    window.matchMedia(query).matches ? 'dark' : 'light',
  );
  useEffect(() => {
    const media = window.matchMedia(query);
    const changed = () => setScheme(media.matches ? 'dark' : 'light');
    media.addEventListener('change', changed);
    return () => media.removeEventListener('change', changed);
  }, []);
  return scheme;
}

const cssVar = (name: string) => getComputedStyle(document.documentElement).getPropertyValue(name).trim();

/** An axis label in UTC: the day at midnight (and for daily charts), else the hour. */
function tick(x: number, daily: boolean): string {
  const iso = new Date(x * 1000).toISOString();
  return daily || iso.slice(11, 16) === '00:00' ? iso.slice(5, 10) : iso.slice(11, 16);
}

const lastValue = (values: (number | null)[]) => {
  for (let index = values.length - 1; index >= 0; index--) if (values[index] != null) return values[index]!;
  return null;
};

export function TimeChart(props: TimeChartProps) {
  const holder = useRef<HTMLDivElement>(null);
  const scheme = useColorScheme();
  const label = (x: number) =>
    new Date(x * 1000)
      .toISOString()
      .slice(0, props.daily ? 10 : 16)
      .replace('T', ' ');

  useEffect(() => {
    const element = holder.current;
    if (!element) return;
    const text = cssVar('--text');
    const grid = cssVar('--border');
    const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
    const options: uPlot.Options = {
      width: Math.max(240, element.clientWidth),
      height: 200,
      cursor: { drag: { x: false, y: false } },
      scales: {
        x: { time: true },
        y: { range: (_u, min, max) => [Math.min(0, min), Math.max(max, 0) * 1.1 || 1] },
      },
      axes: [
        { ...axis, space: 56, values: (_u, splits) => splits.map((x) => tick(x, props.daily ?? false)) },
        { ...axis, size: 70, values: (_u, splits) => splits.map((value) => props.format(value)) },
      ],
      series: [
        { label: 'Time', value: (_u, x) => (x == null ? '–' : label(x)) },
        ...props.series.map((series) => {
          const color = cssVar(series.color);
          return {
            label: series.label,
            stroke: color,
            width: 2,
            spanGaps: false,
            points: { show: props.xs.length < 60 },
            value: (_u: uPlot, value: number | null) => props.format(value),
            ...(props.bars ? { fill: color, paths: uPlot.paths.bars?.({ size: [0.6, 48] }) } : {}),
          };
        }),
      ],
    };
    const chart = new uPlot(options, [props.xs, ...props.series.map((series) => series.values)], element);
    chart.root.querySelector('canvas')?.setAttribute('aria-hidden', 'true');
    const resize = new ResizeObserver(() => {
      chart.setSize({ width: Math.max(240, element.clientWidth), height: 200 });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      chart.destroy();
    };
  }, [props.xs, props.series, scheme, props.bars, props.daily]);

  const summary = props.series
    .map((series) => `${series.label} latest ${props.format(lastValue(series.values))}`)
    .join(', ');
  return (
    <figure class="chart" aria-labelledby={`${props.id}-title`} data-chart={props.id}>
      <figcaption id={`${props.id}-title`}>{props.title}</figcaption>
      <div ref={holder} class="chart-canvas" role="img" aria-label={`${props.title}: ${summary}`} />
      <details class="chart-data">
        <summary>Data</summary>
        <table>
          <caption class="visually-hidden">{props.title}</caption>
          <thead>
            <tr>
              <th scope="col">{props.daily ? 'Day' : 'Start (UTC)'}</th>
              {props.series.map((series) => (
                <th scope="col" key={series.label}>
                  {series.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {props.xs.map((x, index) => (
              <tr key={x}>
                <th scope="row">{label(x)}</th>
                {props.series.map((series) => (
                  <td key={series.label}>{props.format(series.values[index] ?? null)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
