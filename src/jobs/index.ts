// Background work: the write-behind queue every after-the-response write goes through, and the
// sweeps that run on a timer (trace retention).
export { TraceRetention } from './trace-retention.js';
export { WriteBehind } from './write-behind.js';
