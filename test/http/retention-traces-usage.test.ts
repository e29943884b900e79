// Per-tenant periods for turn traces and usage detail (PUT /v1/retention `trace_days`,
// `usage_detail_days`): a tenant sets any period up to the operator's maximum (else 400), the
// server's defaults apply to tenants that set none, and the sweeps delete each tenant's rows past
// its own period only. Usage detail is rolled into daily totals before it goes, so GET /v1/usage
// (every grouping) and the budgets' spend give the same figures after the sweep as before.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { spendSince } from '../../src/accounting/index.js';
import { createApiKey } from '../../src/app/index.js';
import { call } from '../support/http.js';
import { metricValue } from '../support/metrics.js';
import { BACKENDS, useTestServer } from '../support/test-backend.js';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const DAY_MS = 86_400_000;

interface RetentionView {
  conversation_days: number | null;
  trace_days: number | null;
  default_trace_days: number;
  max_trace_days: number;
  effective_trace_days: number;
  usage_detail_days: number | null;
  default_usage_detail_days: number | null;
  max_usage_detail_days: number | null;
  effective_usage_detail_days: number | null;
}

describe.each(BACKENDS)('trace and usage detail retention on %s', (kind) => {
  const server = useTestServer(kind, {
    PARLEY_TRACE_RETENTION_DAYS: '30',
    PARLEY_TRACE_RETENTION_MAX_DAYS: '90',
    PARLEY_USAGE_DETAIL_RETENTION_DAYS: '400',
    PARLEY_USAGE_DETAIL_RETENTION_MAX_DAYS: '730',
  });
  const tenant = `retention-tu-${kind}-${randomUUID().slice(0, 8)}`;

  const put = (key: string, payload: unknown) =>
    call<RetentionView>(server.parley.app, {
      method: 'PUT',
      url: '/v1/retention',
      headers: bearer(key),
      payload: payload as Record<string, unknown>,
    });
  const admin = async (name: string, periods: Record<string, number>) => {
    const created = await createApiKey(server.runtime.db, `${tenant}-${name}`, { scopes: ['admin'] });
    if (Object.keys(periods).length > 0) expect((await put(created.key, periods)).status).toBe(200);
    return created;
  };

  it('lets a tenant shorten or lengthen its periods up to the operator maximum; refuses bad values', async () => {
    const { key } = await admin('api', {});
    const get = async () =>
      (
        await call<RetentionView>(server.parley.app, {
          method: 'GET',
          url: '/v1/retention',
          headers: bearer(key),
        })
      ).body;
    expect(await get()).toMatchObject({
      trace_days: null,
      default_trace_days: 30,
      max_trace_days: 90,
      effective_trace_days: 30,
      usage_detail_days: null,
      default_usage_detail_days: 400,
      max_usage_detail_days: 730,
      effective_usage_detail_days: 400,
    });
    for (const bad of [
      { trace_days: -1 },
      { trace_days: 0 },
      { trace_days: 1.5 },
      { trace_days: '7' },
      { trace_days: 91 },
      { trace_days: 36_501 },
      { usage_detail_days: -30 },
      { usage_detail_days: 2.5 },
      { usage_detail_days: 731 },
      { usage_detail_days: 1e9 },
    ]) {
      const refused = await put(key, bad);
      expect(refused.status, JSON.stringify(bad)).toBe(400);
    }
    const past = await put(key, { trace_days: 91 });
    expect(JSON.stringify(past.body)).toContain('at most 90');
    // Nothing was stored by the refusals.
    expect((await get()).effective_trace_days).toBe(30);

    const set = await put(key, { trace_days: 90, usage_detail_days: 7 });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      conversation_days: null,
      trace_days: 90,
      effective_trace_days: 90,
      usage_detail_days: 7,
      effective_usage_detail_days: 7,
    });
    expect(await get()).toMatchObject({ trace_days: 90, usage_detail_days: 7 });
    // PUT replaces the lot: a period left out goes back to the server's default.
    expect((await put(key, { conversation_days: 30 })).body).toMatchObject({
      conversation_days: 30,
      trace_days: null,
      effective_trace_days: 30,
      usage_detail_days: null,
      effective_usage_detail_days: 400,
    });
  });

  it('deletes each tenant’s traces past its own period (the default for those that set none, capped by the maximum)', async () => {
    const { db } = server.runtime;
    const short = await admin('short', { trace_days: 7 });
    const long = await admin('long', { trace_days: 60 });
    const unset = await admin('unset', {});
    const capped = await admin('capped', {});
    // Set when the operator's maximum was higher: the sweep applies today's maximum (90).
    await db.query('insert into retention_periods(tenant_id, trace_days) values ($1, 200)', [
      capped.tenantId,
    ]);

    const ages: [tenantId: string, days: number][] = [
      [short.tenantId, 8],
      [short.tenantId, 6],
      [long.tenantId, 61],
      [long.tenantId, 40],
      [unset.tenantId, 31],
      [unset.tenantId, 8],
      [capped.tenantId, 100],
      [capped.tenantId, 80],
    ];
    const ids = ages.map(() => randomUUID());
    await db.query(
      `insert into turn_traces(turn_id, tenant_id, trace, created_at)
       select a.id, a.tenant, '{}', now() - make_interval(days => a.days)
         from unnest($1::text[], $2::text[], $3::int[]) as a(id, tenant, days)`,
      [ids, ages.map(([t]) => t), ages.map(([, d]) => d)],
    );
    await server.runtime.traceRetention.sweep();
    const left = await db.query<{ turn_id: string }>(
      'select turn_id from turn_traces where turn_id = any($1)',
      [ids],
    );
    const kept = new Set(left.map((row) => row.turn_id));
    expect(ages.map(([, days], i) => `${days}:${kept.has(ids[i]!) ? 'kept' : 'gone'}`)).toEqual([
      '8:gone',
      '6:kept',
      '61:gone',
      '40:kept',
      '31:gone',
      '8:kept',
      '100:gone',
      '80:kept',
    ]);
    // Whichever sweep deleted them (this one, or the server's own loop), the counter has them.
    expect(
      await metricValue(server.parley.app, 'parley_trace_retention_deleted_total'),
    ).toBeGreaterThanOrEqual(4);
  });

  it('rolls usage detail past a tenant’s period into daily totals: /v1/usage and budget spend unchanged, other tenants’ detail kept', async () => {
    const { db } = server.runtime;
    const mine = await admin('usage', { usage_detail_days: 30 });
    const theirs = await admin('usage-other', {});
    const day = (daysAgo: number) => new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS - daysAgo * DAY_MS);
    // [tenant, key, model, days ago (noon UTC), input, output, cost, priced, saved]
    const rows: [string, string | null, string, number, number, number, number, boolean, number][] = [
      [mine.tenantId, mine.keyId, 'openai:gpt-4o-mini', 40, 100, 20, 0.25, true, 0],
      [mine.tenantId, mine.keyId, 'openai:gpt-4o-mini', 40, 300, 10, 0.5, true, 0],
      [mine.tenantId, 'k-other', 'stub:unpriced', 40, 50, 5, 0, false, 0],
      [mine.tenantId, null, 'cache', 40, 0, 0, 0, true, 0.125],
      [mine.tenantId, mine.keyId, 'openai:gpt-4o-mini', 35, 10, 10, 1, true, 0],
      [mine.tenantId, mine.keyId, 'openai:gpt-4o-mini', 10, 7, 3, 2, true, 0],
      [mine.tenantId, mine.keyId, 'openai:gpt-4o-mini', 0, 1, 1, 4, true, 0],
      [theirs.tenantId, theirs.keyId, 'openai:gpt-4o-mini', 40, 9, 9, 8, true, 0],
    ];
    await db.query(
      `insert into usage(tenant_id, key_id, bot_id, conversation_id, turn_id, model, input_tokens, output_tokens,
                         cost_usd, priced, saved_usd, created_at)
       select r.tenant, r.key, 'parley', $11, r.turn, r.model, r.input, r.output, r.cost, r.priced, r.saved,
              now() - make_interval(days => r.days)
         from unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[], $6::int[], $7::numeric[],
                     $8::bool[], $9::numeric[], $10::text[]) as r(tenant, key, model, days, input, output, cost,
                     priced, saved, turn)`,
      [
        rows.map((r) => r[0]),
        rows.map((r) => r[1]),
        rows.map((r) => r[2]),
        rows.map((r) => r[3]),
        rows.map((r) => r[4]),
        rows.map((r) => r[5]),
        rows.map((r) => r[6]),
        rows.map((r) => r[7]),
        rows.map((r) => r[8]),
        rows.map(() => randomUUID()),
        randomUUID(),
      ],
    );
    const from = day(60).toISOString().slice(0, 10);
    const to = day(0).toISOString().slice(0, 10);
    const usage = async () => {
      const views: Record<string, unknown> = {};
      for (const group of ['day', 'model', 'bot', 'key']) {
        const response = await call<{ totals: unknown; groups: unknown[] }>(server.parley.app, {
          method: 'GET',
          url: `/v1/usage?from=${from}&to=${to}&group_by=${group}`,
          headers: bearer(mine.key),
        });
        expect(response.status).toBe(200);
        views[group] = response.body;
      }
      return views;
    };
    const spend = async () => ({
      tenant: await spendSince(db, { tenantId: mine.tenantId }, day(45)),
      key: await spendSince(db, { tenantId: mine.tenantId, keyId: mine.keyId }, day(45)),
      sinceDay35: await spendSince(db, { tenantId: mine.tenantId }, day(35)),
      today: await spendSince(db, { tenantId: mine.tenantId }, day(0)),
    });
    const before = { usage: await usage(), spend: await spend() };
    expect(before.spend).toEqual({ tenant: 7.75, key: 7.75, sinceDay35: 7, today: 4 });

    // (The server's own sweep, 30 s after start-up and hourly, may have run first: the rows tell.)
    const swept = await server.runtime.usageRetention.sweep();
    expect(swept.find((s) => s.tenantId === theirs.tenantId)).toBeUndefined();
    expect(
      await metricValue(server.parley.app, 'parley_usage_detail_rolled_up_total'),
    ).toBeGreaterThanOrEqual(5);

    // The per-turn rows past 30 days are gone, the others (and the other tenant's) stay.
    const detail = await db.query<{ tenant_id: string; n: number }>(
      'select tenant_id, count(*)::int as n from usage where tenant_id = any($1) group by 1 order by 1',
      [[mine.tenantId, theirs.tenantId]],
    );
    expect(Object.fromEntries(detail.map((r) => [r.tenant_id, r.n]))).toEqual({
      [mine.tenantId]: 2,
      [theirs.tenantId]: 1,
    });
    const daily = await db.query<{ n: number }>(
      'select count(*)::int as n from usage_daily where tenant_id = $1',
      [mine.tenantId],
    );
    // Day 40: (key, gpt-4o-mini), (k-other, unpriced), (no key, cache); day 35: one.
    expect(daily[0]?.n).toBe(4);
    // Same figures, every grouping; same spend for the budgets.
    expect(await usage()).toEqual(before.usage);
    expect(await spend()).toEqual(before.spend);
    // A second sweep finds nothing more of this tenant's.
    expect(
      (await server.runtime.usageRetention.sweep()).find((s) => s.tenantId === mine.tenantId),
    ).toBeUndefined();
  });
});
