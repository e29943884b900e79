// Runs the embedded PGlite database in a worker thread and serves it over the PostgreSQL wire
// protocol on a unix socket, so the HTTP event loop never runs database work and the same `pg`
// client code talks to the embedded database and to a PostgreSQL server.
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { pg_textsearch } from '@electric-sql/pglite-pg_textsearch';
import { vector } from '@electric-sql/pglite-pgvector';
import { SocketServer } from './socket-server.js';

interface WorkerInput {
  pgDataDir: string;
  socketPath: string;
  maxConnections: number;
}

const input = workerData as WorkerInput;
const port = parentPort;
if (!port) throw new Error('pglite-worker must run in a worker thread');

try {
  const db = await PGlite.create(input.pgDataDir, { extensions: { vector, pg_textsearch } });
  const server = new SocketServer(db, input.socketPath, input.maxConnections);
  await server.start();
  port.postMessage({ type: 'ready' });
  port.on('message', async (message: { type: string; id?: number }) => {
    if (message.type === 'memory') {
      // This thread's isolate: PGlite's JavaScript heap, and memory outside it (the WebAssembly
      // memory, compiled code, buffers); PostgreSQL's own WebAssembly memory on its own.
      const { heapUsed, external } = process.memoryUsage();
      const wasm = db.Module.HEAPU8?.byteLength ?? 0;
      port.postMessage({ type: 'memory', id: message.id, heapUsed, external, wasm });
      return;
    }
    if (message.type !== 'close') return;
    try {
      await server.stop();
      await db.close();
      port.postMessage({ type: 'closed' });
    } catch (error) {
      port.postMessage({ type: 'error', message: (error as Error).message });
    }
  });
} catch (error) {
  port.postMessage({ type: 'error', message: (error as Error).message });
}
