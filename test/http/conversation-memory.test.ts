// A follow-up sees the turn before it the moment that turn's answer has ended, though turns are
// stored after the response (and, under load, later still); on the embedded database, whose owner
// writes every turn, a follow-up's memory needs no database read at all.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConversation } from '../../src/orchestrator/conversation-memory.js';
import { getMessages, saveTurns, type TurnRecord } from '../../src/orchestrator/conversation-store.js';
import type { Database } from '../../src/storage/index.js';
import { type ChatFixture, startChatFixture } from '../support/chat-fixture.js';
import { type StubProvider, startStubProvider } from '../support/stub-provider/index.js';
import { eventually, lockTable } from '../support/test-backend.js';

interface ChatBody {
  answer: string;
  conversation_id: string;
  turn_id: string;
}

/** A server with the tides document whose model is the suite's stub. */
const startServer = (kind: 'pglite' | 'postgres', stub: StubProvider, env: Record<string, string> = {}) =>
  startChatFixture({ kind, stub, models: 'openai:small-model', env });

/** Records the SQL a request sends, through the owner's queries and a tenant's alike. */
function recordStatements(db: Database): { stop(): string[] } {
  const statements: string[] = [];
  const { query, forTenant } = db;
  const record = <R extends { query: Database['query'] }>(runner: R): R => ({
    ...runner,
    query: ((sql: string, params?: unknown[]) => {
      statements.push(sql);
      return runner.query(sql, params);
    }) as Database['query'],
  });
  db.query = record({ query: query.bind(db) }).query;
  db.forTenant = (tenantId: string) => record(forTenant.call(db, tenantId));
  return {
    stop() {
      db.query = query;
      db.forTenant = forTenant;
      return statements;
    },
  };
}

const ask = (t: ChatFixture, message: string, conversationId?: string) =>
  t.chat<ChatBody>({ message, ...(conversationId ? { conversation_id: conversationId } : {}) });

describe('conversation memory', () => {
  let stub: StubProvider;
  beforeAll(async () => {
    stub = await startStubProvider();
  });
  afterAll(async () => {
    await stub?.close();
  });

  it('gives a follow-up the previous turns while they cannot be stored yet (postgres)', async () => {
    const t = await startServer('postgres', stub);
    // Another session holds the messages table against writes (reads go on): no turn can be stored.
    const unlock = await lockTable(t.server, 'messages', 'exclusive');
    try {
      stub.reset();
      stub.setReply('The Moon pulls on the oceans [1].');
      const first = await ask(t, 'What causes the tides?');
      expect(first.status).toBe(200);
      stub.setReply('Twice a day, roughly [1].');
      const second = await ask(
        t,
        'Do the tides come from the Moon pulling the oceans?',
        first.body.conversation_id,
      );
      expect(second.status).toBe(200);
      const third = await ask(t, 'Why does the Moon cause the tides?', first.body.conversation_id);
      expect(third.status).toBe(200);
      const prompts = stub.requests.filter((request) => request.prompt).map((request) => request.prompt!);
      expect(prompts).toHaveLength(3);
      const messages = prompts[2]!.messages;
      expect(messages.slice(0, -1).map((message) => [message.role, message.text])).toEqual([
        ['user', 'What causes the tides?'],
        ['assistant', 'The Moon pulls on the oceans [1].'],
        ['user', 'Do the tides come from the Moon pulling the oceans?'],
        ['assistant', 'Twice a day, roughly [1].'],
      ]);
      expect(messages.at(-1)).toMatchObject({
        role: 'user',
        text: expect.stringContaining('Why does the Moon cause the tides?'),
      });
      const stored = await t.server.runtime.db.query('select id from messages where conversation_id = $1', [
        first.body.conversation_id,
      ]);
      expect(stored).toHaveLength(0);
    } finally {
      await unlock();
    }
    // Once the lock is gone, every turn is stored.
    await eventually(async () => (t.server.runtime.tasks.size === 0 ? true : undefined));
    await t.close();
  });

  it('reads no conversation from the embedded database for a follow-up', async () => {
    const t = await startServer('pglite', stub);
    try {
      stub.reset();
      stub.setReply('The Moon pulls on the oceans [1].');
      const first = await ask(t, 'What causes the tides?');
      await eventually(async () => (t.server.runtime.tasks.size === 0 ? true : undefined));
      const db = t.server.runtime.db;
      const recorded = recordStatements(db);
      const second = await ask(
        t,
        'Do the tides come from the Moon pulling the oceans?',
        first.body.conversation_id,
      );
      expect(second.status).toBe(200);
      const statements = recorded.stop();
      // The memory is not read back; only the summary's check, once the turn is stored (and so
      // before its acknowledgement), looks at the conversation, besides the writes (the turn's and
      // its usage row's, which check that the conversation is still stored).
      const reads = statements.filter(
        (sql) => /from conversations/.test(sql) && !/summarized_messages|insert into/.test(sql),
      );
      expect(reads).toEqual([]);
      const prompt = stub.requests.filter((request) => request.prompt).at(-1)!.prompt!;
      expect(prompt.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
      // The turn is stored all the same.
      await eventually(async () => {
        const rows = await db.query('select id from messages where conversation_id = $1', [
          first.body.conversation_id,
        ]);
        return rows.length === 4 ? true : undefined;
      });
    } finally {
      await t.close();
    }
  });

  it('keeps PARLEY_CONVERSATION_CACHE_ENTRIES conversations: past it, a follow-up reads its memory from the database', async () => {
    const t = await startServer('pglite', stub, { PARLEY_CONVERSATION_CACHE_ENTRIES: '1' });
    try {
      stub.reset();
      stub.setReply('The Moon pulls on the oceans [1].');
      const first = await ask(t, 'What causes the tides?');
      await ask(t, 'Is the Moon involved in tides at all?'); // a second conversation evicts the first
      await eventually(async () => (t.server.runtime.tasks.size === 0 ? true : undefined));
      const recorded = recordStatements(t.server.runtime.db);
      const followUp = await ask(t, 'Do the tides come from the Moon?', first.body.conversation_id);
      const statements = recorded.stop();
      expect(followUp.status).toBe(200);
      expect(statements.filter((sql) => /from conversations/.test(sql)).length).toBeGreaterThan(0);
      // Read from the database, the memory is the same: the first conversation's turn, then the question.
      const prompt = stub.requests.filter((request) => request.prompt).at(-1)!.prompt!;
      expect(prompt.messages.map((message) => message.role)).toEqual(['user', 'assistant', 'user']);
    } finally {
      await t.close();
    }
  });

  it.each(['pglite', 'postgres'] as const)(
    "keeps a turn's answer before the next turn's question when both carry the same millisecond (%s)",
    async (kind) => {
      const t = await startServer(kind, stub);
      try {
        const db = t.server.runtime.db.forTenant(t.tenantId);
        const conversationId = randomUUID();
        const at = (ms: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, 0, ms));
        const turn = (n: number, userAt: Date, answerAt: Date): TurnRecord => ({
          tenantId: t.tenantId,
          botId: 'parley',
          conversationId,
          turnId: randomUUID(),
          user: { id: randomUUID(), content: `question ${n}`, at: userAt },
          assistant: { id: randomUUID(), content: `answer ${n}`, citations: [], usage: {}, at: answerAt },
          trace: {},
          state: 'active',
        });
        // The first answer and the second question in one millisecond; the third turn answered in
        // the millisecond it was asked.
        await saveTurns(db, [turn(1, at(1), at(5)), turn(2, at(5), at(9)), turn(3, at(12), at(12))]);
        const messages = await getMessages(db, t.tenantId, conversationId);
        const order = ['question 1', 'answer 1', 'question 2', 'answer 2', 'question 3', 'answer 3'];
        expect(messages.map((message) => message.content)).toEqual(order);
        // The memory a follow-up reads keeps the same order.
        const memory = await loadConversation(db, t.tenantId, conversationId);
        expect(memory?.memory.recent.map((message) => message.content)).toEqual(order);
      } finally {
        await t.close();
      }
    },
  );
});
