// The turn pipeline: check the conversation and retrieve in parallel, generate the answer
// (extractive until a model is configured), then persist the turn after the response.
import { randomUUID } from 'node:crypto';
import { notFound } from '../errors/index.js';
import type { RetrievedChunk, Retriever } from '../knowledge/index.js';
import type { Database } from '../storage/index.js';
import { conversationExists, createConversation, saveTurn } from './conversation-store.js';
import { type Citation, type ExtractiveAnswer, extractiveAnswer } from './extractive-answer.js';
import type { WriteBehind } from './write-behind.js';

export interface TurnRequest {
  tenantId: string;
  message: string;
  conversationId?: string;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  model: string;
}

/** What a finished turn returns to the client. */
export interface TurnResult {
  conversation_id: string;
  turn_id: string;
  answer: string;
  citations: Citation[];
  usage: Usage;
  mode: 'extractive';
}

export interface ChatServiceDeps {
  db: Database;
  retriever: Retriever;
  writeBehind: WriteBehind;
  topK: number;
}

/** A turn whose retrieval is done; `tokens()` streams the answer, `finish()` records it. */
export class Turn {
  readonly startedAt = performance.now();
  private readonly answer: ExtractiveAnswer;
  private finished = false;

  constructor(
    private readonly deps: ChatServiceDeps,
    readonly request: TurnRequest,
    readonly conversationId: string,
    readonly turnId: string,
    private readonly retrieved: RetrievedChunk[],
    private readonly timings: Record<string, number>,
    private readonly receivedAt: Date,
    /** Retrievers that failed for this turn (the answer used the others). */
    private readonly degraded: { retriever: string; message: string }[] = [],
  ) {
    this.answer = extractiveAnswer(request.message, retrieved);
  }

  get citations(): Citation[] {
    return this.answer.citations;
  }

  /** The answer in pieces as they become available (word by word for extractive answers). */
  *tokens(): Generator<string> {
    for (const piece of this.answer.text.match(/\S+\s*/g) ?? []) yield piece;
  }

  /** Completes the turn: returns the result and schedules its persistence off the critical path. */
  finish(outcome: { completed: boolean } = { completed: true }): TurnResult {
    const usage: Usage = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, model: 'extractive' };
    const result: TurnResult = {
      conversation_id: this.conversationId,
      turn_id: this.turnId,
      answer: this.answer.text,
      citations: this.answer.citations,
      usage,
      mode: 'extractive',
    };
    if (this.finished) return result;
    this.finished = true;
    const trace = {
      turn_id: this.turnId,
      conversation_id: this.conversationId,
      mode: 'extractive',
      completed: outcome.completed,
      retriever: this.deps.retriever.name,
      degraded: this.degraded,
      retrieved: this.retrieved.map((chunk) => ({
        chunk_id: chunk.chunkId,
        document_id: chunk.documentId,
        title: chunk.title,
        heading_path: chunk.headingPath,
        score: chunk.score,
        signals: chunk.signals,
      })),
      sentences: this.answer.sentences,
      usage,
      timings_ms: { ...this.timings, total: performance.now() - this.startedAt },
    };
    const record = {
      tenantId: this.request.tenantId,
      conversationId: this.conversationId,
      turnId: this.turnId,
      user: { id: randomUUID(), content: this.request.message, at: this.receivedAt },
      assistant: {
        id: randomUUID(),
        content: this.answer.text,
        citations: this.answer.citations,
        usage,
        at: new Date(),
      },
      trace,
    };
    this.deps.writeBehind.enqueue('save-turn', () => saveTurn(this.deps.db, record));
    return result;
  }
}

export class ChatService {
  constructor(private readonly deps: ChatServiceDeps) {}

  /** Validates the conversation and retrieves passages, in parallel. Throws 404 for an unknown conversation. */
  async begin(request: TurnRequest): Promise<Turn> {
    const receivedAt = new Date();
    const started = performance.now();
    const conversationId = request.conversationId ?? randomUUID();
    const failures: { retriever: string; message: string }[] = [];
    // A new conversation's row is written now, in parallel with retrieval, so that a follow-up
    // turn can name it even before this turn's messages are persisted.
    const [exists, retrieved] = await Promise.all([
      request.conversationId
        ? conversationExists(this.deps.db, request.tenantId, conversationId)
        : createConversation(this.deps.db, request.tenantId, conversationId, request.message).then(
            () => true,
          ),
      this.deps.retriever.search(request.message, {
        tenantId: request.tenantId,
        topK: this.deps.topK,
        failures,
      }),
    ]);
    if (!exists) throw notFound('conversation');
    const timings = { retrieval: performance.now() - started };
    return new Turn(
      this.deps,
      request,
      conversationId,
      randomUUID(),
      retrieved,
      timings,
      receivedAt,
      failures,
    );
  }
}
