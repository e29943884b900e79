// Telemetry: logs and metrics, used by every layer.

export { clusterExposition, serveClusterMetrics } from './cluster-metrics.js';
export { createLogger, type Logger } from './logger.js';
export { createMetrics, type Metrics } from './metrics.js';
export { REDACTED, redactUrl, serializeRequest } from './redact-url.js';
export { createTracing, recordChildSpan, type Span, SpanStatusCode, type Tracing } from './tracing.js';
