// A small pool of worker threads that ingest documents (read the upload, parse, chunk, store),
// so that none of this CPU work, nor the serialising of large query parameters, runs on the
// HTTP event loop. Hand-written rather than piscina because the workers must start from the
// TypeScript sources under tests (see storage/worker-url.ts) as well as from the build.
import { Worker } from 'node:worker_threads';
import type pg from 'pg';
import { type ErrorCode, ParleyError } from '../../errors/index.js';
import { workerScript } from '../../storage/index.js';
import type { IngestTask, TaskOutcome } from './ingest-tasks.js';

interface Task {
  id: number;
  task: IngestTask;
  onProgress: (share: number) => void;
  resolve: (value: TaskOutcome) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  task: Task | undefined;
}

type WorkerReply =
  | { closed: true }
  | { id: number; progress: number }
  | { id: number; value: TaskOutcome }
  | { id: number; error: { message: string; code?: ErrorCode } };

export class IngestPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly size: number,
    /** Where the workers' own pools connect (the main database handle's `connection`). */
    private readonly connection: pg.PoolConfig,
  ) {}

  /** Runs one ingestion task on a worker thread; `onProgress` hears its stages (0..1). */
  run(task: IngestTask, onProgress: (share: number) => void = () => {}): Promise<TaskOutcome> {
    if (this.closed)
      return Promise.reject(new ParleyError('PARLEY_ERR_SHUTTING_DOWN', 'ingestion is shutting down'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, task, onProgress, resolve, reject });
      this.dispatch();
    });
  }

  /** Tasks waiting for a thread (for metrics). */
  get pending(): number {
    return this.queue.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) {
      task.reject(new ParleyError('PARLEY_ERR_SHUTTING_DOWN', 'ingestion is shutting down'));
    }
    // Let each worker close its database pool, then stop it.
    await Promise.all(
      this.slots.map(async (slot) => {
        const closed = new Promise((resolve) => {
          slot.worker.on('message', (reply: WorkerReply) => 'closed' in reply && resolve(undefined));
          setTimeout(resolve, 2_000).unref();
        });
        slot.worker.postMessage({ close: true });
        await closed;
        await slot.worker.terminate();
      }),
    );
    this.slots.length = 0;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((candidate) => candidate.task === undefined);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const task = this.queue.shift()!;
      slot.task = task;
      slot.worker.postMessage({ id: task.id, task: task.task });
    }
  }

  private spawn(): Slot {
    const script = workerScript(import.meta.url, 'ingest-worker');
    const worker = new Worker(script.url, { ...script.options, workerData: { connection: this.connection } });
    const slot: Slot = { worker, task: undefined };
    worker.on('message', (reply: WorkerReply) => {
      if ('closed' in reply) return;
      const task = slot.task;
      if (!task || task.id !== reply.id) return;
      if ('progress' in reply) {
        task.onProgress(reply.progress);
        return;
      }
      slot.task = undefined;
      if ('error' in reply) {
        task.reject(new ParleyError(reply.error.code ?? 'PARLEY_ERR_INTERNAL', reply.error.message));
      } else {
        task.resolve(reply.value);
      }
      this.dispatch();
    });
    const fail = (error: Error) => {
      const index = this.slots.indexOf(slot);
      if (index >= 0) this.slots.splice(index, 1);
      slot.task?.reject(new ParleyError('PARLEY_ERR_INTERNAL', `document worker failed: ${error.message}`));
      slot.task = undefined;
      if (!this.closed) this.dispatch();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (code !== 0 || slot.task) fail(new Error(`exited with code ${code}`));
    });
    this.slots.push(slot);
    return slot;
  }
}
