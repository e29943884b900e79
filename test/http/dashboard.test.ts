// GET /v1/dashboard: the figures computed from stored turn traces (percentiles, rates, cost, the
// not-found questions), per bucket and in total, scoped to the caller's tenant, with a validated,
// bounded range; a publishable key is refused.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dashboard } from '../../src/accounting/index.js';
import { createApiKey, ensureTenant } from '../../src/app/index.js';
import { call } from '../support/http.js';
import { BACKENDS, startTestServer, type TestServer } from '../support/test-backend.js';

const HOUR = 3_600_000;
/** A fixed, whole-day range so that bucket boundaries are known. */
const FROM = new Date('2030-03-01T00:00:00Z');

interface FakeTurn {
  at: Date;
  conversation: string;
  mode?: string;
  totalMs: number;
  firstTokenMs?: number;
  attempts?: { model: string; outcome: string }[];
  completed?: boolean;
  error?: string;
  coverage?: number;
  retrieved?: number;
  costUsd?: number;
  question?: string;
  intent?: { name: string; handler: string };
  /** Unset: the answer cache was not asked (the trace holds null). */
  answerCache?: { hit: false } | { hit: true; saved_usd: number };
}

describe.each(BACKENDS)('the dashboard API on %s', (kind) => {
  let server: TestServer;
  let tenantId: string;
  let key: string;
  let otherKey: string;
  let widgetKey: string;

  const store = async (turn: FakeTurn) => {
    const turnId = randomUUID();
    const trace = {
      turn_id: turnId,
      conversation_id: turn.conversation,
      mode: turn.mode ?? 'generated',
      attempts: turn.attempts ?? [{ model: 'openai:small', outcome: 'answered' }],
      completed: turn.completed ?? true,
      error: turn.error ?? null,
      retrieved: Array.from({ length: turn.retrieved ?? 2 }, (_, i) => ({ chunk_id: String(i), score: 1 })),
      relevance: { coverage: turn.coverage ?? 1, threshold: 0.2 },
      usage: {
        prompt_tokens: 10,
        completion_tokens: 5,
        total_tokens: 15,
        model: 'openai:small',
        ...(turn.costUsd === undefined ? {} : { cost_usd: turn.costUsd }),
      },
      intent: turn.intent ? { ...turn.intent, score: 0.9, unsure: false } : null,
      answer_cache: turn.answerCache
        ? turn.answerCache.hit
          ? {
              ...turn.answerCache,
              source_turn_id: randomUUID(),
              source_mode: 'generated',
              source_model: 'openai:small',
            }
          : turn.answerCache
        : null,
      timings_ms: {
        retrieval: 1,
        total: turn.totalMs,
        ...(turn.firstTokenMs === undefined ? {} : { first_token: turn.firstTokenMs }),
      },
    };
    await server.runtime.db.query(
      'insert into turn_traces(turn_id, tenant_id, conversation_id, trace, created_at) values ($1, $2, $3, $4, $5)',
      [turnId, tenantId, turn.conversation, trace, turn.at],
    );
    if (turn.question) {
      await server.runtime.db.query(
        `insert into conversations(id, tenant_id) values ($1, $2) on conflict do nothing`,
        [turn.conversation, tenantId],
      );
      await server.runtime.db.query(
        `insert into messages(id, tenant_id, conversation_id, turn_id, role, content, created_at)
         values ($1, $2, $3, $4, 'user', $5, $6)`,
        [randomUUID(), tenantId, turn.conversation, turnId, turn.question, turn.at],
      );
    }
    return turnId;
  };

  const dashboard = (query: string, bearer = key) =>
    call<Dashboard & { error?: { code: string; message: string } }>(server.parley.app, {
      method: 'GET',
      url: `/v1/dashboard?${query}`,
      headers: { authorization: `Bearer ${bearer}`, origin: 'https://shop.example' },
    });

  beforeAll(async () => {
    server = await startTestServer(kind);
    tenantId = await ensureTenant(server.runtime.db, 'dash');
    key = (await createApiKey(server.runtime.db, 'dash')).key;
    otherKey = (await createApiKey(server.runtime.db, 'other')).key;
    widgetKey = (
      await createApiKey(server.runtime.db, 'dash', {
        publishable: { bot: 'parley', origins: ['https://shop.example'] },
      })
    ).key;
    const c1 = randomUUID();
    const c2 = randomUUID();
    const h = (hours: number, minutes = 0) => new Date(FROM.getTime() + hours * HOUR + minutes * 60_000);
    // Hour 0: four turns, two conversations. Latencies 100..400 ms; one fallback, one error.
    const question = { name: 'question', handler: 'knowledge' };
    await store({
      at: h(0, 1),
      conversation: c1,
      totalMs: 100,
      firstTokenMs: 10,
      costUsd: 0.01,
      intent: question,
      answerCache: { hit: false },
    });
    await store({
      at: h(0, 2),
      conversation: c1,
      intent: question,
      answerCache: { hit: true, saved_usd: 0.01 },
      totalMs: 200,
      firstTokenMs: 20,
      costUsd: 0.02,
      attempts: [
        { model: 'openai:primary', outcome: 'failed' },
        { model: 'openai:backup', outcome: 'answered' },
      ],
    });
    await store({
      at: h(0, 3),
      conversation: c2,
      totalMs: 300,
      firstTokenMs: 30,
      completed: false,
      intent: { name: 'greeting', handler: 'small_talk' },
    });
    await store({
      at: h(0, 4),
      conversation: c2,
      totalMs: 400,
      mode: 'degraded',
      intent: question,
      answerCache: { hit: false },
      attempts: [{ model: 'openai:primary', outcome: 'failed' }],
      retrieved: 0,
    });
    // Hour 2: one not-found turn (no attempts, low coverage) whose question is stored.
    await store({
      at: h(2, 30),
      conversation: c2,
      totalMs: 50,
      firstTokenMs: 5,
      mode: 'not_found',
      attempts: [],
      coverage: 0.05,
      question: 'How do I tune the flux capacitor?',
    });
    // The next day, outside a one-day range.
    await store({
      at: h(30),
      conversation: c1,
      totalMs: 1000,
      costUsd: 0.5,
      intent: question,
      answerCache: { hit: true, saved_usd: 0.25 },
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('gives per-bucket percentiles, rates, cost and the not-found questions', async () => {
    const to = new Date(FROM.getTime() + 24 * HOUR);
    const { status, body } = await dashboard(`from=${FROM.toISOString()}&to=${to.toISOString()}&bucket=hour`);
    expect(status).toBe(200);
    expect(body.bucket).toBe('hour');
    expect(body.buckets).toHaveLength(24);
    const [first, second, third] = body.buckets;
    expect(first!.start).toBe(FROM.toISOString());
    expect(first!.turns).toBe(4);
    expect(first!.conversations).toBe(2);
    // percentile_cont interpolates: p50 of 100..400 is 250, p95 385, p99 397.
    expect(first!.latency_ms.p50).toBeCloseTo(250);
    expect(first!.latency_ms.p95).toBeCloseTo(385);
    expect(first!.latency_ms.p99).toBeCloseTo(397);
    expect(first!.first_token_ms.p50).toBeCloseTo(20);
    expect(first!.error_rate).toBeCloseTo(0.25);
    // The two-attempt turn and the degraded turn whose only attempt failed.
    expect(first!.fallback_rate).toBeCloseTo(0.5);
    expect(first!.degraded_rate).toBeCloseTo(0.25);
    expect(first!.retrieval_hit_rate).toBeCloseTo(0.75);
    // A trace without cost_usd counts 0.
    expect(first!.cost_usd).toBeCloseTo(0.03);
    expect(first!.cost_per_conversation_usd).toBeCloseTo(0.015);
    // Three turns asked the answer cache; one was answered from it, saving what its answer cost.
    expect(first!.answer_cache_hits).toBe(1);
    expect(first!.answer_cache_hit_rate).toBeCloseTo(1 / 3);
    expect(first!.saved_usd).toBeCloseTo(0.01);
    expect(second!.turns).toBe(0);
    expect(second!.answer_cache_hit_rate).toBeNull();
    expect(second!.error_rate).toBeNull();
    expect(second!.latency_ms.p50).toBeNull();
    expect(third!.turns).toBe(1);
    expect(third!.retrieval_hit_rate).toBe(0);

    expect(body.totals.turns).toBe(5);
    expect(body.totals.latency_ms.p50).toBeCloseTo(200);
    expect(body.totals.cost_usd).toBeCloseTo(0.03);
    expect(body.days).toEqual([
      {
        day: '2030-03-01',
        cost_usd: expect.closeTo(0.03),
        conversations: 2,
        cost_per_conversation_usd: expect.closeTo(0.015),
      },
    ]);
    // Traces without an intent (older ones) are left out; the next day is outside the range.
    expect(body.intents).toEqual([
      { intent: 'question', handler: 'knowledge', turns: 3 },
      { intent: 'greeting', handler: 'small_talk', turns: 1 },
    ]);
    expect(body.not_found).toEqual([
      expect.objectContaining({
        question: 'How do I tune the flux capacitor?',
        coverage: expect.closeTo(0.05),
        threshold: expect.closeTo(0.2),
      }),
    ]);
  });

  it('groups by day over a longer range, with cost per day', async () => {
    const to = new Date(FROM.getTime() + 3 * 24 * HOUR);
    const { status, body } = await dashboard(`from=${FROM.toISOString()}&to=${to.toISOString()}`);
    expect(status).toBe(200);
    expect(body.bucket).toBe('day');
    expect(body.buckets.map((bucket) => bucket.turns)).toEqual([5, 1, 0]);
    expect(body.days.map((day) => day.cost_usd)).toEqual([expect.closeTo(0.03), expect.closeTo(0.5)]);
    expect(body.totals.cost_per_conversation_usd).toBeCloseTo(0.53 / 2);
    expect(body.totals.answer_cache_hits).toBe(2);
    expect(body.totals.answer_cache_hit_rate).toBeCloseTo(2 / 4);
    expect(body.totals.saved_usd).toBeCloseTo(0.26);
    expect(body.intents).toEqual([
      { intent: 'question', handler: 'knowledge', turns: 4 },
      { intent: 'greeting', handler: 'small_talk', turns: 1 },
    ]);
  });

  it("shows only the caller's tenant", async () => {
    const to = new Date(FROM.getTime() + 3 * 24 * HOUR);
    const { status, body } = await dashboard(`from=${FROM.toISOString()}&to=${to.toISOString()}`, otherKey);
    expect(status).toBe(200);
    expect(body.totals.turns).toBe(0);
    expect(body.totals.saved_usd).toBe(0);
    expect(body.not_found).toEqual([]);
    expect(body.intents).toEqual([]);
  });

  it('refuses a publishable key', async () => {
    const { status, body } = await dashboard('bucket=day', widgetKey);
    expect(status).toBe(403);
    expect(body.error?.code).toBe('PARLEY_ERR_FORBIDDEN');
  });

  it('rejects a malformed or unbounded range with a 400', async () => {
    const cases = [
      'from=yesterday',
      'bucket=minute',
      'from=2030-03-02T00:00:00Z&to=2030-03-01T00:00:00Z',
      'from=2030-01-01T00:00:00Z&to=2030-06-01T00:00:00Z',
      'not_found_limit=5000',
      'from=2030-01-01T00:00:00Z&to=2030-03-01T00:00:00Z&bucket=hour',
      'tenant=other',
    ];
    for (const query of cases) {
      const { status, body } = await dashboard(query);
      expect({ query, status, code: body.error?.code }).toEqual({
        query,
        status: 400,
        code: 'PARLEY_ERR_VALIDATION',
      });
    }
    const { body } = await dashboard('from=2030-01-01T00:00:00Z&to=2030-06-01T00:00:00Z');
    expect(body.error?.message).toMatch(/90 days/);
  });

  it('defaults to the last week in days', async () => {
    const { status, body } = await dashboard('');
    expect(status).toBe(200);
    expect(body.bucket).toBe('day');
    expect(Date.parse(body.to) - Date.parse(body.from)).toBe(7 * 24 * HOUR);
  });
});
