// A streamed answer resumed on another process, as behind a load balancer: two real `parley serve`
// processes on one PostgreSQL database (a schema of their own) and one Redis, their model the stub
// provider. The client's connection to the first is dropped mid-answer while the model is held;
// it resumes on the second with Last-Event-ID, which reads what the first shared through Redis
// and follows the rest live once the model goes on: the text joined is the whole answer, and the
// answer stored, with no token missing or repeated. Another tenant's key gets a 404 there.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { stubModels } from '../support/chat-fixture.js';
import { cliTestTimeout, runCli, startCli } from '../support/cli.js';
import { askAndCut, expectWholeAnswer, LONG_REPLY, resume, tokenText } from '../support/resumed-stream.js';
import { type StubProvider, startStubProvider } from '../support/stub-provider/index.js';
import { eventually, prepareDataDir, urlWithSchema } from '../support/test-backend.js';

type Server = Awaited<ReturnType<typeof startCli>>;

describe('a stream resumed on another parley serve process (PostgreSQL and Redis)', () => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  let env: Record<string, string>;
  let stub: StubProvider;
  const servers: Server[] = [];

  beforeAll(async () => {
    // Fails loudly (no skip) when PostgreSQL or Redis is unreachable: global-setup checked them.
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    await client.query(`create schema ${schema}`);
    await client.end();
    stub = await startStubProvider();
    env = {
      ...stubModels(stub.url, 'openai:small-model'),
      DATABASE_URL: urlWithSchema(inject('databaseUrl'), schema),
      REDIS_URL: inject('redisUrl'),
      PARLEY_DATA_DIR: await prepareDataDir(),
      PARLEY_ANSWER_CACHE_SECONDS: '0',
      // One process each (REDIS_URL would make `auto` one per core), and time for a loaded
      // machine to come back before the cut turn is given up.
      PARLEY_WORKERS: '1',
      PARLEY_STREAM_RESUME_GRACE_SECONDS: '30',
    };
  }, cliTestTimeout(1));

  afterAll(async () => {
    for (const server of servers) if (server.child.exitCode === null) server.child.kill('SIGKILL');
    await stub?.close();
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  });

  it(
    'gives the rest of the answer on the second process with no token missing or repeated',
    async () => {
      const serve = () => startCli(['serve', '--port', '0'], env, /serving on (http:\/\/\S+)/);
      servers.push(await serve());
      servers.push(await serve());
      const [first, second] = servers.map((server) => server.match[1]!) as [string, string];
      const keyFor = async (tenant: string) => {
        const created = await runCli(['keys', 'create', '--tenant', tenant], env);
        expect(created.code, created.stderr).toBe(0);
        return { authorization: `Bearer ${created.stdout.trimEnd().split('\n').at(-1)}` };
      };
      const owner = await keyFor('resume');
      const stranger = await keyFor('resume-stranger');
      const upload = await fetch(`${first}/v1/documents`, {
        method: 'POST',
        headers: { ...owner, 'content-type': 'application/json' },
        body: JSON.stringify({
          title: 'Tides',
          text: 'Tides are caused mainly by the pull of the Moon on the oceans.',
        }),
      });
      expect(upload.status).toBe(202);
      const { job_id: jobId } = (await upload.json()) as { job_id: string };
      await eventually(async () => {
        const job = await fetch(`${first}/v1/jobs/${jobId}`, { headers: owner });
        return ((await job.json()) as { status: string }).status === 'succeeded' ? true : undefined;
      }, 60_000);

      stub.setReply(LONG_REPLY);
      stub.paceNext({ tokenIntervalMs: 2 });
      const held = stub.holdNext(1, { path: '/v1/chat/completions', afterTokens: 40 });
      const cut = await askAndCut(first, owner, 30);
      expect(tokenText(cut.seen)).not.toContain('word39');
      const resuming = resume(second, owner, cut.turnId, cut.lastId);
      // The second process reads the stream (from Redis) while the model is still held: the rest
      // reaches it live. It marks the stream followed as it starts reading.
      const redis = new Redis(inject('redisUrl'));
      await eventually(async () =>
        (await redis.keys(`parley:turn-stream:*:${cut.turnId}:followed`)).length > 0 ? true : undefined,
      ).finally(() => redis.quit());
      held.release();
      expectWholeAnswer(cut.seen, await resuming);
      const stored = await fetch(`${second}/v1/conversations/${cut.conversationId}`, { headers: owner });
      const { messages } = (await stored.json()) as { messages: { role: string; content: string }[] };
      expect(messages.at(-1)).toMatchObject({ role: 'assistant', content: LONG_REPLY });

      const foreign = await fetch(`${second}/v1/turns/${cut.turnId}/stream`, { headers: stranger });
      expect(foreign.status).toBe(404);
      expect(await foreign.json()).toMatchObject({ error: { code: 'PARLEY_ERR_NOT_FOUND' } });

      for (const server of servers) {
        server.child.kill('SIGTERM');
        const [code] = await once(server.child, 'exit');
        expect(code).toBe(0);
      }
    },
    cliTestTimeout(4),
  );
});
