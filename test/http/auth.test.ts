// API keys and tenant isolation through the HTTP API: loopback-only without keys, 401 once a key
// exists, and no tenant can read, change or delete another tenant's data.
import { get as httpGet } from 'node:http';
import { describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/app/index.js';
import { call, multipartFile } from '../support/http.js';
import { BACKENDS, eventually, useTestServer } from '../support/test-backend.js';

describe.each(BACKENDS)('auth on %s', (kind) => {
  const server = useTestServer(kind);
  const app = () => server.parley.app;

  it('serves loopback clients without a key while no key exists, but not proxied or remote ones', async () => {
    expect((await call(app(), { method: 'GET', url: '/v1/documents' })).status).toBe(200);
    const proxied = await call<{ error: { code: string } }>(app(), {
      method: 'GET',
      url: '/v1/documents',
      headers: { 'x-forwarded-for': '203.0.113.7' },
    });
    expect(proxied.status).toBe(401);
    expect(proxied.body.error.code).toBe('PARLEY_ERR_UNAUTHORIZED');
    for (const header of ['via', 'x-forwarded-host', 'cf-connecting-ip']) {
      const relayed = await call(app(), { method: 'GET', url: '/v1/documents', headers: { [header]: 'x' } });
      expect(relayed.status, header).toBe(401);
    }
    const remote = await call(app(), { method: 'GET', url: '/v1/documents', remoteAddress: '198.51.100.4' });
    expect(remote.status).toBe(401);
  });

  it('serves keyless requests only to a loopback name, and never from another site', async () => {
    const file = multipartFile('planted.txt', 'Planted by another site.');
    const multipart = {
      method: 'POST' as const,
      url: '/v1/documents',
      headers: {
        'content-type': file.contentType,
        origin: 'https://attacker.example',
        'sec-fetch-site': 'cross-site',
      },
      payload: file.payload,
    };
    // A page on another site posting a form through the operator's browser (no preflight).
    const planted = await call<{ error: { code: string } }>(app(), multipart);
    expect(planted.status).toBe(403);
    expect(planted.body.error.code).toBe('PARLEY_ERR_CROSS_SITE');
    // A DNS-rebinding page reading under its own host name.
    const rebound = await call<{ error: { code: string } }>(app(), {
      method: 'GET',
      url: '/v1/documents',
      headers: { host: 'attacker.example:8787' },
    });
    expect(rebound.status).toBe(403);
    expect(rebound.body.error.code).toBe('PARLEY_ERR_HOST_NOT_ALLOWED');
    // Parley's own page, and a local client.
    const own = await call<{ documents: { title: string }[] }>(app(), {
      method: 'GET',
      url: '/v1/documents',
      headers: { host: 'localhost:8787', origin: 'http://localhost:8787', 'sec-fetch-site': 'same-origin' },
    });
    expect(own.status).toBe(200);
    expect(own.body.documents.map((document) => document.title)).not.toContain('planted.txt');

    // Over a real port, the Host must also name the port the server listens on.
    const address = await app().listen({ port: 0, host: '127.0.0.1' });
    const port = Number(new URL(address).port);
    const status = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const sent = httpGet(
          { host: '127.0.0.1', port, path: '/v1/documents', headers: { host } },
          (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          },
        );
        sent.on('error', reject);
      });
    expect(await status(`localhost:${port}`)).toBe(200);
    expect(await status(`[::1]:${port}`)).toBe(200);
    expect(await status(`localhost:${port === 9 ? 10 : 9}`)).toBe(403);
    expect(await status(`rebind.attacker.example:${port}`)).toBe(403);
  });

  it('requires a valid key once one exists, and scopes every resource to its tenant', async () => {
    const alice = await createApiKey(server.runtime.db, `alice-${kind}`);
    const bob = await createApiKey(server.runtime.db, `bob-${kind}`);
    // The "any key exists" answer is cached for 2 s; wait for it to flip.
    await eventually(async () => {
      const response = await call(app(), { method: 'GET', url: '/v1/documents' });
      return response.status === 401 ? true : undefined;
    });
    const as = (key: string) => ({ authorization: `Bearer ${key}` });

    expect(
      (await call(app(), { method: 'GET', url: '/v1/documents', headers: as('parley_nope') })).status,
    ).toBe(401);
    const forged = `${alice.key.slice(0, -4)}AAAA`;
    expect((await call(app(), { method: 'GET', url: '/v1/documents', headers: as(forged) })).status).toBe(
      401,
    );

    const upload = await call<{ document_id: string; job_id: string }>(app(), {
      method: 'POST',
      url: '/v1/documents',
      headers: as(alice.key),
      payload: { title: 'Alice plan', text: 'Alice keeps the launch codes for the aurora project.' },
    });
    expect(upload.status).toBe(202);
    await eventually(async () => {
      const job = await call<{ status: string }>(app(), {
        method: 'GET',
        url: `/v1/jobs/${upload.body.job_id}`,
        headers: as(alice.key),
      });
      return job.body.status === 'succeeded' ? true : undefined;
    });
    const chat = await call<{ conversation_id: string; turn_id: string; citations: unknown[] }>(app(), {
      method: 'POST',
      url: '/v1/chat',
      headers: as(alice.key),
      payload: { message: 'Who keeps the launch codes for aurora?' },
    });
    expect(chat.body.citations.length).toBe(1);

    // Bob sees none of it, through any endpoint.
    const bobGet = (url: string) => call(app(), { method: 'GET', url, headers: as(bob.key) });
    expect((await bobGet(`/v1/documents/${upload.body.document_id}`)).status).toBe(404);
    expect((await bobGet(`/v1/jobs/${upload.body.job_id}`)).status).toBe(404);
    expect((await bobGet(`/v1/conversations/${chat.body.conversation_id}`)).status).toBe(404);
    await eventually(async () =>
      (
        await call(app(), {
          method: 'GET',
          url: `/v1/turns/${chat.body.turn_id}/trace`,
          headers: as(alice.key),
        })
      ).status === 200
        ? true
        : undefined,
    );
    expect((await bobGet(`/v1/turns/${chat.body.turn_id}/trace`)).status).toBe(404);
    const bobList = await call<{ documents: unknown[] }>(app(), {
      method: 'GET',
      url: '/v1/documents',
      headers: as(bob.key),
    });
    expect(bobList.body.documents).toEqual([]);
    const bobChat = await call<{ citations: unknown[] }>(app(), {
      method: 'POST',
      url: '/v1/chat',
      headers: as(bob.key),
      payload: { message: 'Who keeps the launch codes for aurora?' },
    });
    expect(bobChat.body.citations).toEqual([]);
    const bobContinues = await call(app(), {
      method: 'POST',
      url: '/v1/chat',
      headers: as(bob.key),
      payload: { message: 'more', conversation_id: chat.body.conversation_id },
    });
    expect(bobContinues.status).toBe(404);
    const bobDelete = await call(app(), {
      method: 'DELETE',
      url: `/v1/documents/${upload.body.document_id}`,
      headers: as(bob.key),
    });
    expect(bobDelete.status).toBe(404);

    // Bots too: Alice's bot does not exist for Bob, who may name his own the same.
    const aliceBot = await call(app(), {
      method: 'POST',
      url: '/v1/bots',
      headers: as(alice.key),
      payload: {
        id: 'helpdesk',
        settings: {
          min_relevance: 0,
          system_prompt: 'You are the aurora helpdesk. Never name the launch site.',
        },
      },
    });
    expect(aliceBot.status).toBe(201);
    expect((await bobGet('/v1/bots/helpdesk')).status).toBe(404);
    // Her bot's system prompt is listed for her, not for Bob; the server's default for both.
    const promptsOf = async (key: string) =>
      (
        await call<{ prompts: { system_prompt: string }[] }>(app(), {
          method: 'GET',
          url: '/v1/prompts',
          headers: as(key),
        })
      ).body.prompts.map((prompt) => prompt.system_prompt);
    const defaultPrompt = server.runtime.bots.defaults.system_prompt;
    expect(await promptsOf(alice.key)).toEqual(
      expect.arrayContaining([expect.stringContaining('aurora helpdesk'), defaultPrompt]),
    );
    expect(await promptsOf(bob.key)).toEqual([defaultPrompt]);
    const bobAsksAliceBot = await call(app(), {
      method: 'POST',
      url: '/v1/chat',
      headers: as(bob.key),
      payload: { message: 'hello', bot: 'helpdesk' },
    });
    expect(bobAsksAliceBot.status).toBe(404);
    for (const method of ['PATCH', 'DELETE'] as const) {
      const changed = await call(app(), {
        method,
        url: '/v1/bots/helpdesk',
        headers: as(bob.key),
        ...(method === 'PATCH' ? { payload: { name: 'taken over' } } : {}),
      });
      expect(changed.status).toBe(404);
    }
    const bobModels = await call<{ data: { id: string }[] }>(app(), {
      method: 'GET',
      url: '/v1/models',
      headers: as(bob.key),
    });
    expect(bobModels.body.data.map((model) => model.id)).toEqual(['parley']);
    const bobBot = await call(app(), {
      method: 'POST',
      url: '/v1/bots',
      headers: as(bob.key),
      payload: { id: 'helpdesk', name: 'Bob desk' },
    });
    expect(bobBot.status).toBe(201);
    const aliceView = await call<{ name: string }>(app(), {
      method: 'GET',
      url: '/v1/bots/helpdesk',
      headers: as(alice.key),
    });
    expect(aliceView.body.name).toBe('helpdesk');
    expect(
      (
        await call(app(), {
          method: 'GET',
          url: `/v1/documents/${upload.body.document_id}`,
          headers: as(alice.key),
        })
      ).status,
    ).toBe(200);
  });

  it('stores keys only as a salted hash', async () => {
    const created = await createApiKey(server.runtime.db, `carol-${kind}`);
    const rows = await server.runtime.db.query<{ hash: string; salt: string }>(
      'select hash, salt from api_keys where id = $1',
      [created.keyId],
    );
    expect(rows[0]?.hash).toBeTruthy();
    const secret = created.key.split('_').slice(2).join('_');
    expect(JSON.stringify(rows)).not.toContain(secret);
  });
});
