// One turn, four front ends: JSON and SSE on /v1/chat, the OpenAI-compatible endpoint and
// `parley chat` (its session loop, in process) all go through the turn runner, so the same
// question leaves the same stored trace, the same usage row and the same metrics, whichever way
// it came.
import { PassThrough } from 'node:stream';
import { beforeAll, describe, expect, it } from 'vitest';
import { chatSession } from '../../src/cli/chat-command.js';
import type { TurnRunner } from '../../src/orchestrator/index.js';
import { type KeyedTenant, useChatFixture } from '../support/chat-fixture.js';
import { QUESTION } from '../support/documents.js';
import { call, parseSse } from '../support/http.js';
import { metricValue } from '../support/metrics.js';
import { eventually } from '../support/test-backend.js';

const MODEL = 'openai:small-model';

/** The metric series a turn moves, read before and after it. */
const SERIES: [string, Record<string, string>][] = [
  ['parley_turns_total', { mode: 'generated', model: MODEL }],
  ['parley_model_attempts_total', { model: MODEL, outcome: 'answered' }],
  ['parley_model_tokens_total', { model: MODEL, kind: 'input' }],
  ['parley_model_tokens_total', { model: MODEL, kind: 'output' }],
  ['parley_cost_usd_total', { model: MODEL }],
  ['parley_retrieval_duration_seconds_count', {}],
  ['parley_retrieval_relevance_total', { outcome: 'hit' }],
  ['parley_time_to_first_token_seconds_count', { mode: 'generated' }],
  ['parley_turn_duration_seconds_count', { mode: 'generated' }],
  ['parley_turn_stage_duration_seconds_count', { stage: 'retrieval' }],
  ['parley_turn_stage_duration_seconds_count', { stage: 'assembly' }],
  ['parley_turn_stage_duration_seconds_count', { stage: 'first_token' }],
];

/** What varies from turn to turn by nature (ids, clocks) taken out of a stored trace. */
function comparable(trace: Record<string, unknown>): Record<string, unknown> {
  const {
    turn_id,
    conversation_id,
    timings_ms,
    started_at,
    otel_trace_id,
    attempts,
    understanding,
    ...rest
  } = trace;
  // The model step's reading, when it was asked, without its clock.
  const { ms, ...reading } = (understanding as { model: { ms?: number } }).model;
  return {
    ...rest,
    understanding: { model: reading },
    attempts: (attempts as { model: string; outcome: string }[]).map(({ model, outcome }) => ({
      model,
      outcome,
    })),
    stages: Object.keys(timings_ms as object)
      .filter((stage) => stage !== 'auth' && stage !== 'queue')
      .sort(),
  };
}

describe('one turn through every front end', () => {
  const t = useChatFixture({
    models: MODEL,
    env: {
      PARLEY_PRICES: JSON.stringify({ [MODEL]: { input: 2, output: 8 } }),
      // Every turn searches (no cached result marks one turn differently from the others).
      PARLEY_RETRIEVAL_CACHE_SECONDS: '0',
    },
  });
  let tenant: KeyedTenant;
  beforeAll(async () => {
    t.stub.setReply('The Moon pulls on the oceans [1].');
    tenant = await t.tenantWithKey('front-ends');
    await t.server.runtime.keywordIndex.warm(tenant.tenantId);
  });
  const app = () => t.app;
  const metrics = async () => {
    const values: number[] = [];
    for (const [name, labels] of SERIES) values.push(await metricValue(app(), name, labels));
    return values;
  };

  /** One turn per front end; each returns the turn's id. */
  const frontEnds: Record<string, () => Promise<string>> = {
    json: async () => {
      const response = await call<{ turn_id: string }>(app(), {
        method: 'POST',
        url: '/v1/chat',
        headers: tenant.headers,
        payload: { message: QUESTION },
      });
      expect(response.status).toBe(200);
      return response.body.turn_id;
    },
    sse: async () => {
      const response = await call(app(), {
        method: 'POST',
        url: '/v1/chat',
        headers: tenant.headers,
        payload: { message: QUESTION, stream: true },
      });
      const events = parseSse(response.raw);
      expect(events.map((event) => event.event)).toContain('done');
      const meta = events.find((event) => event.event === 'meta')?.data as { turn_id: string } | undefined;
      return meta?.turn_id ?? '';
    },
    openai: async () => {
      const response = await call<{ parley: { turn_id: string } }>(app(), {
        method: 'POST',
        url: '/v1/chat/completions',
        headers: tenant.headers,
        payload: { model: 'parley', messages: [{ role: 'user', content: QUESTION }] },
      });
      expect(response.status).toBe(200);
      return response.body.parley.turn_id;
    },
    cli: async () => {
      let turnId = '';
      const runner = t.server.runtime.turns;
      const spy: Pick<TurnRunner, 'start'> = {
        start: async (input, context) => {
          const turn = await runner.start(input, context);
          turnId = turn.turnId;
          return turn;
        },
      };
      const out = new PassThrough();
      let printed = '';
      out.on('data', (data) => {
        printed += data;
      });
      const caller = { tenantId: tenant.tenantId, keyId: null, ip: 'cli' };
      await chatSession(spy, { caller }, [QUESTION], out);
      expect(printed).toContain('The Moon pulls on the oceans');
      expect(printed).toContain('[1] Tides');
      return turnId;
    },
  };

  it('leaves the same stored trace, usage row and metrics for JSON, SSE, OpenAI and parley chat', async () => {
    const seen: Record<string, { trace: Record<string, unknown>; usage: unknown; metrics: number[] }> = {};
    for (const [name, run] of Object.entries(frontEnds)) {
      const before = await metrics();
      const turnId = await run();
      const trace = await eventually(async () => {
        const response = await call<Record<string, unknown>>(app(), {
          method: 'GET',
          url: `/v1/turns/${turnId}/trace`,
          headers: tenant.headers,
        });
        return response.status === 200 ? response.body : undefined;
      });
      const usage = await eventually(async () => {
        const rows = await t.server.runtime.db.query<Record<string, unknown>>(
          `select bot_id, model, input_tokens, cached_input_tokens, output_tokens, cost_usd::float8 as cost_usd, priced
             from usage where turn_id = $1`,
          [turnId],
        );
        return rows[0];
      });
      const after = await metrics();
      seen[name] = { trace: comparable(trace), usage, metrics: after.map((value, i) => value - before[i]!) };
    }
    const json = seen.json!;
    expect(json.trace.mode).toBe('generated');
    expect((json.usage as { cost_usd: number }).cost_usd).toBeGreaterThan(0);
    // Every series moved by one turn's worth (counts by 1, tokens and cost by more than 0).
    for (const delta of json.metrics) expect(delta).toBeGreaterThan(0);
    for (const name of ['sse', 'openai', 'cli']) {
      expect(seen[name]!.trace, `${name}: trace`).toEqual(json.trace);
      expect(seen[name]!.usage, `${name}: usage row`).toEqual(json.usage);
      json.metrics.forEach((delta, i) => {
        expect(
          seen[name]!.metrics[i],
          `${name}: ${SERIES[i]![0]} ${JSON.stringify(SERIES[i]![1])}`,
        ).toBeCloseTo(delta, 9);
      });
    }
  });
});
