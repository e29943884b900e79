// A small pool of worker threads that ingest documents (read the upload, parse, chunk, store),
// so that none of this CPU work, nor the serialising of large query parameters, runs on the
// HTTP event loop. Hand-written rather than piscina because the workers must start from the
// TypeScript sources under tests (see storage/worker-url.ts) as well as from the build.
import { Worker } from 'node:worker_threads';
import type pg from 'pg';
import { type ErrorCode, ParleyError } from '../../errors/index.js';
import { workerScript } from '../../storage/index.js';
import { FIELD_WEIGHTS, type FieldWeights } from '../retrieve/keyword-analyzer.js';
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
  deadline: NodeJS.Timeout | undefined;
  /** Retires the idle worker: its isolate and what parsing left in it cost memory while unused. */
  idle: NodeJS.Timeout | undefined;
}

/** A document still being processed after this long is treated as unprocessable (a parser hang). */
const TASK_DEADLINE_MS = 5 * 60_000;
/** Heap per worker: a pathological document fails alone instead of taking the process down. */
const WORKER_HEAP_MB = 1024;
/** An idle worker is stopped after this long; the next document starts a new one. */
const DEFAULT_IDLE_MS = 30_000;

/** Cancels a slot's idle retirement (it has work, or is being stopped anyway). */
function keepAwake(slot: Slot): void {
  if (slot.idle) clearTimeout(slot.idle);
  slot.idle = undefined;
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
    private readonly idleMs = DEFAULT_IDLE_MS,
    /** How the title, heading path and page opening weigh in the chunks' search text. */
    private readonly fieldWeights: FieldWeights = FIELD_WEIGHTS,
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

  /** Worker threads alive now (busy or idle). */
  get threads(): number {
    return this.slots.length;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const task of this.queue.splice(0)) {
      task.reject(new ParleyError('PARLEY_ERR_SHUTTING_DOWN', 'ingestion is shutting down'));
    }
    await Promise.all(this.slots.splice(0).map((slot) => this.stop(slot)));
  }

  /** Lets a worker close its database pool, then stops it. */
  private async stop(slot: Slot): Promise<void> {
    keepAwake(slot);
    const closed = new Promise((resolve) => {
      slot.worker.on('message', (reply: WorkerReply) => 'closed' in reply && resolve(undefined));
      setTimeout(resolve, 2_000).unref();
    });
    slot.worker.postMessage({ close: true });
    await closed;
    await slot.worker.terminate();
  }

  private retireWhenIdle(slot: Slot): void {
    keepAwake(slot);
    slot.idle = setTimeout(() => {
      slot.idle = undefined;
      const index = this.slots.indexOf(slot);
      if (slot.task !== undefined || index < 0) return;
      this.slots.splice(index, 1);
      void this.stop(slot);
    }, this.idleMs);
    slot.idle.unref();
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((candidate) => candidate.task === undefined);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const task = this.queue.shift()!;
      keepAwake(slot);
      slot.task = task;
      slot.deadline = setTimeout(() => {
        this.abandon(
          slot,
          new ParleyError(
            'PARLEY_ERR_UNREADABLE_DOCUMENT',
            `processing the document took longer than ${TASK_DEADLINE_MS / 1000} s; it was abandoned`,
          ),
        );
      }, TASK_DEADLINE_MS);
      slot.worker.postMessage({ id: task.id, task: task.task });
    }
  }

  private spawn(): Slot {
    const script = workerScript(import.meta.url, 'ingest-worker');
    const worker = new Worker(script.url, {
      ...script.options,
      workerData: { connection: this.connection, fieldWeights: this.fieldWeights },
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    const slot: Slot = { worker, task: undefined, deadline: undefined, idle: undefined };
    worker.on('message', (reply: WorkerReply) => {
      if ('closed' in reply) return;
      const task = slot.task;
      if (!task || task.id !== reply.id) return;
      if ('progress' in reply) {
        task.onProgress(reply.progress);
        return;
      }
      this.release(slot);
      if ('error' in reply) {
        task.reject(new ParleyError(reply.error.code ?? 'PARLEY_ERR_INTERNAL', reply.error.message));
      } else {
        task.resolve(reply.value);
      }
      this.dispatch();
      if (slot.task === undefined && !this.closed) this.retireWhenIdle(slot);
    });
    worker.on('error', (error: Error & { code?: string }) => {
      const outOfMemory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.abandon(
        slot,
        outOfMemory
          ? new ParleyError(
              'PARLEY_ERR_UNREADABLE_DOCUMENT',
              'the document needs more memory than a worker may use',
            )
          : new ParleyError('PARLEY_ERR_INTERNAL', `document worker failed: ${error.message}`),
      );
    });
    worker.on('exit', (code) => {
      this.abandon(slot, new ParleyError('PARLEY_ERR_INTERNAL', `document worker exited with code ${code}`));
    });
    this.slots.push(slot);
    return slot;
  }

  private release(slot: Slot): Task | undefined {
    const task = slot.task;
    slot.task = undefined;
    if (slot.deadline) clearTimeout(slot.deadline);
    slot.deadline = undefined;
    return task;
  }

  /** Drops a worker (dead, hung or out of memory), fails its task, and carries on with a new one. */
  private abandon(slot: Slot, error: ParleyError): void {
    keepAwake(slot);
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
    this.release(slot)?.reject(error);
    void slot.worker.terminate();
    if (!this.closed) this.dispatch();
  }
}
