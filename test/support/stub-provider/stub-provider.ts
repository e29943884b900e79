// A local model server for tests that speaks the providers' real wire protocols, so the real AI SDK
// clients run against it without reaching the internet. It records every request and can be
// scripted to fail, hang or stall. Each API is a route; chat completions and Anthropic's messages
// are added the same way as embeddings.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultScript } from './fault-script.js';
import { DEFAULT_STUB_DIMENSIONS } from './hashed-embedding.js';
import { handleEmbeddings } from './openai-embeddings.js';
import { sendOpenAIError } from './openai-wire.js';

/** One request as the stub received it. */
export interface RecordedRequest {
  method: string;
  /** The path without the query string, e.g. `/v1/embeddings`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
}

export interface StubProviderOptions {
  /** Width of the stub's embeddings unless a request asks for `dimensions` (default 64). */
  dimensions?: number;
}

export interface FailNextOptions {
  status: number;
  /** Sent as `Retry-After`, in seconds. */
  retryAfterSeconds?: number;
  /** Sent as `retry-after-ms`. */
  retryAfterMs?: number;
  message?: string;
  /** How many of the next requests fail this way (default 1). */
  times?: number;
}

export interface StubProvider {
  /** Base URL including `/v1`, as the OpenAI clients expect. */
  url: string;
  /** Every request received, in arrival order (also those that fail or hang). */
  requests: RecordedRequest[];
  /** The next `times` requests answer with this error status. */
  failNext(options: FailNextOptions): void;
  /** The next `times` requests are never answered; they end when the client aborts. */
  hangNext(times?: number): void;
  /** The next `times` requests are answered normally after `ms` milliseconds. */
  delayNext(ms: number, times?: number): void;
  /** Resolves once `count` requests in all have been received. */
  waitForRequests(count: number): Promise<void>;
  /** The most requests that were open at the same moment. */
  readonly maxConcurrentRequests: number;
  /** Forgets recorded requests and scripted faults. */
  reset(): void;
  close(): Promise<void>;
}

interface Route {
  /** Writes an error in this API's own shape. */
  sendError(
    response: ServerResponse,
    status: number,
    message: string,
    headers?: Record<string, string>,
  ): void;
  handle(body: unknown, response: ServerResponse): void | Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

export async function startStubProvider(options: StubProviderOptions = {}): Promise<StubProvider> {
  const dimensions = options.dimensions ?? DEFAULT_STUB_DIMENSIONS;
  const routes = new Map<string, Route>([
    [
      'POST /v1/embeddings',
      {
        sendError: sendOpenAIError,
        handle: (body, response) => handleEmbeddings(body, response, dimensions),
      },
    ],
  ]);
  const faults = new FaultScript();
  const requests: RecordedRequest[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let open = 0;
  let maxConcurrentRequests = 0;

  const record = (entry: RecordedRequest) => {
    requests.push(entry);
    for (const waiter of waiters.filter((w) => requests.length >= w.count)) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };

  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    open += 1;
    maxConcurrentRequests = Math.max(maxConcurrentRequests, open);
    response.on('close', () => {
      open -= 1;
    });
    const path = new URL(request.url ?? '/', 'http://stub').pathname;
    const body = await readBody(request);
    record({ method: request.method ?? 'GET', path, headers: request.headers, body });

    const route = routes.get(`${request.method} ${path}`);
    if (!route) {
      sendOpenAIError(response, 404, `stub provider has no route ${request.method} ${path}`);
      return;
    }
    const fault = faults.take();
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'fail') {
      const headers: Record<string, string> = {};
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
      route.sendError(response, fault.status, fault.message ?? `scripted failure ${fault.status}`, headers);
      return;
    }
    if (fault?.kind === 'delay') {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          timers.delete(timer);
          resolve();
        }, fault.ms);
        timers.add(timer);
      });
    }
    if (typeof body === 'string') {
      route.sendError(response, 400, 'request body is not valid JSON');
      return;
    }
    await route.handle(body, response);
  };

  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      // A bug in the stub must show up in the test, not hang it.
      if (!response.headersSent) sendOpenAIError(response, 500, `stub provider error: ${String(error)}`);
      else response.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    failNext: ({ times = 1, ...fault }) => faults.add({ kind: 'fail', ...fault }, times),
    hangNext: (times = 1) => faults.add({ kind: 'hang' }, times),
    delayNext: (ms, times = 1) => faults.add({ kind: 'delay', ms }, times),
    waitForRequests: (count) =>
      requests.length >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            waiters.push({ count, resolve });
          }),
    get maxConcurrentRequests() {
      return maxConcurrentRequests;
    },
    reset: () => {
      requests.length = 0;
      faults.clear();
      maxConcurrentRequests = open;
    },
    close: async () => {
      for (const timer of timers) clearTimeout(timer);
      // Hanging requests and the clients' keep-alive sockets would otherwise hold close() open.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
