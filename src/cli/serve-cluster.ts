// `parley serve --workers N` (N > 1): this process is node:cluster's primary. It answers no
// request itself: it opens the embedded database (when there is no DATABASE_URL) so that every
// worker, and any `parley chat` or `parley ingest` run beside the server, attaches to one owner;
// it starts the workers, each a whole `parley serve` on the shared port; it sums their metrics for
// a scrape; it starts a worker again when one dies; and on SIGINT/SIGTERM it lets each drain.
//
// Worker 0 leads: it ingests `--docs` before the others start, and it alone runs background work
// (a replacement for it takes both over). The others answer the API only.
import cluster, { type Worker } from 'node:cluster';
import type { Config } from '../config/index.js';
import { ParleyError } from '../errors/index.js';
import { type Database, openDatabase } from '../storage/index.js';
import { type Logger, serveClusterMetrics } from '../telemetry/index.js';
import { onShutdownSignals } from './shutdown-signals.js';

/** Set in a worker's environment: its place (0 leads). */
export const WORKER_INDEX_VARIABLE = 'PARLEY_CLUSTER_WORKER';

const READY = 'parley:worker-ready';
/** Pause before starting a dead worker again: doubles per quick death, back to the first after a calm minute. */
const RESTART_PAUSE_MS = { first: 250, max: 30_000, resetAfter: 60_000 };
/** Beyond the drain's own grace: how long shutdown waits for a worker before SIGKILL. */
const EXIT_MARGIN_MS = 5_000;

interface ReadyMessage {
  type: typeof READY;
  address: string;
}

const isReady = (message: unknown): message is ReadyMessage =>
  typeof message === 'object' && message !== null && (message as { type?: unknown }).type === READY;

/** In a worker of a cluster: its place, or undefined in a process of its own. */
export function clusterWorkerIndex(): number | undefined {
  if (!cluster.isWorker) return undefined;
  return Number(process.env[WORKER_INDEX_VARIABLE] ?? 0);
}

/** In a worker: tells the primary that this worker listens. */
export function reportWorkerReady(address: string): void {
  process.send?.({ type: READY, address } satisfies ReadyMessage);
}

export async function serveCluster(config: Config, log: Logger, workers: number): Promise<void> {
  const embedded = config.storage.databaseUrl === undefined;
  // Every worker's pool, this process's and a few commands' beside them.
  const connections = config.storage.poolSize * (workers + 2) + 8;
  const db: Database | undefined = embedded
    ? await openDatabase(config.storage, log, { embeddedConnections: connections })
    : undefined;
  serveClusterMetrics();

  const slots = new Map<number, Worker>();
  let stopping = false;
  const start = (index: number): Promise<string> => {
    const worker = cluster.fork({ [WORKER_INDEX_VARIABLE]: String(index) });
    slots.set(index, worker);
    return new Promise<string>((resolve, reject) => {
      const onMessage = (message: unknown) => {
        if (!isReady(message)) return;
        worker.off('exit', onEarlyExit);
        resolve(message.address);
      };
      const onEarlyExit = (code: number | null, signal: string | null) => {
        worker.off('message', onMessage);
        reject(
          new ParleyError(
            'PARLEY_ERR_DEPENDENCY',
            `worker ${index} stopped before it listened (${signal ?? `exit code ${code}`})`,
          ),
        );
      };
      worker.on('message', onMessage);
      worker.once('exit', onEarlyExit);
    });
  };
  const stopAll = async () => {
    stopping = true;
    const exits = [...slots.values()].map(
      (worker) =>
        new Promise<void>((resolve) => {
          if (worker.isDead()) return resolve();
          const kill = setTimeout(
            () => worker.process.kill('SIGKILL'),
            config.server.shutdownGraceMs + EXIT_MARGIN_MS,
          );
          worker.once('exit', () => {
            clearTimeout(kill);
            resolve();
          });
          worker.process.kill('SIGTERM');
        }),
    );
    await Promise.all(exits);
    await db?.close();
  };

  let address: string;
  try {
    // The leader first: the others start on the documents it ingested and the schema it migrated.
    address = await start(0);
    await Promise.all(Array.from({ length: workers - 1 }, (_, i) => start(i + 1)));
  } catch (error) {
    await stopAll();
    throw error;
  }

  const restarts = new Map<number, { pause: number; at: number }>();
  cluster.on('exit', (worker, code, signal) => {
    const index = [...slots].find(([, w]) => w === worker)?.[0];
    if (stopping || index === undefined) return;
    const now = Date.now();
    const last = restarts.get(index);
    const pause =
      !last || now - last.at > RESTART_PAUSE_MS.resetAfter
        ? RESTART_PAUSE_MS.first
        : Math.min(last.pause * 2, RESTART_PAUSE_MS.max);
    restarts.set(index, { pause, at: now });
    log.error(
      { worker: index, code, signal, pauseMs: pause },
      'a worker stopped; starting another in its place',
    );
    setTimeout(() => {
      if (stopping) return;
      start(index).then(
        () => log.warn({ worker: index }, 'the worker is serving again'),
        (error: Error) => log.error({ err: error, worker: index }, 'the new worker failed to start'),
      );
    }, pause);
  });

  process.stderr.write(`parley: serving on ${address} (${workers} worker processes)\n`);
  onShutdownSignals(log, `draining ${workers} worker processes`, stopAll);
}
