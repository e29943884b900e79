// Summarises a V8 .cpuprofile (from `node --cpu-prof`) of the server's main thread: which code
// runs in the long uninterrupted busy stretches that show up as event-loop delay.
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface BusyStretchSummary {
  /** Window analysed, in ms. */
  windowMs: number;
  busyMs: number;
  stretches: { over10ms: number; over50ms: number; longestMs: number; msInStretchesOver10ms: number };
  /** Self time inside busy stretches of ≥ minStretchMs, by function, by package and by nearest Parley frame. */
  byFunction: [string, number][];
  byPackage: [string, number][];
  byParleyFrame: [string, number][];
  minStretchMs: number;
}

const META = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

function packageOf(url: string, functionName: string): string {
  if (!url) return META.has(functionName) ? functionName : '(native/V8)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules) return modules[1]!;
  const dist = /\/dist\/(.+)$/.exec(url);
  if (dist) return `parley ${dist[1]}`;
  if (url.startsWith('node:')) return url.replace(/^node:internal\/.*/, 'node:internal');
  return url;
}

/** Parley's own compiled code (dist/ of the project, not a dependency's dist/). */
function isParley(url: string): boolean {
  return url.includes('/dist/') && !url.includes('node_modules');
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const where = packageOf(url, functionName);
  return `${functionName || '(anonymous)'} [${where}${url && !url.startsWith('node:') ? `:${lineNumber + 1}` : ''}]`;
}

function top(map: Map<string, number>, n: number): [string, number][] {
  return [...map].sort((a, b) => b[1] - a[1]).slice(0, n);
}

/**
 * Analyses the samples between `fromUs` and `toUs` (profile clock = CLOCK_MONOTONIC µs, the same
 * clock as process.hrtime in any process of this machine).
 */
export function summariseProfile(
  file: string,
  fromUs: number,
  toUs: number,
  minStretchMs = 10,
): BusyStretchSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const parleyFrame = new Map<number, string>();
  const nearestParley = (id: number): string => {
    const cached = parleyFrame.get(id);
    if (cached !== undefined) return cached;
    let current: number | undefined = id;
    let found = '(no Parley frame on the stack)';
    while (current !== undefined) {
      const node = byId.get(current)!;
      if (isParley(node.callFrame.url)) {
        found = label(node);
        break;
      }
      current = parent.get(current);
    }
    parleyFrame.set(id, found);
    return found;
  };

  // Sample i lasts until sample i + 1.
  const samples: { id: number; at: number; ms: number }[] = [];
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    const next = profile.timeDeltas[i + 1] ?? 0;
    if (at >= fromUs && at <= toUs) samples.push({ id: profile.samples[i]!, at, ms: next / 1000 });
  }

  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const byParley = new Map<string, number>();
  let busyMs = 0;
  let over10 = 0;
  let over50 = 0;
  let longest = 0;
  let inLong = 0;
  let stretch: { id: number; ms: number }[] = [];
  const closeStretch = () => {
    const ms = stretch.reduce((sum, sample) => sum + sample.ms, 0);
    if (ms >= 10) {
      over10++;
      inLong += ms;
    }
    if (ms >= 50) over50++;
    longest = Math.max(longest, ms);
    if (ms >= minStretchMs) {
      for (const sample of stretch) {
        const node = byId.get(sample.id)!;
        const name = label(node);
        byFunction.set(name, (byFunction.get(name) ?? 0) + sample.ms);
        const pkg = packageOf(node.callFrame.url, node.callFrame.functionName);
        byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + sample.ms);
        const frame = nearestParley(sample.id);
        byParley.set(frame, (byParley.get(frame) ?? 0) + sample.ms);
      }
    }
    stretch = [];
  };
  for (const sample of samples) {
    const name = byId.get(sample.id)?.callFrame.functionName ?? '';
    if (name === '(idle)') {
      closeStretch();
      continue;
    }
    busyMs += sample.ms;
    stretch.push(sample);
  }
  closeStretch();

  return {
    windowMs: (toUs - fromUs) / 1000,
    busyMs,
    stretches: { over10ms: over10, over50ms: over50, longestMs: longest, msInStretchesOver10ms: inLong },
    byFunction: top(byFunction, 15),
    byPackage: top(byPackage, 12),
    byParleyFrame: top(byParley, 12),
    minStretchMs,
  };
}

export function formatProfileSummary(summary: BusyStretchSummary): string {
  const list = (rows: [string, number][]) =>
    rows.map(([name, ms]) => `| ${name.replaceAll('|', '\\|')} | ${ms.toFixed(0)} ms |`).join('\n');
  const s = summary.stretches;
  return [
    `Main-thread CPU profile (\`--cpu-prof\`, profiler overhead inflates all timings of this run): ` +
      `${summary.busyMs.toFixed(0)} ms busy in a ${(summary.windowMs / 1000).toFixed(1)} s window; ` +
      `${s.over10ms} busy stretches ≥ 10 ms (${s.msInStretchesOver10ms.toFixed(0)} ms in total), ${s.over50ms} ≥ 50 ms, ` +
      `longest ${s.longestMs.toFixed(0)} ms. Self time inside stretches ≥ ${summary.minStretchMs} ms:`,
    '',
    '| Package / area | Self time |',
    '| --- | --- |',
    list(summary.byPackage),
    '',
    '| Function | Self time |',
    '| --- | --- |',
    list(summary.byFunction),
    '',
    '| Nearest Parley frame on the stack | Self time |',
    '| --- | --- |',
    list(summary.byParleyFrame),
    '',
  ].join('\n');
}
