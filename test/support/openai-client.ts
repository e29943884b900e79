// The official OpenAI SDK on a chat fixture's real port, with an API key of the default tenant:
// how the OpenAI-compatible endpoint's tests talk to Parley, as a client application would.
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { createApiKey } from '../../src/app/index.js';
import type { ChatFixture } from './chat-fixture.js';

const clients = new WeakMap<ChatFixture, Promise<{ sdk: OpenAI; key: string }>>();

/** The SDK client and its key, made once per fixture (the server listens from then on). */
export function openAiClient(fixture: ChatFixture): Promise<{ sdk: OpenAI; key: string }> {
  let connected = clients.get(fixture);
  if (!connected) {
    connected = (async () => {
      await fixture.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = fixture.app.server.address() as AddressInfo;
      const { key } = await createApiKey(fixture.server.runtime.db, 'default');
      return { sdk: new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: key, maxRetries: 0 }), key };
    })();
    clients.set(fixture, connected);
  }
  return connected;
}
