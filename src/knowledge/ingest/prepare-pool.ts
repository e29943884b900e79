// A small pool of worker threads that parse and chunk documents, so that this CPU work never
// runs on the HTTP event loop. Hand-written rather than piscina because the workers must
// start from TypeScript sources under tests (see storage/worker-url.ts) and from the build.
import { Worker } from 'node:worker_threads';
import { type ErrorCode, ParleyError } from '../../errors/index.js';
import { workerScript } from '../../storage/index.js';
import type { PreparedDocument, PrepareInput } from './prepare-document.js';

interface Task {
  id: number;
  input: PrepareInput;
  resolve: (value: PreparedDocument) => void;
  reject: (error: Error) => void;
}

interface Slot {
  worker: Worker;
  task: Task | undefined;
}

type WorkerReply =
  | { ready: true }
  | { id: number; value: PreparedDocument }
  | { id: number; error: { message: string; code?: ErrorCode } };

export class PreparePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Task[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly size: number) {}

  /** Parses and chunks one document on a worker thread. */
  prepare(input: PrepareInput): Promise<PreparedDocument> {
    if (this.closed)
      return Promise.reject(new ParleyError('PARLEY_ERR_SHUTTING_DOWN', 'ingestion is shutting down'));
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, input, resolve, reject });
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
    await Promise.all(this.slots.map((slot) => slot.worker.terminate()));
    this.slots.length = 0;
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((candidate) => candidate.task === undefined);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const task = this.queue.shift()!;
      slot.task = task;
      slot.worker.postMessage({ id: task.id, input: task.input });
    }
  }

  private spawn(): Slot {
    const script = workerScript(import.meta.url, 'prepare-worker');
    const worker = new Worker(script.url, script.options);
    const slot: Slot = { worker, task: undefined };
    worker.on('message', (reply: WorkerReply) => {
      if ('ready' in reply) return;
      const task = slot.task;
      if (!task || task.id !== reply.id) return;
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
