// Usage records and GET /v1/usage on both backends: one row per turn with its tokens and cost
// (by the price table, overridable), grouped by day, model, bot and key, scoped to the tenant.
import { describe, expect, it } from 'vitest';
import { useChatFixture } from '../support/chat-fixture.js';
import { QUESTION } from '../support/documents.js';
import { call, parseSse } from '../support/http.js';
import { metricValue } from '../support/metrics.js';
import { BACKENDS, eventually } from '../support/test-backend.js';

interface Figures {
  turns: number;
  input_tokens: number;
  output_tokens: number;
  total_tokens: number;
  cost_usd: number;
  unpriced_turns: number;
}
interface UsageBody {
  from: string;
  to: string;
  group_by: string;
  totals: Figures;
  groups: (Figures & { key: string | null })[];
}
interface ChatBody {
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number; cost_usd: number };
  model?: string;
}

const PRICED = 'openai:small-model';
const UNPRICED = 'anthropic:claude-local';

describe.each(BACKENDS)('usage on %s', (kind) => {
  const t = useChatFixture({
    kind,
    models: PRICED,
    // $2 per million input tokens, $8 per million output tokens.
    env: { PARLEY_PRICES: JSON.stringify({ [PRICED]: { input: 2, output: 8 } }) },
    reply: 'The Moon pulls on the oceans [1].',
  });
  const app = () => t.app;

  it('records each turn with its cost, groups it, and keeps tenants apart', async () => {
    const alice = await t.tenantWithKey(`usage-alice-${kind}`);
    const bob = await t.tenantWithKey(`usage-bob-${kind}`);
    const responses: ChatBody[] = [];
    for (const stream of [false, true]) {
      const response = await call<ChatBody | string>(app(), {
        method: 'POST',
        url: '/v1/chat',
        headers: alice.headers,
        payload: { message: QUESTION, stream },
      });
      expect(response.status).toBe(200);
      // A streamed turn's cost arrives in its `done` event.
      const done = stream
        ? parseSse(response.raw).find((event) => event.event === 'done')?.data
        : response.body;
      responses.push(done as ChatBody);
    }
    expect(responses[1]!.usage.cost_usd).toBeCloseTo(responses[0]!.usage.cost_usd, 12);
    const completion = await call<{ usage: ChatBody['usage'] }>(app(), {
      method: 'POST',
      url: '/v1/chat/completions',
      headers: alice.headers,
      payload: { model: 'parley', messages: [{ role: 'user', content: QUESTION }] },
    });
    expect(completion.status).toBe(200);
    const bobTurn = await call<ChatBody>(app(), {
      method: 'POST',
      url: '/v1/chat',
      headers: bob.headers,
      payload: { message: QUESTION },
    });
    expect(bobTurn.status).toBe(200);

    const first = responses[0]!.usage;
    expect(first.cost_usd).toBeCloseTo((first.prompt_tokens * 2 + first.completion_tokens * 8) / 1e6, 12);
    expect(completion.body.usage.cost_usd).toBeGreaterThan(0);
    const aliceCost = [...responses.map((body) => body.usage), completion.body.usage].reduce(
      (sum, usage) => sum + usage.cost_usd,
      0,
    );
    const aliceTokens = [...responses.map((body) => body.usage), completion.body.usage].reduce(
      (sum, usage) => sum + usage.total_tokens,
      0,
    );

    const usage = (headers: Record<string, string>, query = '') =>
      call<UsageBody>(app(), { method: 'GET', url: `/v1/usage${query}`, headers });
    // Usage rows are written after the response, by the write-behind queue.
    const byDay = await eventually(async () => {
      const response = await usage(alice.headers);
      return response.body.totals?.turns === 3 ? response.body : undefined;
    });
    expect(byDay.group_by).toBe('day');
    expect(Date.parse(byDay.to) - Date.parse(byDay.from)).toBe(30 * 86_400_000);
    expect(byDay.groups).toEqual([
      expect.objectContaining({ key: new Date().toISOString().slice(0, 10), turns: 3 }),
    ]);
    expect(byDay.totals.cost_usd).toBeCloseTo(aliceCost, 10);
    expect(byDay.totals.total_tokens).toBe(aliceTokens);

    const byModel = (await usage(alice.headers, '?group_by=model')).body;
    expect(byModel.groups.map((group) => [group.key, group.turns])).toEqual([[PRICED, 3]]);
    const byKey = (await usage(alice.headers, '?group_by=key')).body;
    expect(byKey.groups.map((group) => [group.key, group.turns])).toEqual([[alice.keyId, 3]]);
    const byBot = (await usage(alice.headers, '?group_by=bot')).body;
    expect(byBot.groups.map((group) => [group.key, group.turns])).toEqual([['parley', 3]]);

    // Bob sees his one turn only.
    const bobs = await eventually(async () => {
      const response = await usage(bob.headers, '?group_by=key');
      return response.body.totals?.turns === 1 ? response.body : undefined;
    });
    expect(bobs.groups.map((group) => group.key)).toEqual([bob.keyId]);

    // A range that ends before today holds nothing.
    const past = (await usage(alice.headers, '?from=2020-01-01&to=2020-01-31')).body;
    expect(past.totals.turns).toBe(0);
    expect(past.to).toBe('2020-02-01T00:00:00.000Z');

    expect(await metricValue(app(), 'parley_cost_usd_total', { model: PRICED })).toBeCloseTo(
      aliceCost + bobTurn.body.usage.cost_usd,
      10,
    );
    expect(
      await metricValue(app(), 'parley_model_tokens_total', { kind: 'output', tenant: alice.tenantId }),
    ).toBe(
      responses.reduce((sum, body) => sum + body.usage.completion_tokens, 0) +
        completion.body.usage.completion_tokens,
    );
  });

  it('rejects malformed queries with 400', async () => {
    const carol = await t.tenantWithKey(`usage-carol-${kind}`);
    for (const query of [
      '?group_by=week',
      '?from=yesterday',
      '?from=2025-02-01&to=2025-01-01',
      '?from=2020-01-01&to=2025-01-01',
      '?limit=3',
    ]) {
      const response = await call<{ error: { code: string } }>(app(), {
        method: 'GET',
        url: `/v1/usage${query}`,
        headers: carol.headers,
      });
      expect(response.status, query).toBe(400);
      expect(response.body.error.code).toBe('PARLEY_ERR_VALIDATION');
    }
  });

  it('counts a model without a price at 0 USD and as unpriced, without failing the turn', async () => {
    const dave = await t.tenantWithKey(`usage-dave-${kind}`);
    const bot = await call(app(), {
      method: 'POST',
      url: '/v1/bots',
      headers: dave.headers,
      payload: { id: 'local', settings: { models: [UNPRICED] } },
    });
    expect(bot.status).toBe(201);
    const response = await call<ChatBody>(app(), {
      method: 'POST',
      url: '/v1/chat',
      headers: dave.headers,
      payload: { message: QUESTION, bot: 'local' },
    });
    expect(response.status).toBe(200);
    expect(response.body.model).toBe(UNPRICED);
    expect(response.body.usage.cost_usd).toBe(0);
    const summary = await eventually(async () => {
      const found = await call<UsageBody>(app(), {
        method: 'GET',
        url: '/v1/usage?group_by=bot',
        headers: dave.headers,
      });
      return found.body.totals?.turns === 1 ? found.body : undefined;
    });
    expect(summary.groups).toEqual([
      expect.objectContaining({ key: 'local', unpriced_turns: 1, cost_usd: 0 }),
    ]);
    expect(await metricValue(app(), 'parley_unpriced_turns_total', { model: UNPRICED })).toBe(1);
  });
});
