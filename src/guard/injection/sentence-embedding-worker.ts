// Worker-thread entry for the semantic injection stage: holds Universal Sentence Encoder Lite
// (loaded from an npm package, offline, on the first request) and answers {id, texts} with
// {id, vectors} (512 numbers per text) or {id, error}. Requests run one at a time: the encoder
// is single-threaded, and a batch costs far less per text than texts one by one.
import { parentPort, workerData } from 'node:worker_threads';
import type { EmbeddingsModel, EmbeddingsModelSource } from '@energetic-ai/embeddings';

const port = parentPort;
if (!port) throw new Error('sentence-embedding-worker must run in a worker thread');

/** The package exporting `modelSource` (the weights); replaceable so a missing one can be tested. */
const modelPackage = (workerData as { modelPackage: string }).modelPackage;

let model: Promise<EmbeddingsModel> | undefined;
let queue: Promise<unknown> = Promise.resolve();

async function loadModel(): Promise<EmbeddingsModel> {
  const { initModel } = await import('@energetic-ai/embeddings');
  const weights = (await import(modelPackage)) as { modelSource: EmbeddingsModelSource };
  return initModel(weights.modelSource);
}

port.on('message', (message: { id: number; texts: string[] }) => {
  queue = queue.then(async () => {
    try {
      model ??= loadModel();
      const vectors = await (await model).embed(message.texts);
      port.postMessage({ id: message.id, vectors });
    } catch (error) {
      // A failed load is not cached as success: the next request tries again.
      model = undefined;
      port.postMessage({ id: message.id, error: error instanceof Error ? error.message : String(error) });
    }
  });
});
