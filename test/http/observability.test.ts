// Observability: every metric family after one turn, the turn's trace (stages, prompt, attempts),
// OpenTelemetry spans over OTLP/HTTP to a local collector (GenAI attributes, a fallback named by
// both attempts, the caller's traceparent continued), and trace retention and deletion.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTenant } from '../../src/app/index.js';
import { TraceRetention } from '../../src/jobs/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { type ChatFixture, startChatFixture, useChatFixture } from '../support/chat-fixture.js';
import { call } from '../support/http.js';
import { eventually, useTestServer } from '../support/test-backend.js';

const PRIMARY = 'openai:small-model';
const FALLBACK = 'anthropic:claude-fallback';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  status?: { code?: number };
  attributes: { key: string; value: Record<string, unknown> }[];
}

/** A minimal OTLP/HTTP (JSON) collector: keeps every span it receives. */
async function startCollector(): Promise<{ url: string; spans: OtlpSpan[]; close(): Promise<void> }> {
  const spans: OtlpSpan[] = [];
  const server: Server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      if (request.url === '/v1/traces') {
        const payload = JSON.parse(body) as {
          resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
        };
        for (const resource of payload.resourceSpans)
          for (const scope of resource.scopeSpans) spans.push(...scope.spans);
      }
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const attribute = (span: OtlpSpan, key: string) => {
  const value = span.attributes.find((item) => item.key === key)?.value;
  return value ? Object.values(value)[0] : undefined;
};

describe('observability', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let t: ChatFixture;
  let closed = false;
  const app = () => t.app;
  /** The server's log lines (info and above), parsed. */
  const logs: Record<string, unknown>[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(JSON.parse(line));
      done();
    },
  });

  beforeAll(async () => {
    collector = await startCollector();
    t = await startChatFixture({
      models: `${PRIMARY},${FALLBACK}`,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url },
      log: pino({ level: 'info' }, logStream),
    });
  });
  afterAll(async () => {
    if (closed) await t?.stub.close();
    else await t?.close();
    await collector?.close();
  });

  it('has every metric family after one turn', async () => {
    t.stub.setReply('The Moon [1].');
    expect(
      (await call(app(), { method: 'POST', url: '/v1/chat', payload: { message: 'What causes the tides?' } }))
        .status,
    ).toBe(200);
    const scraped = await call<string>(app(), { method: 'GET', url: '/metrics' });
    const families = new Set([...scraped.raw.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]));
    for (const family of [
      'parley_http_requests_total',
      'parley_http_request_duration_seconds',
      'parley_turns_total',
      'parley_turn_duration_seconds',
      'parley_time_to_first_token_seconds',
      'parley_turn_stage_duration_seconds',
      'parley_retrieval_duration_seconds',
      'parley_retrieval_cache_requests_total',
      'parley_retrieval_relevance_total',
      'parley_model_attempts_total',
      'parley_model_circuit_state',
      'parley_ingest_queue_depth',
      'parley_ingest_job_lag_seconds',
      'parley_event_loop_delay_seconds',
    ]) {
      expect(families, family).toContain(family);
    }
    expect(scraped.raw).toMatch(/parley_turn_stage_duration_seconds_count\{stage="retrieval"\} [1-9]/);
    expect(scraped.raw).toMatch(/parley_retrieval_relevance_total\{outcome="hit"\} [1-9]/);
    // The embedded database thread's memory: PostgreSQL's WebAssembly memory is tens of MiB at least.
    const bytes = (kind: string) =>
      Number(
        new RegExp(`^parley_embedded_db_memory_bytes\\{kind="${kind}"\\} (\\S+)$`, 'm').exec(
          scraped.raw,
        )?.[1],
      );
    expect(bytes('wasm')).toBeGreaterThan(32 * 2 ** 20);
    expect(bytes('external')).toBeGreaterThanOrEqual(bytes('wasm'));
    expect(bytes('heap')).toBeGreaterThan(0);
  });

  it('logs each request once, when it ends, with the request, status and time (streams too)', async () => {
    t.stub.setReply('The Moon [1].');
    const json = await call(app(), {
      method: 'POST',
      url: '/v1/chat',
      headers: { 'x-request-id': 'log-json' },
      payload: { message: 'What causes the tides?' },
    });
    const sse = await call<string>(app(), {
      method: 'POST',
      url: '/v1/chat',
      headers: { 'x-request-id': 'log-sse' },
      payload: { message: 'What causes the tides?', stream: true },
    });
    expect([json.status, sse.status]).toEqual([200, 200]);
    expect(sse.raw).toContain('event: done');
    for (const id of ['log-json', 'log-sse']) {
      const lines = await eventually(async () => {
        const found = logs.filter((line) => line.reqId === id);
        return found.length > 0 ? found : undefined;
      });
      expect(lines.map((line) => line.msg)).toEqual(['request completed']);
      expect(lines[0]).toMatchObject({ req: { method: 'POST', url: '/v1/chat' }, res: { statusCode: 200 } });
      expect(lines[0]!.responseTime).toEqual(expect.any(Number));
    }
    expect(logs.some((line) => line.msg === 'incoming request')).toBe(false);
  });

  it('never logs the API key of a `?key=` login, nor any other credential in a URL', async () => {
    const key = 'parley_0123456789abcdef_LoggedSecretLoggedSecret';
    const urls = [`/?key=${key}`, `/dashboard?key=${key}&tab=usage`, `/v1/documents?access_token=${key}`];
    for (const [index, url] of urls.entries()) {
      await call(app(), { method: 'GET', url, headers: { 'x-request-id': `log-key-${index}` } });
    }
    const lines = await eventually(async () => {
      const found = logs.filter((line) => String(line.reqId).startsWith('log-key-'));
      return found.length >= urls.length ? found : undefined;
    });
    expect(JSON.stringify(lines)).not.toContain('LoggedSecret');
    expect(lines.map((line) => (line.req as { url: string }).url).sort()).toEqual([
      '/?key=[redacted]',
      '/dashboard?key=[redacted]&tab=usage',
      '/v1/documents?access_token=[redacted]',
    ]);
  });

  it('traces a turn that fell back: both attempts in the stored trace and as GenAI spans, under the caller trace', async () => {
    t.stub.setReply('The Moon pulls on the oceans [1].');
    t.stub.failNext({ status: 500, path: '/v1/chat/completions' });
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const response = await call<{ turn_id: string; model: string }>(app(), {
      method: 'POST',
      url: '/v1/chat',
      headers: { traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` },
      payload: { message: 'How many tides are there in a day?' },
    });
    expect(response.status).toBe(200);
    expect(response.body.model).toBe(FALLBACK);
    expect(response.headers['x-trace-id']).toBe(callerTrace);

    const trace = await eventually(async () => {
      const found = await call<{
        otel_trace_id: string;
        attempts: { model: string; outcome: string }[];
        timings_ms: Record<string, number>;
        prompt: { system: string; messages: { role: string; content: string }[] };
      }>(app(), { method: 'GET', url: `/v1/turns/${response.body.turn_id}/trace` });
      return found.status === 200 ? found.body : undefined;
    });
    expect(trace.otel_trace_id).toBe(callerTrace);
    expect(trace.attempts.map((attempt) => [attempt.model, attempt.outcome])).toEqual([
      [PRIMARY, 'failed'],
      [FALLBACK, 'answered'],
    ]);
    for (const stage of [
      'auth',
      'bot',
      'retrieval',
      'assembly',
      'model_first_token',
      'first_token',
      'total',
    ]) {
      expect(trace.timings_ms[stage], stage).toBeGreaterThanOrEqual(0);
    }
    expect(trace.prompt.system).toMatch(/cite/i);
    expect(trace.prompt.messages.at(-1)?.content).toContain('How many tides are there in a day?');

    // Closing the server flushes the batched spans to the collector.
    await t.server.close();
    closed = true;
    const spans = await eventually(async () => {
      const ours = collector.spans.filter((span) => span.traceId === callerTrace);
      return ours.some((span) => span.name.startsWith('invoke_agent')) ? ours : undefined;
    });
    const root = spans.find((span) => span.name === 'invoke_agent parley')!;
    expect(root.parentSpanId).toBe('00f067aa0ba902b7');
    expect(attribute(root, 'gen_ai.operation.name')).toBe('invoke_agent');
    expect(attribute(root, 'gen_ai.response.model')).toBe(FALLBACK);
    const children = spans.filter((span) => span.parentSpanId === root.spanId);
    expect(children.map((span) => span.name)).toEqual(
      expect.arrayContaining(['retrieval', 'assemble_context', 'chat small-model', 'chat claude-fallback']),
    );
    const failed = children.find((span) => span.name === 'chat small-model')!;
    expect(attribute(failed, 'gen_ai.provider.name')).toBe('openai');
    expect(attribute(failed, 'parley.attempt.outcome')).toBe('failed');
    expect(failed.status?.code).toBe(2);
    const answered = children.find((span) => span.name === 'chat claude-fallback')!;
    expect(attribute(answered, 'gen_ai.request.model')).toBe('claude-fallback');
    expect(Number(attribute(answered, 'gen_ai.usage.output_tokens'))).toBeGreaterThan(0);
  });
});

describe('tool spans', () => {
  it('records each tool call as an execute_tool span under the turn, beside both model calls', async () => {
    const collector = await startCollector();
    const t = await startChatFixture({
      models: 'openai:stub-model',
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url },
    });
    try {
      t.stub.setReply((prompt) =>
        prompt.messages.length > 1
          ? 'The Moon pulls the oceans [1].'
          : { toolCalls: [{ name: 'knowledge_search', arguments: '{"query":"moon and tides"}' }] },
      );
      await call(t.app, {
        method: 'PATCH',
        url: '/v1/bots/parley',
        payload: { settings: { tools: { allow: ['knowledge_search'] } } },
      });
      const response = await t.chat<{ turn_id: string }>({ message: 'What causes the tides?' });
      expect(response.status).toBe(200);
      await eventually(async () => {
        const found = await call(t.app, { method: 'GET', url: `/v1/turns/${response.body.turn_id}/trace` });
        return found.status === 200 ? true : undefined;
      });
    } finally {
      // Closing the server flushes the batched spans to the collector.
      await t.close();
    }
    const spans = await eventually(async () =>
      collector.spans.some((span) => span.name.startsWith('execute_tool')) ? collector.spans : undefined,
    );
    const tool = spans.find((span) => span.name === 'execute_tool knowledge_search')!;
    const root = spans.find((span) => span.spanId === tool.parentSpanId)!;
    expect(root.name).toBe('invoke_agent parley');
    expect(attribute(tool, 'gen_ai.operation.name')).toBe('execute_tool');
    expect(attribute(tool, 'gen_ai.tool.name')).toBe('knowledge_search');
    expect(attribute(tool, 'parley.tool.outcome')).toBe('ok');
    expect(attribute(tool, 'gen_ai.tool.call.id')).toBeTruthy();
    await collector.close();
  });
});

describe('trace retention', () => {
  const server = useTestServer('postgres');

  it('deletes traces past the retention, keeps the others, and deletes one on request', async () => {
    const tenantId = await ensureTenant(server.runtime.db, 'default');
    const insert = (id: string, daysAgo: number) =>
      server.runtime.db.query(
        `insert into turn_traces(turn_id, tenant_id, trace, created_at) values ($1, $2, '{}', now() - make_interval(days => $3))`,
        [id, tenantId, daysAgo],
      );
    await insert('00000000-0000-4000-8000-000000000001', 40);
    await insert('00000000-0000-4000-8000-000000000002', 2);
    await insert('00000000-0000-4000-8000-000000000003', 1);
    const deleted = await new TraceRetention(
      server.runtime.db,
      { defaultDays: 30 },
      createLogger('silent'),
    ).sweep();
    expect(deleted).toBe(1);
    const left = await server.runtime.db.query<{ turn_id: string }>(
      'select turn_id from turn_traces order by turn_id',
    );
    expect(left.map((row) => row.turn_id)).toEqual([
      '00000000-0000-4000-8000-000000000002',
      '00000000-0000-4000-8000-000000000003',
    ]);
    const url = '/v1/turns/00000000-0000-4000-8000-000000000002/trace';
    expect((await call(server.parley.app, { method: 'DELETE', url })).status).toBe(204);
    expect((await call(server.parley.app, { method: 'GET', url })).status).toBe(404);
    expect((await call(server.parley.app, { method: 'DELETE', url })).status).toBe(404);
  });
});

describe('PARLEY_TELEMETRY=off', () => {
  let collector: Awaited<ReturnType<typeof startCollector>>;
  beforeAll(async () => {
    collector = await startCollector();
  });
  afterAll(async () => {
    await collector?.close();
  });
  // Started after the collector, closed before it.
  const t = useChatFixture(() => ({
    models: PRIMARY,
    env: { OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, PARLEY_TELEMETRY: 'off' },
    documents: [],
  }));

  it('answers and keeps the stored trace, but records no metrics and exports no spans', async () => {
    t.stub.setReply('Hello.');
    const response = await call<{ turn_id: string; answer: string }>(t.app, {
      method: 'POST',
      url: '/v1/chat',
      payload: { message: 'Say hello' },
    });
    expect(response.status).toBe(200);
    expect(response.headers['x-trace-id']).toBeUndefined();
    const trace = await eventually(async () => {
      const found = await call(t.app, {
        method: 'GET',
        url: `/v1/turns/${response.body.turn_id}/trace`,
      });
      return found.status === 200 ? found.body : undefined;
    });
    expect(trace.otel_trace_id).toBeUndefined();
    const scraped = await call<string>(t.app, { method: 'GET', url: '/metrics' });
    expect(scraped.raw).not.toMatch(/^parley_turns_total\{/m);
    expect(scraped.raw).not.toMatch(/^parley_http_requests_total\{/m);
    expect(scraped.raw).not.toContain('parley_process_cpu');
    await t.server.parley.close();
    expect(collector.spans).toEqual([]);
  });
});
