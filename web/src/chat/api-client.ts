// Talks to a Parley server from the browser: POST /v1/chat as server-sent events read off the
// fetch body (so a stop is an AbortController, and each chunk's arrival time is known), and
// GET /v1/conversations/{id}, a conversation's events while a person answers it (GET
// /v1/conversations/{id}/events, read the same way), and the decision on an action a turn paused
// for (POST /v1/conversations/{id}/approvals/{approval}, streamed like a turn), ratings of
// answers (POST /v1/turns/{turn_id}/feedback), and the caller's conversations (listed, renamed,
// deleted), and the signed-in user's long-term memories (listed, edited, deleted). A streamed answer whose connection drops before its
// end is resumed (GET /v1/turns/{id}/stream from the last event id received, a few tries with
// backoff), so the text goes on with nothing missing or repeated. Errors become
// ChatError values with a kind the UI can say plainly.

/** A citation as the API returns it. */
export interface Citation {
  document_id: string;
  title: string;
  source: string | null;
  snippet: string;
}

/** How the answer was made: `done.mode` from the server (more may come). */
export type AnswerMode =
  | 'generated'
  | 'extractive'
  | 'degraded'
  | 'not_found'
  | 'handoff'
  | 'handed_off'
  | (string & {});

/** Modes after which a person answers the conversation. */
export const HANDOFF_MODES: readonly string[] = ['handoff', 'handed_off'];

export interface StoredMessage {
  id: string;
  role: 'user' | 'assistant';
  content: string;
  citations: Citation[] | null;
  turn_id: string;
  /** `agent` when a person wrote it. */
  author: 'agent' | null;
  /** The answer's rating, when it has one (absent from servers before feedback). */
  rating?: FeedbackRating | null;
}

export type ConversationState = 'active' | 'awaiting_clarification' | 'handed_off' | 'closed';

export interface StoredConversation {
  state: ConversationState;
  messages: StoredMessage[];
  /** The actions the conversation waits on, oldest first (absent from servers before approvals). */
  pending_approvals?: StoredApproval[];
}

/** A conversation as GET /v1/conversations lists it. */
export interface ConversationSummary {
  id: string;
  title: string | null;
  state: ConversationState;
  messages: number;
  updated_at: string;
}

/** A person's reply, as the event stream tells it. */
export interface AgentReply {
  id: string;
  text: string;
  author: 'agent';
  created_at: string;
}

export interface WatchHandlers {
  onState(state: ConversationState): void;
  onAgentReply(reply: AgentReply): void;
}

/** An action a turn paused for (the `approval` event): `arguments` is the model's JSON text. */
export interface PendingApproval {
  id: string;
  tool: string;
  arguments: string;
  /** Who decides: the chat's user, or an operator of the bot. */
  approver: 'user' | 'operator';
}

/** A pending action as the stored conversation gives it: `turn_id` is the turn that paused for it. */
export interface StoredApproval extends PendingApproval {
  turn_id: string;
}

export type FeedbackRating = 'up' | 'down';

/** A stored rating, as POST /v1/turns/{turn_id}/feedback answers. */
export interface RatedAnswer {
  rating: FeedbackRating;
  /** The bot hands over to people, and the rating was `down`. */
  offer_handoff: boolean;
}

/** A long-term memory as GET /v1/memories lists it. */
export interface StoredMemory {
  id: string;
  kind: 'fact' | 'preference';
  topic: string;
  text: string;
  updated_at: string;
}

/** Tries of a rating or a turn's deletion while the answer may not be stored yet (its write follows the answer). */
const STORE_TRIES = 5;
/** Tries to resume a streamed answer whose connection dropped, waiting 0.25, 0.5, 1, 2 s before each. */
const RESUME_TRIES = 4;

export type ErrorKind =
  | 'rate_limited'
  | 'over_budget'
  | 'forbidden'
  | 'unauthorized'
  | 'not_found'
  | 'conflict'
  | 'invalid'
  | 'offline'
  | 'unreachable'
  | 'server';

export class ChatError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly code?: string,
    /** Seconds, from Retry-After. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

export interface StreamHandlers {
  onMeta?(meta: { conversation_id: string; turn_id: string }): void;
  /** `arrivedAt` is performance.now() when the chunk holding the token was read. */
  onToken(text: string, arrivedAt: number): void;
  /** The answer paused for an action's approval (sent before `citations` and `done`). */
  onApproval?(approval: PendingApproval): void;
  onCitations?(citations: Citation[]): void;
  onDone?(done: { mode: AnswerMode; model: string | null }): void;
}

export interface ClientOptions {
  /** The Parley origin (`''` for the page's own origin). */
  baseUrl: string;
  /** The API key to send, if any (read on every request). */
  key(): string | undefined;
  /** Where a publishable key's signed visitor token is kept between requests. */
  visitor?: { get(): string | undefined; set(token: string): void };
  /** The host site's signed-in user, as its identity provider's JWT (read on every request). */
  userToken?(): string | undefined;
  /**
   * Asked when the server refused the user token `refused` (401): resolves with a fresh one from
   * the host site (at once when the host already handed one since that request left), or
   * undefined when none came in time. The request is then sent once more with it.
   */
  refreshUserToken?(refused: string): Promise<string | undefined>;
  /** Whether the caller is a signed-in user (a refused token is then an expired session, not a missing key). */
  signedIn?(): boolean;
}

const VISITOR_HEADER = 'x-parley-visitor';
const USER_TOKEN_HEADER = 'x-parley-user-token';

function kindOf(status: number, code: string | undefined): ErrorKind {
  if (status === 429 || code === 'PARLEY_ERR_RATE_LIMITED') return 'rate_limited';
  if (status === 402 || (code ?? '').includes('BUDGET')) return 'over_budget';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status >= 400 && status < 500) return 'invalid';
  return 'server';
}

async function errorFrom(response: Response): Promise<ChatError> {
  let code: string | undefined;
  let message = `the server answered ${response.status}`;
  try {
    const body = (await response.json()) as { error?: { code?: string; message?: string } };
    code = body.error?.code;
    if (body.error?.message) message = body.error.message;
  } catch {
    // not JSON: keep the status line
  }
  const retry = Number(response.headers.get('retry-after'));
  return new ChatError(
    kindOf(response.status, code),
    message,
    code,
    Number.isFinite(retry) && retry > 0 ? retry : undefined,
  );
}

function networkError(error: unknown): unknown {
  if (error instanceof DOMException && error.name === 'AbortError') return error;
  if (error instanceof ChatError) return error;
  return typeof navigator !== 'undefined' && navigator.onLine === false
    ? new ChatError('offline', 'you are offline')
    : new ChatError('unreachable', 'the chat server cannot be reached (or does not allow this site)');
}

export class ChatClient {
  constructor(private readonly options: ClientOptions) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    const headers: Record<string, string> = { ...extra };
    const key = this.options.key();
    if (key) headers.authorization = `Bearer ${key}`;
    const visitor = this.options.visitor?.get();
    if (visitor) headers[VISITOR_HEADER] = visitor;
    const user = this.options.userToken?.();
    if (user) headers[USER_TOKEN_HEADER] = user;
    return headers;
  }

  private remember(response: Response) {
    const token = response.headers.get(VISITOR_HEADER);
    if (token && this.options.visitor) this.options.visitor.set(token);
  }

  /** Whether the caller is a signed-in user (see ClientOptions.signedIn). */
  signedIn(): boolean {
    return this.options.signedIn?.() ?? this.options.userToken?.() !== undefined;
  }

  private async fetch(path: string, init: RequestInit): Promise<Response> {
    let response = await this.send(path, init);
    // The host site's user token expired: ask the host for a fresh one and send once more with it
    // (refused at the gate, the request did nothing yet, so sending it again is safe).
    const sent = (init.headers as Record<string, string> | undefined)?.[USER_TOKEN_HEADER];
    if (response.status === 401 && sent && this.options.refreshUserToken) {
      const fresh = await this.options.refreshUserToken(sent);
      if (fresh && fresh !== sent) {
        const headers = { ...(init.headers as Record<string, string>), [USER_TOKEN_HEADER]: fresh };
        response = await this.send(path, { ...init, headers });
      }
    }
    if (!response.ok) throw await errorFrom(response);
    return response;
  }

  private async send(path: string, init: RequestInit): Promise<Response> {
    let response: Response;
    try {
      response = await fetch(`${this.options.baseUrl}${path}`, init);
    } catch (error) {
      throw networkError(error);
    }
    this.remember(response);
    return response;
  }

  /** A JSON resource of the API (e.g. the dashboard's figures, a turn's trace). */
  async getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
    const response = await this.fetch(path, { headers: this.headers(), ...(signal ? { signal } : {}) });
    return (await response.json()) as T;
  }

  async conversation(id: string): Promise<StoredConversation> {
    const response = await this.fetch(`/v1/conversations/${encodeURIComponent(id)}`, {
      headers: this.headers(),
    });
    return (await response.json()) as StoredConversation;
  }

  /** The caller's conversations, the latest changed first; `query`: words of the title. */
  async conversations(query: string, signal?: AbortSignal): Promise<ConversationSummary[]> {
    const search = new URLSearchParams({ limit: '100' });
    if (query.trim()) search.set('q', query.trim());
    const list = await this.getJson<{ conversations: ConversationSummary[] }>(
      `/v1/conversations?${search}`,
      signal,
    );
    return list.conversations;
  }

  async renameConversation(id: string, title: string): Promise<void> {
    await this.fetch(`/v1/conversations/${encodeURIComponent(id)}`, {
      method: 'PATCH',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify({ title }),
    });
  }

  /**
   * Deletes one turn of a conversation (its question and answer), as Regenerate does before asking
   * again. A turn is stored moments after its answer: a 404 is tried again a few times first.
   */
  async deleteTurn(conversationId: string, turnId: string): Promise<void> {
    const path = `/v1/conversations/${encodeURIComponent(conversationId)}/turns/${encodeURIComponent(turnId)}`;
    await this.retryWhileNotStored(() => this.fetch(path, { method: 'DELETE', headers: this.headers() }));
  }

  /** Runs `call`, again after a 404 a few times (an answer's turn is written just after it). */
  private async retryWhileNotStored<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        if (!(error instanceof ChatError && error.kind === 'not_found') || attempt >= STORE_TRIES)
          throw error;
        await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
      }
    }
  }

  /** Deletes a conversation with everything held of it. */
  async deleteConversation(id: string): Promise<void> {
    await this.fetch(`/v1/conversations/${encodeURIComponent(id)}`, {
      method: 'DELETE',
      headers: this.headers(),
    });
  }

  /** Follows a conversation's events until `signal` aborts or the stream ends (then it resolves). */
  async watch(id: string, handlers: WatchHandlers, signal: AbortSignal): Promise<void> {
    const response = await this.fetch(`/v1/conversations/${encodeURIComponent(id)}/events`, {
      headers: this.headers({ accept: 'text/event-stream' }),
      signal,
    });
    await readEvents(response, (event, payload) => {
      if (event === 'state') handlers.onState(payload.state as ConversationState);
      else if (event === 'agent_reply') handlers.onAgentReply(payload as unknown as AgentReply);
    });
  }

  /**
   * Rates an answer (a second rating replaces the first). An answer is stored moments after it is
   * given: a 404 is tried again a few times before it counts.
   */
  async rate(turnId: string, rating: FeedbackRating, comment?: string): Promise<RatedAnswer> {
    const init = {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify({ rating, ...(comment ? { comment } : {}) }),
    };
    const response = await this.retryWhileNotStored(() =>
      this.fetch(`/v1/turns/${encodeURIComponent(turnId)}/feedback`, init),
    );
    return (await response.json()) as RatedAnswer;
  }

  /** The signed-in user's long-term memories, the latest updated first. */
  async memories(signal?: AbortSignal): Promise<StoredMemory[]> {
    return (await this.getJson<{ memories: StoredMemory[] }>('/v1/memories', signal)).memories;
  }

  /** Corrects one memory's text; resolves with the memory as stored (PII redacted). */
  async editMemory(id: string, text: string): Promise<StoredMemory> {
    const response = await this.fetch(`/v1/memories/${encodeURIComponent(id)}`, {
      method: 'PATCH',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify({ text }),
    });
    return (await response.json()) as StoredMemory;
  }

  /** Deletes one memory (`id`), or all of the user's. */
  async deleteMemories(id?: string): Promise<void> {
    await this.fetch(id ? `/v1/memories/${encodeURIComponent(id)}` : '/v1/memories', {
      method: 'DELETE',
      headers: this.headers(),
    });
  }

  /** Streams one turn; resolves when the stream ends, rejects with ChatError (or AbortError on stop). */
  chat(
    message: string,
    conversationId: string | undefined,
    handlers: StreamHandlers,
    signal: AbortSignal,
  ): Promise<void> {
    return this.stream(
      '/v1/chat',
      { message, stream: true, ...(conversationId ? { conversation_id: conversationId } : {}) },
      handlers,
      signal,
    );
  }

  /**
   * Approves or declines an action a turn paused for and streams the continued answer (a new turn
   * of the same conversation). A decision is taken once: a second one rejects with kind `conflict`.
   */
  decide(
    conversationId: string,
    approvalId: string,
    approve: boolean,
    handlers: StreamHandlers,
    signal: AbortSignal,
  ): Promise<void> {
    const path = `/v1/conversations/${encodeURIComponent(conversationId)}/approvals/${encodeURIComponent(approvalId)}`;
    return this.stream(path, { approve, stream: true }, handlers, signal);
  }

  /**
   * Streams a turn's answer from its start (or after the event `lastEventId`), as after a reload
   * that kept the turn's id: GET /v1/turns/{id}/stream. Rejects with kind `not_found` once the
   * stream is no longer kept.
   */
  resume(turnId: string, lastEventId: string | undefined, handlers: StreamHandlers, signal: AbortSignal) {
    const follow = new StreamFollower(handlers);
    if (lastEventId) follow.lastId = lastEventId;
    follow.turnId = turnId;
    return this.follow(follow, undefined, signal);
  }

  private stream(
    path: string,
    body: Record<string, unknown>,
    handlers: StreamHandlers,
    signal: AbortSignal,
  ): Promise<void> {
    const opening = this.fetch(path, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json', accept: 'text/event-stream' }),
      body: JSON.stringify(body),
      signal,
    });
    return this.follow(new StreamFollower(handlers), opening, signal);
  }

  /** Reads the stream; when it drops before its end, resumes it from the last event received. */
  private async follow(follow: StreamFollower, opening: Promise<Response> | undefined, signal: AbortSignal) {
    let lost: unknown;
    if (opening) {
      try {
        await readEvents(await opening, follow.onEvent);
      } catch (error) {
        // Refused before it began (or no turn to resume): as before.
        if (signal.aborted || !follow.turnId || !isNetworkError(error)) throw error;
        lost = error;
      }
    }
    for (let attempt = opening ? 1 : 0; !follow.ended && follow.turnId; attempt++) {
      if (attempt > RESUME_TRIES) throw lost ?? new ChatError('unreachable', 'the answer was cut off');
      if (attempt > 0) await pause(125 * 2 ** attempt, signal);
      const query = follow.lastId ? `?last_event_id=${encodeURIComponent(follow.lastId)}` : '';
      try {
        const response = await this.fetch(`/v1/turns/${encodeURIComponent(follow.turnId)}/stream${query}`, {
          headers: this.headers({ accept: 'text/event-stream' }),
          signal,
        });
        await readEvents(response, follow.onEvent);
      } catch (error) {
        if (signal.aborted || !isNetworkError(error)) throw error;
        lost = error;
      }
    }
  }
}

/** What a stream has delivered so far: the turn, the last event's id, whether it ended. */
class StreamFollower {
  turnId: string | undefined;
  lastId: string | undefined;
  ended = false;

  constructor(private readonly handlers: StreamHandlers) {}

  readonly onEvent: EventHandler = (event, payload, arrivedAt, id) => {
    if (id) this.lastId = id;
    if (event === 'meta' && typeof payload.turn_id === 'string') this.turnId = payload.turn_id;
    if (event === 'done' || event === 'error') this.ended = true;
    dispatch(event, payload, arrivedAt, this.handlers);
  };
}

const isNetworkError = (error: unknown) =>
  error instanceof ChatError && (error.kind === 'offline' || error.kind === 'unreachable');

/** Waits `ms`, or rejects at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

type EventHandler = (event: string, payload: Record<string, unknown>, arrivedAt: number, id?: string) => void;

/** Reads server-sent events off a fetch body until it ends; `arrivedAt` is when each chunk was read. */
async function readEvents(response: Response, onEvent: EventHandler): Promise<void> {
  if (!response.body) throw new ChatError('server', 'the server sent no stream');
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      const arrivedAt = performance.now();
      buffer += value;
      let end = buffer.indexOf('\n\n');
      while (end >= 0) {
        parseBlock(buffer.slice(0, end), arrivedAt, onEvent);
        buffer = buffer.slice(end + 2);
        end = buffer.indexOf('\n\n');
      }
    }
  } catch (error) {
    throw networkError(error);
  }
}

function parseBlock(block: string, arrivedAt: number, onEvent: EventHandler) {
  let event = 'message';
  let data = '';
  let id: string | undefined;
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue; // heartbeat comment
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'event') event = value;
    else if (field === 'data') data += data ? `\n${value}` : value;
    else if (field === 'id') id = value;
  }
  if (data) onEvent(event, JSON.parse(data) as Record<string, unknown>, arrivedAt, id);
}

function dispatch(
  event: string,
  payload: Record<string, unknown>,
  arrivedAt: number,
  handlers: StreamHandlers,
) {
  switch (event) {
    case 'meta':
      handlers.onMeta?.(payload as { conversation_id: string; turn_id: string });
      break;
    case 'token':
      handlers.onToken(String(payload.text ?? ''), arrivedAt);
      break;
    case 'approval':
      handlers.onApproval?.(payload as unknown as PendingApproval);
      break;
    case 'citations':
      handlers.onCitations?.((payload.citations as Citation[]) ?? []);
      break;
    case 'done':
      handlers.onDone?.(payload as { mode: AnswerMode; model: string | null });
      break;
    case 'error': {
      const code = typeof payload.code === 'string' ? payload.code : undefined;
      throw new ChatError(
        code === 'PARLEY_ERR_RATE_LIMITED' ? 'rate_limited' : 'server',
        String(payload.message ?? 'the answer failed'),
        code,
      );
    }
  }
}
