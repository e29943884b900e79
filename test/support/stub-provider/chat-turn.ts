// What the three chat APIs have in common: the prompt read from a request, the scripted reply cut
// into word-sized tokens, and answering with it (whole or streamed, paced, maybe cut). Each API only
// supplies its wire format as a `ChatApi`.
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { z } from 'zod';
import { type Exchange, generationMs, type TokenStream } from './exchange.js';

/** The chat APIs the stub speaks. */
export type ChatApiName = 'openai-chat' | 'openai-responses' | 'anthropic-messages';

/** A chat request reduced to its text, the same whichever API it came through. */
export interface StubPrompt {
  api: ChatApiName;
  model: string;
  /** System (and developer) instructions, joined by blank lines; '' when there are none. */
  system: string;
  /** The other messages in order, each with its text parts joined. */
  messages: { role: string; text: string }[];
  /** The text of the last user message ('' when there is none). */
  lastUserText: string;
  /** The names of the tools the request offers the model. */
  tools: string[];
  /**
   * The request asks for one JSON object (structured output): OpenAI's `response_format`
   * (`json_schema`, with its name, or `json_object`), Anthropic's `output_config.format`.
   */
  json?: { name?: string; schema?: unknown };
}

/** A call of one of the offered tools, as the model asks for it: `arguments` is JSON text. */
export interface StubToolCall {
  name: string;
  arguments: string;
}

/** An answer that asks for tool calls (after its text, if any) instead of only writing text. */
export interface StubAnswer {
  text?: string;
  toolCalls?: StubToolCall[];
}

/** The answer for a prompt: fixed, or computed from what was asked; text, or tool calls. */
export type StubReply = string | StubAnswer | ((prompt: StubPrompt) => string | StubAnswer);

export const defaultReply = (prompt: StubPrompt): string => `Stub answer to: ${prompt.lastUserText}`;

/** A chat request as an API reads it. */
export interface ChatRequest {
  prompt: StubPrompt;
  stream: boolean;
  /** The request's output limit; a longer reply is truncated and finishes for length. */
  maxTokens?: number;
  /** Chat Completions' `stream_options.include_usage`. */
  includeUsage: boolean;
  /** Stop sequences: the reply ends before the first one it contains (not included). */
  stop?: string[];
}

/** `text` up to the first of the stop sequences it contains, as the providers cut a reply. */
export function cutAtStop(text: string, stop: string[] | undefined): string {
  let end = text.length;
  for (const sequence of stop ?? []) {
    const at = text.indexOf(sequence);
    if (at >= 0 && at < end) end = at;
  }
  return text.slice(0, end);
}

/** One generated reply, ready to be written in any API's format. */
export interface ChatTurn {
  request: ChatRequest;
  /** A number unique within the stub, for ids like `chatcmpl-stub-7`. */
  serial: number;
  /** Seconds since the epoch, as the APIs' `created` fields are. */
  created: number;
  tokens: string[];
  text: string;
  finishedByLength: boolean;
  inputTokens: number;
  /** The tool calls the answer asks for, each with an id unique within the stub (sent after the text). */
  toolCalls: (StubToolCall & { id: string })[];
}

export interface ChatApi {
  /** Reads a request body, or says what is wrong with it in the API's own words. */
  parse(body: unknown): ChatRequest | { error: string };
  /** Says what is wrong with the request headers, if anything (Anthropic's `anthropic-version`). */
  checkHeaders?(headers: IncomingHttpHeaders): string | undefined;
  /** The whole answer as one JSON body. */
  completion(turn: ChatTurn): unknown;
  /** The answer as events. */
  stream(turn: ChatTurn): TokenStream;
  /** Headers every answer carries, such as the request id. */
  headers(turn: ChatTurn): Record<string, string>;
  sendError(
    response: ServerResponse,
    status: number,
    message: string,
    headers?: Record<string, string>,
  ): void;
}

/** Word-sized tokens, each with the whitespace before it, so joining them gives the text back. */
export function wordTokens(text: string): string[] {
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

const textPart = z.object({ type: z.string(), text: z.string().optional() }).loose();

/** A message's content as the APIs send it: a string, or parts of which only text parts count. */
export const messageContent = z.union([z.string(), z.array(textPart), z.null()]);

export function contentText(content: z.infer<typeof messageContent> | undefined): string {
  if (content == null) return '';
  if (typeof content === 'string') return content;
  // Anthropic's tool results carry their text as `content` (a string or text parts).
  return content
    .map((part) => part.text ?? (part.type === 'tool_result' ? contentText(toolResultContent(part)) : ''))
    .join('');
}

const toolResultContent = (part: Record<string, unknown>) => {
  const parsed = messageContent.safeParse(part.content);
  return parsed.success ? parsed.data : null;
};

/** Builds the prompt from messages whose system/developer roles become `system`. */
export function toPrompt(
  api: ChatApiName,
  model: string,
  messages: { role: string; text: string }[],
  system: string[] = [],
  tools: string[] = [],
  json?: StubPrompt['json'],
): StubPrompt {
  const isSystem = (role: string) => role === 'system' || role === 'developer';
  const instructions = [...system, ...messages.filter((m) => isSystem(m.role)).map((m) => m.text)];
  const rest = messages.filter((m) => !isSystem(m.role));
  const lastUser = rest.filter((m) => m.role === 'user').at(-1);
  return {
    api,
    model,
    system: instructions.join('\n\n'),
    messages: rest,
    lastUserText: lastUser?.text ?? '',
    tools,
    ...(json ? { json } : {}),
  };
}

/** The first schema issue as `path: message`, close to how the providers word a bad request. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue ? `${issue.path.join('.') || 'body'}: ${issue.message}` : 'invalid request';
}

export async function answerChat(
  api: ChatApi,
  exchange: Exchange,
  reply: StubReply,
  serial: number,
): Promise<void> {
  const headerError = api.checkHeaders?.(exchange.headers);
  if (headerError !== undefined) {
    api.sendError(exchange.response, 400, headerError);
    return;
  }
  const request = api.parse(exchange.body);
  if ('error' in request) {
    api.sendError(exchange.response, 400, request.error);
    return;
  }
  const { prompt } = request;
  const scripted = typeof reply === 'function' ? reply(prompt) : reply;
  const answer: StubAnswer = typeof scripted === 'string' ? { text: scripted } : scripted;
  const all = wordTokens(cutAtStop(answer.text ?? '', request.stop));
  const tokens = request.maxTokens === undefined ? all : all.slice(0, request.maxTokens);
  const promptText = [prompt.system, ...prompt.messages.map((m) => m.text)].join(' ');
  const turn: ChatTurn = {
    request,
    serial,
    created: Math.floor(Date.now() / 1000),
    tokens,
    text: tokens.join(''),
    finishedByLength: tokens.length < all.length,
    inputTokens: Math.max(1, wordTokens(promptText).length),
    toolCalls: (answer.toolCalls ?? []).map((call, index) => ({
      ...call,
      id: `call_stub_${serial}_${index}`,
    })),
  };
  if (request.stream) {
    await exchange.sendEvents(api.stream(turn), tokens, api.headers(turn));
    return;
  }
  if (!(await exchange.pause(generationMs(exchange.pacing, tokens.length)))) return;
  await exchange.sendJson(200, api.completion(turn), api.headers(turn));
}
