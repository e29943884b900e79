// Curated answers through the API: each bot's question -> answer pairs, created, listed, changed,
// imported and deleted by its tenant only (another tenant's key gets 404s), refused with clear
// 400s, capped per bot, and matched from memory (a bot with none costs no query per turn).
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CuratedAnswers } from '../../src/orchestrator/index.js';
import type { Database } from '../../src/storage/index.js';
import { type KeyedTenant, useChatFixture } from '../support/chat-fixture.js';
import { call } from '../support/http.js';
import { BACKENDS } from '../support/test-backend.js';

interface Curated {
  id: string;
  bot_id: string;
  question: string;
  answer: string;
  created_at: string;
  updated_at: string;
}
interface ErrorBody {
  error: { code: string; message: string };
}

describe.each(BACKENDS)('curated answers on %s', (kind) => {
  const t = useChatFixture({ kind, documents: [] });
  const as = (tenant: KeyedTenant) => ({
    request: <T = Record<string, unknown>>(
      method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
      url: string,
      payload?: unknown,
    ) =>
      call<T>(t.app, {
        method,
        url,
        headers: tenant.headers,
        ...(payload === undefined ? {} : { payload: payload as object }),
      }),
  });

  it('creates, lists, changes and deletes a bot’s curated answers, and matches a message to them', async () => {
    const acme = as(await t.tenantWithKey(`acme-${randomUUID()}`));
    const base = '/v1/bots/parley/curated-answers';
    const created = await acme.request<Curated>('POST', base, {
      question: '  How do I reset my password? ',
      answer: 'Use the "Forgot password" link.',
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      bot_id: 'parley',
      question: 'How do I reset my password?',
      answer: 'Use the "Forgot password" link.',
    });
    // The same question however spelled is the same entry.
    const again = await acme.request<ErrorBody>('POST', base, {
      question: 'how do i RESET my password',
      answer: 'x',
    });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('PARLEY_ERR_CONFLICT');

    const second = await acme.request<Curated>('POST', base, {
      question: 'Do you ship abroad?',
      answer: 'Yes.',
    });
    const listed = await acme.request<{ curated_answers: Curated[]; limit: number; offset: number }>(
      'GET',
      base,
    );
    expect(listed.status).toBe(200);
    expect(listed.body.curated_answers.map((entry) => entry.id)).toEqual([created.body.id, second.body.id]);
    const page = await acme.request<{ curated_answers: Curated[] }>('GET', `${base}?limit=1&offset=1`);
    expect(page.body.curated_answers.map((entry) => entry.id)).toEqual([second.body.id]);

    const patched = await acme.request<Curated>('PATCH', `${base}/${second.body.id}`, {
      answer: 'Yes, to the EU.',
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ question: 'Do you ship abroad?', answer: 'Yes, to the EU.' });
    const clash = await acme.request<ErrorBody>('PATCH', `${base}/${second.body.id}`, {
      question: 'How do I reset my password!',
    });
    expect(clash.status).toBe(409);

    const { curated } = t.server.runtime;
    const tenantId = (
      await t.server.runtime.db.query<{ tenant_id: string }>(
        'select tenant_id from curated_answers where id = $1',
        [created.body.id],
      )
    )[0]!.tenant_id;
    expect(
      await curated.match(tenantId, 'parley', 'can you tell me how I reset my password please?'),
    ).toMatchObject({
      id: created.body.id,
      answer: 'Use the "Forgot password" link.',
    });
    expect(await curated.match(tenantId, 'parley', 'How do I delete my account?')).toBeUndefined();

    // Resetting the default bot (DELETE) keeps its curated answers.
    expect((await acme.request('DELETE', '/v1/bots/parley')).status).toBe(204);
    const kept = await acme.request<{ curated_answers: Curated[] }>('GET', base);
    expect(kept.body.curated_answers).toHaveLength(2);

    expect((await acme.request('DELETE', `${base}/${created.body.id}`)).status).toBe(204);
    expect((await acme.request('DELETE', `${base}/${created.body.id}`)).status).toBe(404);
    // This process's own change applies at once.
    expect(await curated.match(tenantId, 'parley', 'How do I reset my password?')).toBeUndefined();
  });

  it('imports pairs, adding new questions and replacing the answers of known ones', async () => {
    const acme = as(await t.tenantWithKey(`import-${randomUUID()}`));
    expect((await acme.request('POST', '/v1/bots', { id: 'support' })).status).toBe(201);
    const url = '/v1/bots/support/curated-answers/import';
    const first = await acme.request('POST', url, [
      { question: 'What are your opening hours?', answer: '9 to 5.' },
      { question: 'Do you ship abroad?', answer: 'Yes.' },
    ]);
    expect(first).toMatchObject({ status: 200, body: { imported: 2, updated: 0 } });
    const second = await acme.request('POST', url, [
      { question: 'what are your opening hours', answer: '9 to 6.' },
      { question: 'Can I pay by card?', answer: 'Yes.' },
      { question: 'Can I pay by card', answer: 'Yes, every major card.' },
    ]);
    expect(second).toMatchObject({ status: 200, body: { imported: 1, updated: 1 } });
    const listed = await acme.request<{ curated_answers: Curated[] }>(
      'GET',
      '/v1/bots/support/curated-answers',
    );
    expect(listed.body.curated_answers.map((entry) => [entry.question, entry.answer])).toEqual([
      ['what are your opening hours', '9 to 6.'],
      ['Do you ship abroad?', 'Yes.'],
      ['Can I pay by card', 'Yes, every major card.'],
    ]);
    // A deleted bot's curated answers go with it; a bot made again with its id starts without them.
    expect((await acme.request('DELETE', '/v1/bots/support')).status).toBe(204);
    expect((await acme.request('GET', '/v1/bots/support/curated-answers')).status).toBe(404);
    expect((await acme.request('POST', '/v1/bots', { id: 'support' })).status).toBe(201);
    const fresh = await acme.request<{ curated_answers: Curated[] }>(
      'GET',
      '/v1/bots/support/curated-answers',
    );
    expect(fresh.body.curated_answers).toEqual([]);
    // The default bot's answers are its own.
    const other = await acme.request<{ curated_answers: Curated[] }>(
      'GET',
      '/v1/bots/parley/curated-answers',
    );
    expect(other.body.curated_answers).toEqual([]);
  });

  it('keeps a tenant’s curated answers from every other tenant: 404 to read, change or delete them', async () => {
    const owner = as(await t.tenantWithKey(`owner-${randomUUID()}`));
    const stranger = as(await t.tenantWithKey(`stranger-${randomUUID()}`));
    expect((await owner.request('POST', '/v1/bots', { id: 'private' })).status).toBe(201);
    const mine = await owner.request<Curated>('POST', '/v1/bots/private/curated-answers', {
      question: 'What is the door code?',
      answer: '4321',
    });
    const onDefault = await owner.request<Curated>('POST', '/v1/bots/parley/curated-answers', {
      question: 'What is the wifi password?',
      answer: 'tides-and-moons',
    });

    const refused = [
      await stranger.request('GET', '/v1/bots/private/curated-answers'),
      await stranger.request('POST', '/v1/bots/private/curated-answers', { question: 'q?', answer: 'a' }),
      await stranger.request('POST', '/v1/bots/private/curated-answers/import', [
        { question: 'q?', answer: 'a' },
      ]),
      await stranger.request('PATCH', `/v1/bots/private/curated-answers/${mine.body.id}`, {
        answer: 'mine now',
      }),
      await stranger.request('DELETE', `/v1/bots/private/curated-answers/${mine.body.id}`),
      // The stranger has a bot named parley too, but not the owner's entries.
      await stranger.request('PATCH', `/v1/bots/parley/curated-answers/${onDefault.body.id}`, {
        answer: 'mine now',
      }),
      await stranger.request('DELETE', `/v1/bots/parley/curated-answers/${onDefault.body.id}`),
    ];
    for (const response of refused) {
      expect(response.status, response.raw).toBe(404);
      expect(response.body).toMatchObject({ error: { code: 'PARLEY_ERR_NOT_FOUND' } });
    }
    const theirs = await stranger.request<{ curated_answers: Curated[] }>(
      'GET',
      '/v1/bots/parley/curated-answers',
    );
    expect(theirs.body.curated_answers).toEqual([]);

    const kept = await owner.request<{ curated_answers: Curated[] }>(
      'GET',
      '/v1/bots/parley/curated-answers',
    );
    expect(kept.body.curated_answers).toMatchObject([{ id: onDefault.body.id, answer: 'tides-and-moons' }]);
    const privateKept = await owner.request<{ curated_answers: Curated[] }>(
      'GET',
      '/v1/bots/private/curated-answers',
    );
    expect(privateKept.body.curated_answers).toMatchObject([{ id: mine.body.id, answer: '4321' }]);
  });

  it.each([
    ['an empty question', 'POST', '', { question: '  ', answer: 'a' }, /question/],
    ['a question without words', 'POST', '', { question: '?!?', answer: 'a' }, /at least one word/],
    ['a missing answer', 'POST', '', { question: 'Where are you?' }, /answer/],
    ['an unknown field', 'POST', '', { question: 'Where?', answer: 'Here.', tags: [] }, /tags/],
    ['a too long question', 'POST', '', { question: 'q'.repeat(1_001), answer: 'a' }, /question/],
    ['an empty change', 'PATCH', `/${randomUUID()}`, {}, /question, answer or both/],
    ['an id that is not a UUID', 'PATCH', '/not-a-uuid', { answer: 'a' }, /UUID/],
    ['an empty import', 'POST', '/import', [], /at least one/],
    ['an import of something else', 'POST', '/import', { question: 'q', answer: 'a' }, /array/],
    [
      'a too large import',
      'POST',
      '/import',
      Array.from({ length: 1_001 }, (_, i) => ({ question: `q${i}`, answer: 'a' })),
      /at most 1000/,
    ],
    [
      'an import with a bad entry',
      'POST',
      '/import',
      [
        { question: 'q', answer: 'a' },
        { question: '??', answer: 'a' },
      ],
      /entry 2/,
    ],
  ])('refuses %s with a clear 400', async (_name, method, suffix, payload, message) => {
    const acme = as(await t.tenantWithKey(`bad-${randomUUID()}`));
    const response = await acme.request<ErrorBody>(
      method as 'POST',
      `/v1/bots/parley/curated-answers${suffix}`,
      payload,
    );
    expect(response.status, response.raw).toBe(400);
    expect(response.body.error.code).toBe('PARLEY_ERR_VALIDATION');
    expect(response.body.error.message).toMatch(message);
  });

  it('answers 404 for a bot the tenant does not have', async () => {
    const acme = as(await t.tenantWithKey(`nobot-${randomUUID()}`));
    const response = await acme.request<ErrorBody>('GET', '/v1/bots/nobody/curated-answers');
    expect(response.status).toBe(404);
    expect(response.body.error.message).toMatch(/bot not found/);
  });

  it('caps the entries of a bot: a creation or import past the cap is a 400 and changes nothing', async () => {
    const { db, bots } = t.server.runtime;
    const capped = new CuratedAnswers(db, {
      assertBot: (tenantId, botId) => bots.get(tenantId, botId),
      maxPerBot: 3,
    });
    const { tenantId } = await t.tenantWithKey(`cap-${randomUUID()}`);
    expect(
      await capped.import(tenantId, 'parley', [
        { question: 'one?', answer: '1' },
        { question: 'two?', answer: '2' },
      ]),
    ).toEqual({ imported: 2, updated: 0 });
    await expect(
      capped.import(tenantId, 'parley', [
        { question: 'two', answer: 'II' },
        { question: 'three?', answer: '3' },
        { question: 'four?', answer: '4' },
      ]),
    ).rejects.toMatchObject({ code: 'PARLEY_ERR_VALIDATION', message: expect.stringMatching(/at most 3/) });
    // Replacing known questions does not count against the cap.
    expect(
      await capped.import(tenantId, 'parley', [
        { question: 'two', answer: 'II' },
        { question: 'three?', answer: '3' },
      ]),
    ).toEqual({ imported: 1, updated: 1 });
    await expect(capped.create(tenantId, 'parley', { question: 'four?', answer: '4' })).rejects.toMatchObject(
      {
        code: 'PARLEY_ERR_VALIDATION',
      },
    );
    const held = await capped.list(tenantId, 'parley', { limit: 10, offset: 0 });
    expect(held.map((entry) => entry.answer)).toEqual(['1', 'II', '3']);
  });

  it('matches from memory: a bot with no curated answers costs one query, then none per turn', async () => {
    const { db, bots } = t.server.runtime;
    let queries = 0;
    const counted: Database = {
      ...db,
      forTenant: (tenantId) => {
        const scoped = db.forTenant(tenantId);
        return {
          query: (...args) => {
            queries++;
            return scoped.query(...args);
          },
          transaction: (work) => {
            queries++;
            return scoped.transaction(work);
          },
        };
      },
    };
    const curated = new CuratedAnswers(counted, {
      assertBot: (tenantId, botId) => bots.get(tenantId, botId),
      ttlMs: 60_000,
    });
    const { tenantId } = await t.tenantWithKey(`quiet-${randomUUID()}`);
    for (let turn = 0; turn < 20; turn++)
      expect(await curated.match(tenantId, 'parley', 'How do I reset my password?')).toBeUndefined();
    expect(queries).toBe(1);

    await curated.create(tenantId, 'parley', { question: 'How do I reset my password?', answer: 'Like so.' });
    const before = queries;
    for (let turn = 0; turn < 20; turn++)
      expect(await curated.match(tenantId, 'parley', 'how do I reset my password')).toMatchObject({
        score: 1,
      });
    // Read again once after this process's own change, then held.
    expect(queries - before).toBe(2);
  });
});
