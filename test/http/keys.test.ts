// API keys over their life through the admin API: listed (never a secret), created with scopes and
// an expiry, revoked, rotated with an overlap; scopes bounding what a key may call; each tenant
// seeing and changing only its own keys; a revocation seen by a second server process on the same
// database once its poll (250 ms) has seen it; the audit log of it all; and no secret in the logs.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/app/index.js';
import { cliTestTimeout, startCli } from '../support/cli.js';
import { call } from '../support/http.js';
import { type OpenApiDocument, schemaChecker } from '../support/openapi-document.js';
import {
  BACKENDS,
  eventually,
  prepareDataDir,
  startTestServer,
  type TestServer,
  urlWithSchema,
} from '../support/test-backend.js';

interface KeyView {
  id: string;
  kind: string;
  label: string | null;
  scopes: string[];
  status: string;
  expires_at: string | null;
  last_used_at: string | null;
  revoked_at: string | null;
  previous_secret_expires_at: string | null;
}
interface KeyWithSecret {
  key: string;
  api_key: KeyView;
}
interface AuditPage {
  entries: {
    id: string;
    action: string;
    actor_key_id: string | null;
    via: string;
    target_id: string | null;
    details: Record<string, unknown>;
  }[];
  next_before: string | null;
}

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
/** The secret part of a key: what must never be shown again. */
const secretOf = (key: string) => key.split('_').slice(2).join('_');

describe.each(BACKENDS)('API keys on %s', (kind) => {
  /** The server's log lines, at debug level. */
  const logLines: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logLines.push(chunk.toString('utf8'));
      done();
    },
  });
  let server: TestServer;
  const suffix = randomBytes(4).toString('hex');
  let adminA: string;
  let adminB: string;
  const secrets: string[] = [];
  const app = () => server.parley.app;
  const as = <T = Record<string, unknown>>(
    key: string,
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT',
    url: string,
    payload?: object,
  ) => call<T>(app(), { method, url, headers: bearer(key), ...(payload ? { payload } : {}) });

  beforeAll(async () => {
    // A secrets key, so that a tool secret can be set (and its audit entry checked for its value).
    server = await startTestServer(
      kind,
      { PARLEY_SECRETS_KEY: 'k'.repeat(40) },
      { log: pino({ level: 'debug' }, logStream) },
    );
    adminA = (await createApiKey(server.runtime.db, `keys-a-${suffix}`)).key;
    adminB = (await createApiKey(server.runtime.db, `keys-b-${suffix}`)).key;
    secrets.push(adminA, adminB);
  });
  afterAll(async () => {
    await server?.close();
  });

  /** Creates a key through the API as tenant A's admin. */
  async function create(body: object): Promise<KeyWithSecret> {
    const created = await as<KeyWithSecret>(adminA, 'POST', '/v1/keys', body);
    expect(created.status, created.raw).toBe(201);
    secrets.push(created.body.key);
    return created.body;
  }

  it('creates keys with scopes, lists them without their secrets, and keeps old keys admin', async () => {
    const chat = await create({ label: 'chat client', scopes: ['chat'] });
    expect(chat.key).toMatch(/^parley_[0-9a-f]{16}_/);
    expect(chat.api_key).toMatchObject({
      kind: 'secret',
      label: 'chat client',
      scopes: ['chat'],
      status: 'active',
    });

    const listed = await as<{ keys: KeyView[] }>(adminA, 'GET', '/v1/keys');
    expect(listed.status).toBe(200);
    const ids = listed.body.keys.map((key) => key.id);
    expect(ids).toContain(chat.api_key.id);
    // A key made before scopes (or without any) is admin.
    expect(listed.body.keys.find((key) => key.id === adminA.split('_')[1])?.scopes).toEqual(['admin']);
    for (const secret of secrets) expect(listed.raw).not.toContain(secretOf(secret));
    expect(listed.raw).not.toMatch(/"(hash|salt|previous_hash)"/);

    const bad = await as(adminA, 'POST', '/v1/keys', { scopes: ['everything'] });
    expect(bad.status).toBe(400);
    const past = await as(adminA, 'POST', '/v1/keys', { expires_at: '2020-01-01T00:00:00Z' });
    expect(past.status).toBe(400);
  });

  it('keeps a chat key to the chat endpoints and a read key to reads', async () => {
    const chat = (await create({ scopes: ['chat'] })).key;
    const read = (await create({ scopes: ['read'] })).key;

    const asked = await as<{ conversation_id: string }>(chat, 'POST', '/v1/chat', { message: 'hello' });
    expect(asked.status, asked.raw).toBe(200);
    expect((await as(chat, 'GET', `/v1/conversations/${asked.body.conversation_id}`)).status).toBe(200);
    expect((await as(chat, 'GET', '/v1/models')).status).toBe(200);
    const refused = await as<{ error: { code: string } }>(chat, 'GET', '/v1/documents');
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('PARLEY_ERR_FORBIDDEN');
    expect((await as(chat, 'GET', '/v1/keys')).status).toBe(403);

    expect((await as(read, 'GET', '/v1/documents')).status).toBe(200);
    expect((await as(read, 'GET', `/v1/conversations/${asked.body.conversation_id}`)).status).toBe(200);
    expect((await as(read, 'POST', '/v1/chat', { message: 'hello' })).status).toBe(403);
    expect((await as(read, 'POST', '/v1/bots', { id: `nope-${suffix}` })).status).toBe(403);
    expect((await as(read, 'GET', '/v1/keys')).status).toBe(403);
    expect((await as(read, 'GET', '/v1/audit-log')).status).toBe(403);
    expect((await as(read, 'POST', '/v1/keys', {})).status).toBe(403);

    // Both at once may do both.
    const both = (await create({ scopes: ['chat', 'read'] })).key;
    expect((await as(both, 'POST', '/v1/chat', { message: 'hello' })).status).toBe(200);
    expect((await as(both, 'GET', '/v1/documents')).status).toBe(200);
    expect((await as(both, 'DELETE', `/v1/bots/nope-${suffix}`)).status).toBe(403);
  });

  it('refuses a key once it expires (401), though it was cached', async () => {
    const expiresAt = new Date(Date.now() + 1_500);
    const expiring = await create({ expires_at: expiresAt.toISOString() });
    expect(expiring.api_key.expires_at).toBe(expiresAt.toISOString());
    expect((await as(expiring.key, 'GET', '/v1/documents')).status).toBe(200);
    const refused = await eventually(async () => {
      const response = await as<{ error: { code: string } }>(expiring.key, 'GET', '/v1/documents');
      return response.status === 200 ? undefined : response;
    }, 10_000);
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt.getTime());
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('PARLEY_ERR_UNAUTHORIZED');
    const listed = await as<{ keys: KeyView[] }>(adminA, 'GET', '/v1/keys');
    expect(listed.body.keys.find((key) => key.id === expiring.api_key.id)?.status).toBe('expired');
  });

  it('revokes a key: refused at once, and revoking again changes nothing', async () => {
    const victim = await create({ label: 'to revoke' });
    expect((await as(victim.key, 'GET', '/v1/documents')).status).toBe(200);
    const revoked = await as<KeyView>(adminA, 'POST', `/v1/keys/${victim.api_key.id}/revoke`);
    expect(revoked.status, revoked.raw).toBe(200);
    expect(revoked.body).toMatchObject({
      id: victim.api_key.id,
      status: 'revoked',
      revoked_at: expect.any(String),
    });
    expect((await as(victim.key, 'GET', '/v1/documents')).status).toBe(401);
    const again = await as<KeyView>(adminA, 'POST', `/v1/keys/${victim.api_key.id}/revoke`, {});
    expect(again.status).toBe(200);
    expect(again.body.revoked_at).toBe(revoked.body.revoked_at);
    // A revoked key cannot be rotated back to life.
    expect((await as(adminA, 'POST', `/v1/keys/${victim.api_key.id}/rotate`)).status).toBe(409);
  });

  it('rotates a key: the old secret works for the overlap, then stops; scopes and id stay', async () => {
    const original = await create({ scopes: ['read'], label: 'rotating' });
    const id = original.api_key.id;
    expect((await as(original.key, 'GET', '/v1/documents')).status).toBe(200);

    const first = await as<KeyWithSecret>(adminA, 'POST', `/v1/keys/${id}/rotate`, { overlap_seconds: 3600 });
    expect(first.status, first.raw).toBe(200);
    secrets.push(first.body.key);
    expect(first.body.key).not.toBe(original.key);
    expect(first.body.key.split('_')[1]).toBe(id);
    expect(first.body.api_key).toMatchObject({
      id,
      scopes: ['read'],
      previous_secret_expires_at: expect.any(String),
    });
    // Both work during the overlap (the old one through its re-read, the new one at first sight).
    expect((await as(original.key, 'GET', '/v1/documents')).status).toBe(200);
    expect((await as(first.body.key, 'GET', '/v1/documents')).status).toBe(200);
    expect((await as(first.body.key, 'POST', '/v1/chat', { message: 'hi' })).status).toBe(403);

    // A second rotation with no overlap: only the newest works.
    const second = await as<KeyWithSecret>(adminA, 'POST', `/v1/keys/${id}/rotate`, { overlap_seconds: 0 });
    expect(second.status).toBe(200);
    secrets.push(second.body.key);
    expect(second.body.api_key.previous_secret_expires_at).toBeNull();
    expect((await as(second.body.key, 'GET', '/v1/documents')).status).toBe(200);
    expect((await as(first.body.key, 'GET', '/v1/documents')).status).toBe(401);
    expect((await as(original.key, 'GET', '/v1/documents')).status).toBe(401);

    // With no body, the default overlap is a day.
    const third = await as<KeyWithSecret>(adminA, 'POST', `/v1/keys/${id}/rotate`);
    secrets.push(third.body.key);
    const overlapEnds = Date.parse(third.body.api_key.previous_secret_expires_at ?? '');
    expect(overlapEnds - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    expect(overlapEnds - Date.now()).toBeLessThanOrEqual(24 * 3600_000);

    // A short overlap ends by itself.
    const fourth = await as<KeyWithSecret>(adminA, 'POST', `/v1/keys/${id}/rotate`, { overlap_seconds: 1 });
    secrets.push(fourth.body.key);
    expect((await as(third.body.key, 'GET', '/v1/documents')).status).toBe(200);
    await eventually(
      async () => ((await as(third.body.key, 'GET', '/v1/documents')).status === 401 ? true : undefined),
      10_000,
    );
    expect((await as(fourth.body.key, 'GET', '/v1/documents')).status).toBe(200);
  });

  it("shows and changes only the tenant's own keys: another tenant's key id is not found", async () => {
    const mine = await create({ label: 'private to A' });
    const theirs = await as<{ keys: KeyView[] }>(adminB, 'GET', '/v1/keys');
    expect(theirs.status).toBe(200);
    expect(theirs.body.keys.map((key) => key.id)).toEqual([adminB.split('_')[1]]);
    for (const action of ['revoke', 'rotate']) {
      const response = await as<{ error: { code: string } }>(
        adminB,
        'POST',
        `/v1/keys/${mine.api_key.id}/${action}`,
      );
      expect(response.status, action).toBe(404);
      expect(response.body.error.code).toBe('PARLEY_ERR_NOT_FOUND');
    }
    expect((await as(mine.key, 'GET', '/v1/documents')).status).toBe(200);
    const audit = await as<AuditPage>(adminB, 'GET', '/v1/audit-log');
    expect(audit.body.entries.map((entry) => entry.target_id)).not.toContain(mine.api_key.id);
  });

  it('records key, bot and document actions in the audit log, newest first, by page and by action', async () => {
    const keyA = adminA.split('_')[1];
    const made = await create({ label: 'audited' });
    await as(adminA, 'POST', `/v1/keys/${made.api_key.id}/rotate`, { overlap_seconds: 0 });
    await as(adminA, 'POST', `/v1/keys/${made.api_key.id}/revoke`);
    const bot = `audited-${suffix}`;
    expect((await as(adminA, 'POST', '/v1/bots', { id: bot })).status).toBe(201);
    expect((await as(adminA, 'PATCH', `/v1/bots/${bot}`, { settings: { top_k: 3 } })).status).toBe(200);
    expect((await as(adminA, 'DELETE', `/v1/bots/${bot}`)).status).toBe(204);
    const uploaded = await as<{ document_id: string }>(adminA, 'POST', '/v1/documents', {
      title: 'Audited',
      text: '# Audited\n\nA document whose upload is audited.',
    });
    expect(uploaded.status).toBe(202);
    expect((await as(adminA, 'PUT', '/v1/budgets', { tenant_daily_usd: 5 })).status).toBe(200);
    const removed = await as(adminA, 'DELETE', `/v1/documents/${uploaded.body.document_id}`);
    expect(removed.status, removed.raw).toBeLessThan(300);
    const toolSecret = `tool-secret-value-${suffix}`;
    const set = await as(adminA, 'PUT', '/v1/tool-secrets/weather_token', { value: toolSecret });
    expect(set.status, set.raw).toBeLessThan(300);

    // Bot, document and tool-secret entries are written after the response.
    const page = await eventually(async () => {
      const response = await as<AuditPage>(adminA, 'GET', '/v1/audit-log?limit=100');
      const actions = response.body.entries.map((entry) => entry.action);
      return ['document.uploaded', 'document.deleted', 'budget.updated', 'tool_secret.set'].every((action) =>
        actions.includes(action),
      )
        ? response
        : undefined;
    });
    expect(page.status).toBe(200);
    const mineOnly = page.body.entries.filter(
      (entry) =>
        entry.target_id === made.api_key.id ||
        entry.target_id === bot ||
        entry.action.startsWith('document.') ||
        entry.action === 'budget.updated',
    );
    const secretSet = page.body.entries.find((entry) => entry.action === 'tool_secret.set');
    expect(secretSet).toMatchObject({ target_id: 'weather_token', details: { fields: ['value'] } });
    expect(page.raw).not.toContain(toolSecret);
    expect(mineOnly.map((entry) => entry.action)).toEqual([
      'document.deleted',
      'budget.updated',
      'document.uploaded',
      'bot.deleted',
      'bot.updated',
      'bot.created',
      'key.revoked',
      'key.rotated',
      'key.created',
    ]);
    for (const entry of mineOnly) expect(entry).toMatchObject({ actor_key_id: keyA, via: 'api' });
    expect(mineOnly.find((entry) => entry.action === 'document.uploaded')?.target_id).toBe(
      uploaded.body.document_id,
    );
    expect(mineOnly.find((entry) => entry.action === 'bot.updated')?.details).toEqual({
      fields: ['settings'],
    });
    for (const secret of secrets) expect(page.raw).not.toContain(secretOf(secret));

    const revocations = await as<AuditPage>(adminA, 'GET', '/v1/audit-log?action=key.revoked');
    expect(revocations.body.entries.length).toBeGreaterThan(0);
    expect(new Set(revocations.body.entries.map((entry) => entry.action))).toEqual(new Set(['key.revoked']));

    // Paging: two pages of one are the two newest, in order.
    const first = await as<AuditPage>(adminA, 'GET', '/v1/audit-log?limit=1');
    expect(first.body.entries).toHaveLength(1);
    const second = await as<AuditPage>(
      adminA,
      'GET',
      `/v1/audit-log?limit=1&before=${first.body.next_before}`,
    );
    expect([...first.body.entries, ...second.body.entries].map((entry) => entry.id)).toEqual(
      page.body.entries.slice(0, 2).map((entry) => entry.id),
    );
  });

  it('writes when a key was last used, in the background and at most once a minute', async () => {
    const used = await create({ label: 'used' });
    const lastUsed = async () =>
      (await as<{ keys: KeyView[] }>(adminA, 'GET', '/v1/keys')).body.keys.find(
        (key) => key.id === used.api_key.id,
      )?.last_used_at;
    expect((await as(used.key, 'GET', '/v1/documents')).status).toBe(200);
    // Nothing was written on the request's path.
    const [row] = await server.runtime.db.query<{ last_used_at: Date | null }>(
      'select last_used_at from api_keys where id = $1',
      [used.api_key.id],
    );
    expect(row?.last_used_at).toBeNull();
    await server.runtime.keys.usage.flush();
    const first = await lastUsed();
    expect(first).toEqual(expect.any(String));
    for (let index = 0; index < 3; index++) await as(used.key, 'GET', '/v1/documents');
    await server.runtime.keys.usage.flush();
    expect(await lastUsed()).toBe(first);
  });

  it('answers as the OpenAPI document says', async () => {
    const document = (await call<OpenApiDocument>(app(), { method: 'GET', url: '/openapi.json' })).body;
    const check = schemaChecker(document);
    const documented = async (method: 'GET' | 'POST', path: string, url = path, payload?: object) => {
      const response = await as(adminA, method, url, payload);
      const responses = document.paths[path]?.[method.toLowerCase()]?.responses ?? {};
      const listed = responses[String(response.status)] ?? responses[`${String(response.status)[0]}XX`];
      const label = `${method} ${url} -> ${response.status}`;
      expect(listed, label).toBeDefined();
      expect(check(listed?.content?.['application/json']?.schema, response.body), label).toBeUndefined();
      return response;
    };
    const created = await documented('POST', '/v1/keys', '/v1/keys', { scopes: ['read'], expires_in: 3600 });
    expect(created.status).toBe(201);
    const id = (created.body as unknown as KeyWithSecret).api_key.id;
    secrets.push((created.body as unknown as KeyWithSecret).key);
    await documented('GET', '/v1/keys');
    const rotated = await documented('POST', '/v1/keys/{id}/rotate', `/v1/keys/${id}/rotate`, {});
    secrets.push((rotated.body as unknown as KeyWithSecret).key);
    expect((await documented('POST', '/v1/keys/{id}/revoke', `/v1/keys/${id}/revoke`)).status).toBe(200);
    expect(
      (await documented('POST', '/v1/keys/{id}/revoke', '/v1/keys/0000000000000000/revoke')).status,
    ).toBe(404);
    expect((await documented('GET', '/v1/audit-log', '/v1/audit-log?limit=3')).status).toBe(200);
  });

  it('never writes a secret to the log', async () => {
    await eventually(async () => (server.runtime.tasks.size === 0 ? true : undefined));
    const logged = logLines.join('');
    expect(logged).toContain('request completed');
    for (const secret of secrets) expect(logged).not.toContain(secretOf(secret));
  });
});

describe.each(BACKENDS)('a revocation on %s, seen by another server process on the same database', (kind) => {
  let first: TestServer;
  let other: Awaited<ReturnType<typeof startCli>> | undefined;
  let base: string;

  beforeAll(async () => {
    first = await startTestServer(kind);
    // The same database: the embedded one through its owner's socket (this test process), or
    // PostgreSQL's schema.
    const [{ schema }] = (await first.runtime.db.query<{ schema: string }>(
      'select current_schema() as schema',
    )) as [{ schema: string }];
    const env: Record<string, string> =
      kind === 'postgres'
        ? {
            DATABASE_URL: urlWithSchema(first.config.storage.databaseUrl!, schema),
            PARLEY_DATA_DIR: await prepareDataDir(),
          }
        : { PARLEY_DATA_DIR: first.dataDir };
    other = await startCli(['serve', '--port', '0', '--no-jobs'], env, /serving on (http:\/\/\S+)/);
    base = other.match[1]!;
  }, cliTestTimeout(1));
  afterAll(async () => {
    if (other && other.child.exitCode === null) {
      other.child.kill('SIGTERM');
      await once(other.child, 'exit');
    }
    await first?.close();
  });

  // Within the key generation's poll (250 ms): checked as behaviour, bounded well below the key
  // cache's 5-minute lifetime, with no timing bound of its own (a timed test fails on a loaded
  // machine); the time it took is printed.
  it('refuses the key in the other process once its poll has seen the revocation', async () => {
    const tenant = `replicas-${randomBytes(4).toString('hex')}`;
    const admin = await createApiKey(first.runtime.db, tenant);
    const victim = await createApiKey(first.runtime.db, tenant, { label: 'victim' });
    const here = async (key: string) =>
      (await call(first.parley.app, { method: 'GET', url: '/v1/documents', headers: bearer(key) })).status;
    const there = async (key: string) =>
      (await fetch(`${base}/v1/documents`, { headers: bearer(key) })).status;
    // Cached by both.
    expect(await here(victim.key)).toBe(200);
    expect(await there(victim.key)).toBe(200);

    const revoked = await call(first.parley.app, {
      method: 'POST',
      url: `/v1/keys/${victim.keyId}/revoke`,
      headers: bearer(admin.key),
    });
    expect(revoked.status).toBe(200);
    const start = performance.now();
    expect(await here(victim.key)).toBe(401);
    await eventually(async () => ((await there(victim.key)) === 401 ? true : undefined), 5_000);
    const elapsed = performance.now() - start;
    // The admin key, of the same tenant, still works there (read again, not refused).
    expect(await there(admin.key)).toBe(200);

    // A change made outside any server (the CLI, SQL) is seen the same way.
    const rotated = await createApiKey(first.runtime.db, tenant, { label: 'revoked elsewhere' });
    expect(await there(rotated.key)).toBe(200);
    await first.runtime.db.query('update api_keys set revoked_at = now() where id = $1', [rotated.keyId]);
    const outside = performance.now();
    await eventually(async () => ((await there(rotated.key)) === 401 ? true : undefined), 5_000);
    process.stdout.write(
      `keys test (${kind}): revocation seen by the other process after ${elapsed.toFixed(0)} ms (API), ${(performance.now() - outside).toFixed(0)} ms (SQL)\n`,
    );
  });
});
