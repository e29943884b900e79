import { describe, expect, it } from 'vitest';
import type { RetrievedChunk } from '../../knowledge/index.js';
import { groundedUserMessage } from '../../orchestrator/grounded-prompt.js';
import { passagesOfPrompt, promptPassages } from './prompt-passages.js';

const chunk = (text: string, title: string): RetrievedChunk =>
  ({ text, title, headingPath: '', flagged: false }) as unknown as RetrievedChunk;

describe('promptPassages', () => {
  it('reads back the passages of the grounded prompt by their numbers, unescaped', () => {
    const message = groundedUserMessage('Who?', [
      chunk('Rollo & his men used <b>ships</b> "longships".', 'Normans'),
      chunk('Second passage.\n\nTwo paragraphs.', 'A "quoted" title'),
    ]);
    expect([...passagesOfPrompt(message)]).toEqual([
      [1, 'Rollo & his men used <b>ships</b> "longships".'],
      [2, 'Second passage.\n\nTwo paragraphs.'],
    ]);
  });

  it("takes the last user message of a stored trace's prompt, and nothing when no model was prompted", () => {
    const question = groundedUserMessage('Now?', [chunk('Current passage.', 'T')]);
    const trace = {
      prompt: {
        system: 'system',
        messages: [
          { role: 'user', content: groundedUserMessage('Before?', [chunk('Old passage.', 'T')]) },
          { role: 'assistant', content: 'Old answer.' },
          { role: 'user', content: question },
        ],
      },
    };
    expect(promptPassages(trace).get(1)).toBe('Current passage.');
    expect(promptPassages({ prompt: null }).size).toBe(0);
    expect(promptPassages(undefined).size).toBe(0);
  });
});
