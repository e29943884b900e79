// A local model server for tests that speaks the providers' real wire protocols, so the real AI SDK
// clients run against it without reaching the internet: OpenAI's embeddings, Chat Completions and
// Responses APIs, Anthropic's Messages API and Cohere's rerank API. It records every request (and every client abort),
// answers with a scriptable reply at a scriptable pace, and can be scripted to fail, hang, stall or
// cut the connection.
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { anthropicMessages } from './anthropic-messages.js';
import { AwaitableList } from './awaitable-list.js';
import {
  answerChat,
  type ChatApi,
  defaultReply,
  type StubAnswer,
  type StubPrompt,
  type StubReply,
} from './chat-turn.js';
import { handleRerank, sendCohereError } from './cohere-rerank.js';
import { Exchange, NO_PACING, type Pacing } from './exchange.js';
import { FaultScript, type FaultTarget } from './fault-script.js';
import { DEFAULT_STUB_DIMENSIONS } from './hashed-embedding.js';
import { openAIChat } from './openai-chat.js';
import { handleEmbeddings } from './openai-embeddings.js';
import { openAIResponses } from './openai-responses.js';
import { sendOpenAIError } from './openai-wire.js';

/** One request as the stub received it. */
export interface RecordedRequest {
  method: string;
  /** The path without the query string, e.g. `/v1/embeddings`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  /** For a chat request, its text whatever the API: what a test checks to see the context reached the model. */
  prompt?: StubPrompt;
  /** When it arrived (`Date.now()`). */
  at: number;
}

/** A request whose client went away before the stub finished answering. */
export interface AbortRecord {
  method: string;
  path: string;
  /** When the connection closed (`Date.now()`). */
  at: number;
  /** Reply tokens already written when it closed (0 for a hanging or non-streaming request). */
  tokensSent: number;
}

export interface StubProviderOptions {
  /** Width of the stub's embeddings unless a request asks for `dimensions` (default 64). */
  dimensions?: number;
  /** Pace of every reply unless `paceNext` says otherwise (default: no pauses). */
  pacing?: Partial<Pacing>;
}

export interface FailNextOptions extends FaultTarget {
  status: number;
  /** Sent as `Retry-After`, in seconds. */
  retryAfterSeconds?: number;
  /** Sent as `retry-after-ms`. */
  retryAfterMs?: number;
  message?: string;
  /** How many of the next requests fail this way (default 1). */
  times?: number;
}

export interface CutNextOptions extends FaultTarget {
  /** Reply tokens sent before the socket is destroyed (a JSON answer is cut halfway whatever this is). */
  afterTokens: number;
  times?: number;
}

export interface PaceNextOptions extends Partial<Pacing> {
  /** How many of the next chat requests are paced this way (default 1); unset fields keep the stub's pace. */
  times?: number;
}

export interface StubProvider {
  /** Base URL including `/v1`, as both the OpenAI and the Anthropic clients expect. */
  url: string;
  /** Every request received, in arrival order (also those that fail or hang). */
  requests: RecordedRequest[];
  /** Every request the client abandoned before its answer was complete, in order. */
  aborted: AbortRecord[];
  /** The answer to chat requests from now on (default: `Stub answer to: <last user message>`). */
  setReply(reply: StubReply): void;
  /**
   * The answer to chat requests that ask for structured output (`prompt.json`) from now on, e.g.
   * a JSON object; unset (and after `reset`), they get the `setReply` answer like any request.
   */
  setJsonReply(reply: StubReply | undefined): void;
  /** The next `times` requests answer with this error status, in the route's own error shape. */
  failNext(options: FailNextOptions): void;
  /** The next `times` requests are never answered, not even a header; they end when the client aborts. */
  hangNext(times?: number, target?: FaultTarget): void;
  /** The next `times` requests are answered normally after `ms` milliseconds. */
  delayNext(ms: number, times?: number, target?: FaultTarget): void;
  /**
   * The next `times` requests (to `target`) are answered normally once `release` is called, however
   * long that takes: a test holds a request open for exactly as long as it needs, not for a guess.
   * With `afterTokens`, a stream stops after that many tokens until then (the client sees it streaming).
   */
  holdNext(
    times?: number,
    target?: FaultTarget & { afterTokens?: number },
  ): {
    release(): void;
    /** Resolves when a stream reaches its hold, its first `afterTokens` tokens written to the socket. */
    reached: Promise<void>;
  };
  /** The next `times` requests have their connection destroyed partway through the answer. */
  cutNext(options: CutNextOptions): void;
  /** The next `times` chat requests are generated at this pace. */
  paceNext(options: PaceNextOptions): void;
  /** Resolves once `count` requests in all have been received. */
  waitForRequests(count: number): Promise<void>;
  /** Resolves with the `count`-th client abort since the last reset (default the first). */
  waitForAbort(count?: number): Promise<AbortRecord>;
  /** The most requests that were open at the same moment. */
  readonly maxConcurrentRequests: number;
  /** Forgets recorded requests and aborts, scripted faults and paces, and a reply set by `setReply`. */
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
  /** A chat request's prompt, for the record. */
  prompt?(body: unknown): StubPrompt | undefined;
  /** Whether the route generates replies token by token, and so takes the scripted pace. */
  paced: boolean;
  handle(exchange: Exchange): Promise<void>;
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
  const defaultPacing: Pacing = { ...NO_PACING, ...options.pacing };
  let reply: StubReply = defaultReply;
  let jsonReply: StubReply | undefined;
  const replyTo = (prompt: StubPrompt): string | StubAnswer => {
    const chosen = prompt.json && jsonReply !== undefined ? jsonReply : reply;
    return typeof chosen === 'function' ? chosen(prompt) : chosen;
  };
  let serial = 0;
  const chatRoute = (api: ChatApi): Route => ({
    sendError: api.sendError,
    prompt: (body) => {
      const request = api.parse(body);
      return 'error' in request ? undefined : request.prompt;
    },
    paced: true,
    handle: (exchange) => answerChat(api, exchange, replyTo, ++serial),
  });
  const routes = new Map<string, Route>([
    [
      'POST /v1/embeddings',
      {
        sendError: sendOpenAIError,
        paced: false,
        handle: (exchange) => handleEmbeddings(exchange, dimensions),
      },
    ],
    ['POST /v1/chat/completions', chatRoute(openAIChat)],
    ['POST /v1/responses', chatRoute(openAIResponses)],
    ['POST /v1/messages', chatRoute(anthropicMessages)],
    ['POST /v1/rerank', { sendError: sendCohereError, paced: false, handle: handleRerank }],
  ]);
  const faults = new FaultScript();
  const paces: Pacing[] = [];
  const requests = new AwaitableList<RecordedRequest>();
  const aborted = new AwaitableList<AbortRecord>();
  // Requests from before a reset must not record aborts into the next test's list.
  let generation = 0;
  let closing = false;
  let open = 0;
  let maxConcurrentRequests = 0;

  const serve = async (request: IncomingMessage, response: ServerResponse) => {
    open += 1;
    maxConcurrentRequests = Math.max(maxConcurrentRequests, open);
    const method = request.method ?? 'GET';
    const path = new URL(request.url ?? '/', 'http://stub').pathname;
    const arrivedAt = Date.now();
    const bornIn = generation;
    const connection = new AbortController();
    let exchange: Exchange | undefined;
    response.on('close', () => {
      open -= 1;
      connection.abort();
      const abandoned = !response.writableFinished && !exchange?.cutByStub && !closing;
      if (abandoned && bornIn === generation) {
        aborted.push({ method, path, at: Date.now(), tokensSent: exchange?.tokensSent ?? 0 });
      }
    });
    const body = await readBody(request);
    const route = routes.get(`${method} ${path}`);
    requests.push({
      method,
      path,
      headers: request.headers,
      body,
      prompt: route?.prompt?.(body),
      at: arrivedAt,
    });
    if (!route) {
      sendOpenAIError(response, 404, `stub provider has no route ${method} ${path}`);
      return;
    }

    const fault = faults.take(path);
    const pacing = route.paced ? (paces.shift() ?? defaultPacing) : NO_PACING;
    const cutAfterTokens = fault?.kind === 'cut' ? fault.afterTokens : undefined;
    const hold = fault?.kind === 'hold' && fault.afterTokens ? fault : undefined;
    exchange = new Exchange(
      body,
      request.headers,
      response,
      connection.signal,
      pacing,
      cutAfterTokens,
      hold && {
        afterTokens: hold.afterTokens ?? 0,
        released: hold.released,
        ...(hold.onReached ? { onReached: hold.onReached } : {}),
      },
    );
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'fail') {
      const headers: Record<string, string> = {};
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      if (fault.retryAfterMs !== undefined) headers['retry-after-ms'] = String(fault.retryAfterMs);
      route.sendError(response, fault.status, fault.message ?? `scripted failure ${fault.status}`, headers);
      return;
    }
    if (fault?.kind === 'delay' && !(await exchange.pause(fault.ms))) return;
    if (fault?.kind === 'hold' && !fault.afterTokens && !(await exchange.until(fault.released))) return;
    if (typeof body === 'string') {
      route.sendError(response, 400, 'request body is not valid JSON');
      return;
    }
    await route.handle(exchange);
  };

  const server = createServer({ noDelay: true }, (request, response) => {
    serve(request, response).catch((error: unknown) => {
      // A bug in the stub must show up in the test, not hang it.
      if (response.destroyed) return;
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
    requests: requests.items,
    aborted: aborted.items,
    setReply: (next) => {
      reply = next;
    },
    setJsonReply: (next) => {
      jsonReply = next;
    },
    failNext: ({ times = 1, ...fault }) => faults.add({ kind: 'fail', ...fault }, times),
    hangNext: (times = 1, target = {}) => faults.add({ kind: 'hang', ...target }, times),
    delayNext: (ms, times = 1, target = {}) => faults.add({ kind: 'delay', ms, ...target }, times),
    holdNext: (times = 1, target = {}) => {
      let release = () => {};
      const released = new Promise<void>((resolve) => {
        release = resolve;
      });
      let onReached = () => {};
      const reached = new Promise<void>((resolve) => {
        onReached = resolve;
      });
      faults.add({ kind: 'hold', released, onReached, ...target }, times);
      return { release, reached };
    },
    cutNext: ({ times = 1, ...fault }) => faults.add({ kind: 'cut', ...fault }, times),
    paceNext: ({ times = 1, ...pacing }) => {
      for (let i = 0; i < times; i += 1) paces.push({ ...defaultPacing, ...pacing });
    },
    waitForRequests: async (count) => {
      await requests.waitFor(count);
    },
    waitForAbort: (count = 1) => aborted.waitFor(count),
    get maxConcurrentRequests() {
      return maxConcurrentRequests;
    },
    reset: () => {
      generation += 1;
      requests.clear();
      aborted.clear();
      faults.clear();
      paces.length = 0;
      reply = defaultReply;
      jsonReply = undefined;
      maxConcurrentRequests = open;
    },
    close: async () => {
      closing = true;
      // Hanging requests and the clients' keep-alive sockets would otherwise hold close() open.
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
