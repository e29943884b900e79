// Retention of conversations: a tenant sets how many days its conversations are kept after their
// last activity (PUT /v1/retention, admin keys; unset: the server's default), and the sweep deletes
// what is older with everything hanging from it (messages, traces, feedback, waiting actions,
// visitor claims), in batches; usage rows stay. Recent conversations and other tenants' stay;
// each sweep that deleted something is in the tenant's audit log and the metrics. Messages have
// their own period: one past it goes even from a conversation still in use.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/app/index.js';
import { ConversationRetention } from '../../src/orchestrator/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { useChatFixture } from '../support/chat-fixture.js';
import { rowsOf } from '../support/conversation-rows.js';
import { TIDES } from '../support/documents.js';
import { call } from '../support/http.js';
import { metricValue } from '../support/metrics.js';
import { BACKENDS, eventually } from '../support/test-backend.js';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

interface RetentionView {
  conversation_days: number | null;
  default_conversation_days: number | null;
  effective_conversation_days: number | null;
}

interface AuditPage {
  entries: { action: string; via: string; actor_key_id: string | null; details: Record<string, unknown> }[];
}

describe.each(BACKENDS)('conversation retention on %s', (kind) => {
  const fixture = useChatFixture({
    kind,
    documents: [TIDES],
    env: { PARLEY_CONVERSATION_RETENTION_DAYS: '60' },
  });
  const tenant = `retention-${kind}`;

  /**
   * Moves conversations' last activity back by so many days, in one statement: the server's own
   * sweep (a background loop) sees all of them moved or none.
   */
  const backdate = (ages: [conversationId: string, days: number][]) =>
    fixture.server.runtime.db.query(
      `update conversations c set updated_at = now() - make_interval(days => a.days)
         from unnest($1::text[], $2::int[]) as a(id, days) where c.id = a.id`,
      [ages.map(([id]) => id), ages.map(([, days]) => days)],
    );

  it('lets an admin key set the period (checked), others read it', async () => {
    const db = fixture.server.runtime.db;
    const admin = await createApiKey(db, `${tenant}-api`, { scopes: ['admin'] });
    const reader = await createApiKey(db, `${tenant}-api`, { scopes: ['read'] });
    const get = (key: string) =>
      call<RetentionView>(fixture.app, { method: 'GET', url: '/v1/retention', headers: bearer(key) });
    const put = (key: string, payload: unknown, headers: Record<string, string> = {}) =>
      call<RetentionView>(fixture.app, {
        method: 'PUT',
        url: '/v1/retention',
        headers: { ...bearer(key), ...headers },
        payload: payload as Record<string, unknown>,
      });

    expect((await get(reader.key)).body).toMatchObject({
      conversation_days: null,
      default_conversation_days: 60,
      effective_conversation_days: 60,
    });
    for (const bad of [{ conversation_days: 0 }, { conversation_days: 1.5 }, { days: 3 }]) {
      expect((await put(admin.key, bad)).status, JSON.stringify(bad)).toBe(400);
    }
    expect((await put(reader.key, { conversation_days: 30 })).status).toBe(403);
    expect((await put(admin.key, { conversation_days: 30 }, { 'parley-user': 'alice' })).status).toBe(403);
    const set = await put(admin.key, { conversation_days: 30 });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      conversation_days: 30,
      default_conversation_days: 60,
      effective_conversation_days: 30,
    });
    expect((await get(reader.key)).body.effective_conversation_days).toBe(30);
    // An empty body goes back to the server's default.
    expect((await put(admin.key, {})).body.effective_conversation_days).toBe(60);
    await eventually(async () => {
      const page = await call<AuditPage>(fixture.app, {
        method: 'GET',
        url: '/v1/audit-log?action=retention.updated',
        headers: bearer(admin.key),
      });
      return page.body.entries.length === 2 ? true : undefined;
    });
  });

  it('deletes conversations past their tenant’s period with all that hangs from them; recent and other tenants’ stay', async () => {
    const { db } = fixture.server.runtime;
    const mine = await createApiKey(db, tenant, { scopes: ['admin'] });
    const theirs = await createApiKey(db, `${tenant}-other`, { scopes: ['admin'] });
    expect(
      (
        await call(fixture.app, {
          method: 'PUT',
          url: '/v1/retention',
          headers: bearer(mine.key),
          payload: { conversation_days: 30 },
        })
      ).status,
    ).toBe(200);

    const old = await fixture.converse(bearer(mine.key), 'What causes the tides?');
    await fixture.converse(bearer(mine.key), 'And how often?', old.conversation_id);
    const older = await fixture.converse(bearer(mine.key), 'Tell me about the Moon');
    const recent = await fixture.converse(bearer(mine.key), 'What causes the tides?');
    // The other tenant set nothing: the server's 60 days apply.
    const theirsKept = await fixture.converse(bearer(theirs.key), 'What causes the tides?');
    const theirsGone = await fixture.converse(bearer(theirs.key), 'Tell me about the Moon');
    const rated = await call(fixture.app, {
      method: 'POST',
      url: `/v1/turns/${old.turn_id}/feedback`,
      headers: bearer(mine.key),
      payload: { rating: 'up' },
    });
    expect(rated.status).toBe(201);
    // A widget visitor's claim and an action waiting for approval in the old conversation.
    await db.query(
      `insert into visitor_conversations(conversation_id, tenant_id, key_id, visitor_id) values ($1, $2, $3, 'v1')`,
      [old.conversation_id, mine.tenantId, mine.keyId],
    );
    await db.query(
      `insert into tool_approvals(id, tenant_id, bot_id, conversation_id, turn_id, tool, call_id, arguments, approver, resume)
       values ($1, $2, 'parley', $3, $4, 'book', 'call_1', '{}', 'user', '{}')`,
      [randomUUID(), mine.tenantId, old.conversation_id, old.turn_id],
    );
    await backdate([
      [old.conversation_id, 31],
      [older.conversation_id, 400],
      [recent.conversation_id, 29],
      [theirsKept.conversation_id, 40],
      [theirsGone.conversation_id, 61],
    ]);

    const gone = [old.conversation_id, older.conversation_id];
    const kept = [recent.conversation_id];
    expect(Object.keys(await rowsOf(db, undefined, gone))).toEqual(
      expect.arrayContaining([
        'messages.conversation_id',
        'turn_traces.conversation_id',
        'feedback.conversation_id',
      ]),
    );

    // The server's own sweep runs 20 s after start-up and hourly: whichever ran, the audit log says
    // what it deleted.
    await fixture.server.runtime.conversationRetention.sweep();
    const expiredOf = async (key: string) =>
      (
        await call<AuditPage>(fixture.app, {
          method: 'GET',
          url: '/v1/audit-log?action=conversations.expired',
          headers: bearer(key),
        })
      ).body.entries;
    const [mineExpired, ...moreOfMine] = await expiredOf(mine.key);
    expect(moreOfMine).toEqual([]);
    expect(mineExpired).toMatchObject({
      via: 'job',
      actor_key_id: null,
      details: {
        days: 30,
        conversations: 2,
        messages: 6,
        traces: 3,
        feedback: 1,
        approvals: 1,
        visitor_claims: 1,
        usage_rows_detached: 3,
      },
    });
    const theirsExpired = await expiredOf(theirs.key);
    expect(theirsExpired).toHaveLength(1);
    expect(theirsExpired[0]).toMatchObject({ details: { days: 60, conversations: 1, messages: 2 } });

    // Nothing of the expired conversations is left in any table; their usage is still counted.
    expect(await rowsOf(db, undefined, [...gone, theirsGone.conversation_id])).toEqual({});
    const usage = await db.query<{ conversation_id: string | null }>(
      'select conversation_id from usage where turn_id = any($1::text[])',
      [[old.turn_id, older.turn_id]],
    );
    expect(usage).toEqual([{ conversation_id: null }, { conversation_id: null }]);
    // Recent ones, and the other tenant's within its period, stay whole.
    expect(await rowsOf(db, undefined, kept)).toMatchObject({
      'conversations.id': 1,
      'messages.conversation_id': 2,
      'turn_traces.conversation_id': 1,
    });
    const read = (key: string, id: string) =>
      call(fixture.app, { method: 'GET', url: `/v1/conversations/${id}`, headers: bearer(key) });
    expect((await read(mine.key, recent.conversation_id)).status).toBe(200);
    expect((await read(theirs.key, theirsKept.conversation_id)).status).toBe(200);
    expect((await read(mine.key, old.conversation_id)).status).toBe(404);

    expect(await metricValue(fixture.app, 'parley_retention_deleted_total', { kind: 'conversations' })).toBe(
      3,
    );

    // A second sweep finds nothing more to delete.
    const again = await fixture.server.runtime.conversationRetention.sweep();
    expect(again.filter((expired) => [mine.tenantId, theirs.tenantId].includes(expired.tenantId))).toEqual(
      [],
    );
  });

  it('deletes in bounded batches until nothing past the period is left', async () => {
    const { db } = fixture.server.runtime;
    const batched = await createApiKey(db, `${tenant}-batched`);
    // Older than this test's 10 days, younger than the server's 60: the server's own sweep keeps them.
    const ids: string[] = Array.from({ length: 5 }, () => randomUUID());
    await db.query(
      `insert into conversations(id, tenant_id, bot_id, updated_at)
       select a.id, $2, 'parley', now() - make_interval(days => a.days)
         from unnest($1::text[], $3::int[]) as a(id, days)`,
      [ids, batched.tenantId, [11, 12, 13, 14, 5]],
    );
    const batches: number[] = [];
    const retention = new ConversationRetention(
      db,
      {
        defaultDays: 10,
        batch: 2,
        onDeleted: (deleted) => {
          const here = deleted.filter((id) => ids.includes(id)).length;
          if (here > 0) batches.push(here);
        },
      },
      createLogger('silent'),
    );
    const swept = await retention.sweep();
    expect(swept.find((expired) => expired.tenantId === batched.tenantId)?.report.conversations).toBe(4);
    // Two statements of two, and one that found none left; the newest (5 days) stays.
    expect(batches).toEqual([2, 2]);
    expect(await rowsOf(db, undefined, ids.slice(0, 4))).toEqual({});
    expect(await rowsOf(db, undefined, [ids[4]!])).toEqual({ 'conversations.id': 1 });
  });

  it('deletes messages past the tenant’s message period even in a conversation in use, with their turn’s trace and rating', async () => {
    const { db } = fixture.server.runtime;
    const mine = await createApiKey(db, `${tenant}-messages`, { scopes: ['admin'] });
    const theirs = await createApiKey(db, `${tenant}-messages-other`, { scopes: ['admin'] });
    const set = await call<RetentionView & { message_days: number; effective_message_days: number }>(
      fixture.app,
      { method: 'PUT', url: '/v1/retention', headers: bearer(mine.key), payload: { message_days: 30 } },
    );
    expect(set.status, set.raw).toBe(200);
    expect(set.body).toMatchObject({ message_days: 30, effective_message_days: 30, conversation_days: null });
    for (const bad of [{ message_days: 0 }, { message_days: 2.5 }, { message_days: '30' }]) {
      const refused = await call(fixture.app, {
        method: 'PUT',
        url: '/v1/retention',
        headers: bearer(mine.key),
        payload: bad as Record<string, unknown>,
      });
      expect(refused.status, JSON.stringify(bad)).toBe(400);
    }

    // A conversation in use: its first turn is old, its second recent.
    const first = await fixture.converse(bearer(mine.key), 'What causes the tides?');
    const second = await fixture.converse(bearer(mine.key), 'And how often?', first.conversation_id);
    // A conversation whose every message is old: nothing of it is left, its title included.
    const stale = await fixture.converse(bearer(mine.key), 'Tell me about the Moon');
    // The other tenant set no message period (the server has none): its old messages stay.
    const theirsOld = await fixture.converse(bearer(theirs.key), 'What causes the tides?');
    const rated = await call(fixture.app, {
      method: 'POST',
      url: `/v1/turns/${first.turn_id}/feedback`,
      headers: bearer(mine.key),
      payload: { rating: 'down', comment: 'too short' },
    });
    expect(rated.status).toBe(201);
    // Ages moved in one statement (the server's own sweep sees all or none), conversations active.
    await db.query(
      `with summary as (
         update conversations set summary = 'User: What causes the tides?', summarized_messages = 2
          where id = $1
       )
       update messages set created_at = now() - interval '31 days' where turn_id = any($2::text[])`,
      [first.conversation_id, [first.turn_id, stale.turn_id, theirsOld.turn_id]],
    );

    await fixture.server.runtime.conversationRetention.sweepMessages();
    const turnsOf = async (conversationId: string) =>
      (
        await db.query<{ turn_id: string }>(
          'select distinct turn_id from messages where conversation_id = $1 order by 1',
          [conversationId],
        )
      ).map((row) => row.turn_id);
    expect(await turnsOf(first.conversation_id)).toEqual([second.turn_id]);
    expect(await turnsOf(theirsOld.conversation_id)).toEqual([theirsOld.turn_id]);
    const [left] = await db.query<{ summary: string | null; summarized_messages: number }>(
      'select summary, summarized_messages from conversations where id = $1',
      [first.conversation_id],
    );
    expect(left).toEqual({ summary: null, summarized_messages: 0 });
    const [gone] = await db.query<{ traces: number; feedback: number }>(
      `select (select count(*) from turn_traces where turn_id = any($1::text[]))::int as traces,
              (select count(*) from feedback where turn_id = any($1::text[]))::int as feedback`,
      [[first.turn_id, stale.turn_id]],
    );
    expect(gone).toEqual({ traces: 0, feedback: 0 });
    expect(await rowsOf(db, undefined, [stale.conversation_id])).toEqual({});
    // The conversation in use still answers, with its recent turn.
    const read = await call<{ messages: { content: string }[] }>(fixture.app, {
      method: 'GET',
      url: `/v1/conversations/${first.conversation_id}`,
      headers: bearer(mine.key),
    });
    expect(read.status).toBe(200);
    expect(read.body.messages.map((message) => message.content)).not.toContain('What causes the tides?');
    expect(read.body.messages.map((message) => message.content)).toContain('And how often?');
    // Whichever sweep ran (the server's own, or this one), the audit log says what went.
    const entries = (
      await call<AuditPage>(fixture.app, {
        method: 'GET',
        url: '/v1/audit-log?action=messages.expired',
        headers: bearer(mine.key),
      })
    ).body.entries;
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      via: 'job',
      details: { days: 30, messages: 4, traces: 2, feedback: 1, summaries: 1, conversations: 1 },
    });
  });
});
