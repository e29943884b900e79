// A tenant's conversations for their owner, on both backends: listed newest first and searchable
// by title, renamed, exported as JSON and Markdown, and deleted with everything held of them;
// another tenant's ids are 404 for every one of these.
import { describe, expect, it } from 'vitest';
import { type KeyedTenant, useChatFixture } from '../support/chat-fixture.js';
import { TIDES } from '../support/documents.js';
import { call } from '../support/http.js';
import { BACKENDS, eventually } from '../support/test-backend.js';

interface Summary {
  id: string;
  title: string | null;
  messages: number;
}

describe.each(BACKENDS)('conversations on %s', (kind) => {
  const fixture = useChatFixture({ kind, documents: [TIDES] });

  const as =
    (tenant: KeyedTenant) =>
    <T = Record<string, unknown>>(
      method: 'GET' | 'PATCH' | 'DELETE' | 'POST',
      url: string,
      payload?: object,
    ) =>
      call<T>(fixture.app, {
        method,
        url,
        headers: tenant.headers,
        ...(payload ? { payload: payload as Record<string, unknown> } : {}),
      });

  /** Asks, and waits until the turn is stored. */
  const converse = async (tenant: KeyedTenant, message: string) => {
    const response = await fixture.chat<{ conversation_id: string; turn_id: string }>(
      { message },
      tenant.headers,
    );
    expect(response.status).toBe(200);
    return response.body;
  };

  it('lists, searches, renames, exports and deletes, each only for their tenant', async () => {
    const owner = await fixture.tenantWithKey(`owner-${kind}`);
    const stranger = await fixture.tenantWithKey(`stranger-${kind}`);
    const request = as(owner);
    const first = await converse(owner, 'What causes the tides?');
    const second = await converse(owner, 'Why are there two tides a day?');

    const listed = await request<{ conversations: Summary[] }>('GET', '/v1/conversations');
    expect(listed.body.conversations.map((conversation) => conversation.id)).toEqual([
      second.conversation_id,
      first.conversation_id,
    ]);
    expect(listed.body.conversations[1]).toMatchObject({ title: 'What causes the tides?', messages: 2 });
    const found = await request<{ conversations: Summary[] }>('GET', '/v1/conversations?q=TWO%20tides');
    expect(found.body.conversations.map((conversation) => conversation.id)).toEqual([second.conversation_id]);
    // The search is literal: a % matches only itself.
    expect(
      (await request<{ conversations: Summary[] }>('GET', '/v1/conversations?q=%25')).body.conversations,
    ).toEqual([]);

    const renamed = await request<Summary>('PATCH', `/v1/conversations/${first.conversation_id}`, {
      title: 'Tides',
    });
    expect(renamed.status).toBe(200);
    expect(renamed.body.title).toBe('Tides');

    // A title is stored as the bot's PII policy redacts its users' messages.
    const personal = await request<Summary>('PATCH', `/v1/conversations/${second.conversation_id}`, {
      title: 'Tides for jane.doe@example.com, call +44 20 7946 0958',
    });
    expect(personal.status).toBe(200);
    expect(personal.body.title).toBe('Tides for [EMAIL], call [PHONE]');
    const [storedTitle] = await fixture.server.runtime.db.query<{ title: string }>(
      'select title from conversations where id = $1',
      [second.conversation_id],
    );
    expect(storedTitle!.title).toBe('Tides for [EMAIL], call [PHONE]');

    const json = await request<{ title: string; messages: { role: string; content: string }[] }>(
      'GET',
      `/v1/conversations/${first.conversation_id}/export`,
    );
    expect(json.body.title).toBe('Tides');
    expect(json.body.messages.map((message) => message.role)).toEqual(['user', 'assistant']);
    const markdown = await fixture.app.inject({
      method: 'GET',
      url: `/v1/conversations/${first.conversation_id}/export?format=markdown`,
      headers: owner.headers,
    });
    expect(markdown.headers['content-type']).toMatch(/^text\/markdown/);
    expect(markdown.body).toMatch(/^# Tides\n\n\*\*You\*\* \(.+\):\n\nWhat causes the tides\?\n/);
    expect(markdown.body).toContain('**Assistant**');

    // Another tenant: not found, for every route.
    const strange = as(stranger);
    for (const [method, url, payload] of [
      ['PATCH', `/v1/conversations/${first.conversation_id}`, { title: 'Mine' }],
      ['GET', `/v1/conversations/${first.conversation_id}/export`, undefined],
      ['DELETE', `/v1/conversations/${first.conversation_id}`, undefined],
    ] as const) {
      expect((await strange(method, url, payload)).status, `${method} ${url}`).toBe(404);
    }
    expect(
      (await strange<{ conversations: Summary[] }>('GET', '/v1/conversations')).body.conversations,
    ).toEqual([]);

    // Deleted with everything held of it: messages, traces, feedback.
    const stored = async () =>
      (await request('GET', `/v1/turns/${first.turn_id}/trace`)).status === 200 &&
      (await fixture.server.runtime.db.query('select 1 from usage where turn_id = $1', [first.turn_id]))
        .length > 0;
    await eventually(async () => ((await stored()) ? true : undefined));
    expect(
      (await request('POST', `/v1/turns/${first.turn_id}/feedback`, { rating: 'up' })).status,
    ).toBeLessThan(300);
    expect((await request('DELETE', `/v1/conversations/${first.conversation_id}`)).status).toBe(204);
    expect((await request('GET', `/v1/conversations/${first.conversation_id}`)).status).toBe(404);
    expect((await request('GET', `/v1/turns/${first.turn_id}/trace`)).status).toBe(404);
    const db = fixture.server.runtime.db;
    for (const table of ['messages', 'turn_traces', 'feedback', 'usage']) {
      const rows = await db.query(`select 1 from ${table} where conversation_id = $1`, [
        first.conversation_id,
      ]);
      expect(rows, table).toEqual([]);
    }
    // Its usage row stays for the tenant's accounting, no longer naming it.
    expect(await db.query('select 1 from usage where turn_id = $1', [first.turn_id])).toHaveLength(1);
    expect((await request('DELETE', `/v1/conversations/${first.conversation_id}`)).status).toBe(404);
  });

  it('deletes one turn of a conversation (Regenerate), only for its owner', async () => {
    const owner = await fixture.tenantWithKey(`turns-${kind}`);
    const stranger = await fixture.tenantWithKey(`turns-stranger-${kind}`);
    const request = as(owner);
    const first = await converse(owner, 'What causes the tides?');
    const second = await fixture.chat<{ turn_id: string }>(
      { message: 'And the Sun?', conversation_id: first.conversation_id },
      owner.headers,
    );
    const url = `/v1/conversations/${first.conversation_id}/turns/${second.body.turn_id}`;
    const stored = () =>
      request<{ messages: { turn_id: string; content: string }[] }>(
        'GET',
        `/v1/conversations/${first.conversation_id}`,
      );
    await eventually(async () => ((await stored()).body.messages.length === 4 ? true : undefined));
    await eventually(async () =>
      (await request('GET', `/v1/turns/${second.body.turn_id}/trace`)).status === 200 ? true : undefined,
    );
    expect(
      (await request('POST', `/v1/turns/${second.body.turn_id}/feedback`, { rating: 'down' })).status,
    ).toBe(201);

    // Another tenant's key: not found, and nothing deleted.
    expect((await as(stranger)('DELETE', url)).status).toBe(404);
    expect((await stored()).body.messages).toHaveLength(4);

    expect((await request('DELETE', url)).status).toBe(204);
    const left = (await stored()).body.messages;
    expect(left.map((message) => message.turn_id)).toEqual([first.turn_id, first.turn_id]);
    expect((await request('GET', `/v1/turns/${second.body.turn_id}/trace`)).status).toBe(404);
    const rated = await fixture.server.runtime.db.query('select 1 from feedback where turn_id = $1', [
      second.body.turn_id,
    ]);
    expect(rated).toEqual([]);
    // Once gone, a 404; a turn of another conversation is not found through this one.
    expect((await request('DELETE', url)).status).toBe(404);
    const other = await converse(owner, 'Why are there two tides a day?');
    expect(
      (await request('DELETE', `/v1/conversations/${first.conversation_id}/turns/${other.turn_id}`)).status,
    ).toBe(404);
  });
});
