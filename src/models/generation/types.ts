// The chat-model seam: one streaming call per model, whatever the provider.

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** How a client may shape one answer (OpenAI's `max_tokens`, `temperature`, `top_p`, `stop`). */
export interface GenerationOptions {
  maxOutputTokens?: number;
  temperature?: number;
  topP?: number;
  /** Up to 4 sequences; the answer ends before the first one generated. */
  stop?: string[];
  presencePenalty?: number;
  frequencyPenalty?: number;
  seed?: number;
}

export interface GenerationRequest extends GenerationOptions {
  system: string;
  messages: ChatMessage[];
  /** Aborts the provider call (client disconnect, timeout). */
  signal?: AbortSignal;
}

export interface TokenUsage {
  /** Every input token, cached ones included. */
  inputTokens: number;
  outputTokens: number;
  /** Input tokens read from the provider's prompt cache (priced lower), when it says. */
  cachedInputTokens?: number;
  /** Why the model stopped: `length` when it hit the output limit (unset: it did not say). */
  finishReason?: FinishReason;
}

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'other';

export interface ChatModel {
  /** The configured reference, e.g. 'openai:gpt-4o-mini'. */
  readonly id: string;
  readonly provider: string;
  /** Streams text deltas; the generator's return value is the usage. Throws ParleyError on failure. */
  stream(request: GenerationRequest): AsyncGenerator<string, TokenUsage>;
}
