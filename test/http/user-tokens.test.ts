// End users signed in by the operator's identity provider (a local one: test/support), on both
// backends: bad tokens are all refused alike (401, nothing said of why), a good one is accepted, a
// key rotation is followed, and each user sees, lists, renames, exports and deletes only their own
// conversations (another's is 404, never data). Keys allowed to act for users name them in the
// Parley-User header or the OpenAI `user` field; other keys may not.
import { base64url } from 'jose';
import { describe, expect, it } from 'vitest';
import { createApiKey } from '../../src/app/index.js';
import { type KeyedTenant, useChatFixture } from '../support/chat-fixture.js';
import { TIDES } from '../support/documents.js';
import { call } from '../support/http.js';
import { signWith, useIdentityProvider } from '../support/identity-provider.js';
import { BACKENDS, eventually } from '../support/test-backend.js';

interface Summary {
  id: string;
  title: string | null;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe.each(BACKENDS)('signed-in users on %s', (kind) => {
  const idp = useIdentityProvider();
  const tenant = `people-${kind}`;
  const fixture = useChatFixture(() => ({
    kind,
    documents: [TIDES],
    env: {
      PARLEY_OIDC_ISSUER: idp.issuer,
      PARLEY_OIDC_AUDIENCE: idp.audience,
      PARLEY_OIDC_TENANT: tenant,
      PARLEY_OIDC_CLOCK_SKEW_SECONDS: '60',
      // Every token signed by a key not read yet makes the server read the JWKS again.
      PARLEY_OIDC_JWKS_COOLDOWN_SECONDS: '0',
    },
  }));

  const request = <T = Record<string, unknown>>(
    headers: Record<string, string>,
    method: 'GET' | 'PATCH' | 'DELETE' | 'POST',
    url: string,
    payload?: object,
  ) =>
    call<T>(fixture.app, {
      method,
      url,
      headers,
      ...(payload ? { payload: payload as Record<string, unknown> } : {}),
    });

  const converse = (headers: Record<string, string>, message: string, conversationId?: string) =>
    fixture.converse(headers, message, conversationId);

  it('refuses every bad token alike: 401, the same generic error, nothing said of why', async () => {
    const now = Math.floor(Date.now() / 1000);
    const good = await idp.token('alice');
    const [header, payload, signature] = good.split('.') as [string, string, string];
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload)));
    const tampered = `${header}.${base64url.encode(JSON.stringify({ ...claims, sub: 'mallory' }))}.${signature}`;
    const unsigned = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${payload}.`;
    const stranger = await idp.strangerKey();
    const bad: Record<string, string> = {
      expired: await idp.token('alice', { exp: now - 600, iat: now - 900 }),
      'wrong audience': await idp.token('alice', { aud: 'someone-else' }),
      'wrong issuer': await idp.token('alice', { iss: 'https://idp.example.com' }),
      'alg none': unsigned,
      'unknown key id': await signWith(stranger, { ...claims }),
      'known key id, another key': await signWith({ ...stranger, kid: claims.kid ?? 'key-1' }, { ...claims }),
      'tampered payload': tampered,
      'no expiry': await idp.token('alice', { exp: undefined }),
      'not yet valid': await idp.token('alice', { nbf: now + 600 }),
      'not a token': 'a.b.c',
    };
    const bodies = new Set<string>();
    for (const [name, token] of Object.entries(bad)) {
      const response = await request(bearer(token), 'GET', '/v1/conversations');
      expect(response.status, name).toBe(401);
      bodies.add(response.raw);
    }
    // One answer for every reason: the generic error shape, naming no claim or key.
    expect(bodies.size).toBe(1);
    const [only] = [...bodies];
    expect(JSON.parse(only!)).toEqual({ error: { code: expect.any(String), message: 'invalid token' } });
    expect(only).not.toMatch(/expir|audience|issuer|alg|kid|key|signature|claim/i);

    // The good token, and one expired within the clock skew, are accepted.
    expect((await request(bearer(good), 'GET', '/v1/conversations')).status).toBe(200);
    const lately = await idp.token('alice', { exp: now - 10, iat: now - 300 });
    expect((await request(bearer(lately), 'GET', '/v1/conversations')).status).toBe(200);
  });

  it('follows a key rotation: a new key is picked up, a key taken out of the JWKS is refused', async () => {
    const before = await idp.token('rotating');
    expect((await request(bearer(before), 'GET', '/v1/conversations')).status).toBe(200);
    const oldKid = JSON.parse(new TextDecoder().decode(base64url.decode(before.split('.')[0]!)))
      .kid as string;
    const reads = idp.jwksReads;

    const newKid = await idp.addKey();
    idp.retireKey(oldKid);
    const after = await idp.token('rotating', {}, { kid: newKid });
    // An unknown kid makes the server read the JWKS again (the cooldown is 0 here).
    expect((await request(bearer(after), 'GET', '/v1/conversations')).status).toBe(200);
    expect(idp.jwksReads).toBeGreaterThan(reads);
    // The old key is no longer in the set the server read: its token is refused.
    const refused = await request(bearer(before), 'GET', '/v1/conversations');
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual({ error: { code: expect.any(String), message: 'invalid token' } });
  });

  it('keeps each user to their own conversations: another user gets 404, never data', async () => {
    const alice = bearer(await idp.token('alice'));
    const bob = bearer(await idp.token('bob'));
    const mine = await converse(alice, 'What causes the tides?');
    await converse(alice, 'Why are there two tides a day?', mine.conversation_id);
    const bobs = await converse(bob, 'What causes the tides?');

    // Alice lists, reads, renames and exports her own.
    const listed = await request<{ conversations: Summary[] }>(alice, 'GET', '/v1/conversations');
    expect(listed.body.conversations.map((conversation) => conversation.id)).toEqual([mine.conversation_id]);
    const read = await request<{ messages: unknown[] }>(
      alice,
      'GET',
      `/v1/conversations/${mine.conversation_id}`,
    );
    expect(read.body.messages).toHaveLength(4);
    expect(
      (await request(alice, 'PATCH', `/v1/conversations/${mine.conversation_id}`, { title: 'Tides' })).status,
    ).toBe(200);
    const exported = await request<{ title: string }>(
      alice,
      'GET',
      `/v1/conversations/${mine.conversation_id}/export`,
    );
    expect(exported.body.title).toBe('Tides');

    // Bob: not found, for every route; his list holds his own only.
    const id = mine.conversation_id;
    for (const [method, url, payload] of [
      ['GET', `/v1/conversations/${id}`, undefined],
      ['GET', `/v1/conversations/${id}/export`, undefined],
      ['GET', `/v1/conversations/${id}/events`, undefined],
      ['PATCH', `/v1/conversations/${id}`, { title: 'Mine now' }],
      ['DELETE', `/v1/conversations/${id}`, undefined],
      ['DELETE', `/v1/conversations/${id}/turns/${mine.turn_id}`, undefined],
      ['POST', '/v1/chat', { message: 'And the moon?', conversation_id: id }],
      ['POST', `/v1/turns/${mine.turn_id}/feedback`, { rating: 'down' }],
    ] as const) {
      const response = await request(bob, method, url, payload);
      expect(response.status, `${method} ${url}`).toBe(404);
      expect(response.raw).not.toContain('tides');
    }
    const bobsList = await request<{ conversations: Summary[] }>(bob, 'GET', '/v1/conversations');
    expect(bobsList.body.conversations.map((conversation) => conversation.id)).toEqual([
      bobs.conversation_id,
    ]);

    // The tenant's own key sees both users' conversations; the users do not see the tenant's own.
    const operator: KeyedTenant = await fixture.tenantWithKey(tenant);
    const tenants = await converse(operator.headers, 'What causes the tides?');
    const all = await request<{ conversations: Summary[] }>(operator.headers, 'GET', '/v1/conversations');
    expect(all.body.conversations.map((conversation) => conversation.id).sort()).toEqual(
      [mine.conversation_id, bobs.conversation_id, tenants.conversation_id].sort(),
    );
    expect((await request(alice, 'GET', `/v1/conversations/${tenants.conversation_id}`)).status).toBe(404);

    // Another tenant's key: 404 as before.
    const stranger = await fixture.tenantWithKey(`stranger-${kind}`);
    expect((await request(stranger.headers, 'GET', `/v1/conversations/${id}`)).status).toBe(404);

    // A user calls the user routes only, and acts for themselves only.
    expect((await request(alice, 'GET', '/v1/documents')).status).toBe(403);
    expect((await request({ ...alice, 'parley-user': 'bob' }, 'GET', '/v1/conversations')).status).toBe(403);

    // Alice deletes hers; it is gone.
    expect((await request(alice, 'DELETE', `/v1/conversations/${id}`)).status).toBe(204);
    expect((await request(alice, 'GET', `/v1/conversations/${id}`)).status).toBe(404);
  });

  it('lets a key with act_for_users name the user (Parley-User, or the OpenAI user field); others may not', async () => {
    const db = fixture.server.runtime.db;
    const acting = await createApiKey(db, tenant, { scopes: ['chat', 'act_for_users'] });
    const plain = await createApiKey(db, tenant, { scopes: ['chat'] });
    const carol = bearer(await idp.token('carol'));

    const forCarol = { ...bearer(acting.key), 'parley-user': 'carol' };
    const started = await converse(forCarol, 'What causes the tides?');
    // The key acting for Carol may list her conversations (a chat key may not list the tenant's).
    const listed = await request<{ conversations: Summary[] }>(forCarol, 'GET', '/v1/conversations');
    expect(listed.body.conversations.map((conversation) => conversation.id)).toEqual([
      started.conversation_id,
    ]);
    expect((await request(bearer(acting.key), 'GET', '/v1/conversations')).status).toBe(403);
    // Carol herself, signed in, sees it; the key acting for Dave does not.
    expect((await request(carol, 'GET', `/v1/conversations/${started.conversation_id}`)).status).toBe(200);
    const forDave = { ...bearer(acting.key), 'parley-user': 'dave' };
    expect((await request(forDave, 'GET', `/v1/conversations/${started.conversation_id}`)).status).toBe(404);

    // OpenAI's `user` field names the user for such a key...
    const completion = await request<{ parley: { conversation_id: string } }>(
      bearer(acting.key),
      'POST',
      '/v1/chat/completions',
      { model: 'parley', user: 'carol', messages: [{ role: 'user', content: 'What causes the tides?' }] },
    );
    expect(completion.status).toBe(200);
    await eventually(async () =>
      (await request(carol, 'GET', `/v1/conversations/${completion.body.parley.conversation_id}`)).status ===
      200
        ? true
        : undefined,
    );
    // ...and is ignored for a key that may not act for users (the conversation is the tenant's).
    const ignored = await request<{ parley: { conversation_id: string } }>(
      bearer(plain.key),
      'POST',
      '/v1/chat/completions',
      { model: 'parley', user: 'carol', messages: [{ role: 'user', content: 'What causes the tides?' }] },
    );
    expect(ignored.status).toBe(200);
    const owners = await eventually(async () => {
      const rows = await db.query<{ user_id: string | null }>(
        'select user_id from conversations where id = $1',
        [ignored.body.parley.conversation_id],
      );
      return rows[0];
    });
    expect(owners.user_id).toBeNull();

    // Acting for a user reaches the user routes only, even for an admin key (the tenant's other
    // lists span every user).
    const admin = await createApiKey(db, tenant);
    expect((await request(bearer(admin.key), 'GET', '/v1/feedback')).status).toBe(200);
    expect(
      (await request({ ...bearer(admin.key), 'parley-user': 'carol' }, 'GET', '/v1/feedback')).status,
    ).toBe(403);
    expect(
      (
        await request(
          { ...bearer(admin.key), 'parley-user': 'carol' },
          'GET',
          `/v1/conversations/${started.conversation_id}`,
        )
      ).status,
    ).toBe(200);

    // A key without the scope may not name a user in the header.
    const refused = await request(
      { ...bearer(plain.key), 'parley-user': 'carol' },
      'GET',
      `/v1/conversations/${started.conversation_id}`,
    );
    expect(refused.status).toBe(403);
  });

  it("signs the widget's visitor in with the host site's user token: the conversation is the user's", async () => {
    const site = 'https://shop.example.com';
    const db = fixture.server.runtime.db;
    const widgetKey = await createApiKey(db, tenant, { publishable: { bot: 'parley', origins: [site] } });
    const elsewhere = await createApiKey(db, `elsewhere-${kind}`, {
      publishable: { bot: 'parley', origins: [site] },
    });
    const erin = await idp.token('erin');
    const asWidget = (key: string, token?: string) => ({
      ...bearer(key),
      origin: site,
      ...(token ? { 'x-parley-user-token': token } : {}),
    });

    const started = await converse(asWidget(widgetKey.key, erin), 'What causes the tides?');
    // Hers on any device (no visitor token here), and in her own list when she signs in on the API.
    expect(
      (await request(asWidget(widgetKey.key, erin), 'GET', `/v1/conversations/${started.conversation_id}`))
        .status,
    ).toBe(200);
    const listed = await request<{ conversations: Summary[] }>(bearer(erin), 'GET', '/v1/conversations');
    expect(listed.body.conversations.map((conversation) => conversation.id)).toEqual([
      started.conversation_id,
    ]);
    // Another user, or the anonymous visitor: not hers to read.
    const frank = await idp.token('frank');
    expect(
      (await request(asWidget(widgetKey.key, frank), 'GET', `/v1/conversations/${started.conversation_id}`))
        .status,
    ).toBe(404);
    expect(
      (await request(asWidget(widgetKey.key), 'GET', `/v1/conversations/${started.conversation_id}`)).status,
    ).toBe(403);

    // A bad user token, or one of another tenant than the key's: the same generic 401.
    const expired = await idp.token('erin', { exp: Math.floor(Date.now() / 1000) - 600 });
    for (const headers of [asWidget(widgetKey.key, expired), asWidget(elsewhere.key, erin)]) {
      const response = await request(headers, 'POST', '/v1/chat', { message: 'Hello' });
      expect(response.status).toBe(401);
      expect(response.body).toEqual({ error: { code: expect.any(String), message: 'invalid token' } });
    }
    // The CORS preflight lets the browser send the header.
    const preflight = await fixture.app.inject({
      method: 'OPTIONS',
      url: '/v1/chat',
      headers: { origin: site, 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-headers']).toContain('x-parley-user-token');
  });

  it('documents the ways in: the user token, Parley-User and the widget user token, on the user routes', async () => {
    const document = await request<{
      components: { securitySchemes: Record<string, Record<string, string>> };
      paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
    }>({}, 'GET', '/openapi.json');
    const schemes = document.body.components.securitySchemes;
    expect(schemes.userToken).toMatchObject({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    expect(schemes.actingForUser).toMatchObject({ type: 'apiKey', in: 'header', name: 'Parley-User' });
    expect(schemes.widgetUser).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-Parley-User-Token' });
    for (const [path, method] of [
      ['/v1/conversations', 'get'],
      ['/v1/conversations/{id}', 'delete'],
      ['/v1/chat', 'post'],
    ] as const) {
      expect(document.body.paths[path]?.[method]?.security, `${method} ${path}`).toContainEqual({
        userToken: [],
      });
    }
    expect(document.body.paths['/v1/documents']?.get?.security ?? []).not.toContainEqual({ userToken: [] });
  });
});
