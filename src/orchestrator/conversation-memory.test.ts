import { describe, expect, it } from 'vitest';
import {
  type ConversationMemory,
  mayNeedSummary,
  RECENT_MESSAGES,
  SUMMARY_EVERY,
} from './conversation-memory.js';

const memory = (messages: number, summary: string | null = null): ConversationMemory => ({
  summary,
  recent: Array.from({ length: Math.min(messages, RECENT_MESSAGES) }, (_, index) => ({
    role: index % 2 === 0 ? ('user' as const) : ('assistant' as const),
    content: `message ${index}`,
  })),
  state: 'active',
});

describe('mayNeedSummary', () => {
  it('asks nothing while every message of the conversation fits the recent window after the turn', () => {
    // Up to RECENT_MESSAGES - 1 messages before a turn: two more still leave nothing to fold.
    for (let messages = 0; messages < RECENT_MESSAGES; messages++) {
      expect(messages + 2 - RECENT_MESSAGES < SUMMARY_EVERY).toBe(true);
      expect(mayNeedSummary(memory(messages))).toBe(false);
    }
  });

  it('asks the database once the window is full: older messages may be waiting, whatever the summary', () => {
    expect(mayNeedSummary(memory(RECENT_MESSAGES))).toBe(true);
    expect(mayNeedSummary(memory(RECENT_MESSAGES, 'User: an earlier question'))).toBe(true);
  });
});
