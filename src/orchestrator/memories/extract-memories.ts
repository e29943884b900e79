// What a turn teaches about its user, read by the bot's model after the answer (never on the
// critical path): one short call with structured output lists facts about the user and their
// preferences for answers, each under a topic, so that a changed preference replaces the old one.
// Only what the user said of themselves counts; the answer and the documents are context.
import { z } from 'zod';
import type { ModelChain, TokenUsage } from '../../models/index.js';
import { MEMORY_KINDS, type MemoryCandidate } from './memory-store.js';

/** The structured answer's name (OpenAI's `response_format.json_schema.name`). */
export const MEMORY_FORMAT = 'user_memories';

/** Longest memory text kept, in characters (the API's edits have the same limit). */
export const MAX_MEMORY_CHARS = 500;
/** Most memories one turn may add. */
const MAX_PER_TURN = 5;
/** Characters of the message and of the answer shown to the model. */
const EXCHANGE_CHARS = 2_000;

const TOPIC = /^[a-z][a-z0-9_]{0,63}$/;

const memoriesReply = z.object({
  memories: z
    .array(
      z.object({
        topic: z.string(),
        kind: z.enum(MEMORY_KINDS),
        text: z.string(),
      }),
    )
    .max(20),
});

// What the provider is asked for (OpenAI's strict structured output takes no length limits).
const { $schema: _, ...REPLY_SCHEMA } = z.toJSONSchema(
  z.strictObject({
    memories: z.array(z.strictObject({ topic: z.string(), kind: z.enum(MEMORY_KINDS), text: z.string() })),
  }),
) as Record<string, unknown>;

const SYSTEM_PROMPT = [
  'You keep long-term notes about the user of an assistant, for later conversations.',
  'From the exchange below, list what the user said about themselves that is worth remembering:',
  'stable facts (their product, plan, role, setup, location) and preferences for answers',
  '(language, length, format, tone). Only what the user stated, never what the assistant or a',
  'document said; nothing temporary, nothing secret or sensitive (passwords, card numbers, health).',
  'Answer with a JSON object {"memories": [{"topic", "kind", "text"}]}:',
  '- topic: a short snake_case name of the subject (e.g. answer_language, product_plan); reuse a',
  '  known topic when the note is about the same subject, so that the new note replaces the old;',
  '- kind: "preference" for how the user wants answers, "fact" for anything else;',
  '- text: one short sentence in the third person ("Prefers answers in French.").',
  'An empty list when there is nothing to remember.',
].join('\n');

/** What the extraction read, and what the call cost. */
export interface Extraction {
  memories: MemoryCandidate[];
  model?: string;
  tokens?: TokenUsage;
}

/**
 * Asks the model what to remember of one exchange; `topics`: those the user's memories already
 * use. Throws when the call fails (the caller logs it); an answer off the schema gives no memories.
 */
export async function extractMemories(
  chain: ModelChain,
  exchange: { question: string; answer: string; topics: readonly string[] },
  timeoutMs: number,
): Promise<Extraction> {
  let text = '';
  let model: string | undefined;
  let tokens: TokenUsage | undefined;
  const known = exchange.topics.length > 0 ? `Known topics: ${exchange.topics.join(', ')}\n\n` : '';
  for await (const event of chain.stream({
    system: SYSTEM_PROMPT,
    messages: [
      {
        role: 'user',
        content: `${known}User: ${exchange.question.slice(0, EXCHANGE_CHARS)}\n\nAssistant: ${exchange.answer.slice(0, EXCHANGE_CHARS)}`,
      },
    ],
    maxOutputTokens: 400,
    responseFormat: { type: 'json', name: MEMORY_FORMAT, schema: REPLY_SCHEMA, strict: true },
    signal: AbortSignal.timeout(timeoutMs),
  })) {
    if (event.type === 'model') model = event.model;
    else if (event.type === 'text') text += event.text;
    else if (event.type === 'done') tokens = event.usage;
  }
  const parsed = memoriesReply.safeParse(parseJson(text));
  const memories = parsed.success ? cleanCandidates(parsed.data.memories) : [];
  return { memories, ...(model ? { model } : {}), ...(tokens ? { tokens } : {}) };
}

/** The model's notes made safe to store: topics normalised and checked, texts trimmed, one per topic. */
export function cleanCandidates(raw: readonly MemoryCandidate[]): MemoryCandidate[] {
  const byTopic = new Map<string, MemoryCandidate>();
  for (const each of raw) {
    const topic = each.topic
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '');
    const text = each.text.replace(/\s+/g, ' ').trim().slice(0, MAX_MEMORY_CHARS);
    if (!TOPIC.test(topic) || text.length === 0) continue;
    byTopic.set(topic, { topic, kind: each.kind, text });
  }
  return [...byTopic.values()].slice(0, MAX_PER_TURN);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text.trim()) as unknown;
  } catch {
    return undefined;
  }
}
