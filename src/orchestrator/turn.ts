// A prepared turn's answer: the plan, generation streamed through the output guard, and the turn
// recorder folding generation's events; finished into its result and trace, then stored in the
// background. Driven by the turn runner.
import { isParleyError } from '../errors/index.js';
import { type InputInspection, outputFilter, type PendingVerdict } from '../guard/index.js';
import type { Attempt, TokenUsage } from '../models/index.js';
import type { AnswerCache } from './answer-cache.js';
import type { BotProfile } from './bots/bots.js';
import { flatMapIterator } from './flat-map-iterator.js';
import { type AnswerEvidence, abandonedAnswer, answerEvidence, generateAnswer } from './generate-answer.js';
import type { GenerationEvent, RawGenerationEvent } from './generation-events.js';
import { AnswerGuard } from './guard-answer.js';
import type { RememberedExchange } from './memories/index.js';
import { type PersistDeps, persistTurn } from './persist-turn.js';
import { structuredAnswer } from './structured-answer.js';
import { refusedPlan, type TurnPlan } from './turn-plan.js';
import {
  type AnswerRecord,
  answerAccounting,
  record,
  startRecord,
  type TurnOutcome,
  turnResult,
} from './turn-recorder.js';
import { turnTrace } from './turn-trace.js';
import type { AnswerMode, TurnResult, TurnTrace } from './turn-types.js';

const NO_PIECES: string[] = [];

/** What a turn needs of the process to trace and store itself. */
export interface TurnDeps extends PersistDeps {
  retriever: { readonly name: string };
  /** Where a whole, clean answer to a message that stands on its own is kept for the next asking. */
  answers?: Pick<AnswerCache, 'store'>;
}

/** A turn whose retrieval is done; `tokens()` streams the answer, `finish()` records it. */
export class Turn {
  /** What the answer rests on (the plan's, again when a deferred check refuses the message). */
  private evidence: AnswerEvidence;
  /** What the answer is so far: changed only by folding generation's events into it. */
  private state: AnswerRecord;
  /** Answer pieces not yet folded into `state` (see `foldToken`). */
  private pieces: string[] = [];
  private lastPieceAt = 0;
  /** The trace, once `finish()` has made it. */
  private finishedTrace: TurnTrace | undefined;
  /** Whether the finished turn is stored (resolves once its write is done or given up). */
  private storing: Promise<boolean> | undefined;

  constructor(
    private readonly deps: TurnDeps,
    /** Replaced once, when a deferred input check decides (refusedPlan when it refuses). */
    private plan: TurnPlan,
  ) {
    this.evidence = answerEvidence(plan);
    this.state = startRecord(plan);
  }

  get bot(): BotProfile {
    return this.plan.bot;
  }

  get conversationId(): string {
    return this.plan.conversationId;
  }

  get turnId(): string {
    return this.plan.turnId;
  }

  /**
   * The answer in pieces as soon as they exist. With models configured, the model chain's
   * tokens; when every model fails before its first token, the extractive answer labelled as
   * degraded. A model stream that breaks after tokens were sent throws (the caller ends the
   * stream with an error); so does `signal` aborting, which cancels the provider call.
   */
  tokens(signal?: AbortSignal, exclude: readonly string[] = []): AsyncIterableIterator<string> {
    // Everything the user sees passes the output guards.
    const guard = outputFilter(this.plan.guards, this.bot.guard, { systemPrompt: this.bot.prompt.text });
    const stage = new AnswerGuard(guard);
    this.foldAll(stage.start());
    const pending = this.plan.input.pending;
    const generated = pending
      ? this.heldAnswer(pending, signal, exclude)
      : generateAnswer(this.plan, this.evidence, signal, exclude);
    // An answer asked for as JSON is checked once whole.
    const format = this.plan.request.generation?.responseFormat;
    return flatMapIterator(format ? structuredAnswer(generated, format) : generated, {
      each: (raw) => this.foldAll(stage.pass(raw)),
      // A leak cut off: the model call ends.
      stop: () => stage.cutOff,
      end: () => this.foldAll(stage.end()),
    });
  }

  /**
   * The answer while a deferred input check (the semantic injection stage) is still deciding:
   * generated as usual, the model called at once, but every event from the first piece of the
   * answer on held until the verdict. Let through, the held events follow; refused, the model
   * call is cancelled and the answer is the refusal, as if the input phase had refused it. Only
   * escalated messages come here: a plain turn's tokens never pass this generator.
   */
  private async *heldAnswer(
    pending: Promise<PendingVerdict>,
    signal: AbortSignal | undefined,
    exclude: readonly string[],
  ): AsyncGenerator<RawGenerationEvent> {
    // Parley's tools run inside generation (an action, a call to another server): none runs
    // for a message before it is let through, so such a turn waits for the verdict first.
    if ((this.plan.tools?.size ?? 0) > 0) {
      const waited = performance.now();
      const verdict = await pending;
      this.decide(verdict, performance.now() - waited);
      yield* generateAnswer(this.plan, this.evidence, signal, exclude);
      return;
    }
    const cancel = new AbortController();
    const generated = generateAnswer(
      this.plan,
      this.evidence,
      signal ? AbortSignal.any([signal, cancel.signal]) : cancel.signal,
      exclude,
    );
    // Read ahead until the first piece (or the end), so the model's first-token wait runs beside
    // the check.
    const held: RawGenerationEvent[] = [];
    let ended = false;
    let firstPieceAt: number | undefined;
    let failure: { error: unknown } | undefined;
    const readAhead = (async () => {
      try {
        for (;;) {
          const read = await generated.next();
          if (read.done) {
            ended = true;
            return;
          }
          held.push(read.value);
          if (read.value.type === 'raw-token') {
            firstPieceAt = performance.now();
            return;
          }
        }
      } catch (error) {
        failure = { error };
      }
    })();
    const verdict = await pending;
    if (verdict.refusal) {
      // The model call ends; the refusal does not wait for it to.
      cancel.abort();
      void readAhead.then(() => generated.return(undefined)).catch(() => {});
      this.decide(verdict, 0);
      yield* generateAnswer(this.plan, this.evidence, signal, exclude);
      return;
    }
    const decidedAt = performance.now();
    await readAhead;
    // How long a piece that was ready waited for the verdict: what the check added to the first token.
    this.decide(verdict, firstPieceAt === undefined ? 0 : Math.max(0, decidedAt - firstPieceAt));
    try {
      yield* held;
      if (failure) throw failure.error;
      if (!ended) yield* generated;
    } finally {
      // Left while the held events were read (the client went away): the model call ends too.
      if (!ended) void generated.return(undefined).catch(() => {});
    }
  }

  /** Applies a deferred input check's verdict to the plan (once): refused, the plan of a refusal. */
  private decide(verdict: PendingVerdict, heldMs: number): void {
    const { pending: _, ...input } = this.plan.input;
    const decided: InputInspection = {
      ...input,
      decisions: [...input.decisions, ...verdict.decisions],
      deferred: { ...verdict.check, heldMs },
    };
    if (verdict.refusal) {
      this.plan = refusedPlan(this.plan, {
        ...decided,
        action: 'block',
        refusal: input.refusal ?? verdict.refusal,
      });
      this.evidence = answerEvidence(this.plan);
      this.state = startRecord(this.plan);
      this.pieces = [];
    } else {
      this.plan = { ...this.plan, input: decided };
    }
  }

  /** Folds `events` into the record; returns the answer's pieces among them. */
  private foldAll(events: GenerationEvent[]): string[] {
    let pieces: string[] | undefined;
    for (const event of events) {
      if (event.type === 'token') {
        this.foldToken(event.text, event.at);
        if (pieces) pieces.push(event.text);
        else pieces = [event.text];
      } else {
        this.fold(event);
      }
    }
    return pieces ?? NO_PIECES;
  }

  /**
   * A piece of the answer. Folding copies the record, so pieces after the first wait in `pieces`
   * and are folded as one token before the next other event, or when the record is read.
   */
  private foldToken(text: string, at: number): void {
    if (this.state.firstTokenMs === undefined) this.fold({ type: 'token', text, at });
    else this.pieces.push(text);
    this.lastPieceAt = at;
  }

  private fold(event: GenerationEvent): void {
    this.flushPieces();
    this.state = record(this.state, event);
  }

  /** The record with every piece of the answer folded in. */
  private get current(): AnswerRecord {
    this.flushPieces();
    return this.state;
  }

  private flushPieces(): void {
    if (this.pieces.length === 0) return;
    const text = this.pieces.join('');
    this.pieces = [];
    this.state = record(this.state, { type: 'token', text, at: this.lastPieceAt });
  }

  /** The turn's trace, once `finish()` has made it. */
  get trace(): TurnTrace | undefined {
    return this.finishedTrace;
  }

  /** When the turn began (epoch ms), for spans. */
  get startedAtEpoch(): number {
    return performance.timeOrigin + this.plan.startedAt;
  }

  /** What the metrics need once the turn is over. */
  get outcome(): {
    mode: AnswerMode;
    model: string | undefined;
    attempts: Attempt[];
    firstTokenMs: number | undefined;
    tokens: TokenUsage;
  } {
    const { mode, model, attempts, firstTokenMs, usage } = this.current;
    return { mode, model, attempts, firstTokenMs, tokens: usage };
  }

  /**
   * Generates the whole answer at once (JSON responses); `finish()` then records it. Nothing has
   * been sent yet when a model breaks off mid-answer, so the next models in the chain start the
   * answer afresh; when none is left, the answer is extractive, labelled degraded, rather than
   * an error.
   */
  async generateWhole(): Promise<void> {
    const broken: string[] = [];
    for (;;) {
      try {
        for await (const _ of this.tokens(undefined, broken)) {
          // folded into the record
        }
        return;
      } catch (error) {
        // An answer that is not in the form the client asked for has no stand-in: it hears why.
        if (isParleyError(error) && error.code === 'PARLEY_ERR_MODEL_OUTPUT') throw error;
        const model = this.current.model;
        if (model && !broken.includes(model)) {
          broken.push(model);
          this.fold({ type: 'restart', model, error: (error as Error).message });
          continue;
        }
        for (const event of abandonedAnswer(this.plan, this.evidence)) this.fold(event);
        return;
      }
    }
  }

  /** What the accounting prices: the model that answered (or how the turn was answered without one) and its tokens. */
  get accounting(): ReturnType<typeof answerAccounting> {
    return answerAccounting(this.current, this.plan);
  }

  /**
   * Completes the turn: returns the result and schedules its persistence off the critical path.
   * `costUsd` is what the accounting priced the turn at (the gateway, once per turn).
   */
  finish(outcome: TurnOutcome): TurnResult {
    const result = turnResult(this.plan, this.current, outcome);
    if (this.finishedTrace) return result;
    const trace = turnTrace(this.plan, this.current, outcome, {
      retriever: this.deps.retriever.name,
      relevance: this.evidence.relevance,
      finishedAt: performance.now(),
    });
    this.finishedTrace = trace;
    this.keepAnswer(result, trace);
    this.storing = persistTurn(this.deps, this.plan, result, trace);
    return result;
  }

  /**
   * What long-term memory may read of the finished turn: a model's answer to an end user of a bot
   * that keeps memories (undefined otherwise: anonymous callers, memory off, no model).
   */
  memoryExchange(result: TurnResult): RememberedExchange | undefined {
    const { bot, request } = this.plan;
    if (!bot.memory || !bot.router || request.userId === undefined || result.mode !== 'generated')
      return undefined;
    return {
      tenantId: request.tenantId,
      userId: request.userId,
      botId: bot.id,
      conversationId: this.conversationId,
      turnId: this.turnId,
      chain: bot.router.defaultChain,
      question: request.message,
      answer: result.answer,
    };
  }

  /** Resolves true once the finished turn is stored, false if its write was given up. */
  stored(): Promise<boolean> {
    return this.storing ?? Promise.resolve(false);
  }

  /** A miss of the answer cache answered whole and clean: the next asking gets this answer. */
  private keepAnswer(result: TurnResult, trace: TurnTrace): void {
    const lookup = this.plan.answerCache;
    const { mode, outputGuard } = this.current;
    if (!lookup || lookup.hit || !trace.completed || outputGuard?.cutOff) return;
    if (mode !== 'generated' && mode !== 'extractive') return;
    this.deps.answers?.store(lookup.key, {
      answer: result.answer,
      citations: result.citations,
      mode,
      model: result.model,
      costUsd: result.usage.cost_usd,
      turnId: result.turn_id,
      conversationId: this.conversationId,
    });
  }
}
