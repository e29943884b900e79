// Background work: the one wrapper every after-the-response task and timed sweep runs in, and the
// sweeps themselves (trace retention).
export { BackgroundTasks, type TaskOptions } from './background-tasks.js';
export { TRACE_RETENTION_EVERY_MS, TraceRetention } from './trace-retention.js';

/** Where a layer hands background work (BackgroundTasks). */
export type BackgroundRunner = Pick<import('./background-tasks.js').BackgroundTasks, 'run' | 'enqueue'>;
