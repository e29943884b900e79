// Roles, run as an operator runs them: on one PostgreSQL database (a schema of its own), an API
// process started with `parley serve --no-jobs` queues a document and ingests nothing; a
// `parley worker` process (no API) then ingests it, and stops cleanly on SIGTERM. The probes of
// both answer without a key while keys exist.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cliTestTimeout, runCli, startCli } from '../support/cli.js';
import { eventually, prepareDataDir, urlWithSchema } from '../support/test-backend.js';

/** A port free right now, for the worker's metrics listener. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('parley serve --no-jobs and parley worker on PostgreSQL', () => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  let env: Record<string, string>;
  let api: Awaited<ReturnType<typeof startCli>> | undefined;
  let worker: Awaited<ReturnType<typeof startCli>> | undefined;

  beforeAll(async () => {
    // Fails loudly (no skip) when PostgreSQL is unreachable: global-setup checked it already.
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    await client.query(`create schema ${schema}`);
    await client.end();
    env = {
      DATABASE_URL: urlWithSchema(inject('databaseUrl'), schema),
      // Not used by PostgreSQL; keeps the processes off any shared default directory.
      PARLEY_DATA_DIR: await prepareDataDir(),
    };
  }, cliTestTimeout(1));

  afterAll(async () => {
    for (const process of [api, worker]) {
      if (process && process.child.exitCode === null) process.child.kill('SIGKILL');
    }
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    await client.query(`drop schema if exists ${schema} cascade`);
    await client.end();
  });

  it(
    'leaves a queued document and a conversation summary to the worker, which does them and stops on SIGTERM',
    async () => {
      api = await startCli(['serve', '--port', '0', '--no-jobs'], env, /serving on (http:\/\/\S+)/);
      const base = api.match[1]!;
      const created = await runCli(['keys', 'create', '--tenant', 'roles'], env);
      expect(created.code, created.stderr).toBe(0);
      const headers = {
        authorization: `Bearer ${created.stdout.trimEnd().split('\n').at(-1)}`,
        'content-type': 'application/json',
      };
      const upload = await fetch(`${base}/v1/documents`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ title: 'Tides', text: 'The Moon pulls the oceans, which makes the tides.' }),
      });
      expect(upload.status).toBe(202);
      const { job_id: jobId } = (await upload.json()) as { job_id: string };
      const jobStatus = async () => {
        const response = await fetch(`${base}/v1/jobs/${jobId}`, { headers });
        return ((await response.json()) as { status: string }).status;
      };
      // The API process polls for jobs every second when it runs them: three seconds of nothing.
      for (let i = 0; i < 6; i++) {
        expect(await jobStatus()).toBe('queued');
        await new Promise((resolve) => setTimeout(resolve, 500));
      }

      // Probes answer a real port without a key once a key exists (and the server's 2 s memory of
      // "no key yet" has passed, in the loop above); the API still wants one.
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(Object.keys((await ready.json()) as object).sort()).toEqual(['checks', 'status']);
      expect((await fetch(`${base}/v1/documents`)).status).toBe(401);

      worker = await startCli(
        ['worker'],
        { ...env, PARLEY_METRICS_PORT: String(await freePort()) },
        /worker running/,
      );
      expect(worker.output()).not.toMatch(/serving on/);
      // No API; probes and scrapes on the metrics port, with the shared ingest backlog.
      const ops = /metrics and probes on (http:\/\/\S+)/.exec(worker.output())![1]!;
      expect((await fetch(`${ops}/healthz`)).status).toBe(200);
      expect(((await (await fetch(`${ops}/readyz`)).json()) as { status: string }).status).toBe('ready');
      expect(await (await fetch(`${ops}/metrics`)).text()).toMatch(
        /parley_ingest_queue_depth\{state="queued"\}/,
      );
      expect((await fetch(`${ops}/v1/documents`, { headers })).status).toBe(404);
      await eventually(async () => ((await jobStatus()) === 'succeeded' ? true : undefined), 60_000);
      const chat = await fetch(`${base}/v1/chat`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ message: 'What makes the tides?' }),
      });
      expect(chat.status).toBe(200);
      const answer = (await chat.json()) as { citations: { title: string }[] };
      expect(answer.citations[0]?.title).toBe('Tides');

      worker.child.kill('SIGTERM');
      const [workerCode] = await once(worker.child, 'exit');
      expect(workerCode).toBe(0);

      // A conversation long enough to fold its older messages into a summary: the API process
      // stores a summary job and writes no summary itself; a worker writes it and ends the job.
      let conversationId: string | undefined;
      for (const message of ['tides?', 'the Moon?', 'the oceans?', 'high tide?', 'low tide?']) {
        const turn = await fetch(`${base}/v1/chat`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ message: `What about ${message}`, conversation_id: conversationId }),
        });
        expect(turn.status).toBe(200);
        conversationId = ((await turn.json()) as { conversation_id: string }).conversation_id;
      }
      const db = new pg.Client({ connectionString: env.DATABASE_URL });
      await db.connect();
      try {
        const summaryJobs = () =>
          db.query<{ status: string }>(
            `select status from jobs where kind = 'summary' and payload->>'conversation_id' = $1`,
            [conversationId],
          );
        await eventually(async () => ((await summaryJobs()).rows[0]?.status === 'queued' ? true : undefined));
        const summary = async () =>
          (
            await db.query<{ summary: string | null }>('select summary from conversations where id = $1', [
              conversationId,
            ])
          ).rows[0]?.summary;
        expect(await summary()).toBeNull();
        worker = await startCli(['worker'], env, /worker running/);
        await eventually(async () => ((await summary()) ? true : undefined), 60_000);
        // The four messages older than the recent window are in it.
        const folded = await db.query<{ summarized_messages: number }>(
          'select summarized_messages from conversations where id = $1',
          [conversationId],
        );
        expect(folded.rows[0]?.summarized_messages).toBe(4);
        await eventually(async () => ((await summaryJobs()).rows.length === 0 ? true : undefined));
      } finally {
        await db.end();
      }
      worker.child.kill('SIGTERM');
      expect((await once(worker.child, 'exit'))[0]).toBe(0);
      api.child.kill('SIGTERM');
      const [apiCode] = await once(api.child, 'exit');
      expect(apiCode).toBe(0);
    },
    cliTestTimeout(5),
  );
});
