// Starts (or finds) the embedded database for a data directory. Only one process can open a
// PGlite directory, so the owner writes `db.lock` naming its pid and socket; any other process
// (a CLI command while `parley serve` runs) connects to that owner-only unix socket instead.

import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
  /** Times the database thread stopped on its own and was started again (owner only). */
  restarts?(): number;
  /** Stops the database thread as a crash would (owner only; for tests and drills). */
  stopThread?(): Promise<void>;
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

/**
 * The data directory holds every tenant's data (and PGlite writes its files with the process's
 * umask, often 0644 or 0666): it must be this user's and closed to everyone else. A directory of
 * ours that others may enter is closed (chmod 0700) and said so; one owned by someone else, or a
 * symbolic link, is refused.
 */
function securePrivateDataDirectory(dir: string, warn: (message: string) => void): void {
  const info = lstatSync(dir);
  const uid = process.getuid?.();
  if (!info.isDirectory() || (uid !== undefined && info.uid !== uid)) {
    throw new ParleyError(
      'PARLEY_ERR_CONFIG',
      `data directory ${dir} must be a directory owned by the user Parley runs as (uid ${uid})`,
    );
  }
  if ((info.mode & 0o077) !== 0) {
    chmodSync(dir, 0o700);
    warn(
      `data directory ${dir} was open to other users (mode ${(info.mode & 0o777).toString(8)}): set to 0700`,
    );
  }
}

/**
 * A lock another process wrote names the socket to connect to: it is trusted only when it and
 * that socket's directory are this user's and closed to others (otherwise a planted lock could
 * send this process's queries, as whoever runs it, to someone else's server).
 */
function assertTrustedLock(lockFile: string, lock: LockFile): void {
  const info = lstatSync(lockFile);
  const uid = process.getuid?.();
  if (!info.isFile() || (uid !== undefined && info.uid !== uid) || (info.mode & 0o022) !== 0) {
    throw new ParleyError(
      'PARLEY_ERR_CONFIG',
      `${lockFile} is not this user's or may be written by others: not trusted; remove it if no Parley process runs`,
    );
  }
  assertPrivateDirectory(lock.socketDir);
}

/** Pauses before starting a stopped database thread again: doubling, reset after a minute up. */
const RESTART_PAUSE_MS = { first: 250, max: 30_000, resetAfter: 60_000 };

export interface EmbeddedOptions {
  maxConnections: number;
  /** The database thread stopped on its own, or could not be started again. */
  onFailure?: (error: Error) => void;
  /** The database thread is serving again (the count of restarts so far). */
  onRestart?: (restarts: number) => void;
  /** Something at start-up was fixed and should be said (e.g. the data directory's mode). */
  onWarning?: (message: string) => void;
}

/** Opens the embedded database in `dataDir`, or attaches to the process that already has it. */
export async function startEmbeddedDatabase(
  dataDir: string,
  options: EmbeddedOptions,
): Promise<EmbeddedDatabase> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  securePrivateDataDirectory(dataDir, options.onWarning ?? (() => {}));
  const lockFile = path.join(dataDir, 'db.lock');
  const existing = readLock(lockFile);
  if (existing && existing.pid !== process.pid && isAlive(existing.pid)) {
    assertTrustedLock(lockFile, existing);
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
  const spawn = async (): Promise<Worker> => {
    const worker = new Worker(script.url, {
      ...script.options,
      workerData: {
        pgDataDir: path.join(dataDir, 'pgdata'),
        socketPath: path.join(socketDir, SOCKET_NAME),
        maxConnections: options.maxConnections,
      },
    });
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
      await worker.terminate();
      throw error;
    }
    return worker;
  };
  const releaseLock = () => {
    if (readLock(lockFile)?.pid === process.pid) rmSync(lockFile, { force: true });
  };
  let worker: Worker;
  try {
    worker = await spawn();
  } catch (error) {
    releaseLock();
    throw new ParleyError('PARLEY_ERR_DEPENDENCY', `cannot open the embedded database in ${dataDir}`, {
      cause: error,
    });
  }

  // The database thread stopping on its own (an uncaught error in it, PostgreSQL aborting) would
  // leave the server up with every query failing; it is started again on the same directory and
  // socket instead (PostgreSQL recovers from its write-ahead log), with a growing pause between
  // attempts. Queries in between fail and are retried by their callers (the turn writer) or answered
  // as the dependency's failure.
  let closing = false;
  let restarts = 0;
  let pause = RESTART_PAUSE_MS.first;
  let restarting: Promise<void> | undefined;
  let wake = () => {};
  const supervise = (current: Worker) => {
    let failure: Error | undefined;
    const startedAt = Date.now();
    current.on('error', (error) => {
      failure = error;
    });
    current.once('exit', (code) => {
      if (closing || current !== worker) return;
      if (Date.now() - startedAt > RESTART_PAUSE_MS.resetAfter) pause = RESTART_PAUSE_MS.first;
      options.onFailure?.(failure ?? new Error(`embedded database worker exited with code ${code}`));
      restarting = restart();
    });
  };
  const restart = async (): Promise<void> => {
    while (!closing) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pause);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      pause = Math.min(pause * 2, RESTART_PAUSE_MS.max);
      if (closing) return;
      try {
        rmSync(path.join(socketDir, SOCKET_NAME), { force: true });
        worker = await spawn();
        restarts += 1;
        supervise(worker);
        options.onRestart?.(restarts);
        return;
      } catch (error) {
        options.onFailure?.(error as Error);
      }
    }
  };
  supervise(worker);

  let memoryRequests = 0;
  return {
    socketDir,
    owner: true,
    restarts: () => restarts,
    stopThread: () => worker.terminate().then(() => undefined),
    memory() {
      const id = ++memoryRequests;
      const current = worker;
      return new Promise<EmbeddedMemory | undefined>((resolve) => {
        const timer = setTimeout(() => done(undefined), 1000);
        timer.unref();
        const onMessage = (message: { type: string; id?: number } & EmbeddedMemory) => {
          if (message.type !== 'memory' || message.id !== id) return;
          done({ heapUsed: message.heapUsed, external: message.external, wasm: message.wasm });
        };
        const done = (value: EmbeddedMemory | undefined) => {
          clearTimeout(timer);
          current.off('message', onMessage);
          resolve(value);
        };
        current.on('message', onMessage);
        current.postMessage({ type: 'memory', id });
      });
    },
    async close() {
      closing = true;
      wake();
      await restarting;
      const current = worker;
      const closed = new Promise<void>((resolve) => {
        current.on('message', (message: { type: string }) => {
          if (message.type === 'closed' || message.type === 'error') resolve();
        });
        current.once('exit', () => resolve());
      });
      current.postMessage({ type: 'close' });
      await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 10_000).unref())]);
      await current.terminate();
      releaseLock();
    },
  };
}
