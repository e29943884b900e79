// Bounded conversation memory: the latest messages verbatim, and a rolling summary of everything
// older, rewritten in the background after a turn once enough older messages have piled up
// (by the model when one is configured, extractively otherwise). The prompt therefore stays
// bounded however long the conversation grows.
import type { ModelChain } from '../models/index.js';
import type { Database, QueryRunner } from '../storage/index.js';
import { contentTerms } from './extractive-answer.js';

/**
 * Messages in conversation order: by their turn's start (its user message), the user's message
 * first within a turn. Not by each message's own time alone: a turn's answer and the next turn's
 * question can carry the same millisecond.
 */
export const MESSAGE_ORDER =
  'min(created_at) over (partition by coalesce(turn_id, id)), role desc, created_at';

/** Messages kept verbatim in the prompt; older ones live on in the summary. */
export const RECENT_MESSAGES = 6;
/** Older messages that must accumulate before the summary is rewritten. */
export const SUMMARY_EVERY = 4;
const SUMMARY_MAX_CHARS = 1_500;

/**
 * Where a conversation stands: `active` (the bot answers), `awaiting_clarification` (the bot asked
 * which topic was meant: the next message is read as the answer), `handed_off` (a person answers)
 * or `closed`.
 */
export type ConversationState = 'active' | 'awaiting_clarification' | 'handed_off' | 'closed';

export const CONVERSATION_STATES: readonly ConversationState[] = [
  'active',
  'awaiting_clarification',
  'handed_off',
  'closed',
];

export interface ConversationMemory {
  summary: string | null;
  recent: { role: 'user' | 'assistant'; content: string }[];
  /** Where the conversation stands after its last turn. */
  state: ConversationState;
  /** Not-found answers in a row at the end of the conversation (absent: none). */
  notFoundStreak?: number;
}

/** A new conversation's memory. */
export const NO_MEMORY: ConversationMemory = { summary: null, recent: [], state: 'active' };

/** Whether enough messages left the recent window since the last summary to rewrite it. */
function needsSummary(messages: number, summarized: number): boolean {
  return messages - RECENT_MESSAGES - summarized >= SUMMARY_EVERY;
}

/**
 * Whether a turn that began from `memory` may leave messages to fold into the summary once its own
 * (at most two) are stored: false when the conversation held fewer messages than the recent window
 * keeps (the memory holds all of them), so short conversations ask the database nothing after a turn.
 */
export function mayNeedSummary(memory: ConversationMemory): boolean {
  if (memory.recent.length >= RECENT_MESSAGES) return true;
  return needsSummary(memory.recent.length + 2, 0);
}

/**
 * A stored conversation's bot and memory in one query (a follow-up turn's only read besides
 * retrieval); undefined when the tenant has no such conversation.
 */
export async function loadConversation(
  db: QueryRunner,
  tenantId: string,
  conversationId: string,
): Promise<{ botId: string; memory: ConversationMemory } | undefined> {
  const rows = await db.query<{
    bot_id: string;
    summary: string | null;
    recent: ConversationMemory['recent'];
    state: ConversationState;
    not_found_streak: number;
  }>(
    `select c.bot_id, c.summary, c.state, c.not_found_streak,
            coalesce((select jsonb_agg(jsonb_build_object('role', r.role, 'content', r.content)
                                       order by r.turn_at, r.role desc, r.created_at)
                        from (select role, content, created_at,
                                     min(created_at) over (partition by coalesce(turn_id, id)) as turn_at
                                from messages m
                               where m.conversation_id = c.id and m.tenant_id = c.tenant_id
                               order by turn_at desc, role, created_at desc limit $3) r), '[]'::jsonb) as recent
       from conversations c where c.id = $1 and c.tenant_id = $2`,
    [conversationId, tenantId, RECENT_MESSAGES],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    botId: row.bot_id,
    memory: {
      summary: row.summary,
      recent: row.recent,
      state: row.state,
      notFoundStreak: row.not_found_streak,
    },
  };
}

function firstSentence(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const sentence = /^.*?[.!?](\s|$)/.exec(flat)?.[0]?.trim() ?? flat;
  return sentence.length <= max ? sentence : `${sentence.slice(0, max - 1)}…`;
}

/** Extractive summary: the previous summary plus one line per newly summarised message, newest kept. */
export function extractiveSummary(
  previous: string | null,
  messages: { role: string; content: string }[],
): string {
  const lines = [...(previous ? previous.split('\n') : [])];
  for (const message of messages) {
    if (contentTerms(message.content).length < 2) continue; // "ok", "thanks": nothing to remember
    lines.push(`${message.role === 'user' ? 'User' : 'Assistant'}: ${firstSentence(message.content)}`);
  }
  while (lines.join('\n').length > SUMMARY_MAX_CHARS && lines.length > 1) lines.shift();
  return lines.join('\n');
}

const SUMMARY_PROMPT = [
  'You keep a running summary of a conversation between a user and an assistant.',
  'Update the summary with the new messages. Keep facts, names, decisions and open questions.',
  'Answer with the summary only, in at most 150 words.',
].join('\n');

/**
 * Rewrites the summary when at least SUMMARY_EVERY messages older than the recent window are not
 * yet in it, and returns it (undefined: unchanged). Idempotent: run twice, the second run finds
 * nothing new.
 */
export async function updateSummary(
  db: Database,
  chain: ModelChain | undefined,
  tenantId: string,
  conversationId: string,
): Promise<string | undefined> {
  const state = await db.query<{ summary: string | null; summarized_messages: number; total: number }>(
    `select c.summary, c.summarized_messages,
            (select count(*) from messages m where m.conversation_id = c.id)::int as total
       from conversations c where c.id = $1 and c.tenant_id = $2`,
    [conversationId, tenantId],
  );
  const row = state[0];
  if (!row) return undefined;
  const older = row.total - RECENT_MESSAGES;
  if (!needsSummary(row.total, row.summarized_messages)) return undefined;
  const fresh = await db.query<{ role: string; content: string }>(
    `select role, content from messages where conversation_id = $1 and tenant_id = $2
      order by ${MESSAGE_ORDER} offset $3 limit $4`,
    [conversationId, tenantId, row.summarized_messages, older - row.summarized_messages],
  );
  let summary = extractiveSummary(row.summary, fresh);
  if (chain) {
    try {
      let text = '';
      const transcript = fresh.map((message) => `${message.role}: ${message.content}`).join('\n');
      for await (const event of chain.stream({
        system: SUMMARY_PROMPT,
        messages: [
          {
            role: 'user',
            content: `Summary so far:\n${row.summary ?? '(none)'}\n\nNew messages:\n${transcript}`,
          },
        ],
        maxOutputTokens: 300,
      })) {
        if (event.type === 'text') text += event.text;
      }
      if (text.trim()) summary = text.trim().slice(0, SUMMARY_MAX_CHARS * 2);
    } catch {
      // No model answered: the extractive summary stands.
    }
  }
  await db.query(
    `update conversations set summary = $3, summarized_messages = $4 where id = $1 and tenant_id = $2`,
    [conversationId, tenantId, summary, older],
  );
  return summary;
}
