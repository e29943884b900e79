// Generated answers through the model chain: the real AI SDK clients against the stub provider
// (OpenAI Chat Completions and Anthropic Messages wire formats). Every fault the chain must
// survive, streaming and not, with zero 5xx; and a client disconnect cancels the upstream call.
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startChatFixture, useChatFixture } from '../support/chat-fixture.js';
import { call, parseSse } from '../support/http.js';
import type { StubProvider } from '../support/stub-provider/index.js';
import { eventually } from '../support/test-backend.js';

interface ChatBody {
  answer: string;
  mode: string;
  model?: string;
  turn_id: string;
  citations: { title: string }[];
  usage: { total_tokens: number; model: string };
}

const PRIMARY = 'openai:small-model';
const FALLBACK = 'anthropic:claude-fallback';

describe('model chain', () => {
  const CHAIN = {
    models: `${PRIMARY},${FALLBACK}`,
    // No grace for a client that left to resume its stream: its turn is cancelled at once.
    env: { PARLEY_MODEL_FIRST_TOKEN_TIMEOUT_MS: '1500', PARLEY_STREAM_RESUME_GRACE_SECONDS: '0' },
  };
  const t = useChatFixture(CHAIN);
  afterEach(() => t.stub.reset());

  const ask = (stream: boolean) =>
    call<ChatBody | string>(t.app, {
      method: 'POST',
      url: '/v1/chat',
      payload: { message: 'What causes the tides?', stream },
    });
  const outcome = (response: Awaited<ReturnType<typeof ask>>, stream: boolean) => {
    if (!stream) return response.body as ChatBody;
    const events = parseSse(response.raw);
    const text = events
      .filter((event) => event.event === 'token')
      .map((event) => (event.data as { text: string }).text)
      .join('');
    const done = events.find((event) => event.event === 'done')?.data as {
      mode: string;
      model: string | null;
    };
    return { answer: text, mode: done?.mode, model: done?.model ?? undefined, events };
  };

  it('answers with the primary model, grounded in the retrieved passage and citing it', async () => {
    t.stub.setReply('The Moon pulls on the oceans [1].');
    const response = await ask(false);
    expect(response.status).toBe(200);
    const body = response.body as ChatBody;
    expect(body).toMatchObject({
      mode: 'generated',
      model: PRIMARY,
      answer: 'The Moon pulls on the oceans [1].',
    });
    expect(body.citations.map((citation) => citation.title)).toEqual(['Tides']);
    expect(body.usage.total_tokens).toBeGreaterThan(0);
    const prompt = t.stub.requests.find((request) => request.prompt)?.prompt;
    expect(JSON.stringify(prompt)).toContain('gravitational pull of the Moon');
  });

  const faults: [string, (stub: StubProvider) => void][] = [
    [
      '429 with Retry-After',
      (s) => s.failNext({ status: 429, retryAfterSeconds: 30, path: '/v1/chat/completions' }),
    ],
    ['500', (s) => s.failNext({ status: 500, path: '/v1/chat/completions' })],
    ['a hang before the first token', (s) => s.hangNext(1, { path: '/v1/chat/completions' })],
    [
      'a stream cut before its first token',
      (s) => s.cutNext({ afterTokens: 0, path: '/v1/chat/completions' }),
    ],
  ];
  it('starts a JSON answer afresh with the next model when the first breaks off mid-answer', async () => {
    t.stub.setReply('The Moon pulls on the oceans [1].');
    t.stub.cutNext({ afterTokens: 3, path: '/v1/chat/completions' });
    const response = await ask(false);
    expect(response.status).toBe(200);
    const body = response.body as ChatBody;
    expect(body).toMatchObject({
      mode: 'generated',
      model: FALLBACK,
      answer: 'The Moon pulls on the oceans [1].',
    });
    const trace = await eventually(async () => {
      const found = await call<{ attempts: { model: string; outcome: string; error?: string }[] }>(t.app, {
        method: 'GET',
        url: `/v1/turns/${body.turn_id}/trace`,
      });
      return found.status === 200 ? found.body : undefined;
    });
    expect(trace.attempts).toMatchObject([
      { model: PRIMARY, outcome: 'failed', error: expect.stringMatching(/broke off/) },
      { model: FALLBACK, outcome: 'answered' },
    ]);
  });

  for (const stream of [false, true]) {
    for (const [name, inject] of faults) {
      it(`falls back to the next model on ${name} (${stream ? 'streaming' : 'JSON'})`, async () => {
        // A fresh chain state per case: the 429's Retry-After would otherwise skip the primary.
        const fresh = await startChatFixture({ ...CHAIN, stub: t.stub });
        try {
          inject(t.stub);
          const response = await call<ChatBody | string>(fresh.app, {
            method: 'POST',
            url: '/v1/chat',
            payload: { message: 'What causes the tides?', stream },
          });
          expect(response.status).toBe(200);
          const result = outcome(response, stream);
          expect(result.mode).toBe('generated');
          expect(result.model).toBe(FALLBACK);
          expect(result.answer).toContain('Stub answer to:');
        } finally {
          await fresh.close();
        }
      });
    }
  }

  it('falls back from Anthropic 529 (overloaded) to the next model', async () => {
    const fresh = await startChatFixture({ stub: t.stub, models: `${FALLBACK},${PRIMARY}` });
    try {
      t.stub.failNext({ status: 529, path: '/v1/messages' });
      const response = await call<ChatBody>(fresh.app, {
        method: 'POST',
        url: '/v1/chat',
        payload: { message: 'What causes the tides?' },
      });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ mode: 'generated', model: PRIMARY });
      const trace = await eventually(async () => {
        const found = await call<{ attempts: { model: string; outcome: string; status?: number }[] }>(
          fresh.app,
          { method: 'GET', url: `/v1/turns/${response.body.turn_id}/trace` },
        );
        return found.status === 200 ? found.body : undefined;
      });
      const metrics = await call(fresh.app, { method: 'GET', url: '/metrics' });
      expect(metrics.raw).toContain(`parley_model_attempts_total{model="${FALLBACK}",outcome="failed"} 1`);
      expect(metrics.raw).toContain(`parley_turns_total{mode="generated",model="${PRIMARY}"} 1`);
      expect(metrics.raw).toContain(`parley_model_circuit_state{model="${FALLBACK}"} 0`);
      expect(metrics.raw).toContain('parley_time_to_first_token_seconds_count{mode="generated"} 1');
      expect(trace.attempts).toEqual([
        expect.objectContaining({ model: FALLBACK, outcome: 'failed', status: 529 }),
        expect.objectContaining({ model: PRIMARY, outcome: 'answered' }),
      ]);
    } finally {
      await fresh.close();
    }
  });

  it('says it does not know, without calling a model, when the passages do not cover the question', async () => {
    const before = t.stub.requests.length;
    // "tides" matches the passage, but most of the question is about something else.
    const response = await ask(false);
    expect(response.status).toBe(200);
    const unrelated = await call<ChatBody>(t.app, {
      method: 'POST',
      url: '/v1/chat',
      payload: { message: 'Which volcanic eruptions change tides in the Pacific trench after earthquakes?' },
    });
    expect(unrelated.body).toMatchObject({ mode: 'not_found', citations: [] });
    expect(unrelated.body.answer).toMatch(/could not find/);
    expect(t.stub.requests.length).toBe(before + 1); // only the first, answerable question reached a model
    const trace = await eventually(async () => {
      const found = await call<{ prompt_version: string; relevance: { coverage: number } }>(t.app, {
        method: 'GET',
        url: `/v1/turns/${unrelated.body.turn_id}/trace`,
      });
      return found.status === 200 ? found.body : undefined;
    });
    expect(trace.relevance.coverage).toBeLessThan(0.2);
    expect(trace.prompt_version).toMatch(/^[0-9a-f]{16}$/);
    const prompts = await call<{ prompts: { id: string }[] }>(t.app, {
      method: 'GET',
      url: '/v1/prompts',
    });
    expect(prompts.body.prompts.map((prompt) => prompt.id)).toContain(trace.prompt_version);
  });

  it('routes to the small model by default and escalates a long question to the stronger chain', async () => {
    const routed = await startChatFixture({
      stub: t.stub,
      models: PRIMARY,
      env: { PARLEY_ESCALATION_MODELS: FALLBACK, PARLEY_ESCALATE_QUERY_TOKENS: '20' },
      documents: [
        {
          title: 'Tides',
          text: 'Tides are caused by the Moon pulling on the oceans of the Earth.',
          format: 'text',
        },
      ],
    });
    try {
      const short = await call<ChatBody>(routed.app, {
        method: 'POST',
        url: '/v1/chat',
        payload: { message: 'What causes tides?' },
      });
      expect(short.body.model).toBe(PRIMARY);
      const long = await call<ChatBody>(routed.app, {
        method: 'POST',
        url: '/v1/chat',
        payload: {
          message:
            'Explain in detail how the Moon causes the tides on Earth, why there are two high tides each day, and how the oceans respond to it over time?',
        },
      });
      expect(long.body.model).toBe(FALLBACK);
      const trace = await eventually(async () => {
        const found = await call<{ routing: { route: string; reasons: string[] } }>(routed.app, {
          method: 'GET',
          url: `/v1/turns/${long.body.turn_id}/trace`,
        });
        return found.status === 200 ? found.body : undefined;
      });
      expect(trace.routing.route).toBe('escalated');
      expect(trace.routing.reasons.join(' ')).toMatch(/question of \d+ tokens >= 20/);
    } finally {
      await routed.close();
    }
  });

  it('keeps memory bounded: older turns are folded into a summary that later turns receive', async () => {
    let conversationId: string | undefined;
    for (let index = 0; index < 6; index++) {
      const response = await call<ChatBody & { conversation_id: string }>(t.app, {
        method: 'POST',
        url: '/v1/chat',
        payload: { message: `Question ${index}: what causes the tides?`, conversation_id: conversationId },
      });
      expect(response.status).toBe(200);
      conversationId = response.body.conversation_id;
    }
    const state = await eventually(async () => {
      const rows = await t.server.runtime.db.query<{ summary: string | null; summarized_messages: number }>(
        'select summary, summarized_messages from conversations where id = $1',
        [conversationId],
      );
      return rows[0]?.summary ? rows[0] : undefined;
    });
    expect(state.summarized_messages).toBeGreaterThanOrEqual(4);
    // A later turn's summary may still be asking the model: let it finish before counting requests.
    await eventually(async () => (t.server.runtime.tasks.size === 0 ? true : undefined));
    t.stub.reset();
    const last = await call(t.app, {
      method: 'POST',
      url: '/v1/chat',
      payload: { message: 'And what about the Moon and the tides?', conversation_id: conversationId },
    });
    expect(last.status, JSON.stringify(last.body)).toBe(200);
    // The answer's prompt (the follow-up is first read by the model step of understanding).
    const prompt = t.stub.requests.find((request) => request.prompt && !request.prompt.json)?.prompt;
    expect(prompt?.system).toContain('Summary of the earlier conversation');
    // Six recent messages verbatim, then the question: the prompt does not grow with the conversation.
    expect(prompt?.messages.length).toBe(7);
    // Let background summaries finish so that they do not take the next test's scripted faults.
    await eventually(async () => (t.server.runtime.tasks.size === 0 ? true : undefined));
  });

  it('gives the extractive answer, labelled degraded, when every model fails', async () => {
    t.stub.failNext({ status: 500, times: 10 });
    for (const stream of [false, true]) {
      const response = await ask(stream);
      expect(response.status).toBe(200);
      const result = outcome(response, stream);
      expect(result.mode).toBe('degraded');
      expect(result.answer).toMatch(/^Degraded answer/);
      expect(result.answer).toContain('gravitational pull of the Moon');
    }
  });

  it('ends a stream that breaks after tokens with an error event, never a hang or a 5xx', async () => {
    // Not digit words: a number being spelled out is held back until it is complete.
    t.stub.setReply('alpha beta gamma delta epsilon zeta eta theta');
    t.stub.cutNext({ afterTokens: 3, path: '/v1/chat/completions' });
    const response = await ask(true);
    expect(response.status).toBe(200);
    const events = parseSse(response.raw);
    expect(events.filter((event) => event.event === 'token').length).toBeGreaterThan(0);
    expect(events.at(-1)?.event).toBe('error');
    expect(events.at(-1)?.data).toMatchObject({ code: 'PARLEY_ERR_DEPENDENCY' });
  });

  it('cancels the upstream model call when the client disconnects', async () => {
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = t.app.server.address() as AddressInfo;
    t.stub.setReply(Array.from({ length: 200 }, (_, index) => `word${index}`).join(' '));
    // After 30 tokens (more than the output guard holds back) the stub stops and is never released:
    // the upstream request ends only if the server cancels it.
    t.stub.holdNext(1, { path: '/v1/chat/completions', afterTokens: 30 });
    const controller = new AbortController();
    const response = await fetch(`http://127.0.0.1:${port}/v1/chat`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ message: 'What causes the tides?' }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    let seen = '';
    while (!seen.includes('event: token')) {
      const { value } = await reader.read();
      seen += new TextDecoder().decode(value);
    }
    const disconnectedAt = Date.now();
    controller.abort();
    const aborted = await t.stub.waitForAbort();
    expect(aborted.path).toBe('/v1/chat/completions');
    expect(aborted.at).toBeGreaterThanOrEqual(disconnectedAt);
    expect(aborted.tokensSent).toBeLessThan(200);
  });
});
