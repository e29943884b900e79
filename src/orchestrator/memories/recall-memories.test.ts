import { describe, expect, it } from 'vitest';
import type { MemoryRecord } from './memory-store.js';
import { recallMemories } from './recall-memories.js';

const memory = (topic: string, kind: MemoryRecord['kind'], text: string): MemoryRecord => ({
  id: topic,
  kind,
  topic,
  text,
  bot_id: 'parley',
  conversation_id: null,
  turn_id: 't',
  created_at: '2026-01-01T00:00:00.000Z',
  updated_at: '2026-01-01T00:00:00.000Z',
});

describe('recallMemories', () => {
  const stored = [
    memory('answer_language', 'preference', 'Prefers answers in French.'),
    memory('boat', 'fact', 'Sails a small sailing boat out of Brest.'),
    memory('product_plan', 'fact', 'Is on the Team plan.'),
    memory('tide_tables', 'fact', 'Reads tide tables every morning before sailing.'),
  ];

  it('always brings preferences, and only the facts sharing words with the question', () => {
    const recalled = recallMemories(stored, 'When is the next high tide for sailing?');
    expect(recalled.map((m) => m.topic)).toEqual(['answer_language', 'tide_tables', 'boat']);
  });

  it('brings no fact for a question about something else', () => {
    expect(recallMemories(stored, 'How do I reset my password?').map((m) => m.topic)).toEqual([
      'answer_language',
    ]);
  });

  it('ranks by words shared and stops at the limit', () => {
    expect(recallMemories(stored, 'tide tables sailing boat', 2).map((m) => m.topic)).toEqual([
      'answer_language',
      'tide_tables',
    ]);
  });

  it('has nothing to recall for a user without memories', () => {
    expect(recallMemories([], 'anything')).toEqual([]);
  });
});
