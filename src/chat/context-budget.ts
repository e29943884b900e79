// Token-budgeted context: the system prompt and the question always fit; retrieved passages take
// up to a share of what is left, in rank order; earlier messages take the rest, newest first.
// Nothing is cut silently: every passage or message left out is listed, with its size, for the
// turn's trace.
import { countTokens, type RetrievedChunk } from '../knowledge/index.js';
import type { ChatMessage } from '../models/index.js';

export interface ContextBudget {
  /** Tokens for everything sent to the model (prompt side). */
  total: number;
  /** Share of the budget left after system prompt and question that passages may use. */
  passageShare: number;
}

export interface DroppedItem {
  kind: 'passage' | 'message';
  /** Chunk id for a passage; position in the history (0 = oldest) for a message. */
  ref: number;
  tokens: number;
}

export interface ContextPlan {
  passages: RetrievedChunk[];
  history: ChatMessage[];
  dropped: DroppedItem[];
  tokens: { system: number; question: number; passages: number; history: number; budget: number };
}

// Framing per passage (tags, title, source) and per message, on top of their text.
const PASSAGE_OVERHEAD = 24;
const MESSAGE_OVERHEAD = 4;

export function planContext(input: {
  system: string;
  question: string;
  passages: RetrievedChunk[];
  history: ChatMessage[];
  budget: ContextBudget;
}): ContextPlan {
  const system = countTokens(input.system);
  const question = countTokens(input.question);
  let room = Math.max(0, input.budget.total - system - question);
  const dropped: DroppedItem[] = [];

  let passageRoom = Math.floor(room * input.budget.passageShare);
  const passages: RetrievedChunk[] = [];
  let passageTokens = 0;
  for (const passage of input.passages) {
    const cost = passage.tokenCount + countTokens(passage.title) + PASSAGE_OVERHEAD;
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
    const cost = countTokens(message.content) + MESSAGE_OVERHEAD;
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
    passages,
    history: kept,
    dropped,
    tokens: { system, question, passages: passageTokens, history: historyTokens, budget: input.budget.total },
  };
}
