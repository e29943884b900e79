// What a turn is asked, what it returns and what it records of itself: the chat layer's data.

import type {
  Attempt,
  ChatMessage,
  FinishReason,
  GenerationOptions,
  ToolCall,
  ToolExchange,
} from '../models/index.js';
import type { Citation } from './extractive-answer.js';
import type { TracePrompt } from './trace-prompt.js';
import type { ToolCallRecord } from './turn-tools.js';

export interface TurnRequest {
  tenantId: string;
  /** The bot answering (default: the tenant's default bot). */
  botId?: string;
  message: string;
  conversationId?: string;
  /**
   * The end user the turn is for (signed in, or named by a key acting for users): a new
   * conversation is theirs. The caller checked that a conversation it continues is theirs.
   */
  userId?: string;
  /** Earlier messages sent by the client (OpenAI-style APIs); otherwise read from the conversation. */
  history?: ChatMessage[];
  /** Stages before the turn (auth, guard), in ms, for the trace. */
  timings?: Record<string, number>;
  /** Added to the trace as they are (e.g. the OpenTelemetry trace id). */
  traceExtras?: Record<string, unknown>;
  /** Answer with the bot's cheapest priced model (over budget under the `cheapest` policy). */
  preferCheapest?: boolean;
  /** How the client shapes the answer (OpenAI's `max_tokens`, `temperature`, `top_p`, `stop`). */
  generation?: GenerationOptions;
  /** After the message: the client's tools the model called and what they returned (OpenAI's tool messages). */
  toolExchanges?: ToolExchange[];
  /**
   * The turn continues one paused for an action's approval (its id): `message` is that turn's
   * question, already stored, so only the answer is.
   */
  continues?: string;
}

/** What a turn records of itself (stored in turn_traces, served at GET /v1/turns/{id}/trace). */
export interface TurnTrace {
  turn_id: string;
  conversation_id: string;
  bot: string;
  mode: AnswerMode;
  model: string | null;
  attempts: Attempt[];
  completed: boolean;
  error: string | null;
  retriever: string;
  degraded: { retriever: string; message: string }[];
  retrieval_cache: 'hit' | 'miss' | null;
  /** The operator's curated answer given (null: none matched, or none was asked). */
  curated: { id: string; question: string; score: number } | null;
  /** What retrieval was asked for a follow-up, written from the conversation (null: the message itself). */
  standalone_question: string | null;
  /** Who wrote `standalone_question`: the model's reading, or the rules (null: none was written). */
  standalone_source: 'model' | 'rules' | null;
  /** What the message wants and which handler answered it (null: no intent step ran). */
  intent: {
    name: string;
    score: number;
    unsure: boolean;
    handler: string;
    /** Why the turn handed the conversation over (`request`, `rule`, `not_found`), when it did. */
    handoff_reason?: string;
    /** A clarifying question for a request retrieval split: the topics it offered. */
    topics?: readonly string[];
  } | null;
  /**
   * The model step of understanding: whether the model was asked; if so how it went (`result`:
   * ok, error, timeout, invalid; on anything but ok the classifier and the rules stood).
   */
  understanding: {
    model:
      | { used: false }
      | {
          used: true;
          ok: boolean;
          result: string;
          ms: number;
          model: string | null;
          intent: string | null;
          standalone_question: string | null;
          error: string | null;
          /** The call's tokens (in the turn's `usage` too); null when no model finished answering. */
          input_tokens: number | null;
          output_tokens: number | null;
        };
  };
  /**
   * The answer cache, for a message it may answer (null: not asked): on a hit, the turn that first
   * gave the answer, how, and what that answer cost (what this one saved).
   */
  answer_cache:
    | { hit: false }
    | {
        hit: true;
        /** The same question (exact), or one close enough by its embedding (semantic). */
        kind: 'exact' | 'semantic';
        /** A semantic hit's cosine to the question the answer was first given for. */
        similarity?: number;
        source_turn_id: string;
        source_mode: string;
        source_model: string | null;
        saved_usd: number;
      }
    | null;
  /**
   * Parley's tools (null: the bot allows none): what was offered, sources that could not list
   * theirs, each model call that asked for tools with its tokens and calls, and why the model
   * was made to answer without them (`step_limit`, `invalid_arguments`), if it was.
   */
  tools: {
    offered: string[];
    unavailable: { source: string; error: string }[];
    steps: {
      model: string;
      input_tokens: number;
      output_tokens: number;
      /** Parley's own time in the step, the tools' own time excluded (ms). */
      parley_ms: number;
      calls: ToolCallRecord[];
    }[];
    stopped: 'step_limit' | 'invalid_arguments' | null;
  } | null;
  /** Where keyword search was answered: the in-memory copy or the database (null: cache hit, or no search). */
  keyword_index: 'memory' | 'database' | null;
  retrieved: {
    chunk_id: number;
    document_id: string;
    title: string;
    heading_path: string;
    score: number;
    signals: Record<string, { rank: number; score: number }>;
    flagged?: boolean;
  }[];
  prompt_version: string;
  routing: { route: string; reasons: string[] } | null;
  relevance: { coverage: number; threshold: number };
  context: { tokens: unknown; dropped: unknown; history_messages: number; memories?: number } | null;
  usage: Usage;
  /** Why the answer ended: `stop`, `length` (at its token limit) or `content_filter`. */
  finish_reason: string;
  /** As sent; stored with its passages as references to their chunks, put back when read (trace-prompt.ts). */
  prompt: TracePrompt | null;
  guard: {
    input: {
      action: string;
      decisions: { kind: string; rule: string }[];
      injection_score: number | null;
      /**
       * The semantic injection stage, when the fast stage was unsure: its verdict (`degraded`: it
       * failed or ran out of time, and the fast verdict stood), score, time and how long it held
       * the answer's first piece.
       */
      semantic?: { outcome: string; score: number | null; ms: number; held_ms: number; error?: string };
    };
    output: Record<string, number | undefined>;
    output_cut_off: boolean;
  };
  /** Milliseconds per stage: auth, bot, guard, retrieval, assembly, model_first_token, first_token, total. */
  timings_ms: Record<string, number | undefined>;
  started_at: string;
  /** Guard decisions, cost and the OpenTelemetry trace id are added by the layers that know them. */
  [extra: string]: unknown;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  model: string;
  /** What the model tokens cost by the price table (0 without a model or a price). */
  cost_usd: number;
}

/** How the answer was made: by a model, extractively (no model configured), or extractively because no model answered. */
export type AnswerMode =
  | 'generated'
  | 'extractive'
  | 'degraded'
  | 'not_found'
  | 'refused'
  | 'cached'
  | 'small_talk'
  | 'clarify'
  | 'handoff'
  | 'handed_off'
  | 'curated';

/** What a finished turn returns to the client. */
export interface TurnResult {
  conversation_id: string;
  turn_id: string;
  answer: string;
  citations: Citation[];
  usage: Usage;
  mode: AnswerMode;
  /** The model that answered, when one did. */
  model?: string;
  /** The bot that answered. */
  bot: string;
  /** `length`: the answer was cut at its token limit (the client's `max_tokens` or the bot's cap). */
  finish_reason: Exclude<FinishReason, 'other'>;
  /** The client's tools the model asks to be called (`finish_reason: "tool_calls"`): the client runs them. */
  tool_calls?: ToolCall[];
  /** An action the turn paused for: decide it with POST /v1/conversations/{id}/approvals/{approval}. */
  approval?: { id: string; tool: string; arguments: string; approver: 'user' | 'operator' };
}
