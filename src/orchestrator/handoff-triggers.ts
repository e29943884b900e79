// When a conversation is handed to a person, and the event that tells the operator's system so.
// Three things hand over (each a `reason` of the event): the user asks for a person (`request`,
// bot setting `intents.handoff`), a message matches one of the bot's phrases (`rule`,
// `intents.handoff_rules`), or the bot found nothing for N messages in a row (`not_found`,
// `intents.handoff_after_not_found`). The event is stored as a durable webhook job with the turn
// that hands over (see conversation-store.ts), and delivered by the job queue (jobs/webhooks).
import { randomUUID } from 'node:crypto';
import { WEBHOOK_JOB } from '../jobs/index.js';
import type { ConversationMemory } from './conversation-memory.js';
import type { TurnRecord } from './conversation-store.js';
import type { IntentPolicy, Understanding } from './understand-message.js';

export type HandoffReason = 'request' | 'rule' | 'not_found';

export const HANDOFF_EVENT = 'conversation.handed_off';

/** A message or phrase as rules compare them: NFKC, lower case, words separated by single spaces. */
export function ruleText(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();
}

/** Whether one of `rules` (phrases, as `ruleText` writes them) appears in `message` as whole words. */
export function matchesHandoffRule(rules: readonly string[], message: string): boolean {
  if (rules.length === 0) return false;
  const text = ` ${ruleText(message)} `;
  return rules.some((rule) => rule !== '' && text.includes(` ${rule} `));
}

/**
 * Why this message hands the conversation over, read from the message alone (before the
 * conversation is read): the user asked for a person, or a rule matched.
 */
export function messageHandoff(
  policy: IntentPolicy,
  message: string,
  understanding: Understanding | undefined,
): HandoffReason | undefined {
  if (understanding?.handler === 'handoff') return 'request';
  return matchesHandoffRule(policy.handoffRules, message) ? 'rule' : undefined;
}

/** Whether the conversation's not-found answers in a row reached the bot's limit (0: never). */
export function notFoundHandoff(policy: IntentPolicy, memory: ConversationMemory): boolean {
  return policy.handoffAfterNotFound > 0 && (memory.notFoundStreak ?? 0) >= policy.handoffAfterNotFound;
}

/** The webhook event of a handoff, as the operator's endpoint receives it. */
export interface HandoffEvent {
  id: string;
  event: typeof HANDOFF_EVENT;
  tenant: string;
  bot: string;
  conversation_id: string;
  reason: HandoffReason;
  /** The message that handed over (after the input guards: redacted where they redact). */
  last_message: string;
  /** When the message was received (ISO 8601). */
  created_at: string;
}

/** How handoff events are sent, when the server has a handoff webhook. */
export interface HandoffEvents {
  /** Delivery attempts before the event's job fails for good. */
  maxAttempts: number;
}

/** The webhook job a handing-over turn stores with itself; its id is the event's (for idempotency). */
export function handoffJob(
  turn: { tenantId: string; botId: string; conversationId: string; message: string; receivedAt: Date },
  reason: HandoffReason,
  events: HandoffEvents,
): NonNullable<TurnRecord['job']> {
  const id = randomUUID();
  const event: HandoffEvent = {
    id,
    event: HANDOFF_EVENT,
    tenant: turn.tenantId,
    bot: turn.botId,
    conversation_id: turn.conversationId,
    reason,
    last_message: turn.message,
    created_at: turn.receivedAt.toISOString(),
  };
  return {
    id,
    kind: WEBHOOK_JOB,
    payload: { event: HANDOFF_EVENT, body: event },
    maxAttempts: events.maxAttempts,
  };
}
