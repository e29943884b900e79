// Feedback on answers: POST /v1/turns/{turn_id}/feedback rates a stored answer (201, then 200 when
// replaced), its comment stored with PII redacted; another tenant's turn is a 404; a widget visitor
// rates only its own conversations' answers; a `down` for a bot that hands over offers a person;
// GET /v1/feedback lists and filters for operators (not widget keys); the dashboard shows them.
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dashboard } from '../../src/accounting/index.js';
import { createApiKey } from '../../src/app/index.js';
import { ingestDocuments, QUESTION, TIDES } from '../support/documents.js';
import { call } from '../support/http.js';
import { BACKENDS, eventually, startTestServer, type TestServer } from '../support/test-backend.js';

const SITE = 'https://shop.example';
const VISITOR = 'x-parley-visitor';

interface Rated {
  turn_id: string;
  rating: string;
  comment: string | null;
  bot_id: string;
  offer_handoff: boolean;
  created_at: string;
  updated_at: string;
  error?: { code: string };
}

describe.each(BACKENDS)('feedback on %s', (kind) => {
  let server: TestServer;
  let key: string;
  let otherKey: string;
  let widgetKey: string;
  const app = () => server.parley.app;
  const bearer = (secret: string) => ({ authorization: `Bearer ${secret}` });

  beforeAll(async () => {
    server = await startTestServer(kind);
    await ingestDocuments(server, [TIDES], 'fb');
    key = (await createApiKey(server.runtime.db, 'fb')).key;
    otherKey = (await createApiKey(server.runtime.db, 'fb-other')).key;
    widgetKey = (
      await createApiKey(server.runtime.db, 'fb', { publishable: { bot: 'parley', origins: [SITE] } })
    ).key;
    const created = await call(app(), {
      method: 'POST',
      url: '/v1/bots',
      headers: bearer(key),
      payload: { id: 'helpdesk', settings: { intents: { handoff: true } } },
    });
    expect(created.status).toBe(201);
  });
  afterAll(async () => {
    await server?.close();
  });

  /** Asks a question and waits until its answer is stored (ratings need the stored turn). */
  const answered = async (headers: Record<string, string>, payload: Record<string, unknown> = {}) => {
    const response = await call<{ turn_id: string; conversation_id: string }>(app(), {
      method: 'POST',
      url: '/v1/chat',
      headers,
      payload: { message: QUESTION, ...payload },
    });
    expect(response.status).toBe(200);
    const { turn_id, conversation_id } = response.body;
    await eventually(async () => {
      const [row] = await server.runtime.db.query(
        `select 1 from messages where turn_id = $1 and role = 'assistant'`,
        [turn_id],
      );
      return row;
    });
    return { turnId: turn_id, conversationId: conversation_id, visitor: response.headers[VISITOR] };
  };

  const rate = (turnId: string, payload: Record<string, unknown>, headers: Record<string, string>) =>
    call<Rated>(app(), { method: 'POST', url: `/v1/turns/${turnId}/feedback`, headers, payload });

  it('rates an answer (201), replaces the rating (200), and keeps one per turn', async () => {
    const { turnId } = await answered(bearer(key));
    const first = await rate(turnId, { rating: 'up' }, bearer(key));
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ turn_id: turnId, rating: 'up', comment: null, bot_id: 'parley' });
    expect(first.body.offer_handoff).toBe(false);

    const second = await rate(turnId, { rating: 'down', comment: 'Too short.' }, bearer(key));
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ rating: 'down', comment: 'Too short.' });
    expect(second.body.created_at).toBe(first.body.created_at);
    // The default bot does not hand over to people.
    expect(second.body.offer_handoff).toBe(false);
    const rows = await server.runtime.db.query('select rating from feedback where turn_id = $1', [turnId]);
    expect(rows).toEqual([{ rating: 'down' }]);
  });

  it('stores the comment with personal data redacted', async () => {
    const { turnId } = await answered(bearer(key));
    const response = await rate(
      turnId,
      { rating: 'down', comment: 'Wrong. Mail me at jane.doe@example.com or call +44 20 7946 0958.' },
      bearer(key),
    );
    expect(response.status).toBe(201);
    expect(response.body.comment).not.toContain('jane.doe@example.com');
    expect(response.body.comment).toContain('[EMAIL]');
    const [row] = await server.runtime.db.query<{ comment: string }>(
      'select comment from feedback where turn_id = $1',
      [turnId],
    );
    expect(row?.comment).not.toContain('jane.doe');
    expect(row?.comment).not.toContain('7946');
  });

  it('gives 404 for another tenant’s turn, an unknown turn, and validates the body', async () => {
    const { turnId } = await answered(bearer(key));
    const theirs = await rate(turnId, { rating: 'up' }, bearer(otherKey));
    expect(theirs.status).toBe(404);
    expect(theirs.body.error?.code).toBe('PARLEY_ERR_NOT_FOUND');
    expect((await rate(randomUUID(), { rating: 'up' }, bearer(key))).status).toBe(404);
    expect((await rate(turnId, { rating: 'meh' }, bearer(key))).status).toBe(400);
    expect((await rate(turnId, { rating: 'up', comment: 'x'.repeat(2001) }, bearer(key))).status).toBe(400);
    expect((await rate('not-a-uuid', { rating: 'up' }, bearer(key))).status).toBe(400);
    // Nothing was stored for the other tenant's attempt.
    const rows = await server.runtime.db.query('select 1 from feedback where turn_id = $1', [turnId]);
    expect(rows).toHaveLength(0);
  });

  it('lets a widget visitor rate only the answers of conversations it started', async () => {
    const widget = { ...bearer(widgetKey), origin: SITE };
    const mine = await answered(widget);
    const ownHeaders = { ...widget, [VISITOR]: String(mine.visitor) };
    const own = await rate(mine.turnId, { rating: 'up' }, ownHeaders);
    expect(own.status).toBe(201);
    expect(own.headers['access-control-allow-origin']).toBe(SITE);

    // Another visitor (no token: a new one is minted), and an operator's turn.
    expect((await rate(mine.turnId, { rating: 'down' }, widget)).status).toBe(403);
    const operators = await answered(bearer(key));
    expect((await rate(operators.turnId, { rating: 'down' }, ownHeaders)).status).toBe(403);
    // The preflight allows the route from the key's origin.
    const preflight = await app().inject({
      method: 'OPTIONS',
      url: `/v1/turns/${mine.turnId}/feedback`,
      headers: { origin: SITE, 'access-control-request-method': 'POST' },
    });
    expect(preflight.statusCode).toBe(204);
    // The operators' list is not the widget's.
    expect((await call(app(), { method: 'GET', url: '/v1/feedback', headers: ownHeaders })).status).toBe(403);
  });

  it('offers a person for a down rating of a bot that hands over', async () => {
    const { turnId } = await answered(bearer(key), { bot: 'helpdesk' });
    const down = await rate(turnId, { rating: 'down' }, bearer(key));
    expect(down.status).toBe(201);
    expect(down.body).toMatchObject({ bot_id: 'helpdesk', offer_handoff: true });
    const up = await rate(turnId, { rating: 'up' }, bearer(key));
    expect(up.body.offer_handoff).toBe(false);
    await rate(turnId, { rating: 'down', comment: 'Not what I asked.' }, bearer(key));
  });

  it('goes with its conversation when the conversation is deleted', async () => {
    const { turnId, conversationId } = await answered(bearer(key));
    expect((await rate(turnId, { rating: 'up' }, bearer(key))).status).toBe(201);
    await server.runtime.db.query('delete from conversations where id = $1', [conversationId]);
    const rows = await server.runtime.db.query('select 1 from feedback where turn_id = $1', [turnId]);
    expect(rows).toHaveLength(0);
  });

  it('lists ratings for operators, the latest first, filtered by bot and rating', async () => {
    const list = (query: string, secret = key) =>
      call<{
        feedback: {
          turn_id: string;
          bot_id: string;
          rating: string;
          question: string | null;
          answer: string;
        }[];
      }>(app(), { method: 'GET', url: `/v1/feedback?${query}`, headers: bearer(secret) });
    const all = await list('');
    expect(all.status).toBe(200);
    expect(all.body.feedback.length).toBeGreaterThanOrEqual(4);
    expect(all.body.feedback[0]).toMatchObject({ bot_id: 'helpdesk', rating: 'down', question: QUESTION });
    expect(all.body.feedback[0]?.answer).toContain('Moon');

    const down = await list('rating=down&bot=helpdesk');
    expect(down.body.feedback.map((entry) => [entry.bot_id, entry.rating])).toEqual([['helpdesk', 'down']]);
    expect((await list('rating=up')).body.feedback.every((entry) => entry.rating === 'up')).toBe(true);
    expect((await list('limit=1')).body.feedback).toHaveLength(1);
    expect((await list(`from=${new Date(Date.now() + 60_000).toISOString()}`)).body.feedback).toEqual([]);
    expect((await list('rating=sideways')).status).toBe(400);
    // Another tenant sees none of them.
    expect((await list('', otherKey)).body.feedback).toEqual([]);
  });

  it('shows satisfaction per bot and day and the questions rated down on the dashboard', async () => {
    const response = await call<Dashboard>(app(), {
      method: 'GET',
      url: '/v1/dashboard',
      headers: bearer(key),
    });
    expect(response.status).toBe(200);
    const today = new Date().toISOString().slice(0, 10);
    const helpdesk = response.body.satisfaction.find((row) => row.bot_id === 'helpdesk');
    expect(helpdesk).toEqual({ bot_id: 'helpdesk', day: today, rated: 1, up: 0, satisfaction: 0 });
    const parley = response.body.satisfaction.find((row) => row.bot_id === 'parley');
    expect(parley?.rated).toBeGreaterThanOrEqual(3);
    expect(parley?.satisfaction).toBeCloseTo(parley!.up / parley!.rated);
    expect(response.body.worst_rated.find((row) => row.bot_id === 'helpdesk')).toMatchObject({
      question: QUESTION,
      comment: 'Not what I asked.',
      down: 1,
    });
    const other = await call<Dashboard>(app(), {
      method: 'GET',
      url: '/v1/dashboard',
      headers: bearer(otherKey),
    });
    expect(other.body.satisfaction).toEqual([]);
    expect(other.body.worst_rated).toEqual([]);
  });

  it('ranks the worst-rated questions: the same question rated down most often first, with its latest answer', async () => {
    const worst = bearer((await createApiKey(server.runtime.db, `fb-worst-${kind}`)).key);
    const ask = (message: string) => answered(worst, { message });
    const first = await ask('How do tides work?');
    const again = await ask('  how do TIDES work ');
    const neap = await ask('What is a neap tide?');
    const spring = await ask('What is a spring tide?');
    for (const [turn, rating, comment] of [
      [first, 'down', 'Too vague.'],
      [again, 'down', 'Still unclear.'],
      [neap, 'down', undefined],
      [spring, 'up', undefined],
    ] as const) {
      const rated = await rate(turn.turnId, { rating, ...(comment ? { comment } : {}) }, worst);
      expect(rated.status, rated.raw).toBe(201);
    }
    const response = await call<Dashboard>(app(), { method: 'GET', url: '/v1/dashboard', headers: worst });
    expect(response.status).toBe(200);
    expect(
      response.body.worst_rated.map(({ turn_id, question, comment, down }) => ({
        turn_id,
        question,
        comment,
        down,
      })),
    ).toEqual([
      { turn_id: again.turnId, question: 'how do TIDES work', comment: 'Still unclear.', down: 2 },
      { turn_id: neap.turnId, question: 'What is a neap tide?', comment: null, down: 1 },
    ]);
  });
});
