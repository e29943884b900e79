// The IPC protocol between bench/load.ts and its load generator (bench/support/load-generator-process.ts).

/**
 * How to hold a conversation with a server:
 * - `openai`: POST `<baseUrl>/chat/completions` with the whole history each turn (Chat Completions
 *   streaming; the stub itself and the bare proxy);
 * - `parley`: POST `<baseUrl>/v1/chat` `{message, conversation_id?, stream: true}`, the server
 *   keeps the history; SSE events `meta` (conversation_id), `token`, `done` (mode), `error`
 *   (Parley and the LangChain.js reference).
 */
export type ClientProtocol = 'openai' | 'parley';

export interface LoadTarget {
  protocol: ClientProtocol;
  baseUrl: string;
  headers: Record<string, string>;
  /** The model asked for (`openai` only). */
  model: string;
}

export interface LoadSpec {
  target: LoadTarget;
  /** Virtual users, each holding one conversation at a time (closed loop). */
  concurrency: number;
  turnsPerConversation: number;
  questions: string[];
  /** User i starts i × rampMs / concurrency after the run starts. */
  rampMs: number;
  /** Pause between a reply's end and the user's next turn. */
  thinkMs: number;
  /** A turn not finished in this time is aborted and counted as a timeout. */
  turnTimeoutMs: number;
}

/** Parent → generator. The first `mark` opens the measured window, the second closes it. */
export type LoadCommand =
  | { type: 'run'; spec: LoadSpec }
  | { type: 'mark'; id: number }
  | { type: 'stop'; id: number; drainMs: number };

export interface Distribution {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/** What the generator saw of the turns in the measured window. */
export interface LoadResult {
  windowMs: number;
  /** Turns that ended well inside the window (throughput). */
  turnsCompleted: number;
  /** Turns started inside the window: started, and of them answered well. */
  turnsStarted: number;
  turnsOk: number;
  /** Time to first token of the turns started in the window that the model answered, in ms. */
  ttftMs: number[];
  /** Request start → end of stream, same turns, in ms. */
  turnMs: number[];
  /**
   * Request start → the response's first event, same turns, in ms: Parley's `meta` (sent once the
   * turn is prepared and its model call sent) or a proxy's first chunk. What comes before the model.
   */
  firstEventMs: number[];
  /** p50 time to first token by position of the turn in its conversation (1st, 2nd, …). */
  ttftP50ByTurn: number[];
  /** Gaps between consecutive tokens of those turns, in ms. */
  gapMs: Distribution;
  /** Turns started in the window that failed, by cause. */
  errors: Record<string, number>;
  /** Answer modes (`done.mode`) of the `parley` protocol's turns: generated, not_found, … */
  modes: Record<string, number>;
  conversationsCompleted: number;
  /** The generator's own event-loop delay p99 and CPU over the window (is the client the bottleneck?). */
  clientLoopP99Ms: number;
  clientCpuMs: number;
  /**
   * Turns still unanswered when the window closed, and of them those sent before it opened: a
   * user the server kept waiting the whole window, whose time is in no TTFT or turn figure (those
   * count the turns started in the window). `oldestMs`: the longest any had waited by then.
   */
  inFlightAtEnd: { total: number; startedBeforeWindow: number; oldestMs: number };
  /**
   * For those sent before the window and still without a first token when it closed, how long
   * they had waited by then: lower bounds of their time to first token, counted with `ttftMs` in
   * the report's TTFT percentiles (which then are lower bounds too, marked ≥).
   */
  ttftLowerBoundsMs: number[];
}

/** Generator → parent. */
export type LoadMessage =
  | { type: 'running' }
  | { type: 'marked'; id: number }
  | { type: 'result'; id: number; result: LoadResult }
  | { type: 'error'; message: string };
