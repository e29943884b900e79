// The orchestrator's first step for every message that passed the input guard: what the message
// wants (its intent, from the fast local classifier) and so which handler answers it. Greetings
// and thanks are answered at once by the small-talk handler, with no retrieval and no model call;
// every other intent is answered from the knowledge base as before, its intent recorded in the
// trace and the metrics.
import type { Intent, IntentResult } from './intent/index.js';

/** What answers a message. */
export type Handler = 'knowledge' | 'small_talk' | 'clarify' | 'handoff' | 'handed_off' | 'curated';

/** The classifier the step asks (the shipped one: `defaultIntentClassifier()`). */
export interface IntentReader {
  classify(text: string): IntentResult;
}

/** What a bot says and allows of intents (bot setting `intents`, defaults applied). */
export interface IntentPolicy {
  /** Whether greetings and thanks get the small-talk reply (else the knowledge base answers them). */
  smallTalk: boolean;
  /** Whether a vague request gets a clarifying question (else the knowledge base answers it). */
  clarify: boolean;
  /**
   * Whether a request for a person hands the conversation to one (people answer it through the
   * agent API); else the bot says that no one can be put through.
   */
  handoff: boolean;
  /** The score a greeting or thanks needs before the small-talk reply is given. */
  minScore: number;
  /** Phrases (as `ruleText` writes them) that hand the conversation over when a message has one. */
  handoffRules: readonly string[];
  /** Not-found answers in a row after which the next message hands over (0: never). */
  handoffAfterNotFound: number;
  /**
   * How close (a share of the best passage's score) passages of distinct topics must be for a
   * short request to get a clarifying question naming them (0: never; see clarify-split.ts).
   */
  splitMargin: number;
  /**
   * Whether a bot with a model asks it (one short call) about a message the classifier is unsure
   * of or that leans on the conversation (understand-with-model.ts).
   */
  modelStep: boolean;
  replies: { greeting: string | undefined; thanks: string | undefined; handoff: string | undefined };
}

/** The default `splitMargin`: another topic within a tenth of the best passage's score. */
export const DEFAULT_SPLIT_MARGIN = 0.1;

export const DEFAULT_INTENT_POLICY: IntentPolicy = {
  smallTalk: true,
  clarify: true,
  handoff: false,
  minScore: 0.85,
  handoffRules: [],
  handoffAfterNotFound: 0,
  splitMargin: DEFAULT_SPLIT_MARGIN,
  modelStep: true,
  replies: { greeting: undefined, thanks: undefined, handoff: undefined },
};

/** What the step made of a message, as the plan and the trace keep it. */
export interface Understanding {
  intent: Intent;
  score: number;
  /** The classifier was unsure (below its threshold): its intent is a guess. */
  unsure: boolean;
  handler: Handler;
  /** A clarifying question for a request retrieval split: the titles of the topics it offers. */
  topics?: readonly string[];
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
  const sure = !unsure && score >= policy.minScore;
  return { intent, score, unsure, handler: handlerFor(intent, sure, message, policy) };
}

/** Which handler answers a message of `intent` (`sure`: the reading is trusted). */
export function handlerFor(intent: Intent, sure: boolean, message: string, policy: IntentPolicy): Handler {
  const short = message.split(/\s+/).filter(Boolean).length <= SMALL_TALK_MAX_WORDS;
  return sure && short && policy.smallTalk && SMALL_TALK.has(intent)
    ? 'small_talk'
    : sure && policy.clarify && intent === 'vague'
      ? 'clarify'
      : sure && intent === 'human'
        ? policy.handoff
          ? 'handoff'
          : 'small_talk'
        : 'knowledge';
}

/**
 * The small-talk reply to `intent`: the bot's own, else one that says what the bot can do (or
 * that it has nothing to answer from yet, for a tenant without documents).
 */
export function smallTalkReply(intent: Intent, policy: IntentPolicy, hasDocuments: boolean): string {
  if (intent === 'thanks') {
    return policy.replies.thanks ?? 'You are welcome! Ask me anything else whenever you like.';
  }
  if (intent === 'human') {
    // The bot has no one to hand the conversation to.
    return 'There is no one I can put you through to here, but I can answer questions from my documents.';
  }
  if (policy.replies.greeting) return policy.replies.greeting;
  return hasDocuments
    ? 'Hello! Ask me a question and I will answer it from the documents I have, citing the passages I used.'
    : 'Hello! I answer questions from the documents I am given, but I have none yet, so there is nothing I can answer from.';
}

/**
 * The clarifying question for a vague request: which of the topics retrieval found is meant (the
 * titles of up to three documents, best first), or what the user is trying to do when it found none.
 */
export function clarifyingQuestion(passages: readonly { title: string }[]): string {
  const titles = [...new Set(passages.map((passage) => passage.title.trim()).filter(Boolean))].slice(0, 3);
  if (titles.length < 2) {
    return 'Could you tell me a little more: what are you trying to do, and what happens instead?';
  }
  const options = `${titles.slice(0, -1).join(', ')} or ${titles.at(-1)}`;
  return `Could you tell me a little more about what you need? For example, is it about ${options}?`;
}

/** What the user is told when the conversation is handed to a person. */
export function handoffReply(policy: IntentPolicy): string {
  return policy.replies.handoff ?? 'I am handing this conversation to a person, who will reply here.';
}
