// Background work: the one wrapper every after-the-response task and background loop runs in, and
// the sweeps themselves (trace retention).
export {
  BackgroundTasks,
  type LoopHandle,
  type LoopOptions,
  type LoopRun,
} from './background-tasks.js';
export { isPermanentError, PermanentError } from './permanent-error.js';
export { TRACE_RETENTION_EVERY_MS, TraceRetention } from './trace-retention.js';
export {
  SIGNATURE_HEADER,
  signWebhook,
  verifyWebhook,
  WEBHOOK_JOB,
  WebhookDeliveries,
  type WebhookTarget,
} from './webhooks/index.js';

/** Where a layer hands background work (BackgroundTasks). */
export type BackgroundRunner = Pick<
  import('./background-tasks.js').BackgroundTasks,
  'run' | 'enqueue' | 'enqueueAfter'
>;
/** Where a layer starts its background loops (BackgroundTasks). */
export type BackgroundLoops = Pick<import('./background-tasks.js').BackgroundTasks, 'loop'>;
