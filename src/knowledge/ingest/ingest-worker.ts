// Worker-thread entry for ingestion: opens its own small pool on the same database and runs
// tasks ({id, task}) to completion, answering {id, value} or {id, error}.
import { parentPort, workerData } from 'node:worker_threads';
import pg from 'pg';
import { isParleyError } from '../../errors/index.js';
import { poolQueries } from '../../storage/index.js';
import type { FieldWeights } from '../retrieve/keyword-analyzer.js';
import { type IngestTask, runIngestTask } from './ingest-tasks.js';

const port = parentPort;
if (!port) throw new Error('ingest-worker must run in a worker thread');

const data = workerData as { connection: pg.PoolConfig; fieldWeights?: FieldWeights };
const pool = new pg.Pool({ ...data.connection, max: 2 });
pool.on('error', () => {}); // an idle connection dropped: the next query reconnects
const db = poolQueries(pool);

port.on('message', async (message: { id: number; task: IngestTask } | { close: true }) => {
  if ('close' in message) {
    await pool.end().catch(() => {});
    port.postMessage({ closed: true });
    return;
  }
  try {
    const { id } = message;
    const value = await runIngestTask(
      db,
      message.task,
      (progress) => port.postMessage({ id, progress }),
      data.fieldWeights,
    );
    port.postMessage({ id: message.id, value });
  } catch (error) {
    port.postMessage({
      id: message.id,
      error: {
        message: error instanceof Error ? error.message : String(error),
        code: isParleyError(error) ? error.code : undefined,
      },
    });
  }
});
