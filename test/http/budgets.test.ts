// Budgets: the warning at the configured share (log, metric and one webhook POST to a local
// server), refusal with 402 once spent, the cheapest-model policy, spend read back from the
// usage table by a new process, and spend shared by two instances through Redis.
import { randomInt } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRuntime, DEFAULT_TENANT, ensureTenant } from '../../src/app/index.js';
import { Gateway } from '../../src/edge/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { type ChatFixture, startChatFixture, useChatFixture } from '../support/chat-fixture.js';
import { ingestFor, QUESTION, TIDES } from '../support/documents.js';
import { call } from '../support/http.js';
import { metricValue } from '../support/metrics.js';
import { type StubProvider, startStubProvider } from '../support/stub-provider/index.js';
import { createKeyOnBoth, eventually, type TestServer, useTestServer } from '../support/test-backend.js';

interface ChatBody {
  usage: { cost_usd: number };
  model?: string;
  turn_id: string;
  error: { code: string; message: string };
}
interface BudgetsBody {
  policy: string;
  budgets: { scope: string; period: string; limit_usd: number | null; spent_usd: number }[];
}

const PRICEY = 'openai:pricey-model';
const CHEAP = 'anthropic:cheap-model';
const PRICES = JSON.stringify({
  [PRICEY]: { input: 100, output: 100 },
  [CHEAP]: { input: 0.01, output: 0.01 },
});

/** A local HTTP server that records the JSON bodies POSTed to it. */
async function startWebhookReceiver(): Promise<{
  url: string;
  events: Record<string, unknown>[];
  close(): Promise<void>;
}> {
  const events: Record<string, unknown>[] = [];
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      events.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    events,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

const spentOf = (body: BudgetsBody, scope: string, period: string) =>
  body.budgets.find((budget) => budget.scope === scope && budget.period === period)?.spent_usd ?? -1;

describe('budgets (refuse)', () => {
  let hook: Awaited<ReturnType<typeof startWebhookReceiver>>;
  beforeAll(async () => {
    hook = await startWebhookReceiver();
  });
  afterAll(async () => {
    await hook?.close();
  });
  // Started after the webhook receiver, closed before it.
  const t = useChatFixture(() => ({
    models: PRICEY,
    env: { PARLEY_PRICES: PRICES, PARLEY_BUDGET_WEBHOOK_URL: hook.url },
    reply: 'The Moon pulls on the oceans [1].',
  }));
  const app = () => t.app;

  it('warns once at half the budget, then refuses with 402 once it is spent', async () => {
    const erin = await t.tenantWithKey('budget-erin');
    const ask = () =>
      call<ChatBody>(app(), {
        method: 'POST',
        url: '/v1/chat',
        headers: erin.headers,
        payload: { message: QUESTION },
      });
    const budgets = () =>
      call<BudgetsBody>(app(), { method: 'GET', url: '/v1/budgets', headers: erin.headers });
    const spentReaches = (usd: number) =>
      eventually(async () => {
        const body = (await budgets()).body;
        return spentOf(body, 'tenant', 'day') >= usd - 1e-9 ? body : undefined;
      });

    const first = await ask();
    expect(first.status).toBe(200);
    const cost = first.body.usage.cost_usd;
    expect(cost).toBeGreaterThan(0);
    await spentReaches(cost);
    // 2.5 turns' worth: the second turn crosses half, the third crosses the whole.
    const put = await call<BudgetsBody>(app(), {
      method: 'PUT',
      url: '/v1/budgets',
      headers: erin.headers,
      payload: { tenant_daily_usd: cost * 2.5 },
    });
    expect(put.status).toBe(200);
    const limit = put.body.budgets.find((budget) => budget.scope === 'tenant' && budget.period === 'day');
    expect(limit?.limit_usd).toBeCloseTo(cost * 2.5, 8);
    expect(hook.events).toEqual([]);

    expect((await ask()).status).toBe(200);
    await spentReaches(cost * 2);
    const warning = await eventually(async () =>
      hook.events.find((event) => event.event === 'budget.warning'),
    );
    expect(warning).toMatchObject({ tenant_id: erin.tenantId, scope: 'tenant', period: 'day' });
    expect(warning.limit_usd).toBeCloseTo(cost * 2.5, 8);
    expect(await metricValue(app(), 'parley_budget_warnings_total', { level: 'warning' })).toBe(1);

    expect((await ask()).status).toBe(200);
    await spentReaches(cost * 3);
    await eventually(async () => hook.events.find((event) => event.event === 'budget.exceeded'));

    const refused = await ask();
    expect(refused.status).toBe(402);
    expect(refused.body.error.code).toBe('PARLEY_ERR_BUDGET_EXCEEDED');
    expect(refused.body.error.message).toMatch(/daily budget/);
    const streamed = await call(app(), {
      method: 'POST',
      url: '/v1/chat/completions',
      headers: erin.headers,
      payload: { model: 'parley', stream: true, messages: [{ role: 'user', content: QUESTION }] },
    });
    expect(streamed.status).toBe(402);
    // One warning and one exceedance in all: later turns do not repeat them.
    expect(hook.events.map((event) => event.event)).toEqual(['budget.warning', 'budget.exceeded']);
    expect(await metricValue(app(), 'parley_budget_enforced_total', { action: 'refused' })).toBe(2);
    // The model was called for the three answered turns only.
    expect(t.stub.requests.filter((request) => request.prompt).length).toBe(3);
  });

  it("charges a model without a price at the table's highest prices: choosing one escapes no budget", async () => {
    const fay = await t.tenantWithKey('budget-fay');
    const bot = await call(app(), {
      method: 'POST',
      url: '/v1/bots',
      headers: fay.headers,
      payload: { id: 'local', settings: { models: ['openai:unpriced-local'] } },
    });
    expect(bot.status).toBe(201);
    const put = await call(app(), {
      method: 'PUT',
      url: '/v1/budgets',
      headers: fay.headers,
      payload: { tenant_daily_usd: 0.000001 },
    });
    expect(put.status).toBe(200);
    const ask = () =>
      call<ChatBody>(app(), {
        method: 'POST',
        url: '/v1/chat',
        headers: fay.headers,
        payload: { message: QUESTION, bot: 'local' },
      });
    const first = await ask();
    expect(first.status).toBe(200);
    // The turn itself has no price (the usage row says so); the budget is charged all the same.
    expect(first.body.usage.cost_usd).toBe(0);
    await eventually(async () => {
      const body = (
        await call<BudgetsBody>(app(), { method: 'GET', url: '/v1/budgets', headers: fay.headers })
      ).body;
      return spentOf(body, 'tenant', 'day') >= 0.000001 ? body : undefined;
    });
    const second = await ask();
    expect(second.status).toBe(402);
    expect(second.body.error.code).toBe('PARLEY_ERR_BUDGET_EXCEEDED');
  });

  it('reads spend back from the usage table in a new process', async () => {
    const frank = await t.tenantWithKey('budget-frank');
    const answered = await call<ChatBody>(app(), {
      method: 'POST',
      url: '/v1/chat',
      headers: frank.headers,
      payload: { message: QUESTION },
    });
    const cost = answered.body.usage.cost_usd;
    await eventually(async () => {
      const rows = await t.server.runtime.db.query<{ n: number }>(
        'select count(*)::int as n from usage where tenant_id = $1',
        [frank.tenantId],
      );
      return rows[0]!.n === 1 ? true : undefined;
    });
    // A fresh gateway (as after a restart) starts from the table.
    const fresh = new Gateway(
      t.server.config.gateway,
      t.server.runtime.db,
      t.server.runtime.tasks,
      t.server.runtime.log,
      t.server.runtime.redis,
    );
    {
      const status = await fresh.budgets.status({
        tenantId: frank.tenantId,
        keyId: frank.keyId,
        ip: '127.0.0.1',
      });
      expect(status).toContainEqual(
        expect.objectContaining({ scope: 'tenant', period: 'month', spent_usd: cost }),
      );
      expect(status).toContainEqual(
        expect.objectContaining({ scope: 'key', period: 'day', spent_usd: cost }),
      );
    }
  });

  it('rejects budget updates that are not positive amounts or null', async () => {
    const gina = await t.tenantWithKey('budget-gina');
    for (const payload of [
      { tenant_daily_usd: -1 },
      { tenant_daily_usd: 0 },
      { daily: 3 },
      { key_monthly_usd: 'x' },
    ]) {
      const response = await call(app(), {
        method: 'PUT',
        url: '/v1/budgets',
        headers: gina.headers,
        payload,
      });
      expect(response.status, JSON.stringify(payload)).toBe(400);
    }
  });
});

describe('budgets (cheapest)', () => {
  const t = useChatFixture({
    models: `${PRICEY},${CHEAP}`,
    env: { PARLEY_PRICES: PRICES, PARLEY_BUDGET_POLICY: 'cheapest', PARLEY_BUDGET_KEY_DAILY_USD: '0.000001' },
    reply: 'The Moon pulls on the oceans [1].',
  });

  it('answers with the cheapest priced model of the bot once the key budget is spent', async () => {
    const hana = await t.tenantWithKey('budget-hana');
    const ask = () =>
      call<ChatBody>(t.app, {
        method: 'POST',
        url: '/v1/chat',
        headers: hana.headers,
        payload: { message: QUESTION },
      });
    const first = await ask();
    expect(first.body.model).toBe(PRICEY);
    const downgraded = await eventually(async () => {
      const response = await ask();
      return response.body.model === CHEAP ? response : undefined;
    });
    expect(downgraded.status).toBe(200);
    const trace = await eventually(async () => {
      const found = await call<{ routing: { route: string } }>(t.app, {
        method: 'GET',
        url: `/v1/turns/${downgraded.body.turn_id}/trace`,
        headers: hana.headers,
      });
      return found.status === 200 ? found.body : undefined;
    });
    expect(trace.routing.route).toBe('cheapest');
    expect(
      await metricValue(t.app, 'parley_budget_enforced_total', { action: 'cheapest', scope: 'key' }),
    ).toBeGreaterThanOrEqual(1);
  });
});

describe('budgets shared through Redis', () => {
  const instances: ChatFixture[] = [];
  let stub: StubProvider;
  beforeAll(async () => {
    stub = await startStubProvider();
    stub.setReply('The Moon pulls on the oceans [1].');
    for (let index = 0; index < 2; index++) {
      instances.push(
        await startChatFixture({
          kind: 'postgres',
          stub,
          models: PRICEY,
          env: {
            PARLEY_PRICES: PRICES,
            REDIS_URL: inject('redisUrl'),
            PARLEY_BUDGET_TENANT_DAILY_USD: '0.000001',
          },
          documents: [],
        }),
      );
    }
  });
  afterAll(async () => {
    for (const instance of instances) await instance.close();
    await stub?.close();
  });

  it('spend on one instance counts against the budget on the other', async () => {
    const [a, b] = instances.map((instance) => instance.server) as [TestServer, TestServer];
    const created = await createKeyOnBoth(a, b, `shared-budget-${randomInt(1e9)}`);
    await ingestFor(a, created.tenantId, [TIDES]);
    await ingestFor(b, created.tenantId, [TIDES]);
    const headers = { authorization: `Bearer ${created.key}` };
    const ask = (server: TestServer) =>
      call<ChatBody>(server.parley.app, {
        method: 'POST',
        url: '/v1/chat',
        headers,
        payload: { message: QUESTION },
      });
    expect((await ask(a)).status).toBe(200);
    // B's own usage table is empty: only the shared counter knows about A's turn.
    const refused = await eventually(async () => {
      const response = await ask(b);
      return response.status === 402 ? response : undefined;
    });
    expect(refused.body.error.code).toBe('PARLEY_ERR_BUDGET_EXCEEDED');
  });
});

describe('a budget changed through another replica', () => {
  const server = useTestServer('postgres');

  // Within the budgets' poll (250 ms): checked as behaviour, with no timing bound.
  it('applies there once its poll has seen the change', async () => {
    // A second process's runtime on the same database and schema (replicas share one database).
    const [row] = await server.runtime.db.query<{ schema: string }>('select current_schema() as schema');
    const other = await createRuntime(server.config, createLogger('silent'), { schema: row!.schema });
    try {
      const tenantId = await ensureTenant(server.runtime.db, DEFAULT_TENANT);
      // The other process has the tenant's limits cached: none set.
      expect((await other.gateway.budgets.limits(tenantId)).tenant.day).toBe(0);
      const put = await call(server.parley.app, {
        method: 'PUT',
        url: '/v1/budgets',
        payload: { tenant_daily_usd: 1.25 },
      });
      expect(put.status).toBe(200);
      // Well before the budget cache's own lifetime (5 s) would let it go.
      await eventually(
        async () => ((await other.gateway.budgets.limits(tenantId)).tenant.day === 1.25 ? true : undefined),
        4_000,
      );
    } finally {
      await other.close();
    }
  });
});
