// The model's reading of a message, for the cases rules and the local classifier read badly: a
// message the classifier is unsure of, or one that leans on the conversation ("and how do I turn
// it off?"). One short call to the bot's default model chain with structured output returns the
// message's intent and a standalone question written from the conversation; the intent routes the
// message, the question is what retrieval searches for. Bounded by a tight timeout: on a timeout,
// an error or an answer that does not match the schema, the turn goes on with the classifier's
// intent and the rule-written question, and the trace says so. Never asked about a message the
// classifier is sure of with nothing to lean on, nor about an unsure guess that would go to the
// knowledge base even if sure (a question, an action, out of scope): a plain question's critical
// path has no extra call.
import { z } from 'zod';
import type { ChatMessage, ModelChain, TokenUsage } from '../models/index.js';
import { INTENTS, type Intent } from './intent/index.js';
import { leansOnConversation } from './standalone-question.js';
import { handlerFor, type IntentPolicy, type Understanding } from './understand-message.js';

/** The structured answer's name (OpenAI's `response_format.json_schema.name`). */
export const UNDERSTANDING_FORMAT = 'message_understanding';

const understandingReply = z.strictObject({
  intent: z.enum(INTENTS),
  standalone_question: z.string().trim().min(1).max(2_000),
});

// What the provider is asked for: the same shape without the length limits, which OpenAI's strict
// structured output does not take (the answer is checked against `understandingReply`).
const { $schema: _, ...REPLY_SCHEMA } = z.toJSONSchema(
  z.strictObject({ intent: z.enum(INTENTS), standalone_question: z.string() }),
) as Record<string, unknown>;

const SYSTEM_PROMPT = [
  'You read the latest message of a user chatting with a support assistant that answers from a',
  'knowledge base. Answer with a JSON object of two fields:',
  `- intent: one of ${INTENTS.join(', ')} (follow_up: it continues the conversation;`,
  '  vague: too unspecific to answer; human: asks for a person; out_of_scope: unrelated to the',
  '  assistant; action: asks the assistant to do something rather than answer).',
  '- standalone_question: the latest message rewritten as a question that can be understood',
  '  without the conversation (resolve what "it", "that" and the like refer to); the message',
  '  itself when it already stands alone.',
].join('\n');

/** Earlier messages shown to the model (the latest ones), and the characters kept of each. */
const CONTEXT_MESSAGES = 6;
const CONTEXT_CHARS = 600;

/** How the call went: `ok`, or why its answer was not used. */
export type UnderstandResult = 'ok' | 'error' | 'timeout' | 'invalid';

/** What the model made of the message, and what the call cost. */
export interface ModelReading {
  result: UnderstandResult;
  ms: number;
  /** The model that answered (absent: none did). */
  model?: string;
  intent?: Intent;
  /** The model's standalone question, when it differs from the message and there is a conversation. */
  standaloneQuestion?: string;
  error?: string;
  /** The call's tokens, charged to the turn (absent: no model finished answering). */
  tokens?: TokenUsage;
}

/** What the turn goes by after the step. */
export interface UnderstandStep {
  understanding: Understanding;
  reading: ModelReading;
}

export interface UnderstandOptions {
  /** The bot's default chain (absent: the bot has no model). */
  chain: ModelChain | undefined;
  policy: IntentPolicy;
  timeoutMs: number;
  /** The message as the guards passed it. */
  message: string;
  /** The local classifier's reading (absent: the message was blocked or no classifier runs). */
  understanding: Understanding | undefined;
  /** Whether the message continues a conversation (a conversation id or earlier messages). */
  inConversation: boolean;
  /**
   * The conversation's recent messages, read only when the model is asked; undefined: the turn
   * will not answer from this conversation (unknown, another bot's, a person answers it): not asked.
   */
  recent: () => Promise<readonly ChatMessage[] | undefined>;
}

/** Whether the model is asked about the message (see the file's head). */
export function asksModel(options: Omit<UnderstandOptions, 'recent' | 'timeoutMs'>): boolean {
  const { chain, policy, understanding } = options;
  if (!chain || !policy.modelStep || !understanding || understanding.handler !== 'knowledge') return false;
  // An unsure guess goes to the knowledge base; the model is asked only when confirming the guess
  // would route the message elsewhere (small talk, a clarifying question, a handoff). A guess of
  // a question, an action or out of scope goes to the knowledge base either way.
  const sure = !understanding.unsure && understanding.score >= policy.minScore;
  if (!sure && handlerFor(understanding.intent, true, options.message, policy) !== 'knowledge') return true;
  return options.inConversation && leansOnConversation(options.message, understanding);
}

/**
 * The model's reading of the message, when it is asked (else undefined): its intent routes the
 * message; on any failure the classifier's understanding stands.
 */
export async function understandWithModel(options: UnderstandOptions): Promise<UnderstandStep | undefined> {
  const local = options.understanding;
  if (!local || !asksModel(options)) return undefined;
  const recent = options.inConversation ? await options.recent() : [];
  if (recent === undefined) return undefined;
  const reading = await readWithModel(options.chain!, options.message, recent, options.timeoutMs);
  if (reading.result !== 'ok' || reading.intent === undefined) return { understanding: local, reading };
  const understanding: Understanding = {
    ...local,
    intent: reading.intent,
    handler: handlerFor(reading.intent, true, options.message, options.policy),
  };
  return { understanding, reading };
}

/** Asks the model; never throws (a failure is the reading's `result`). */
export async function readWithModel(
  chain: ModelChain,
  message: string,
  recent: readonly ChatMessage[],
  timeoutMs: number,
): Promise<ModelReading> {
  const started = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  let text = '';
  let model: string | undefined;
  let tokens: TokenUsage | undefined;
  try {
    for await (const event of chain.stream({
      system: SYSTEM_PROMPT,
      messages: [{ role: 'user', content: userPrompt(message, recent) }],
      maxOutputTokens: 300,
      responseFormat: { type: 'json', name: UNDERSTANDING_FORMAT, schema: REPLY_SCHEMA, strict: true },
      signal,
    })) {
      if (event.type === 'model') model = event.model;
      else if (event.type === 'text') text += event.text;
      else if (event.type === 'done') tokens = event.usage;
    }
  } catch (error) {
    const timedOut = signal.aborted;
    return {
      result: timedOut ? 'timeout' : 'error',
      ms: performance.now() - started,
      ...(model ? { model } : {}),
      error: (timedOut ? `no answer within ${timeoutMs} ms` : (error as Error).message).slice(0, 300),
    };
  }
  const ms = performance.now() - started;
  const answered = { ms, ...(model ? { model } : {}), ...(tokens ? { tokens } : {}) };
  const parsed = understandingReply.safeParse(parseJson(text));
  if (!parsed.success) {
    return { result: 'invalid', ...answered, error: `not the expected JSON: ${text.slice(0, 200)}` };
  }
  const question = parsed.data.standalone_question;
  const rewritten = recent.length > 0 && normalise(question) !== normalise(message);
  return {
    result: 'ok',
    ...answered,
    intent: parsed.data.intent,
    ...(rewritten ? { standaloneQuestion: question } : {}),
  };
}

/** The conversation's latest messages, then the message to read. */
function userPrompt(message: string, recent: readonly ChatMessage[]): string {
  const earlier = recent
    .slice(-CONTEXT_MESSAGES)
    .map((entry) => `${entry.role}: ${entry.content.replace(/\s+/g, ' ').trim().slice(0, CONTEXT_CHARS)}`);
  const conversation = earlier.length > 0 ? `Conversation so far:\n${earlier.join('\n')}\n\n` : '';
  return `${conversation}Latest message:\n${message}`;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text.trim()) as unknown;
  } catch {
    return undefined;
  }
}

const normalise = (text: string) => text.trim().replace(/\s+/g, ' ').toLowerCase();
