// Starts (or finds) the embedded database for a data directory. Only one process can open a
// PGlite directory, so the owner writes `db.lock` naming its pid and socket; any other process
// (a CLI command while `parley serve` runs) connects to that owner-only unix socket instead.

import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { ParleyError } from '../../errors/index.js';
import { workerScript } from '../worker-url.js';

/** The PostgreSQL socket directory to connect to, and how to let go of it. */
export interface EmbeddedDatabase {
  socketDir: string;
  /** true when this process runs the database; false when it found a running owner. */
  owner: boolean;
  /** The database thread's memory (owner only; undefined if it does not answer within a second). */
  memory?(): Promise<EmbeddedMemory | undefined>;
  close(): Promise<void>;
}

/** Bytes held by the database's worker thread, beside the process's RSS. */
export interface EmbeddedMemory {
  /** PGlite's JavaScript heap in use. */
  heapUsed: number;
  /** Memory outside that heap owned by the thread: mostly the WebAssembly memory. */
  external: number;
  /** PostgreSQL's WebAssembly memory (it grows, never shrinks). */
  wasm: number;
}

interface LockFile {
  pid: number;
  socketDir: string;
}

const SOCKET_NAME = '.s.PGSQL.5432';
// Unix socket paths are limited to ~107 bytes; long data directories get a socket in /tmp.
const MAX_SOCKET_PATH = 100;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readLock(file: string): LockFile | undefined {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockFile>;
    if (typeof value.pid === 'number' && typeof value.socketDir === 'string') {
      return { pid: value.pid, socketDir: value.socketDir };
    }
  } catch {
    // missing or half-written lock: treated as no lock
  }
  return undefined;
}

function chooseSocketDir(dataDir: string): string {
  const inside = path.join(dataDir, 'run');
  if (path.join(inside, SOCKET_NAME).length <= MAX_SOCKET_PATH) return inside;
  const digest = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
  return path.join(tmpdir(), `parley-${digest}`);
}

/**
 * The socket directory must be ours alone: in a shared /tmp another user could have created it
 * first and swap the socket for one of their own.
 */
function assertPrivateDirectory(dir: string): void {
  const info = lstatSync(dir);
  const uid = process.getuid?.();
  if (!info.isDirectory() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o077) !== 0) {
    throw new ParleyError(
      'PARLEY_ERR_CONFIG',
      `${dir} must be a directory owned by this user with mode 0700; remove it or choose a shorter PARLEY_DATA_DIR`,
    );
  }
}

/** Opens the embedded database in `dataDir`, or attaches to the process that already has it. */
export async function startEmbeddedDatabase(
  dataDir: string,
  options: { maxConnections: number },
): Promise<EmbeddedDatabase> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lockFile = path.join(dataDir, 'db.lock');
  const existing = readLock(lockFile);
  if (existing && existing.pid !== process.pid && isAlive(existing.pid)) {
    return { socketDir: existing.socketDir, owner: false, close: async () => {} };
  }

  const socketDir = chooseSocketDir(dataDir);
  mkdirSync(socketDir, { recursive: true, mode: 0o700 });
  assertPrivateDirectory(socketDir);
  rmSync(path.join(socketDir, SOCKET_NAME), { force: true });
  try {
    writeFileSync(lockFile, JSON.stringify({ pid: process.pid, socketDir }), {
      mode: 0o600,
      flag: existing ? 'w' : 'wx',
    });
  } catch (error) {
    throw new ParleyError(
      'PARLEY_ERR_CONFLICT',
      `data directory ${dataDir} is being opened by another process`,
      {
        cause: error,
      },
    );
  }

  const script = workerScript(import.meta.url, 'pglite-worker');
  const worker = new Worker(script.url, {
    ...script.options,
    workerData: {
      pgDataDir: path.join(dataDir, 'pgdata'),
      socketPath: path.join(socketDir, SOCKET_NAME),
      maxConnections: options.maxConnections,
    },
  });
  const releaseLock = () => {
    if (readLock(lockFile)?.pid === process.pid) rmSync(lockFile, { force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      worker.once('message', (message: { type: string; message?: string }) => {
        if (message.type === 'ready') resolve();
        else reject(new Error(message.message ?? 'embedded database failed to start'));
      });
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new Error(`embedded database worker exited with code ${code}`)));
    });
  } catch (error) {
    releaseLock();
    await worker.terminate();
    throw new ParleyError('PARLEY_ERR_DEPENDENCY', `cannot open the embedded database in ${dataDir}`, {
      cause: error,
    });
  }

  let memoryRequests = 0;
  return {
    socketDir,
    owner: true,
    memory() {
      const id = ++memoryRequests;
      return new Promise<EmbeddedMemory | undefined>((resolve) => {
        const timer = setTimeout(() => done(undefined), 1000);
        timer.unref();
        const onMessage = (message: { type: string; id?: number } & EmbeddedMemory) => {
          if (message.type !== 'memory' || message.id !== id) return;
          done({ heapUsed: message.heapUsed, external: message.external, wasm: message.wasm });
        };
        const done = (value: EmbeddedMemory | undefined) => {
          clearTimeout(timer);
          worker.off('message', onMessage);
          resolve(value);
        };
        worker.on('message', onMessage);
        worker.postMessage({ type: 'memory', id });
      });
    },
    async close() {
      const closed = new Promise<void>((resolve) => {
        worker.on('message', (message: { type: string }) => {
          if (message.type === 'closed' || message.type === 'error') resolve();
        });
        worker.once('exit', () => resolve());
      });
      worker.postMessage({ type: 'close' });
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      await worker.terminate();
      releaseLock();
    },
  };
}
