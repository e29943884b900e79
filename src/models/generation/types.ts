// The chat-model seam: one streaming call per model, whatever the provider.

export interface ChatMessage {
  role: 'user' | 'assistant';
  content: string;
}

/** A function the model may call, described as OpenAI's `tools` describe one. */
export interface ToolSpec {
  name: string;
  description?: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

/** A call the model asked for: `arguments` is the JSON text the model wrote. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** Whether and which tool the model must call (OpenAI's `tool_choice`). */
export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

/** After the question: tool calls the model asked for, and the results the client sent back. */
export interface ToolExchange {
  /** The text the model wrote before asking (often empty). */
  text: string;
  calls: ToolCall[];
  results: { toolCallId: string; content: string }[];
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
  /** Functions the model may ask the client to run (OpenAI's client-side tools). */
  tools?: ToolSpec[];
  toolChoice?: ToolChoice;
}

export interface GenerationRequest extends GenerationOptions {
  system: string;
  messages: ChatMessage[];
  /** Tool calls and their results after the last message, in order. */
  exchanges?: ToolExchange[];
  /**
   * Structured output: the answer is one JSON object matching `schema` (OpenAI-compatible servers:
   * `response_format` json_schema; Anthropic: the AI SDK's structured output). Absent: free text.
   */
  responseFormat?: { name: string; schema: Record<string, unknown> };
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
  /** The tools the model asked to be called (finish reason `tool_calls`): the client runs them. */
  toolCalls?: ToolCall[];
}

export type FinishReason = 'stop' | 'length' | 'content_filter' | 'tool_calls' | 'other';

export interface ChatModel {
  /** The configured reference, e.g. 'openai:gpt-4o-mini'. */
  readonly id: string;
  readonly provider: string;
  /** Streams text deltas; the generator's return value is the usage. Throws ParleyError on failure. */
  stream(request: GenerationRequest): AsyncGenerator<string, TokenUsage>;
}
