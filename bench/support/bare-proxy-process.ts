// The floor of what any server adds: Fastify forwarding a Chat Completions request straight to the
// stub model and piping the streamed answer back, with no auth, retrieval, guards or persistence.
// A comparison server of bench/load.ts, in a process of its own:
//   node --import tsx bench/support/bare-proxy-process.ts <stub base URL>
// with an IPC channel; it sends `{type: 'ready', url}` once listening and stops on SIGTERM.
import { Readable } from 'node:stream';
import Fastify from 'fastify';

const stubUrl = process.argv[2];
if (!stubUrl || typeof process.send !== 'function') {
  process.stderr.write('usage: bare-proxy-process.ts <stub base URL>, with an IPC channel\n');
  process.exit(2);
}

const app = Fastify({ logger: false, bodyLimit: 1024 * 1024 });
// The body is forwarded as received: no parse, no re-serialisation.
app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, body, done) =>
  done(null, body),
);

app.post('/v1/chat/completions', async (request, reply) => {
  const upstream = new AbortController();
  // A client that goes away before the answer ends cancels the upstream call, as any decent proxy does.
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) upstream.abort();
  });
  const response = await fetch(`${stubUrl}/chat/completions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: request.headers.authorization ?? 'Bearer test',
    },
    body: request.body as Buffer,
    signal: upstream.signal,
  });
  reply.code(response.status);
  reply.header('content-type', response.headers.get('content-type') ?? 'application/json');
  reply.header('cache-control', 'no-cache');
  return reply.send(response.body ? Readable.fromWeb(response.body) : '');
});

const address = await app.listen({ port: 0, host: '127.0.0.1' });
process.send({ type: 'ready', url: `${address.replace('localhost', '127.0.0.1')}/v1` });
process.once('SIGTERM', () => {
  void app.close().finally(() => process.exit(0));
});
