// The one owner of a turn, from admission to its record: admit (token limits, budgets) -> gate
// (a place among the turns answered at once) -> prepare (bot, input guard, conversation and
// retrieval) -> generate (streamed through the output guard) -> finish -> settle (cost, usage,
// limits and budgets, once) -> record (metrics and spans). Front ends — JSON, SSE, the
// OpenAI-compatible endpoint, `parley chat`, the evaluation commands — only translate its events,
// so every turn gets the same accounting, limits, metrics, spans and trace whichever way it came.

import type { Caller, TurnAccounting } from '../accounting/index.js';
import { type Metrics, SpanStatusCode, type Tracing } from '../telemetry/index.js';
import type { RememberedExchange, UserMemories } from './memories/index.js';
import { type RecordedTurn, recordTurn, type TurnSpan } from './record-turn.js';
import type { TurnEvent } from './turn-events.js';
import type { TurnRequest, TurnResult } from './turn-types.js';

/** What a turn is asked: the message and where it belongs. */
export type TurnInput = Pick<
  TurnRequest,
  | 'tenantId'
  | 'botId'
  | 'message'
  | 'conversationId'
  | 'userId'
  | 'history'
  | 'generation'
  | 'toolExchanges'
  | 'continues'
>;

/** Where a turn comes from: who is accounted for it, and what the front end knows of the request. */
export interface TurnContext {
  /** Who the turn is accounted to (limits, budgets, the usage row). */
  caller: Caller;
  /** The request's headers: a W3C `traceparent` in them is continued. */
  headers?: Record<string, unknown>;
  /** When the request arrived (epoch ms): the root span starts there. */
  receivedAt?: number;
  /** Time spent authenticating the request (ms), for the trace. */
  authMs?: number;
  /** Fires when the client leaves: a turn waiting for its place leaves the line. */
  signal?: AbortSignal;
  /** Called with the turn's OpenTelemetry trace id as soon as it exists (logs, `x-trace-id`). */
  onTraceId?: (traceId: string) => void;
}

/** A place among the turns answered at once (the turn gate). */
export interface TurnAdmission {
  /** Resolves with the function that frees the place (called exactly once). */
  enter(signal?: AbortSignal): Promise<() => void>;
}

/** A prepared turn, as the chat pipeline hands it over (`Turn`): what the runner drives. */
export interface PreparedTurn extends RecordedTurn {
  readonly conversationId: string;
  readonly turnId: string;
  readonly bot: { readonly id: string };
  /** The answer's pieces, through the output guard; throws when the answer breaks off. */
  tokens(signal?: AbortSignal): AsyncIterableIterator<string>;
  /** The whole answer (a model that breaks off replaced by the next). */
  generateWhole(): Promise<void>;
  /** The model (or how the turn was answered without one) and its tokens, for pricing. */
  readonly accounting: {
    model: string;
    generated: boolean;
    tokens: { inputTokens: number; outputTokens: number; cachedInputTokens?: number };
    /** Model calls beside the answer (the model step of understanding), charged to the turn. */
    aside?: {
      model: string;
      tokens: { inputTokens: number; outputTokens: number; cachedInputTokens?: number };
    }[];
    /** For a turn answered from the answer cache: what that answer cost when first given. */
    savedUsd?: number;
  };
  /** Builds the result and the trace, and stores both in the background. */
  finish(outcome: { completed: boolean; costUsd: number }): TurnResult;
  /** What long-term memory may read of the finished turn (undefined: nothing). */
  memoryExchange?(result: TurnResult): RememberedExchange | undefined;
  /** Resolves true once the finished turn is stored, false if its write was given up. */
  stored(): Promise<boolean>;
}

export interface TurnRunnerDeps {
  /** Prepares a turn: bot, input guard, conversation and retrieval (the chat pipeline). */
  chat: { begin(request: TurnRequest): Promise<PreparedTurn> };
  /** Admission before the turn (limits, budgets) and its settlement after (the edge's gateway). */
  gateway: TurnAccounting;
  gate: TurnAdmission;
  metrics: Metrics;
  tracing: Tracing;
  /**
   * Longest a finished turn's acknowledgement (JSON 200, SSE `done`) waits for the turn to be
   * stored (default 10 s): past it, or when the write is given up, the client is answered anyway
   * and parley_turns_acknowledged_unstored_total counts it.
   */
  ackWaitMs?: number;
  /** End users' long-term memories, taken from finished turns in the background (absent: none). */
  memories?: Pick<UserMemories, 'remember'>;
}

export class TurnRunner {
  constructor(private readonly deps: TurnRunnerDeps) {}

  /**
   * Admits and prepares a turn. Throws (nothing charged, no place held) when a limit or budget
   * refuses it (429, 402), the line is too long (503), the client left while waiting, or the bot
   * or conversation is unknown (404, 409).
   */
  async start(input: TurnInput, context: TurnContext): Promise<RunningTurn> {
    const { chat, gateway, gate, tracing } = this.deps;
    const startedAt = performance.now();
    const { preferCheapest } = await gateway.admitTurn(context.caller);
    const span = tracing.startTurn('invoke_agent', context.headers ?? {}, context.receivedAt);
    // With PARLEY_TELEMETRY=off the span is a no-op without a trace id.
    const traceId = span.isRecording() ? span.spanContext().traceId : undefined;
    if (traceId) context.onTraceId?.(traceId);
    let release: (() => void) | undefined;
    try {
      const queued = performance.now();
      release = await gate.enter(context.signal);
      const queue = performance.now() - queued;
      const turn = await chat.begin({
        ...input,
        preferCheapest,
        timings: { ...(context.authMs === undefined ? {} : { auth: context.authMs }), queue },
        traceExtras: { otel_trace_id: traceId },
      });
      return new RunningTurn(turn, this.deps, context.caller, startedAt, { span, tracing }, release);
    } catch (error) {
      release?.();
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
      span.end();
      throw error;
    }
  }
}

/** An admitted, prepared turn: read it as events (streams) or whole (JSON); either settles it once. */
export class RunningTurn {
  private result: TurnResult | undefined;
  private released = false;

  constructor(
    private readonly turn: PreparedTurn,
    private readonly deps: TurnRunnerDeps,
    private readonly caller: Caller,
    private readonly startedAt: number,
    private readonly traced: TurnSpan,
    private readonly release: () => void,
  ) {}

  get conversationId(): string {
    return this.turn.conversationId;
  }

  get turnId(): string {
    return this.turn.turnId;
  }

  /** The bot answering. */
  get bot(): string {
    return this.turn.bot.id;
  }

  /**
   * The turn as it happens: `meta`, `token`s, then `citations` and `done`, or `error` when the
   * answer breaks off (or `signal` aborts, which cancels the model call). Leaving the loop early
   * settles the turn as incomplete.
   */
  events(signal?: AbortSignal): AsyncIterableIterator<TurnEvent> {
    // A hand-written iterator rather than an async generator: each token passes here, and an
    // async generator's yield costs a few more promise ticks per token than mapping the answer's
    // own `next()` (measured: docs/benchmarks.md, "Turn runner").
    const tokens = this.turn.tokens(signal);
    // The model is called first, `meta` delivered while its request is on its way.
    let pending: Promise<IteratorResult<string>> | undefined = tokens.next();
    pending.catch(() => {}); // read below; handled here so a fast failure is not "unhandled"
    const queued: TurnEvent[] = [
      { type: 'meta', conversationId: this.conversationId, turnId: this.turnId, bot: this.bot },
    ];
    let ended = false;
    const finished: IteratorResult<TurnEvent> = { value: undefined, done: true };
    /** Left early, broke off or ended: close the answer (cancelling the model call), settle once. */
    const close = () => {
      if (ended) return;
      ended = true;
      void tokens.return?.(undefined)?.catch(() => {});
      this.settle(false);
    };
    const step = (result: IteratorResult<string>): IteratorResult<TurnEvent> => {
      if (!result.done) return { value: { type: 'token', text: result.value }, done: false };
      const settled = this.settle(!signal?.aborted);
      ended = true; // the answer is over: after `citations` and `done`, nothing more
      queued.push({ type: 'done', result: settled });
      return { value: { type: 'citations', citations: settled.citations }, done: false };
    };
    const failed = (error: unknown): IteratorResult<TurnEvent> => {
      this.settle(false);
      ended = true;
      void tokens.return?.(undefined)?.catch(() => {});
      return { value: { type: 'error', error, aborted: signal?.aborted ?? false }, done: false };
    };
    const iterator: AsyncIterableIterator<TurnEvent> = {
      next: () => {
        const event = queued.shift();
        // `done` acknowledges the turn: it goes once the turn is stored.
        if (event?.type === 'done') {
          return this.acknowledgeable().then(() => ({ value: event, done: false }));
        }
        if (event) return Promise.resolve({ value: event, done: false });
        if (ended) return Promise.resolve(finished);
        const reading = pending ?? tokens.next();
        pending = undefined;
        return reading.then((result) => {
          if (result.done && ended) return finished;
          return step(result);
        }, failed);
      },
      return: () => {
        close();
        return Promise.resolve(finished);
      },
      [Symbol.asyncIterator]: () => iterator,
    };
    return iterator;
  }

  /** The whole answer at once (a model that breaks off is replaced by the next in the chain). */
  async complete(): Promise<TurnResult> {
    try {
      await this.turn.generateWhole();
    } catch (error) {
      this.settle(false);
      throw error;
    }
    const result = this.settle(true);
    await this.acknowledgeable();
    return result;
  }

  /**
   * Resolves when the turn may be acknowledged: once it is stored, so that a crash after the
   * acknowledgement loses nothing the client was told of (the write is a group commit with the
   * turns finishing beside it). Bounded: a database that cannot take the write delays the answer
   * by at most `ackWaitMs`, and is counted.
   */
  private acknowledgeable(): Promise<void> {
    const { metrics, ackWaitMs = 10_000 } = this.deps;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        if (metrics.enabled) metrics.unstoredAcknowledgements.inc({ reason: 'timeout' });
        resolve();
      }, ackWaitMs);
    });
    const stored = this.turn.stored().then((ok) => {
      if (!ok && metrics.enabled) metrics.unstoredAcknowledgements.inc({ reason: 'failed' });
    });
    return Promise.race([stored, late]).finally(() => clearTimeout(timer));
  }

  /** Ends a turn whose front end failed before reading it (settled as incomplete). */
  abandon(): void {
    this.settle(false);
  }

  /**
   * Has long-term memory read the finished turn, after the answer: the extraction call is charged
   * to the caller like the turn's other model calls (its own usage row, `<turn id>:memory`).
   */
  private remember(result: TurnResult): void {
    const exchange = this.turn.memoryExchange?.(result);
    if (!exchange || !this.deps.memories) return;
    void this.deps.memories.remember({ ...exchange, stored: this.turn.stored() }, (call) => {
      this.deps.gateway.settleTurn(this.caller, {
        botId: exchange.botId,
        conversationId: exchange.conversationId,
        turnId: `${exchange.turnId}:memory`,
        model: call.model,
        generated: true,
        tokens: {
          inputTokens: call.tokens.inputTokens,
          cachedInputTokens: call.tokens.cachedInputTokens ?? 0,
          outputTokens: call.tokens.outputTokens,
        },
      });
    });
  }

  /** Prices and accounts the turn, stores it (in the background), records it; once. */
  private settle(completed: boolean): TurnResult {
    if (this.result) return this.result;
    // The turn's write starts in finish(), after its cost is known.
    let finished!: () => void;
    const written = new Promise<void>((resolve) => {
      finished = resolve;
    }).then(() => this.turn.stored());
    try {
      const { model, generated, tokens, aside, savedUsd } = this.turn.accounting;
      const { costUsd } = this.deps.gateway.settleTurn(this.caller, {
        botId: this.bot,
        conversationId: this.conversationId,
        turnId: this.turnId,
        model,
        generated,
        tokens: {
          inputTokens: tokens.inputTokens,
          cachedInputTokens: tokens.cachedInputTokens ?? 0,
          outputTokens: tokens.outputTokens,
        },
        ...(aside
          ? {
              aside: aside.map((call) => ({
                model: call.model,
                tokens: { ...call.tokens, cachedInputTokens: call.tokens.cachedInputTokens ?? 0 },
              })),
            }
          : {}),
        ...(savedUsd ? { savedUsd } : {}),
        written,
      });
      this.result = this.turn.finish({ completed, costUsd });
      recordTurn(this.deps.metrics, this.turn, this.startedAt, this.traced);
      if (completed) this.remember(this.result);
      return this.result;
    } finally {
      finished();
      if (!this.released) {
        this.released = true;
        this.release();
      }
    }
  }
}
