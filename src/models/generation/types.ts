// The chat-model seam: one streaming call per model, whatever the provider.

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

export interface GenerationRequest {
  system: string;
  messages: ChatMessage[];
  maxOutputTokens?: number;
  /** Aborts the provider call (client disconnect, timeout). */
  signal?: AbortSignal;
}

export interface TokenUsage {
  /** Every input token, cached ones included. */
  inputTokens: number;
  outputTokens: number;
  /** Input tokens read from the provider's prompt cache (priced lower), when it says. */
  cachedInputTokens?: number;
}

export interface ChatModel {
  /** The configured reference, e.g. 'openai:gpt-4o-mini'. */
  readonly id: string;
  readonly provider: string;
  /** Streams text deltas; the generator's return value is the usage. Throws ParleyError on failure. */
  stream(request: GenerationRequest): AsyncGenerator<string, TokenUsage>;
}
