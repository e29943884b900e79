// The orchestrator's first step for every message that passed the input guard: what the message
// wants (its intent, from the fast local classifier) and so which handler answers it. Greetings
// and thanks are answered at once by the small-talk handler, with no retrieval and no model call;
// every other intent is answered from the knowledge base as before, its intent recorded in the
// trace and the metrics.
import type { Intent, IntentResult } from './intent/index.js';

/** What answers a message. */
export type Handler = 'knowledge' | 'small_talk';

/** The classifier the step asks (the shipped one: `defaultIntentClassifier()`). */
export interface IntentReader {
  classify(text: string): IntentResult;
}

/** What a bot says and allows of intents (bot setting `intents`, defaults applied). */
export interface IntentPolicy {
  /** Whether greetings and thanks get the small-talk reply (else the knowledge base answers them). */
  smallTalk: boolean;
  /** The score a greeting or thanks needs before the small-talk reply is given. */
  minScore: number;
  replies: { greeting: string | undefined; thanks: string | undefined };
}

export const DEFAULT_INTENT_POLICY: IntentPolicy = {
  smallTalk: true,
  minScore: 0.6,
  replies: { greeting: undefined, thanks: undefined },
};

/** What the step made of a message, as the plan and the trace keep it. */
export interface Understanding {
  intent: Intent;
  score: number;
  /** The classifier was unsure (below its threshold): its intent is a guess. */
  unsure: boolean;
  handler: Handler;
}

/** Longest message (in words) the small-talk reply answers: a longer one is a question too. */
const SMALL_TALK_MAX_WORDS = 12;

const SMALL_TALK: ReadonlySet<Intent> = new Set(['greeting', 'thanks']);

export function understandMessage(
  reader: IntentReader,
  message: string,
  policy: IntentPolicy,
): Understanding {
  const { intent, score, unsure } = reader.classify(message);
  const smallTalk =
    policy.smallTalk &&
    SMALL_TALK.has(intent) &&
    !unsure &&
    score >= policy.minScore &&
    message.split(/\s+/).filter(Boolean).length <= SMALL_TALK_MAX_WORDS;
  return { intent, score, unsure, handler: smallTalk ? 'small_talk' : 'knowledge' };
}

/**
 * The small-talk reply to `intent`: the bot's own, else one that says what the bot can do (or
 * that it has nothing to answer from yet, for a tenant without documents).
 */
export function smallTalkReply(intent: Intent, policy: IntentPolicy, hasDocuments: boolean): string {
  if (intent === 'thanks') {
    return policy.replies.thanks ?? 'You are welcome! Ask me anything else whenever you like.';
  }
  if (policy.replies.greeting) return policy.replies.greeting;
  return hasDocuments
    ? 'Hello! Ask me a question and I will answer it from the documents I have, citing the passages I used.'
    : 'Hello! I answer questions from the documents I am given, but I have none yet, so there is nothing I can answer from.';
}
