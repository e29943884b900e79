// The shapes of GET /v1/dashboard and GET /v1/turns/{id}/trace as the dashboard reads them.

export type Bucket = 'hour' | 'day';

export interface Percentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface TurnFigures {
  turns: number;
  conversations: number;
  latency_ms: Percentiles;
  first_token_ms: Percentiles;
  error_rate: number | null;
  fallback_rate: number | null;
  degraded_rate: number | null;
  retrieval_hit_rate: number | null;
  cost_usd: number;
  cost_per_conversation_usd: number | null;
  answer_cache_hits: number;
  answer_cache_hit_rate: number | null;
  saved_usd: number;
}

export interface IntentCount {
  intent: string;
  handler: string;
  turns: number;
}

export interface NotFoundQuestion {
  turn_id: string;
  conversation_id: string | null;
  question: string | null;
  at: string;
  coverage: number | null;
  threshold: number | null;
}

/** Users' ratings of one bot's answers given on one UTC day. */
export interface SatisfactionDay {
  bot_id: string;
  day: string;
  rated: number;
  up: number;
  satisfaction: number;
}

/** A question whose answers were rated down (how often), with its latest such answer. */
export interface WorstRatedQuestion {
  turn_id: string;
  conversation_id: string;
  bot_id: string;
  question: string | null;
  comment: string | null;
  at: string;
  down: number;
}

export interface DashboardData {
  from: string;
  to: string;
  bucket: Bucket;
  totals: TurnFigures;
  buckets: (TurnFigures & { start: string })[];
  days: { day: string; cost_usd: number; conversations: number; cost_per_conversation_usd: number | null }[];
  not_found: NotFoundQuestion[];
  intents: IntentCount[];
  satisfaction: SatisfactionDay[];
  worst_rated: WorstRatedQuestion[];
}

/** A turn's trace; every field optional, since traces from older versions hold less. */
export interface TurnTrace {
  turn_id?: string;
  conversation_id?: string;
  bot?: string;
  mode?: string;
  model?: string | null;
  completed?: boolean;
  error?: string | null;
  retriever?: string;
  degraded?: string[];
  retrieval_cache?: string | null;
  prompt_version?: string;
  attempts?: { model: string; outcome: string; status?: number; error?: string; ms: number }[];
  retrieved?: {
    chunk_id: string;
    document_id?: string;
    title?: string;
    heading_path?: string;
    score: number;
    signals?: Record<string, { rank: number; score: number }>;
  }[];
  routing?: { route: string; reasons: string[] } | null;
  relevance?: { coverage: number; threshold: number };
  context?: {
    tokens: Record<string, number>;
    dropped: { kind: string; ref: string; tokens: number }[];
    history_messages: number;
  } | null;
  usage?: {
    prompt_tokens: number;
    completion_tokens: number;
    total_tokens: number;
    model: string;
    cost_usd?: number;
  };
  timings_ms?: Record<string, number>;
}
