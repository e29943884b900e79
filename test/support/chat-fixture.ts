// The server most HTTP tests talk to: a Parley server on either backend whose model clients point
// at the stub provider, with documents stored for the default tenant, and API keys made on demand.
// `startChatFixture` starts one for a test; `useChatFixture` for a describe block's tests.
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { createApiKey } from '../../src/app/index.js';
import type { SemanticInjectionStage } from '../../src/guard/index.js';
import type { Logger } from '../../src/telemetry/index.js';
import { ingestDocuments, ingestFor, type TestDocument, TIDES } from './documents.js';
import { call, type JsonResponse } from './http.js';
import {
  type StubProvider,
  type StubProviderOptions,
  type StubReply,
  startStubProvider,
} from './stub-provider/index.js';
import { type BackendKind, eventually, startTestServer, type TestServer } from './test-backend.js';

export interface ChatFixtureOptions {
  /** The backend (default the embedded PGlite). */
  kind?: BackendKind;
  /** PARLEY_MODELS, e.g. `openai:small-model,anthropic:claude-fallback`; unset: no model (extractive answers). */
  models?: string;
  /** Further settings, applied last. */
  env?: Record<string, string>;
  /** A stub already running, shared with other servers (left open by `close`); or options for a new one. */
  stub?: StubProvider | StubProviderOptions;
  /** The stub's answer to chat requests (see `StubProvider.setReply`; `reset` forgets it). */
  reply?: StubReply;
  /** Stored for the default tenant before the tests run (default: TIDES). */
  documents?: readonly TestDocument[];
  /** The server's logger (default: silent). */
  log?: Logger;
  /** With PARLEY_GUARD_SEMANTIC=on in `env`: the stage to use (e.g. with a fake encoder). */
  semanticStage?: SemanticInjectionStage;
}

/** A tenant with an API key, and the headers that present it. */
export interface KeyedTenant {
  tenantId: string;
  keyId: string;
  key: string;
  headers: { authorization: string };
}

export interface ChatFixture {
  stub: StubProvider;
  server: TestServer;
  /** The server's Fastify instance, for `call` and `inject`. */
  readonly app: FastifyInstance;
  /** The default tenant, which holds the fixture's documents. */
  tenantId: string;
  /** POST /v1/chat (keyless from loopback unless `headers` carry a key). */
  chat<T = Record<string, unknown>>(
    payload: Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<JsonResponse<T>>;
  /**
   * POST /v1/chat of `message` (in `conversationId` when given) as `headers`, expecting a 200, then
   * waits until the turn is stored with its usage row (written after the answer).
   */
  converse(
    headers: Record<string, string>,
    message: string,
    conversationId?: string,
  ): Promise<{ conversation_id: string; turn_id: string }>;
  /** A new tenant with an API key and the fixture's documents (once a key exists, keyless calls stop working). */
  tenantWithKey(name: string): Promise<KeyedTenant>;
  /** Closes the server, then the stub unless it was shared. */
  close(): Promise<void>;
}

/** Settings that point the server's OpenAI, Anthropic and Cohere (reranking) clients at the stub provider. */
export function stubModels(stubUrl: string, models?: string): Record<string, string> {
  return {
    ...(models === undefined ? {} : { PARLEY_MODELS: models }),
    OPENAI_BASE_URL: stubUrl,
    OPENAI_API_KEY: 'test',
    ANTHROPIC_BASE_URL: stubUrl,
    ANTHROPIC_API_KEY: 'test',
    COHERE_BASE_URL: stubUrl,
    COHERE_API_KEY: 'test',
  };
}

const isRunningStub = (stub: ChatFixtureOptions['stub']): stub is StubProvider =>
  stub !== undefined && 'url' in stub;

export async function startChatFixture(options: ChatFixtureOptions = {}): Promise<ChatFixture> {
  const shared = isRunningStub(options.stub);
  const stub = isRunningStub(options.stub) ? options.stub : await startStubProvider(options.stub);
  let server: TestServer;
  try {
    server = await startTestServer(
      options.kind ?? 'pglite',
      { ...stubModels(stub.url, options.models), ...options.env },
      {
        ...(options.log ? { log: options.log } : {}),
        ...(options.semanticStage ? { runtime: { semanticStage: options.semanticStage } } : {}),
      },
    );
  } catch (error) {
    if (!shared) await stub.close();
    throw error;
  }
  if (options.reply !== undefined) stub.setReply(options.reply);
  const documents = options.documents ?? [TIDES];
  const { tenantId } = await ingestDocuments(server, documents);
  const chat = <T>(payload: Record<string, unknown>, headers?: Record<string, string>) =>
    call<T>(server.parley.app, { method: 'POST', url: '/v1/chat', payload, ...(headers ? { headers } : {}) });
  return {
    stub,
    server,
    get app() {
      return server.parley.app;
    },
    tenantId,
    chat,
    async converse(headers, message, conversationId) {
      const response = await chat<{ conversation_id: string; turn_id: string }>(
        { message, ...(conversationId ? { conversation_id: conversationId } : {}) },
        headers,
      );
      if (response.status !== 200) throw new Error(`chat answered ${response.status}: ${response.raw}`);
      const stored = async () =>
        (
          await server.runtime.db.query(
            'select 1 from turn_traces t join usage u on u.turn_id = t.turn_id where t.turn_id = $1',
            [response.body.turn_id],
          )
        ).length > 0
          ? true
          : undefined;
      await eventually(stored);
      return response.body;
    },
    async tenantWithKey(name) {
      const created = await createApiKey(server.runtime.db, name);
      await ingestFor(server, created.tenantId, documents);
      return { ...created, headers: { authorization: `Bearer ${created.key}` } };
    },
    async close() {
      try {
        await server.close();
      } finally {
        if (!shared) await stub.close();
      }
    },
  };
}

/**
 * A fixture started before the enclosing describe block's tests and closed after them. Read its
 * fields inside tests and hooks (they are filled in when the block starts).
 */
export function useChatFixture(options: ChatFixtureOptions | (() => ChatFixtureOptions) = {}): ChatFixture {
  const fixture = {} as ChatFixture;
  let started: ChatFixture | undefined;
  beforeAll(async () => {
    started = await startChatFixture(typeof options === 'function' ? options() : options);
    Object.defineProperties(fixture, Object.getOwnPropertyDescriptors(started));
  });
  afterAll(async () => {
    await started?.close();
  });
  return fixture;
}
