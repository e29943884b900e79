// The stub model server (test/support/stub-provider) in a process of its own, for benchmarks:
// started by bench/support/stub-process.ts as `node --import tsx bench/support/stub-provider-process.ts`
// with an IPC channel. It gets its own event loop, so its pacing timers are not delayed by the load
// generator parsing streams (nor the load generator by it).
//
// IPC (bench/support/stub-protocol.ts): { type: 'start', pacing, reply } → { type: 'ready', url };
// { type: 'stats', id } → { type: 'stats', id, stats }; { type: 'reset', id } → { type: 'reset-done', id }
// forgets the requests recorded so far (the reply stays); { type: 'close' } closes the stub and exits.
// The process also exits when the parent goes away (IPC disconnect).
import { type StubProvider, startStubProvider } from '../../test/support/stub-provider/index.js';
import { CLIENT_HEADER, type StubCommand, type StubMessage, type StubStats } from './stub-protocol.js';

let stub: StubProvider | undefined;
let reply = '';

function stats(provider: StubProvider): StubStats {
  const byClient: StubStats['byClient'] = {};
  for (const request of provider.requests) {
    if (!request.prompt) continue;
    const header = request.headers[CLIENT_HEADER];
    const client = typeof header === 'string' ? header : 'parley';
    byClient[client] ??= { requests: 0, promptChars: [] };
    const prompt = request.prompt;
    byClient[client].requests += 1;
    byClient[client].promptChars.push(
      prompt.system.length + prompt.messages.reduce((sum, message) => sum + message.text.length, 0),
    );
  }
  return {
    byClient,
    aborted: provider.aborted.length,
    maxConcurrentRequests: provider.maxConcurrentRequests,
  };
}

const send = (message: StubMessage) => process.send?.(message);

async function shutdown(code: number): Promise<never> {
  await stub?.close().catch(() => {});
  process.exit(code);
}

if (typeof process.send !== 'function') {
  process.stderr.write('stub-provider-process: start me with an IPC channel (bench/ttft.ts does)\n');
  process.exit(2);
}

process.on('message', (message: StubCommand) => {
  if (message.type === 'start') {
    startStubProvider({ pacing: message.pacing })
      .then((provider) => {
        stub = provider;
        reply = message.reply;
        provider.setReply(reply);
        send({ type: 'ready', url: provider.url });
      })
      .catch((error: Error) => {
        send({ type: 'error', message: error.message });
        void shutdown(1);
      });
  } else if (message.type === 'stats') {
    if (stub) send({ type: 'stats', id: message.id, stats: stats(stub) });
  } else if (message.type === 'reset') {
    if (stub) {
      // reset() also forgets the reply.
      stub.reset();
      stub.setReply(reply);
      send({ type: 'reset-done', id: message.id });
    }
  } else if (message.type === 'close') {
    void shutdown(0);
  }
});
process.on('disconnect', () => void shutdown(0));
