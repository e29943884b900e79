// Token-budgeted context: the system prompt and the question always fit; the user's long-term
// memories take up to a small share of what is left, in the order given; retrieved passages take
// up to a share of the rest, in rank order; earlier messages take what remains, newest first.
// Nothing is cut silently: every passage or message left out is listed, with its size, for the
// turn's trace.
import { LRUCache } from 'lru-cache';
import { countTokens, type RetrievedChunk } from '../knowledge/index.js';
import type { ChatMessage } from '../models/index.js';

// The same texts come back turn after turn (a bot's system prompt, passage titles, the previous
// answers of a conversation): their counts are kept rather than tokenised again on the critical path.
const counted = new LRUCache<string, number>({
  max: 2_000,
  maxSize: 4 * 2 ** 20,
  sizeCalculation: (_, key) => key.length + 16,
});

function tokensOf(text: string): number {
  let tokens = counted.get(text);
  if (tokens === undefined) {
    tokens = countTokens(text);
    counted.set(text, tokens);
  }
  return tokens;
}

export interface ContextBudget {
  /** Tokens for everything sent to the model (prompt side). */
  total: number;
  /** Share of the budget left after system prompt and question that passages may use. */
  passageShare: number;
  /** Share of the budget left after system prompt and question that memories may use (default 0.1). */
  memoryShare?: number;
}

export interface DroppedItem {
  kind: 'passage' | 'message' | 'memory';
  /** Chunk id for a passage; position in the history (0 = oldest) for a message; in the list for a memory. */
  ref: number;
  tokens: number;
}

export interface ContextPlan {
  /** The user's memories that fit (their texts), in the order given. */
  memories: string[];
  passages: RetrievedChunk[];
  history: ChatMessage[];
  dropped: DroppedItem[];
  tokens: {
    system: number;
    question: number;
    memories: number;
    passages: number;
    history: number;
    budget: number;
  };
}

// Framing per passage (tags, title, source) and per message, on top of their text.
const PASSAGE_OVERHEAD = 24;
const MESSAGE_OVERHEAD = 4;
const MEMORY_OVERHEAD = 3;

export function planContext(input: {
  system: string;
  question: string;
  passages: RetrievedChunk[];
  history: ChatMessage[];
  /** The user's memories recalled for this turn, most wanted first (none: no memory block). */
  memories?: readonly string[];
  budget: ContextBudget;
}): ContextPlan {
  const system = tokensOf(input.system);
  const question = countTokens(input.question);
  let room = Math.max(0, input.budget.total - system - question);
  const dropped: DroppedItem[] = [];

  let memoryRoom = Math.floor(room * (input.budget.memoryShare ?? 0.1));
  const memories: string[] = [];
  let memoryTokens = 0;
  (input.memories ?? []).forEach((memory, index) => {
    const cost = tokensOf(memory) + MEMORY_OVERHEAD;
    if (cost <= memoryRoom) {
      memories.push(memory);
      memoryRoom -= cost;
      memoryTokens += cost;
    } else {
      dropped.push({ kind: 'memory', ref: index, tokens: cost });
    }
  });
  room -= memoryTokens;

  let passageRoom = Math.floor(room * input.budget.passageShare);
  const passages: RetrievedChunk[] = [];
  let passageTokens = 0;
  for (const passage of input.passages) {
    const cost = passage.tokenCount + tokensOf(passage.title) + PASSAGE_OVERHEAD;
    if (cost <= passageRoom) {
      passages.push(passage);
      passageRoom -= cost;
      passageTokens += cost;
    } else {
      dropped.push({ kind: 'passage', ref: passage.chunkId, tokens: cost });
    }
  }
  room -= passageTokens;

  const kept: ChatMessage[] = [];
  let historyTokens = 0;
  let full = false;
  for (let index = input.history.length - 1; index >= 0; index--) {
    const message = input.history[index]!;
    const cost = tokensOf(message.content) + MESSAGE_OVERHEAD;
    // Once one message does not fit, older ones are dropped too: the history stays contiguous.
    if (!full && cost <= room) {
      kept.unshift(message);
      room -= cost;
      historyTokens += cost;
    } else {
      full = true;
      dropped.push({ kind: 'message', ref: index, tokens: cost });
    }
  }
  return {
    memories,
    passages,
    history: kept,
    dropped,
    tokens: {
      system,
      question,
      memories: memoryTokens,
      passages: passageTokens,
      history: historyTokens,
      budget: input.budget.total,
    },
  };
}
