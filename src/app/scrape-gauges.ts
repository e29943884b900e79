// Gauges read at scrape time from shared state (the jobs table, the embedded database thread, the
// model circuits), registered once per process on its registry: by the API app, or by the
// operations listener of a process without one (`parley worker`).
import { setTimeout as sleep } from 'node:timers/promises';
import { Counter, Gauge } from 'prom-client';
import { queueState } from '../knowledge/index.js';
import type { Runtime } from './runtime.js';

/** Longest a /metrics scrape waits for a database read before reporting the last values read. */
const SCRAPE_DB_WAIT_MS = 250;

/** Registers the gauges on the runtime's registry; a second call for the same registry does nothing. */
export function registerScrapeGauges(runtime: Runtime): void {
  const { metrics } = runtime;
  if (metrics.registry.getSingleMetric('parley_ingest_queue_depth')) return;
  // Ingestion backlog, read from the jobs table at scrape time (shared by every replica).
  // Both gauges are collected in one scrape: one query serves them (reused for a second).
  // A scrape waits for that read at most SCRAPE_DB_WAIT_MS, then reports the last values read:
  // under load every pool connection is queued for by turns, and a scrape queued behind them
  // would blind monitoring when it matters most.
  let backlog = { queued: 0, running: 0, lagSeconds: 0 };
  let backlogRead: { at: number; done: Promise<void> } | undefined;
  const readBacklog = () =>
    Promise.race([startBacklogRead(), sleep(SCRAPE_DB_WAIT_MS, undefined, { ref: false })]);
  const startBacklogRead = () => {
    if (!backlogRead || Date.now() - backlogRead.at > 1000) {
      const done = queueState(runtime.db).then(
        (state) => {
          backlog = state;
        },
        () => {},
      );
      backlogRead = { at: Date.now(), done };
    }
    return backlogRead.done;
  };
  new Gauge({
    name: 'parley_ingest_queue_depth',
    help: 'Ingestion jobs by state (queued, running)',
    labelNames: ['state'],
    // The same shared value in every process of a `--workers` server: not summed.
    aggregator: 'max',
    registers: [metrics.registry],
    async collect() {
      await readBacklog();
      this.set({ state: 'queued' }, backlog.queued);
      this.set({ state: 'running' }, backlog.running);
    },
  });
  new Gauge({
    name: 'parley_ingest_job_lag_seconds',
    help: 'How long the oldest queued ingestion job has waited',
    // The same shared value in every process of a `--workers` server: not summed.
    aggregator: 'max',
    registers: [metrics.registry],
    async collect() {
      await readBacklog();
      this.set(backlog.lagSeconds);
    },
  });
  // The embedded database thread's memory, asked of the thread at scrape time (it answers
  // between queries; the same wait bound as the backlog, then the last values).
  const { embeddedMemory } = runtime.db;
  if (embeddedMemory) {
    let last: Awaited<ReturnType<typeof embeddedMemory>>;
    const asked = () =>
      embeddedMemory().then((memory) => {
        if (memory) last = memory;
      });
    new Gauge({
      name: 'parley_embedded_db_memory_bytes',
      help: "The embedded database thread's memory: heap (PGlite's JavaScript heap), external (mostly WebAssembly), wasm (PostgreSQL's WebAssembly memory)",
      labelNames: ['kind'],
      registers: [metrics.registry],
      async collect() {
        await Promise.race([asked(), sleep(SCRAPE_DB_WAIT_MS, undefined, { ref: false })]);
        if (!last) return;
        this.set({ kind: 'heap' }, last.heapUsed);
        this.set({ kind: 'external' }, last.external);
        this.set({ kind: 'wasm' }, last.wasm);
      },
    });
  }
  const { embeddedRestarts } = runtime.db;
  if (embeddedRestarts) {
    new Counter({
      name: 'parley_embedded_db_restarts_total',
      help: 'Times the embedded database thread stopped on its own and was started again',
      registers: [metrics.registry],
      collect() {
        this.reset();
        this.inc(embeddedRestarts());
      },
    });
  }
  const { conversationEvents } = runtime;
  new Gauge({
    name: 'parley_conversation_watchers',
    help: "Conversation event streams open in this process (chat pages and widgets following a person's replies)",
    registers: [metrics.registry],
    collect() {
      this.set(conversationEvents.watchers);
    },
  });
  const { catalog } = runtime;
  const level = { closed: 0, 'half-open': 1, open: 2, isolated: 2 } as const;
  new Gauge({
    name: 'parley_model_circuit_state',
    help: 'Circuit breaker state per model: 0 closed, 1 half-open, 2 open',
    labelNames: ['model'],
    // The same shared value in every process of a `--workers` server: not summed.
    aggregator: 'max',
    registers: [metrics.registry],
    collect() {
      for (const { model, state } of catalog.states()) this.set({ model }, level[state]);
    },
  });
}
