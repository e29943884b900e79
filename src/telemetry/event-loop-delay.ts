// A cumulative event-loop delay histogram. prom-client's default event-loop gauges reset on every
// scrape (so two scrapers, or a benchmark, disturb each other) and include their own 10 ms
// sampling interval; this samples a 20 ms timer's lateness, which is the true delay, and keeps
// a Prometheus histogram that any number of scrapers can rate() over any window.
import { performance } from 'node:perf_hooks';
import { Gauge, Histogram, type Registry } from 'prom-client';

const INTERVAL_MS = 20;

/** Starts sampling; returns a function that stops it. */
export function monitorEventLoopDelay(registry: Registry): () => void {
  const delay = new Histogram({
    name: 'parley_event_loop_delay_seconds',
    help: 'How late a 20 ms timer fires on the HTTP thread (event-loop delay), sampled continuously',
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  let lastUtilization = performance.eventLoopUtilization();
  new Gauge({
    name: 'parley_event_loop_utilization_ratio',
    help: 'Share of time the HTTP thread was busy since the previous scrape',
    registers: [registry],
    collect() {
      const now = performance.eventLoopUtilization();
      this.set(performance.eventLoopUtilization(now, lastUtilization).utilization);
      lastUtilization = now;
    },
  });
  let expected = performance.now() + INTERVAL_MS;
  const timer = setInterval(() => {
    const now = performance.now();
    delay.observe(Math.max(0, now - expected) / 1000);
    expected = now + INTERVAL_MS;
  }, INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
