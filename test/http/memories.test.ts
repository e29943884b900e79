// Long-term memory for end users: a preference a user states in one conversation is taken by the
// bot's model after the turn (the extraction call, charged as the turn's `:memory` usage row) and
// reaches the model's prompt in a later conversation of theirs, never another user's or another
// tenant's; the user sees, corrects and deletes their memories through /v1/memories (another's ids
// are 404); an erasure removes them; a bot without `memory: true` keeps none.
import { describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/app/index.js';
import { useChatFixture } from '../support/chat-fixture.js';
import { TIDES } from '../support/documents.js';
import { call } from '../support/http.js';
import { useIdentityProvider } from '../support/identity-provider.js';
import { rememberLanguage } from '../support/memory-stub.js';
import type { StubPrompt } from '../support/stub-provider/index.js';
import { BACKENDS, eventually } from '../support/test-backend.js';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

interface Memory {
  id: string;
  kind: string;
  topic: string;
  text: string;
  turn_id: string;
}

describe.each(BACKENDS)('long-term memory on %s', (kind) => {
  const fixture = useChatFixture({
    kind,
    models: 'openai:small-model',
    documents: [TIDES],
    reply: rememberLanguage,
  });

  /** The answer requests the stub received (not the extraction calls) whose last message has `text`. */
  const answerPrompts = (text: string) =>
    fixture.stub.requests
      .map((request) => request.prompt)
      .filter((prompt): prompt is StubPrompt => prompt !== undefined && prompt.json === undefined)
      .filter((prompt) => prompt.lastUserText.includes(text));

  const memoriesOf = async (headers: Record<string, string>, query = '') =>
    call<{ memories: Memory[] }>(fixture.app, { method: 'GET', url: `/v1/memories${query}`, headers });

  it('remembers a preference and uses it in a later conversation of the same user only', async () => {
    const admin = await fixture.tenantWithKey(`memory-${kind}`);
    const other = await fixture.tenantWithKey(`memory-other-${kind}`);
    const forUser = (key: { headers: { authorization: string } }, user: string) => ({
      ...key.headers,
      'parley-user': user,
    });
    for (const tenant of [admin, other]) {
      const on = await call(fixture.app, {
        method: 'PATCH',
        url: '/v1/bots/parley',
        headers: tenant.headers,
        payload: { settings: { memory: true } },
      });
      expect(on.status).toBe(200);
    }
    const alice = forUser(admin, 'alice');

    const first = await fixture.converse(alice, 'I want answers in French. What causes the tides?');
    const [remembered] = (
      await eventually(async () => {
        const listed = (await memoriesOf(alice)).body.memories;
        return listed.length > 0 ? listed : undefined;
      })
    ).slice();
    expect(remembered).toMatchObject({
      kind: 'preference',
      topic: 'answer_language',
      text: 'Prefers answers in French.',
      turn_id: first.turn_id,
    });
    // The extraction call is charged like the turn's other model calls, on a usage row of its own.
    await eventually(async () => {
      const rows = await fixture.server.runtime.db.query<{ output_tokens: number }>(
        'select output_tokens from usage where turn_id = $1',
        [`${first.turn_id}:memory`],
      );
      return rows[0] && rows[0].output_tokens > 0 ? true : undefined;
    });

    // A later conversation: the model is told the preference, apart from the documents.
    await fixture.converse(alice, 'How often do the tides come in?');
    const [later] = answerPrompts('How often do the tides come in?');
    expect(later?.system).toContain('<user_memory>\n- Prefers answers in French.\n</user_memory>');
    expect(later?.messages.at(-1)?.text).not.toContain('French');

    // Bob in the same tenant, and an "alice" of another tenant, are told nothing of it.
    await fixture.converse(forUser(admin, 'bob'), 'Do the tides come in twice a day?');
    await fixture.converse(forUser(other, 'alice'), 'Are the tides caused by the wind?');
    await fixture.converse(admin.headers, 'Are the tides stronger at full moon?');
    for (const question of [
      'Do the tides come in twice a day?',
      'Are the tides caused by the wind?',
      'Are the tides stronger at full moon?',
    ]) {
      const [prompt] = answerPrompts(question);
      expect(prompt, question).toBeDefined();
      expect(prompt?.system, question).not.toContain('user_memory');
      expect(prompt?.system, question).not.toContain('French');
    }
    // An anonymous turn (no user) is never read for memories.
    const extractions = fixture.stub.requests.filter((r) => r.prompt?.json?.name === 'user_memories');
    expect(extractions.map((r) => r.prompt?.lastUserText)).not.toContainEqual(
      expect.stringContaining('full moon'),
    );

    // Through the API too: Bob and the other tenant see none of Alice's memories, and her id is
    // 404 to them whatever they try.
    expect((await memoriesOf(forUser(admin, 'bob'))).body.memories).toEqual([]);
    expect((await memoriesOf(other.headers, '?user=alice')).body.memories).toEqual([]);
    for (const headers of [forUser(admin, 'bob'), forUser(other, 'alice')]) {
      const patched = await call(fixture.app, {
        method: 'PATCH',
        url: `/v1/memories/${remembered!.id}`,
        headers,
        payload: { text: 'Prefers answers in Klingon.' },
      });
      expect(patched.status).toBe(404);
      const deleted = await call(fixture.app, {
        method: 'DELETE',
        url: `/v1/memories/${remembered!.id}`,
        headers,
      });
      expect(deleted.status).toBe(404);
    }
    expect(
      (await call(fixture.app, { method: 'DELETE', url: '/v1/memories', headers: forUser(admin, 'bob') }))
        .body,
    ).toEqual({
      deleted: 0,
    });
    // A signed-in user may not name another; a tenant key without a user must name one.
    expect((await memoriesOf(alice, '?user=bob')).status).toBe(403);
    expect((await memoriesOf(admin.headers)).status).toBe(400);
    expect((await memoriesOf(admin.headers, '?user=alice')).body.memories.map((m) => m.id)).toEqual([
      remembered!.id,
    ]);

    // A changed preference replaces the old one (one row per topic).
    await fixture.converse(alice, 'Actually I want answers in German. What causes the tides?');
    const replaced = await eventually(async () => {
      const listed = (await memoriesOf(alice)).body.memories;
      return listed[0]?.text === 'Prefers answers in German.' ? listed : undefined;
    });
    expect(replaced.map((m) => [m.id, m.topic])).toEqual([[remembered!.id, 'answer_language']]);

    // Alice corrects it, and the next turn uses her words.
    const corrected = await call<Memory>(fixture.app, {
      method: 'PATCH',
      url: `/v1/memories/${remembered!.id}`,
      headers: alice,
      payload: { text: 'Prefers short answers in Spanish.' },
    });
    expect(corrected.status).toBe(200);
    expect(corrected.body.text).toBe('Prefers short answers in Spanish.');
    await fixture.converse(alice, 'Why are there two tides a day?');
    expect(answerPrompts('Why are there two tides a day?')[0]?.system).toContain(
      '- Prefers short answers in Spanish.',
    );
    expect(
      (
        await call(fixture.app, {
          method: 'PATCH',
          url: `/v1/memories/${remembered!.id}`,
          headers: alice,
          payload: { text: '' },
        })
      ).status,
    ).toBe(400);

    // Deleted, it is gone from the API and from the next prompt.
    const gone = await call(fixture.app, {
      method: 'DELETE',
      url: `/v1/memories/${remembered!.id}`,
      headers: alice,
    });
    expect(gone.status).toBe(204);
    expect((await memoriesOf(alice)).body.memories).toEqual([]);
    await fixture.converse(alice, 'What is a spring tide?');
    expect(answerPrompts('What is a spring tide?')[0]?.system).not.toContain('user_memory');
  });

  it('stores a user’s memory edit with personal data redacted by the bot’s PII policy, as messages are', async () => {
    const admin = await fixture.tenantWithKey(`memory-pii-${kind}`);
    const bot = (settings: Record<string, unknown>) =>
      call(fixture.app, {
        method: 'PATCH',
        url: '/v1/bots/parley',
        headers: admin.headers,
        payload: { settings },
      });
    expect((await bot({ memory: true })).status).toBe(200);
    const carol = { ...admin.headers, 'parley-user': 'carol' };
    await fixture.converse(carol, 'I want answers in Dutch. What causes the tides?');
    const [remembered] = await eventually(async () => {
      const listed = (await memoriesOf(carol)).body.memories;
      return listed.length > 0 ? listed : undefined;
    });
    const edit = (text: string) =>
      call<Memory>(fixture.app, {
        method: 'PATCH',
        url: `/v1/memories/${remembered!.id}`,
        headers: carol,
        payload: { text },
      });
    const storedText = async () =>
      (
        await fixture.server.runtime.db.query<{ text: string }>('select text from memories where id = $1', [
          remembered!.id,
        ])
      )[0]?.text;

    const redacted = await edit('Answers to carol.ruiz@example.com, or call +44 20 7946 0958.');
    expect(redacted.status).toBe(200);
    expect(redacted.body.text).toBe('Answers to [EMAIL], or call [PHONE].');
    expect(await storedText()).toBe('Answers to [EMAIL], or call [PHONE].');

    // The bot's own policy applies: phone numbers allowed there stay, the email is still redacted.
    expect((await bot({ memory: true, guard: { pii: { phone: 'allow' } } })).status).toBe(200);
    await edit('Answers to carol.ruiz@example.com, or call +44 20 7946 0958.');
    expect(await storedText()).toBe('Answers to [EMAIL], or call +44 20 7946 0958.');
  });

  it('exports a user’s memories and erases them with the user, with their count in the report', async () => {
    const db = fixture.server.runtime.db;
    const tenant = `memory-erase-${kind}`;
    const admin = await createApiKey(db, tenant, { scopes: ['admin'] });
    await call(fixture.app, {
      method: 'PATCH',
      url: '/v1/bots/parley',
      headers: bearer(admin.key),
      payload: { settings: { memory: true } },
    });
    const carol = { ...bearer(admin.key), 'parley-user': 'carol' };
    const dave = { ...bearer(admin.key), 'parley-user': 'dave' };
    // The tenant has no documents: a chat turn answers "not found" without a model; memories
    // come from answered turns, so this test stores them as the extraction would.
    await db.query(
      `insert into memories(id, tenant_id, user_id, topic, kind, text, bot_id, turn_id)
       values (gen_random_uuid()::text, $1, 'carol', 'answer_language', 'preference', 'Prefers answers in Dutch.', 'parley', 't1'),
              (gen_random_uuid()::text, $1, 'carol', 'boat', 'fact', 'Sails out of Brest.', 'parley', 't2'),
              (gen_random_uuid()::text, $1, 'dave', 'boat', 'fact', 'Sails out of Cork.', 'parley', 't3')`,
      [admin.tenantId],
    );
    expect((await memoriesOf(carol)).body.memories).toHaveLength(2);
    const exported = await call<{ memories: Memory[] }>(fixture.app, {
      method: 'GET',
      url: '/v1/users/carol/export',
      headers: bearer(admin.key),
    });
    expect(exported.status).toBe(200);
    expect(exported.body.memories.map((m) => m.text).sort()).toEqual([
      'Prefers answers in Dutch.',
      'Sails out of Brest.',
    ]);
    const erased = await call<{ removed: { memories: number } }>(fixture.app, {
      method: 'DELETE',
      url: '/v1/users/carol',
      headers: bearer(admin.key),
    });
    expect(erased.status).toBe(200);
    expect(erased.body.removed.memories).toBe(2);
    expect(
      await db.query('select 1 from memories where tenant_id = $1 and user_id = $2', [
        admin.tenantId,
        'carol',
      ]),
    ).toEqual([]);
    expect((await memoriesOf(carol)).body.memories).toEqual([]);
    expect((await memoriesOf(dave)).body.memories.map((m) => m.text)).toEqual(['Sails out of Cork.']);
  });

  it('remembers nothing of a turn whose user was erased while the model read it', async () => {
    const tenant = await fixture.tenantWithKey(`memory-erased-${kind}`);
    const on = await call(fixture.app, {
      method: 'PATCH',
      url: '/v1/bots/parley',
      headers: tenant.headers,
      payload: { settings: { memory: true } },
    });
    expect(on.status).toBe(200);
    const hal = { ...tenant.headers, 'parley-user': 'hal' };
    const { stub } = fixture;
    const before = stub.requests.length;
    // The answer is held until the extraction's request can be held in turn.
    const answer = stub.holdNext(1);
    const asked = fixture.converse(hal, 'I want answers in Spanish. What causes the tides?');
    await stub.waitForRequests(before + 1);
    const extraction = stub.holdNext(1);
    answer.release();
    await asked;
    await eventually(async () =>
      stub.requests.slice(before).some((r) => r.prompt?.json?.name === 'user_memories') ? true : undefined,
    );
    // The model is reading the turn: the user is erased meanwhile.
    const erased = await call<{ removed: { conversations: number } }>(fixture.app, {
      method: 'DELETE',
      url: '/v1/users/hal',
      headers: tenant.headers,
    });
    expect(erased.body.removed.conversations).toBe(1);
    extraction.release();
    await eventually(async () => (fixture.server.runtime.tasks.size === 0 ? true : undefined));
    expect(
      await fixture.server.runtime.db.query('select 1 from memories where tenant_id = $1 and user_id = $2', [
        tenant.tenantId,
        'hal',
      ]),
    ).toEqual([]);
  });

  it('deletes memories past the retention period in the background sweep; newer ones stay', async () => {
    const { db } = fixture.server.runtime;
    const admin = await createApiKey(db, `memory-expiry-${kind}`, { scopes: ['admin'] });
    await db.query(
      `insert into memories(id, tenant_id, user_id, topic, kind, text, bot_id, turn_id, updated_at)
       values (gen_random_uuid()::text, $1, 'fay', 'old', 'fact', 'Sailed in 2019.', 'parley', 't1', now() - interval '400 days'),
              (gen_random_uuid()::text, $1, 'fay', 'new', 'fact', 'Sails in June.', 'parley', 't2', now() - interval '10 days')`,
      [admin.tenantId],
    );
    // The server's retention is PARLEY_MEMORY_RETENTION_DAYS (365 by default).
    await fixture.server.runtime.memories.sweep();
    const left = await db.query<{ text: string }>(
      'select text from memories where tenant_id = $1 and user_id = $2',
      [admin.tenantId, 'fay'],
    );
    expect(left).toEqual([{ text: 'Sails in June.' }]);
  });

  it('keeps no memory for a bot without the memory setting', async () => {
    const tenant = await fixture.tenantWithKey(`memory-off-${kind}`);
    const erin = { ...tenant.headers, 'parley-user': 'erin' };
    const before = fixture.stub.requests.length;
    await fixture.converse(erin, 'I want answers in Italian. What causes the tides?');
    // Whatever the turn started in the background has finished.
    await eventually(async () => (fixture.server.runtime.tasks.size === 0 ? true : undefined));
    expect(
      fixture.stub.requests.slice(before).filter((r) => r.prompt?.json?.name === 'user_memories'),
    ).toEqual([]);
    expect((await memoriesOf(erin)).body.memories).toEqual([]);
  });
});

describe('long-term memory of signed-in users', () => {
  const idp = useIdentityProvider();
  const tenant = 'memory-people';
  const fixture = useChatFixture(() => ({
    models: 'openai:small-model',
    documents: [TIDES],
    reply: rememberLanguage,
    env: {
      PARLEY_OIDC_ISSUER: idp.issuer,
      PARLEY_OIDC_AUDIENCE: idp.audience,
      PARLEY_OIDC_TENANT: tenant,
      PARLEY_OIDC_CLOCK_SKEW_SECONDS: '60',
    },
  }));

  it('keeps a signed-in user’s memories theirs: another user’s token gets 404 for their ids', async () => {
    const admin = await fixture.tenantWithKey(tenant);
    await call(fixture.app, {
      method: 'PATCH',
      url: '/v1/bots/parley',
      headers: admin.headers,
      payload: { settings: { memory: true } },
    });
    const alice = bearer(await idp.token('alice'));
    const bob = bearer(await idp.token('bob'));
    await fixture.converse(alice, 'I want answers in Welsh. What causes the tides?');
    const [mine] = await eventually(async () => {
      const listed = (
        await call<{ memories: Memory[] }>(fixture.app, {
          method: 'GET',
          url: '/v1/memories',
          headers: alice,
        })
      ).body.memories;
      return listed.length > 0 ? listed : undefined;
    });
    expect(mine?.text).toBe('Prefers answers in Welsh.');
    const theirs = await call<{ memories: Memory[] }>(fixture.app, {
      method: 'GET',
      url: '/v1/memories',
      headers: bob,
    });
    expect(theirs.body.memories).toEqual([]);
    for (const method of ['PATCH', 'DELETE'] as const) {
      const response = await call(fixture.app, {
        method,
        url: `/v1/memories/${mine!.id}`,
        headers: bob,
        ...(method === 'PATCH' ? { payload: { text: 'Prefers answers in Latin.' } } : {}),
      });
      expect(response.status, method).toBe(404);
    }
    expect(
      (await call(fixture.app, { method: 'GET', url: '/v1/memories?user=alice', headers: bob })).status,
    ).toBe(403);
    // Bob's turn is not told Alice's preference.
    await fixture.converse(bob, 'Why do tides rise and fall?');
    const bobs = fixture.stub.requests.find(
      (r) => r.prompt?.json === undefined && r.prompt?.lastUserText.includes('Why do tides rise and fall?'),
    );
    expect(bobs?.prompt?.system).not.toContain('Welsh');
    const cleared = await call(fixture.app, { method: 'DELETE', url: '/v1/memories', headers: alice });
    expect(cleared.body).toEqual({ deleted: 1 });
  });
});

describe('long-term memory without a model', () => {
  // No PARLEY_MODELS: answers are extractive, and nothing is taken into memory (there is no model
  // to read the conversation), though the bot's memory setting is on.
  const fixture = useChatFixture({ documents: [TIDES] });

  it('keeps no memory of a user when no model is configured', async () => {
    const tenant = await fixture.tenantWithKey('memory-no-model');
    const on = await call(fixture.app, {
      method: 'PATCH',
      url: '/v1/bots/parley',
      headers: tenant.headers,
      payload: { settings: { memory: true } },
    });
    expect(on.status, on.raw).toBe(200);
    const gus = { ...tenant.headers, 'parley-user': 'gus' };
    await fixture.converse(gus, 'I want answers in French. What causes the tides?');
    await eventually(async () => (fixture.server.runtime.tasks.size === 0 ? true : undefined));
    expect(fixture.stub.requests).toEqual([]);
    const listed = await call<{ memories: Memory[] }>(fixture.app, {
      method: 'GET',
      url: '/v1/memories',
      headers: gus,
    });
    expect(listed.body.memories).toEqual([]);
  });
});
