// `parley serve --workers 2` on the embedded database: the two worker processes behave as one
// service, as replicas do. A change made through one worker (a document deleted, a bot changed, a
// curated answer added, a key revoked) is seen by the other within 1 s: each worker polls the
// generations the change bumps (every 250 ms) through the primary's database. Each side is reached through a kept-alive
// connection of its own; which worker holds a connection is read from its request log line.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { cliTestTimeout, runCli, startCli } from '../support/cli.js';
import { expectAgreement, type Reply, type Side } from '../support/replica-agreement.js';
import { eventually, prepareDataDir } from '../support/test-backend.js';

/** A client holding one kept-alive connection, so every request goes to the worker behind it. */
class Connection implements Side {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  constructor(
    private readonly base: string,
    private readonly key: string,
  ) {}

  request(
    method: string,
    path: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Reply> {
    const body = payload === undefined ? undefined : JSON.stringify(payload);
    return new Promise((resolve, reject) => {
      const request = http.request(
        new URL(path, this.base),
        {
          method,
          agent: this.agent,
          headers: {
            authorization: `Bearer ${this.key}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
            ...headers,
          },
        },
        (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            text += chunk;
          });
          response.on('end', () =>
            resolve({
              status: response.statusCode ?? 0,
              body: text ? (JSON.parse(text) as unknown) : undefined,
            }),
          );
        },
      );
      request.on('error', reject);
      request.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

describe('parley serve --workers 2 (embedded): the workers agree', () => {
  let server: Awaited<ReturnType<typeof startCli>> | undefined;
  const connections: Connection[] = [];

  afterAll(() => {
    for (const connection of connections) connection.close();
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
  });

  it(
    'sees a document deleted, a bot changed, a curated answer added and a key revoked through one worker on the other within 1 s',
    async () => {
      const dataDir = await prepareDataDir();
      const env = { PARLEY_DATA_DIR: dataDir, PARLEY_LOG_LEVEL: 'info' };
      server = await startCli(
        ['serve', '--port', '0', '--workers', '2'],
        env,
        /serving on (http:\/\/\S+) \(2 worker processes\)/,
      );
      const base = server.match[1]!;
      const created = await runCli(['keys', 'create', '--tenant', 'default'], { PARLEY_DATA_DIR: dataDir });
      expect(created.code, created.stderr).toBe(0);
      const admin = created.stdout.trim().split('\n').at(-1)!;

      /** The worker holding a connection, from the log line of a request sent on it. */
      const workerOf = async (connection: Connection): Promise<string> => {
        const id = `probe-${randomUUID()}`;
        const probe = await connection.request('GET', '/v1/bots', undefined, { 'x-request-id': id });
        expect(probe.status).not.toBe(401);
        return eventually(
          async () => server!.output().match(new RegExp(`"worker":(\\d)[^\\n]*"reqId":"${id}"`))?.[1],
        );
      };
      /** A connection held by `worker`: connections are opened (the primary deals them out in turn) until one is. */
      const connectionTo = async (worker: string, key: string): Promise<Connection> => {
        for (let tries = 0; tries < 20; tries++) {
          const connection = new Connection(base, key);
          connections.push(connection);
          if ((await workerOf(connection)) === worker) return connection;
          connection.close();
        }
        throw new Error(`no connection reached worker ${worker}`);
      };
      const a = await connectionTo('0', admin);
      const b = await connectionTo('1', admin);
      // The connections stay with their workers.
      expect(await workerOf(a)).toBe('0');
      expect(await workerOf(b)).toBe('1');

      await expectAgreement('workers agree', a, b, (secret) => connectionTo('1', secret));

      const exited = new Promise<number | null>((resolve) => server!.child.once('exit', resolve));
      server.child.kill('SIGTERM');
      expect(await exited).toBe(0);
    },
    cliTestTimeout(3),
  );
});
