// OpenTelemetry tracing: a span per turn and per stage, following the GenAI semantic conventions
// (`gen_ai.*`). Spans are always made (so every turn and its log lines have a trace id); they
// leave the process only when an OTLP endpoint is configured, batched over OTLP/HTTP off the
// critical path. The provider is Parley's own, not registered globally, so several apps in one
// process (tests) keep their spans apart.
import {
  context,
  ProxyTracerProvider,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { TelemetryConfig } from '../config/index.js';

export interface Tracing {
  tracer: Tracer;
  /** Whether spans go anywhere (an OTLP endpoint, or another span processor); when not, only the root span is made, for its trace id. */
  exporting: boolean;
  /** Starts a turn's root span, continuing the caller's W3C `traceparent` when it sent one. */
  startTurn(name: string, headers: Record<string, unknown>, startTime?: number): Span;
  /** Sends what is buffered and stops (on shutdown). */
  shutdown(): Promise<void>;
}

const propagator = new W3CTraceContextPropagator();
const headerGetter = {
  keys: (carrier: Record<string, unknown>) => Object.keys(carrier),
  get: (carrier: Record<string, unknown>, key: string) => {
    const value = carrier[key];
    return typeof value === 'string' || Array.isArray(value) ? (value as string | string[]) : undefined;
  },
};

export function createTracing(
  settings: TelemetryConfig,
  version = '0.1.0',
  extra: SpanProcessor[] = [],
): Tracing {
  // Telemetry off: a no-op tracer (spans cost nothing, have no trace id, and are never exported).
  if (!settings.enabled) {
    const tracer = new ProxyTracerProvider().getTracer('parley', version);
    return {
      tracer,
      exporting: false,
      startTurn: (name) => tracer.startSpan(name),
      shutdown: async () => {},
    };
  }
  const endpoint = settings.otlpEndpoint?.replace(/\/+$/, '');
  const processors: SpanProcessor[] = [...extra];
  if (endpoint) {
    processors.push(
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces`, timeoutMillis: 5_000 }), {
        maxQueueSize: 4_096,
        scheduledDelayMillis: 1_000,
      }),
    );
  }
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({
      'service.name': settings.serviceName,
      'service.version': version,
    }),
    spanProcessors: processors,
  });
  const tracer = provider.getTracer('parley', version);
  return {
    tracer,
    exporting: processors.length > 0,
    startTurn(name, headers, startTime) {
      const parent = propagator.extract(context.active(), headers, headerGetter);
      return tracer.startSpan(name, { kind: SpanKind.SERVER, ...(startTime ? { startTime } : {}) }, parent);
    },
    shutdown: () => provider.shutdown(),
  };
}

/** A child of `parent` that ran from `start` to `end` (epoch ms), recorded after the fact. */
export function recordChildSpan(
  tracer: Tracer,
  parent: Span,
  name: string,
  window: { start: number; end: number },
  attributes: Record<string, string | number | boolean | undefined>,
  error?: string,
): void {
  const clean = Object.fromEntries(Object.entries(attributes).filter(([, value]) => value !== undefined));
  const span = tracer.startSpan(
    name,
    {
      kind: SpanKind.INTERNAL,
      startTime: window.start,
      attributes: clean as Record<string, string | number | boolean>,
    },
    trace.setSpan(context.active(), parent),
  );
  if (error) {
    span.setAttribute('error.type', error.slice(0, 200));
    span.setStatus({ code: SpanStatusCode.ERROR, message: error.slice(0, 500) });
  }
  span.end(window.end);
}

export { type Span, SpanStatusCode };
