// `parley serve --workers 2` on the embedded database, run as an operator runs it: one port served
// by two worker processes under a primary that owns the database; --docs ingested once, by the
// lead worker; every turn answered, by both workers; one scrape counting every worker's turns; a
// command run beside the server goes through the primary's database; a worker killed is replaced
// while the other keeps answering; SIGTERM drains the workers and releases the data directory.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliTestTimeout, runCli, startCli } from '../support/cli.js';
import { eventually, prepareDataDir } from '../support/test-backend.js';

const EXAMPLE_DOCS = path.resolve(import.meta.dirname, '../../examples/docs');

/** The child processes of `pid`, from /proc. */
function childrenOf(pid: number): number[] {
  const text = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
  return text ? text.split(' ').map(Number) : [];
}

/** The sum of one counter's series whose labels include `labels`, from a Prometheus exposition. */
function counterSum(exposition: string, name: string, labels: string): number {
  return exposition
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`) && line.includes(labels))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

describe('parley serve --workers 2 (embedded)', () => {
  let server: Awaited<ReturnType<typeof startCli>> | undefined;

  afterAll(() => {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
  });

  it(
    'serves one port from two workers, sums their metrics, replaces a dead one and drains on SIGTERM',
    async () => {
      const dataDir = await prepareDataDir();
      const env = { PARLEY_DATA_DIR: dataDir, PARLEY_LOG_LEVEL: 'info' };
      server = await startCli(
        ['serve', '--port', '0', '--workers', '2', '--docs', EXAMPLE_DOCS],
        env,
        /serving on (http:\/\/\S+) \(2 worker processes\)/,
      );
      const base = server.match[1]!;
      const primary = server.child.pid!;
      const workers = childrenOf(primary);
      expect(workers).toHaveLength(2);

      // --docs was ingested once, by the lead worker.
      const files = readdirSync(EXAMPLE_DOCS).length;
      const documents = (await (await fetch(`${base}/v1/documents`)).json()) as { documents: unknown[] };
      expect(documents.documents).toHaveLength(files);
      expect(server.output().match(/parley: ingested/g)).toHaveLength(1);

      const ask = async (message: string) => {
        const response = await fetch(`${base}/v1/chat`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ message }),
        });
        expect(response.status).toBe(200);
        return (await response.json()) as { answer: string; citations: unknown[] };
      };
      // Both workers answer: the primary hands connections out in turn.
      const servedBy = () =>
        new Set(
          [...server!.output().matchAll(/"worker":(\d),[^\n]*"url":"\/v1\/chat"/g)].map((match) => match[1]),
        );
      let asked = 0;
      await eventually(async () => {
        const answers = await Promise.all(Array.from({ length: 4 }, () => ask('How do I install Parley?')));
        asked += answers.length;
        for (const answer of answers) expect(answer.citations.length).toBeGreaterThan(0);
        return servedBy().size === 2 ? true : undefined;
      }, 60_000);

      // One scrape counts the turns of both.
      const metrics = await (await fetch(`${base}/metrics`)).text();
      expect(counterSum(metrics, 'parley_http_requests_total', 'route="/v1/chat",status="200"')).toBe(asked);

      // A command beside the server reaches its database through the primary.
      const keys = await runCli(['keys', 'list', '--tenant', 'default'], { PARLEY_DATA_DIR: dataDir });
      expect(keys.code, keys.stderr).toBe(0);

      // A worker dies: the other answers meanwhile, and a new one takes its place.
      // (Its open connections die with it: a client's kept-alive one fails once, as it would.)
      process.kill(workers[0]!, 'SIGKILL');
      await eventually(async () => (server!.output().includes('a worker stopped') ? true : undefined));
      await ask('What is Parley?').catch(() => ask('What is Parley?'));
      await eventually(
        async () => (server!.output().includes('the worker is serving again') ? true : undefined),
        60_000,
      );
      const replaced = childrenOf(primary);
      expect(replaced).toHaveLength(2);
      expect(replaced).not.toContain(workers[0]);
      await ask('What is Parley?');

      // SIGTERM: every worker drains and stops, then the primary releases the database.
      const exited = new Promise<number | null>((resolve) => server!.child.once('exit', resolve));
      server.child.kill('SIGTERM');
      expect(await exited).toBe(0);
      for (const pid of replaced) expect(existsSync(`/proc/${pid}`)).toBe(false);
      expect(existsSync(path.join(dataDir, 'db.lock'))).toBe(false);
    },
    cliTestTimeout(3),
  );
});
