// Worker-thread entry for document preparation: receives {id, input}, answers {id, value} or {id, error}.
import { parentPort } from 'node:worker_threads';
import { isParleyError } from '../../errors/index.js';
import { type PrepareInput, prepareDocument } from './prepare-document.js';

const port = parentPort;
if (!port) throw new Error('prepare-worker must run in a worker thread');

port.on('message', async (message: { id: number; input: PrepareInput }) => {
  try {
    const value = await prepareDocument(message.input);
    port.postMessage({ id: message.id, value });
  } catch (error) {
    const parley = isParleyError(error);
    port.postMessage({
      id: message.id,
      error: {
        message: error instanceof Error ? error.message : String(error),
        code: parley ? error.code : undefined,
      },
    });
  }
});
port.postMessage({ ready: true });
