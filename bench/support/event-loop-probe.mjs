// Preloaded into the servers the benchmarks measure (`node --import <this file>`):
// an event-loop delay histogram on the server's main (HTTP) thread that the benchmark can reset
// and read over the child-process IPC channel, independently of /metrics scrapes (prom-client
// resets its own histogram on every scrape). Also sums GC pauses on that thread, and reports
// its memory (process.memoryUsage(): the main thread's heap beside the whole process's RSS).
// Inert when not started with an IPC channel, and in worker threads.
import { constants, monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { isMainThread } from 'node:worker_threads';

const GC_KINDS = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

if (isMainThread && typeof process.send === 'function') {
  const resolution = Number(process.env.PARLEY_BENCH_ELD_RESOLUTION_MS ?? 10);
  const histogram = monitorEventLoopDelay({ resolution });
  histogram.enable();

  const freshGc = () => ({ count: 0, totalMs: 0, maxMs: 0, byKind: {} });
  let gc = freshGc();
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = GC_KINDS[entry.detail?.kind] ?? 'other';
      gc.count++;
      gc.totalMs += entry.duration;
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
      gc.byKind[kind] ??= { count: 0, totalMs: 0, maxMs: 0 };
      const slot = gc.byKind[kind];
      slot.count++;
      slot.totalMs += entry.duration;
      slot.maxMs = Math.max(slot.maxMs, entry.duration);
    }
  });
  observer.observe({ entryTypes: ['gc'] });

  const ms = (ns) => ns / 1e6;
  process.on('message', (message) => {
    if (!message || typeof message !== 'object' || typeof message.probe !== 'string') return;
    if (message.probe === 'reset') {
      histogram.reset();
      gc = freshGc();
      process.send({ probeReply: message.id });
    } else if (message.probe === 'memory') {
      process.send({ probeReply: message.id, memory: process.memoryUsage() });
    } else if (message.probe === 'snapshot') {
      process.send({
        probeReply: message.id,
        snapshot: {
          resolutionMs: resolution,
          count: histogram.count,
          minMs: ms(histogram.min),
          meanMs: ms(histogram.mean),
          p50Ms: ms(histogram.percentile(50)),
          p90Ms: ms(histogram.percentile(90)),
          p99Ms: ms(histogram.percentile(99)),
          p999Ms: ms(histogram.percentile(99.9)),
          maxMs: ms(histogram.max),
          gc,
        },
      });
    }
  });
  // The channel must not keep the server alive (it shuts down on SIGTERM as usual).
  process.channel?.unref();
}
