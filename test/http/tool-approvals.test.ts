// Actions wait for approval: a turn whose model asks for a tool that acts on the world pauses
// (an `approval` in the JSON answer and the stream); approved, the action runs once — with the
// approval's id as its idempotency key, whoever approves again — and the answer continues with its
// result; declined, it never runs. A paused turn survives a restart of the server.

import { rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, createRuntime, type ParleyApp, type Runtime } from '../../src/app/index.js';
import { loadConfig } from '../../src/config/index.js';
import { createLogger } from '../../src/telemetry/index.js';
import { ingestDocuments, TIDES } from '../support/documents.js';
import { call, parseSse } from '../support/http.js';
import { type StubPrompt, type StubProvider, startStubProvider } from '../support/stub-provider/index.js';
import { eventually, prepareDataDir } from '../support/test-backend.js';

interface Answer {
  conversation_id: string;
  turn_id: string;
  answer: string;
  approval?: { id: string; tool: string; arguments: string; approver: string };
}

/** Books a table when it can; once the booking's result is in, answers with it. */
function bookingModel(prompt: StubPrompt) {
  const last = prompt.messages.at(-1)?.text ?? '';
  if (prompt.messages.length > 1 && /booked|declined|not run/.test(last)) return `Done: ${last}`;
  if (prompt.tools.includes('book_table')) {
    return { text: 'Let me book it.', toolCalls: [{ name: 'book_table', arguments: '{"city":"Paris"}' }] };
  }
  return 'No tools.';
}

describe('approval of actions', () => {
  let stub: StubProvider;
  let endpoint: Server;
  let endpointUrl: string;
  const bookings: IncomingHttpHeaders[] = [];
  let dataDir: string;
  let runtime: Runtime;
  let parley: ParleyApp;

  const start = async () => {
    const config = loadConfig({
      PARLEY_DATA_DIR: dataDir,
      PARLEY_LOG_LEVEL: 'silent',
      PARLEY_ANSWER_CACHE_SECONDS: '0',
      PARLEY_MODELS: 'openai:stub-model',
      OPENAI_BASE_URL: stub.url,
      OPENAI_API_KEY: 'test',
      PARLEY_TOOL_HOSTS: '127.0.0.1',
    });
    runtime = await createRuntime(config, createLogger('silent'), { runJobs: true });
    parley = await createApp(runtime);
  };
  const stop = async () => {
    await parley.close();
    await runtime.close();
  };

  beforeAll(async () => {
    stub = await startStubProvider();
    stub.setReply(bookingModel);
    endpoint = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        bookings.push(request.headers);
        response.writeHead(200).end('booked for 2 at 19:00');
      });
    });
    await new Promise<void>((resolve) => endpoint.listen(0, '127.0.0.1', resolve));
    endpointUrl = `http://127.0.0.1:${(endpoint.address() as AddressInfo).port}`;
    dataDir = await prepareDataDir();
    await start();
    await ingestDocuments({ runtime }, [TIDES]);
    const request = (method: 'PUT' | 'PATCH', url: string, payload: Record<string, unknown>) =>
      call(parley.app, { method, url, payload });
    expect(
      (
        await request('PUT', '/v1/tools/book_table', {
          description: 'Books a table in a city',
          parameters: {
            type: 'object',
            properties: { city: { type: 'string' } },
            required: ['city'],
            additionalProperties: false,
          },
          method: 'POST',
          url: `${endpointUrl}/bookings`,
        })
      ).status,
    ).toBe(201);
    expect(
      (await request('PATCH', '/v1/bots/parley', { settings: { tools: { allow: ['book_table'] } } })).status,
    ).toBe(200);
  });
  afterAll(async () => {
    await stop();
    await stub.close();
    endpoint.closeAllConnections();
    await new Promise((resolve) => endpoint.close(resolve));
    await rm(path.dirname(dataDir), { recursive: true, force: true });
  });

  const ask = () =>
    call<Answer>(parley.app, {
      method: 'POST',
      url: '/v1/chat',
      payload: { message: 'Book me a table in Paris' },
    });
  const decide = (answer: Answer, approve: boolean) =>
    call<Answer & { error?: { code: string } }>(parley.app, {
      method: 'POST',
      url: `/v1/conversations/${answer.conversation_id}/approvals/${answer.approval!.id}`,
      payload: { approve },
    });

  it('pauses the turn, runs the approved action once, and continues the answer with its result', async () => {
    bookings.length = 0;
    const paused = await ask();
    expect(paused.status).toBe(200);
    expect(paused.body.approval).toMatchObject({
      tool: 'book_table',
      arguments: '{"city":"Paris"}',
      approver: 'user',
    });
    expect(paused.body.answer).toMatch(/^Let me book it\.\s+To go on I need to run book_table/);
    expect(bookings).toHaveLength(0);

    // Read back (after a reload), the conversation says what it waits on.
    const waiting = await eventually(async () => {
      const read = await call<{ pending_approvals: { id: string; tool: string; turn_id: string }[] }>(
        parley.app,
        {
          method: 'GET',
          url: `/v1/conversations/${paused.body.conversation_id}`,
        },
      );
      return read.status === 200 ? read.body.pending_approvals : undefined;
    });
    expect(waiting).toEqual([
      expect.objectContaining({
        id: paused.body.approval!.id,
        tool: 'book_table',
        turn_id: paused.body.turn_id,
      }),
    ]);

    const approved = await decide(paused.body, true);
    expect(approved.status).toBe(200);
    expect(approved.body.answer).toBe('Done: booked for 2 at 19:00');
    expect(approved.body.conversation_id).toBe(paused.body.conversation_id);
    const after = await call<{ pending_approvals: unknown[] }>(parley.app, {
      method: 'GET',
      url: `/v1/conversations/${paused.body.conversation_id}`,
    });
    expect(after.body.pending_approvals).toEqual([]);
    expect(bookings).toHaveLength(1);
    expect(bookings[0]?.['idempotency-key']).toBe(paused.body.approval!.id);

    // Approved again (a double click, another replica): refused, and the action does not run twice.
    const again = await decide(paused.body, true);
    expect(again.status).toBe(409);
    expect(bookings).toHaveLength(1);

    // The conversation holds the question once, the paused answer and its continuation.
    const messages = await eventually(async () => {
      const read = await call<{ messages: { role: string; content: string }[] }>(parley.app, {
        method: 'GET',
        url: `/v1/conversations/${paused.body.conversation_id}`,
      });
      return read.body.messages?.length === 3 ? read.body.messages : undefined;
    });
    expect(messages.map((message) => message.role)).toEqual(['user', 'assistant', 'assistant']);
    expect(messages[2]?.content).toBe('Done: booked for 2 at 19:00');

    const listed = await call<{ approvals: { id: string; status: string }[] }>(parley.app, {
      method: 'GET',
      url: `/v1/approvals?conversation_id=${paused.body.conversation_id}`,
    });
    expect(listed.body.approvals).toEqual([
      expect.objectContaining({ id: paused.body.approval!.id, status: 'done' }),
    ]);
  });

  it('never runs a declined action; the model reads that it was declined', async () => {
    bookings.length = 0;
    const paused = await ask();
    const declined = await decide(paused.body, false);
    expect(declined.status).toBe(200);
    expect(declined.body.answer).toBe('Done: The user declined: book_table was not run.');
    expect(bookings).toHaveLength(0);
    expect((await decide(paused.body, true)).status).toBe(409);
  });

  it('sends the pause as an `approval` event when streamed', async () => {
    const response = await parley.app.inject({
      method: 'POST',
      url: '/v1/chat',
      payload: { message: 'Book me a table in Paris', stream: true },
    });
    const events = parseSse(response.body);
    const approval = events.find((event) => event.event === 'approval');
    expect(approval?.data).toMatchObject({ tool: 'book_table', approver: 'user' });
    expect(events.map((event) => event.event).slice(-3)).toEqual(['approval', 'citations', 'done']);
  });

  it('answers 404 for an approval of another conversation or an unknown one', async () => {
    const paused = await ask();
    const other = await ask();
    const crossed = await call(parley.app, {
      method: 'POST',
      url: `/v1/conversations/${other.body.conversation_id}/approvals/${paused.body.approval!.id}`,
      payload: { approve: true },
    });
    expect(crossed.status).toBe(404);
  });

  it('keeps a paused turn across a restart: approved on the restarted server, the action runs', async () => {
    bookings.length = 0;
    const paused = await ask();
    expect(paused.body.approval).toBeDefined();
    // The paused turn is stored before the server goes (shutdown drains the writes).
    await stop();
    await start();
    const approved = await decide(paused.body, true);
    expect(approved.status).toBe(200);
    expect(approved.body.answer).toBe('Done: booked for 2 at 19:00');
    expect(bookings).toHaveLength(1);
  });
});
