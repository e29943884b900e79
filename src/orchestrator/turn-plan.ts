// What preparation makes of a turn before any answer exists: the bot, the input guard's verdict,
// the conversation, what retrieval found and the guards to answer through. Immutable: generation
// reads it, never changes it (a deferred input check that refuses the message gives a new plan).
import type { Guard, InputInspection } from '../guard/index.js';
import { type SearchResult, searchResult } from '../knowledge/index.js';
import type { AnswerLookup } from './answer-cache.js';
import type { BotProfile } from './bots/bots.js';
import type { CachedStart } from './conversation-cache.js';
import { type ConversationMemory, type ConversationState, NO_MEMORY } from './conversation-memory.js';
import type { HandoffReason } from './handoff-triggers.js';
import type { MemoryRecord } from './memories/index.js';
import type { TurnTools } from './turn-tools.js';
import type { TurnRequest } from './turn-types.js';
import type { Understanding } from './understand-message.js';
import type { ModelReading } from './understand-with-model.js';

export interface TurnPlan {
  readonly bot: BotProfile;
  /** The bot's guards, in order (input already run; passages and output still to come). */
  readonly guards: readonly Guard[];
  /** The input guards' verdict; `request.message` is already its redacted text. */
  readonly input: InputInspection;
  readonly request: TurnRequest;
  readonly conversationId: string;
  readonly turnId: string;
  /** What retrieval found, and how (cache, keyword index, retrievers that failed). */
  readonly search: SearchResult;
  /** What a model is shown of the conversation (none when no model answers). */
  readonly memory: ConversationMemory;
  /** The conversation's stored memory when the turn began (what its messages follow). */
  readonly start: CachedStart;
  /** What the message wants and which handler answers it (absent: no intent step ran). */
  readonly understanding?: Understanding;
  /** The model's reading of the message, when it was asked (understand-with-model.ts). */
  readonly modelReading?: ModelReading;
  /** What retrieval was asked for a follow-up: a standalone question written from the conversation. */
  readonly standaloneQuestion?: string;
  /** The operator's curated answer this message is close enough to, when there is one. */
  readonly curated?: { id: string; question: string; answer: string; score: number };
  /** Where the conversation stands once this turn is answered. */
  readonly nextState: ConversationState;
  /** Why this turn hands the conversation to a person, when it does. */
  readonly handoffReason?: HandoffReason;
  /** The small-talk handler's reply, when it answers the message. */
  readonly smallTalk?: string;
  /** The answer cache's verdict, for a message it may answer: a hit is the answer; a miss keeps this turn's. */
  readonly answerCache?: AnswerLookup;
  /** The user's long-term memories recalled for this turn (absent: none, or memory is off). */
  readonly userMemories?: readonly MemoryRecord[];
  /** Parley's tools the model may call in this turn (absent: the bot allows none). */
  readonly tools?: TurnTools;
  /** Milliseconds per preparation stage (bot, guard, retrieval, prepare). */
  readonly timings: Readonly<Record<string, number | undefined>>;
  readonly receivedAt: Date;
  /** When the turn began (performance.now()), for the first-token and total timings. */
  readonly startedAt: number;
}

/**
 * The plan as preparation makes it for a refused message, for one a deferred check refused after
 * preparation went on beside it: `input` is the refusing verdict; nothing found, recalled or
 * offered is kept (the answer is the refusal); what preparation spent (the model step of
 * understanding, its timings) stays, to be accounted and traced.
 */
export function refusedPlan(plan: TurnPlan, input: InputInspection): TurnPlan {
  const {
    understanding,
    standaloneQuestion,
    curated,
    handoffReason,
    smallTalk,
    answerCache,
    userMemories,
    tools,
    ...kept
  } = plan;
  return {
    ...kept,
    input,
    search: searchResult([]),
    memory: NO_MEMORY,
    nextState: plan.start.memory.state === 'handed_off' ? 'handed_off' : 'active',
  };
}
