import { describe, expect, it } from 'vitest';
import { groundedUserMessage, SYSTEM_PROMPT } from './grounded-prompt.js';
import {
  compactPrompt,
  expandPrompt,
  expandTracePrompts,
  removedPassage,
  type SentPrompt,
} from './trace-prompt.js';

const passage = (chunkId: number, text: string) => ({
  chunkId,
  documentId: `doc-${chunkId}`,
  title: `Title ${chunkId}`,
  headingPath: 'Section',
  text,
  score: 1,
  tokenCount: 10,
  source: null,
});

const PASSAGES = [
  passage(11, 'Tides are caused by the Moon & the Sun; <b>not</b> by wind.'),
  passage(12, 'Spring tides happen at new and full moon.'),
  passage(13, 'Neap tides happen at the quarter moons.'),
];

function sentPrompt(passages = PASSAGES): SentPrompt {
  return {
    system: SYSTEM_PROMPT,
    messages: [
      { role: 'user', content: 'What is a tide?' },
      { role: 'assistant', content: 'Tides are caused by the Moon [1].' },
      { role: 'user', content: groundedUserMessage('And spring tides?', passages as never) },
    ],
  };
}

const texts = (entries: [number, string][]) => new Map(entries);
const stored = new Map(PASSAGES.map((p) => [p.chunkId, p.text]));

describe('a trace prompt with its passages by reference', () => {
  it('keeps the passages out of what is stored and puts them back exactly when read', () => {
    const sent = sentPrompt();
    const compact = compactPrompt(sent, PASSAGES);
    const storedText = JSON.stringify(compact);
    expect(storedText).not.toContain('Spring tides happen');
    expect(storedText).not.toContain('Moon &amp; the Sun');
    expect(compact.passages?.map((ref) => ref.chunk_id)).toEqual([11, 12, 13]);
    // The history and the rest of the message stay as sent.
    expect(compact.messages.slice(0, 2)).toEqual(sent.messages.slice(0, 2));
    expect(compact.messages[2]!.content).toContain('Question: And spring tides?');

    expect(expandPrompt(compact, stored)).toEqual(sent);
  });

  it('reads a passage whose chunk is gone, or holds other text, as a marker and lists it', () => {
    const compact = compactPrompt(sentPrompt(), PASSAGES);
    const read = expandPrompt(
      compact,
      texts([
        [11, PASSAGES[0]!.text],
        [13, 'Re-ingested: a different text.'],
      ]),
    );
    const content = read.messages[2]!.content;
    expect(read.passages_removed).toEqual([12, 13]);
    expect(content).toContain('Moon &amp; the Sun');
    expect(content).toContain(removedPassage(12));
    expect(content).toContain(removedPassage(13));
    expect(content).not.toContain('Spring tides happen');
    expect(content).not.toContain('Re-ingested');
    expect(read).not.toHaveProperty('passages');
  });

  it('leaves in place a passage not sent verbatim, and a prompt without passages as it is', () => {
    const shortened = [PASSAGES[0]!, { ...PASSAGES[1]!, text: 'Spring tides happen at new' }, PASSAGES[2]!];
    const sent = sentPrompt(shortened);
    // Retrieval's passage 12 was cut to fit before it was sent: its full text is not in the prompt.
    const compact = compactPrompt(sent, PASSAGES);
    expect(compact.passages?.map((ref) => ref.chunk_id)).toEqual([11, 13]);
    expect(compact.messages[2]!.content).toContain('Spring tides happen at new');
    expect(expandPrompt(compact, stored)).toEqual(sent);

    const plain: SentPrompt = { system: 'Be brief.', messages: [{ role: 'user', content: 'hello' }] };
    expect(compactPrompt(plain, PASSAGES)).toBe(plain);
    expect(expandPrompt(plain, stored)).toBe(plain);
  });

  it('puts back the passages of many traces with one look-up, old traces as they were', async () => {
    const a = { turn_id: 'a', prompt: compactPrompt(sentPrompt(), PASSAGES) };
    const b = { turn_id: 'b', prompt: compactPrompt(sentPrompt([PASSAGES[2]!]), [PASSAGES[2]!]) };
    const old = { turn_id: 'old', prompt: sentPrompt() };
    const none = { turn_id: 'none', prompt: null };
    const asked: number[][] = [];
    const read = await expandTracePrompts([a, b, old, none], async (ids) => {
      asked.push(ids);
      return stored;
    });
    expect(asked).toEqual([[11, 12, 13]]);
    expect(read.map((trace) => trace.prompt)).toEqual([
      sentPrompt(),
      sentPrompt([PASSAGES[2]!]),
      sentPrompt(),
      null,
    ]);
    expect(await expandTracePrompts([old, none], async () => expect.fail('no look-up needed'))).toEqual([
      old,
      none,
    ]);
  });
});
