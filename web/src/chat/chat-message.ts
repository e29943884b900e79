// A message as the chat shows it, and the messages of a stored conversation read back after a
// reload: the actions it still waits on go back under the answers that paused for them, so they
// are decided as if the page had never been left.
import type {
  AnswerMode,
  Citation,
  FeedbackRating,
  PendingApproval,
  StoredConversation,
} from './api-client.js';
import type { DecisionState } from './approval-request.js';

export interface ChatMessage {
  id: string;
  /** The stored message's id, when known (a person's replies are shown once each). */
  serverId?: string;
  /** `agent`: written by a person the conversation was handed to. */
  author?: 'agent';
  role: 'user' | 'assistant';
  text: string;
  citations: Citation[];
  status: 'streaming' | 'done' | 'stopped' | 'error';
  mode?: AnswerMode;
  error?: string;
  errorKind?: string;
  /** For an answer: the question it answers (what Retry asks again; none for a continued answer). */
  question?: string;
  /** For an answer: its conversation (where its action is decided). */
  conversationId?: string;
  /** For a bot's answer: its turn (what a rating names). */
  turnId?: string;
  /** For a bot's answer read back: the rating it was given. */
  rating?: FeedbackRating;
  /** The action the answer paused for, and where its decision stands. */
  approval?: PendingApproval;
  decision?: DecisionState;
}

let serial = 0;
/** A message id unique in this page (the page and a widget share none: they prefix their own). */
export const nextMessageId = () => `m${++serial}`;

/**
 * The stored conversation's messages, each pending action under the bot's answer of the turn that
 * paused for it; one whose answer is not there (not stored yet, or trimmed) goes at the end alone.
 */
export function restoredMessages(stored: StoredConversation, conversationId: string): ChatMessage[] {
  // A bot's answer asks its turn's question again (Regenerate, Retry).
  const questions = new Map(
    stored.messages
      .filter((message) => message.role === 'user')
      .map((message) => [message.turn_id, message.content]),
  );
  const messages: ChatMessage[] = stored.messages.map((message) => ({
    id: nextMessageId(),
    serverId: message.id,
    ...(message.author === 'agent' ? { author: 'agent' as const } : {}),
    ...(message.role === 'assistant' && message.author !== 'agent' ? { turnId: message.turn_id } : {}),
    ...(message.rating ? { rating: message.rating } : {}),
    ...(message.role === 'assistant' && message.author !== 'agent' && questions.has(message.turn_id)
      ? { question: questions.get(message.turn_id)! }
      : {}),
    role: message.role,
    text: message.content,
    citations: message.citations ?? [],
    status: 'done',
  }));
  for (const { turn_id, ...approval } of stored.pending_approvals ?? []) {
    const pending = { approval, decision: 'pending' as const, conversationId };
    const index = stored.messages.findLastIndex(
      (message, at) =>
        message.turn_id === turn_id &&
        message.role === 'assistant' &&
        message.author !== 'agent' &&
        !messages[at]?.approval,
    );
    const paused = index >= 0 ? messages[index] : undefined;
    if (paused) {
      messages[index] = { ...paused, ...pending };
    } else {
      messages.push({
        id: nextMessageId(),
        role: 'assistant',
        text: '',
        citations: [],
        status: 'done',
        ...pending,
      });
    }
  }
  return messages;
}
