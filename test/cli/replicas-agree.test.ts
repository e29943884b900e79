// Two real `parley serve` replicas on one PostgreSQL database (a schema of their own) and one
// Redis, as behind a load balancer: a change made through one (a document deleted, a bot changed,
// a key revoked) is seen by the other within 1 s, each replica polling the generations the change
// bumps every 250 ms; a follow-up sent to one as soon as the other acknowledged the conversation's
// first turn finds it; a user's rate limit is one limit across both (counted in Redis). The stream
// resumed on the other replica is test/cli/stream-resume.test.ts.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cliTestTimeout, runCli, startCli } from '../support/cli.js';
import { parseSse } from '../support/http.js';
import { expectAgreement, sideAt } from '../support/replica-agreement.js';
import { eventually, prepareDataDir, urlWithSchema } from '../support/test-backend.js';

type Server = Awaited<ReturnType<typeof startCli>>;

describe('two parley serve replicas on PostgreSQL and Redis', () => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  let env: Record<string, string>;
  const servers: Server[] = [];

  beforeAll(async () => {
    // Fails loudly (no skip) when PostgreSQL or Redis is unreachable: global-setup checked them.
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    await client.query(`create schema ${schema}`);
    await client.end();
    env = {
      DATABASE_URL: urlWithSchema(inject('databaseUrl'), schema),
      REDIS_URL: inject('redisUrl'),
      PARLEY_DATA_DIR: await prepareDataDir(),
      // One process each (REDIS_URL would make `auto` one per core).
      PARLEY_WORKERS: '1',
      PARLEY_RATE_REQUESTS_PER_MINUTE_USER: '4',
      // REPLICAS_TEST_ACK_WAIT_MS=0 shows the follow-ups failing when acknowledgements do not wait.
      ...(process.env.REPLICAS_TEST_ACK_WAIT_MS
        ? { PARLEY_ACK_WAIT_MS: process.env.REPLICAS_TEST_ACK_WAIT_MS }
        : {}),
    };
  }, cliTestTimeout(1));

  afterAll(async () => {
    for (const server of servers) if (server.child.exitCode === null) server.child.kill('SIGKILL');
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  });

  it(
    'agree: a change through one is seen by the other within 1 s, a follow-up finds its conversation, one user limit',
    async () => {
      const serve = () => startCli(['serve', '--port', '0'], env, /serving on (http:\/\/\S+)/);
      servers.push(await serve());
      servers.push(await serve());
      const [first, second] = servers.map((server) => server.match[1]!) as [string, string];
      const created = await runCli(['keys', 'create', '--tenant', 'default'], env);
      expect(created.code, created.stderr).toBe(0);
      const admin = created.stdout.trimEnd().split('\n').at(-1)!;
      const a = sideAt(first, admin);

      await expectAgreement('replicas agree', a, sideAt(second, admin), async (key) => sideAt(second, key));

      // A follow-up sent to the other replica as soon as the first answer is acknowledged (a JSON
      // 200, an SSE `done`) finds its conversation, even while the write is slow: the
      // acknowledgement waits for it. Another session holds the messages table against writes
      // until the first turns' write is seen waiting for it.
      const b = sideAt(second, admin);
      const lock = new pg.Client({ connectionString: env.DATABASE_URL });
      await lock.connect();
      await lock.query(`begin; lock table ${schema}.messages in exclusive mode`);
      let acknowledged = 0;
      const conversations = Array.from({ length: 16 }, async (_, index) => {
        const stream = index % 2 === 1;
        const response = await fetch(`${first}/v1/chat`, {
          method: 'POST',
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: JSON.stringify({ message: `What does the brindlewick gasket seal? (${index})`, stream }),
        });
        const text = await response.text();
        acknowledged++;
        expect(response.status).toBe(200);
        const events = stream ? parseSse(text) : [];
        if (stream) expect(events.some((event) => event.event === 'done')).toBe(true);
        const conversationId = stream
          ? (events.find((event) => event.event === 'meta')!.data as { conversation_id: string })
              .conversation_id
          : (JSON.parse(text) as { conversation_id: string }).conversation_id;
        return (
          await b.request('POST', '/v1/chat', {
            message: 'When is it replaced?',
            conversation_id: conversationId,
          })
        ).status;
      });
      let acknowledgedUnstored: number;
      try {
        await eventually(async () => {
          const { rows } = await lock.query<{ waiting: number }>(
            `select count(*)::int as waiting from pg_locks where not granted and relation = '${schema}.messages'::regclass`,
          );
          return rows[0]!.waiting > 0 ? true : undefined;
        });
        acknowledgedUnstored = acknowledged;
      } finally {
        await lock.query('commit');
        await lock.end();
      }
      // No first answer came while its write could not be done (with REPLICAS_TEST_ACK_WAIT_MS=0,
      // they all came before it).
      expect(acknowledgedUnstored).toBe(0);
      expect(await Promise.all(conversations)).toEqual(Array(16).fill(200));

      // A user's limit (4 a minute) counted once over both replicas: two requests on each, then
      // the next is refused on either.
      const made = await a.request('POST', '/v1/keys', { scopes: ['chat', 'act_for_users'] });
      expect(made.status).toBe(201);
      const { key } = made.body as { key: string };
      const asAlice = { 'parley-user': 'alice' };
      const statuses: number[] = [];
      for (const base of [first, second, first, second, first, second]) {
        statuses.push(
          (await sideAt(base, key).request('GET', '/v1/conversations', undefined, asAlice)).status,
        );
      }
      expect(statuses).toEqual([200, 200, 200, 200, 429, 429]);
      // Another user of the same key is counted apart.
      const bob = await sideAt(second, key).request('GET', '/v1/conversations', undefined, {
        'parley-user': 'bob',
      });
      expect(bob.status).toBe(200);

      for (const server of servers) {
        server.child.kill('SIGTERM');
        const [code] = await once(server.child, 'exit');
        expect(code).toBe(0);
      }
    },
    cliTestTimeout(4),
  );
});
