// An end user's data rights, for the tenant's administrators: GET /v1/users/{id}/export gives
// everything held of the user (conversations, messages, ratings); DELETE /v1/users/{id} erases it
// all with a report, after which no table holds a row of the user's; another user's and another
// tenant's data stay; only admin keys may do either; the erasure is in the audit log. Read as text,
// no row of any table names the user, their conversations or what they wrote.
import { afterEach, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/app/index.js';
import { ERASURE_MEMORY_MS, forgetErasures } from '../../src/orchestrator/index.js';
import type { Database } from '../../src/storage/index.js';
import { useChatFixture } from '../support/chat-fixture.js';
import { rowsOf as rowsOfConversations } from '../support/conversation-rows.js';
import { TIDES } from '../support/documents.js';
import { call } from '../support/http.js';
import { BACKENDS, eventually } from '../support/test-backend.js';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

interface UserExport {
  user_id: string;
  conversations: {
    id: string;
    messages: { role: string }[];
    feedback: { rating: string }[];
    traces: { turn_id: string; trace: Record<string, unknown> }[];
  }[];
}

describe.each(BACKENDS)("an end user's data on %s", (kind) => {
  const fixture = useChatFixture({
    kind,
    documents: [TIDES],
    // A handoff's webhook event is a job carrying the user's message (delivered or failed, it stays).
    env: {
      PARLEY_HANDOFF_WEBHOOK_URL: 'http://127.0.0.1:9/handoff',
      PARLEY_WEBHOOK_SECRET: 'test-webhook-secret-0123456789',
      PARLEY_WEBHOOK_MAX_ATTEMPTS: '1',
    },
  });
  const tenant = `rights-${kind}`;

  const converse = (headers: Record<string, string>, message: string, conversationId?: string) =>
    fixture.converse(headers, message, conversationId);

  const rowsOf = (userId: string, ids: string[]) =>
    rowsOfConversations(fixture.server.runtime.db, userId, ids);

  it('exports everything held of a user, then erases it everywhere with a report; others keep theirs', async () => {
    const db = fixture.server.runtime.db;
    const admin = await createApiKey(db, tenant, { scopes: ['admin'] });
    const reader = await createApiKey(db, tenant, { scopes: ['read'] });
    const stranger = await createApiKey(db, `${tenant}-other`, { scopes: ['admin'] });
    const forAlice = { ...bearer(admin.key), 'parley-user': 'alice' };
    const forBob = { ...bearer(admin.key), 'parley-user': 'bob' };

    const first = await converse(forAlice, 'What causes the tides?');
    await converse(forAlice, 'And how often?', first.conversation_id);
    const second = await converse(forAlice, 'Tell me about the Moon');
    const bobs = await converse(forBob, 'What causes the tides?');
    const rated = await call(fixture.app, {
      method: 'POST',
      url: `/v1/turns/${first.turn_id}/feedback`,
      headers: forAlice,
      payload: { rating: 'down', comment: 'too short' },
    });
    expect(rated.status).toBe(201);

    // Only admin keys read a user's data: not a read key, not one acting for the user.
    const exportOf = (headers: Record<string, string>, user: string) =>
      call<UserExport>(fixture.app, { method: 'GET', url: `/v1/users/${user}/export`, headers });
    expect((await exportOf(bearer(reader.key), 'alice')).status).toBe(403);
    expect((await exportOf(forAlice, 'alice')).status).toBe(403);
    const exported = await exportOf(bearer(admin.key), 'alice');
    expect(exported.status).toBe(200);
    expect(exported.body.user_id).toBe('alice');
    expect(exported.body.conversations.map((c) => c.id).sort()).toEqual(
      [first.conversation_id, second.conversation_id].sort(),
    );
    const firstExported = exported.body.conversations.find((c) => c.id === first.conversation_id)!;
    expect(firstExported.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(firstExported.feedback.map((f) => f.rating)).toEqual(['down']);
    // Each turn's trace, with what the turn did.
    expect(firstExported.traces).toHaveLength(2);
    expect(firstExported.traces[0]).toMatchObject({ turn_id: first.turn_id, trace: expect.any(Object) });

    // Another tenant's admin erases no one here.
    const elsewhere = await call<{ removed: { conversations: number } }>(fixture.app, {
      method: 'DELETE',
      url: '/v1/users/alice',
      headers: bearer(stranger.key),
    });
    expect(elsewhere.status).toBe(200);
    expect(elsewhere.body.removed.conversations).toBe(0);

    const ids = [first.conversation_id, second.conversation_id];
    expect(Object.keys(await rowsOf('alice', ids)).length).toBeGreaterThan(0);
    const erased = await call(fixture.app, {
      method: 'DELETE',
      url: '/v1/users/alice',
      headers: bearer(admin.key),
    });
    expect(erased.status).toBe(200);
    expect(erased.body).toEqual({
      user_id: 'alice',
      removed: {
        conversations: 2,
        messages: 6,
        traces: 3,
        feedback: 1,
        approvals: 0,
        visitor_claims: 0,
        webhook_events: 0,
        memories: 0,
      },
      usage_rows_detached: 3,
    });
    // No table holds a row of hers; her usage is still counted for the tenant.
    expect(await rowsOf('alice', ids)).toEqual({});
    const [usage] = await db.query<{ n: number }>(
      'select count(*)::int as n from usage where turn_id = any($1::text[])',
      [[first.turn_id, second.turn_id]],
    );
    expect(usage!.n).toBe(2);
    expect(
      (
        await call(fixture.app, {
          method: 'GET',
          url: `/v1/conversations/${first.conversation_id}`,
          headers: forAlice,
        })
      ).status,
    ).toBe(404);
    // Bob's stay.
    expect((await exportOf(bearer(admin.key), 'bob')).body.conversations.map((c) => c.id)).toEqual([
      bobs.conversation_id,
    ]);
    // The erasure is in the audit log, under the user's id.
    const audit = await call<{ entries: { action: string; target_id: string | null }[] }>(fixture.app, {
      method: 'GET',
      url: '/v1/audit-log?action=user.erased',
      headers: bearer(admin.key),
    });
    await eventually(async () => {
      const entries = (
        await call<{ entries: { action: string; target_id: string | null }[] }>(fixture.app, {
          method: 'GET',
          url: '/v1/audit-log?action=user.erased',
          headers: bearer(admin.key),
        })
      ).body.entries;
      return entries.some((entry) => entry.target_id === 'alice') ? true : undefined;
    });
    expect(audit.status).toBe(200);
  });

  it('leaves no row of any table naming the erased user, their conversations or their words', async () => {
    const db = fixture.server.runtime.db;
    const admin = await createApiKey(db, `${tenant}-scan`, { scopes: ['admin'] });
    const user = `erin-${kind}-${Date.now().toString(36)}`;
    const asUser = { ...bearer(admin.key), 'parley-user': user };
    const patched = await call(fixture.app, {
      method: 'PATCH',
      url: '/v1/bots/parley',
      headers: bearer(admin.key),
      payload: { settings: { intents: { handoff: true } } },
    });
    expect(patched.status, patched.raw).toBe(200);
    const asked = await converse(asUser, 'What causes the tides, Quillonbert wonders?');
    const rated = await call(fixture.app, {
      method: 'POST',
      url: `/v1/turns/${asked.turn_id}/feedback`,
      headers: asUser,
      payload: { rating: 'down', comment: 'Quillonbert expected more' },
    });
    expect(rated.status, rated.raw).toBe(201);
    // A request for a person: the handoff's webhook event is stored as a job with the message.
    const handed = await fixture.chat<{ mode: string; conversation_id: string }>(
      { message: 'I want to talk to a human' },
      asUser,
    );
    expect(handed.body.mode).toBe('handoff');
    const [job] = await db.query<{ n: number }>(
      `select count(*)::int as n from jobs where payload->'body'->>'conversation_id' = $1`,
      [handed.body.conversation_id],
    );
    expect(job!.n).toBe(1);

    // Every base table, each row read as text, searched for the user's id, conversations and words.
    const patterns = [user, asked.conversation_id, handed.body.conversation_id, 'Quillonbert'].map(
      (text) => `%${text}%`,
    );
    const scan = async () => {
      const tables = await db.query<{ table_name: string }>(
        `select table_name from information_schema.tables
          where table_schema = current_schema() and table_type = 'BASE TABLE' order by 1`,
      );
      const found: Record<string, number> = {};
      for (const { table_name: table } of tables) {
        // The erasure's own audit entry names the user: the record that the request was honoured;
        // so does the record of the erasure that turns still in flight read (kept a day).
        if (table === 'user_erasures') continue;
        const exempt = table === 'audit_log' ? " and action <> 'user.erased'" : '';
        const [row] = await db.query<{ n: number }>(
          `select count(*)::int as n from "${table}" t where t::text like any($1::text[])${exempt}`,
          [patterns],
        );
        if (row!.n > 0) found[table] = row!.n;
      }
      return found;
    };
    expect(Object.keys(await scan())).toEqual(expect.arrayContaining(['conversations', 'jobs', 'messages']));

    const erased = await call<{ removed: Record<string, number> }>(fixture.app, {
      method: 'DELETE',
      url: `/v1/users/${user}`,
      headers: bearer(admin.key),
    });
    expect(erased.status, erased.raw).toBe(200);
    expect(erased.body.removed).toMatchObject({ conversations: 2, feedback: 1, webhook_events: 1 });
    expect(await scan()).toEqual({});
  });

  // A turn's write (its conversation, messages and trace) waits in the write-behind queue after
  // the answer, and its usage row after it; the erasure runs meanwhile; then the writes go. Held
  // where the server hands the turn to the database, the same way on both backends.
  describe('an erasure that overtakes a turn still being written', () => {
    let restore: (() => void) | undefined;
    afterEach(() => restore?.());

    /** Holds the next turn write until `release` is called; `held` gives the turns it carries. */
    const holdTurnWrite = (db: Database) => {
      const { query } = db;
      let release!: () => void;
      const open = new Promise<void>((resolve) => {
        release = resolve;
      });
      let seen!: (rows: { turn_id: string; conversation_id: string }[]) => void;
      const held = new Promise<{ turn_id: string; conversation_id: string }[]>((resolve) => {
        seen = resolve;
      });
      db.query = (async (sql: string, params?: unknown[]) => {
        if (sql.includes('insert into turn_traces') && sql.includes('jsonb_to_recordset')) {
          seen(JSON.parse(String(params![0])));
          await open;
        }
        return query.call(db, sql, params);
      }) as Database['query'];
      restore = () => {
        db.query = query;
        restore = undefined;
      };
      return { held, release };
    };

    it("stores none of the user's turns asked before the erasure, and those asked after it", async () => {
      const db = fixture.server.runtime.db;
      const admin = await createApiKey(db, `${tenant}-race`, { scopes: ['admin'] });
      const user = `rita-${kind}-${Date.now().toString(36)}`;
      const asUser = { ...bearer(admin.key), 'parley-user': user };
      const erase = async () => {
        const erased = await call(fixture.app, {
          method: 'DELETE',
          url: `/v1/users/${user}`,
          headers: bearer(admin.key),
        });
        expect(erased.status, erased.raw).toBe(200);
      };
      /** Sends `message` as `headers`, erases the user while its writes wait, then lets them go. */
      const overtaken = async (headers: Record<string, string>, message: string, conversationId?: string) => {
        const hold = holdTurnWrite(db);
        const answered = fixture.chat<{ conversation_id: string }>(
          { message, ...(conversationId ? { conversation_id: conversationId } : {}) },
          headers,
        );
        const [held] = await hold.held;
        await erase();
        hold.release();
        expect((await answered).status).toBe(200);
        restore?.();
        // Its usage row follows the turn's write: the tenant's accounting keeps it.
        await eventually(async () => {
          const rows = await db.query('select 1 from usage where turn_id = $1', [held!.turn_id]);
          return rows.length > 0 ? true : undefined;
        });
        return held!.conversation_id;
      };

      // A follow-up in the user's stored conversation (its owner is on the conversation's row).
      const first = await converse(asUser, 'What causes the tides?');
      expect(await overtaken(asUser, 'And how often?', first.conversation_id)).toBe(first.conversation_id);
      expect(await rowsOf(user, [first.conversation_id])).toEqual({});

      // The same, asked by the tenant's key for no user: the conversation's owner still decides.
      const second = await converse(asUser, 'Tell me about the Moon');
      await overtaken(bearer(admin.key), 'And the Sun?', second.conversation_id);
      expect(await rowsOf(user, [second.conversation_id])).toEqual({});

      // A new conversation (its owner is on the turn).
      const fresh = await overtaken(asUser, 'What causes the tides, again?');
      expect(await rowsOf(user, [first.conversation_id, second.conversation_id, fresh])).toEqual({});

      // The user may keep using the service: a turn asked after the erasure is stored.
      const after = await converse(asUser, 'What causes the tides?');
      const found = await rowsOf(user, [after.conversation_id]);
      expect(found).toMatchObject({ 'conversations.user_id': 1, 'messages.conversation_id': 2 });

      // The record of the erasure (an id and a time) is kept a day, then the retention sweep drops it.
      const recorded = () =>
        db.query('select 1 from user_erasures where user_id = $1', [user]).then((rows) => rows.length);
      expect(await recorded()).toBe(1);
      await forgetErasures(db, new Date(Date.now() + ERASURE_MEMORY_MS - 60_000));
      expect(await recorded()).toBe(1);
      await forgetErasures(db, new Date(Date.now() + ERASURE_MEMORY_MS + 60_000));
      expect(await recorded()).toBe(0);
    });
  });
});
