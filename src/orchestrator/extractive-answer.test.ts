import { describe, expect, it } from 'vitest';
import type { RetrievedChunk } from '../knowledge/index.js';
import { EXTRACTIVE_LABEL, extractiveAnswer, NOTHING_FOUND } from './extractive-answer.js';

const chunk = (id: number, documentId: string, text: string): RetrievedChunk => ({
  chunkId: id,
  documentId,
  title: `Doc ${documentId}`,
  source: `${documentId}.md`,
  headingPath: '',
  text,
  tokenCount: 10,
  score: 10 - id,
  signals: {},
});

describe('extractiveAnswer', () => {
  it('says nothing was found when retrieval returned nothing', () => {
    expect(extractiveAnswer('anything?', [])).toEqual({ text: NOTHING_FOUND, citations: [], sentences: [] });
  });

  it('picks the sentences that contain the question terms, each cited by document', () => {
    const answer = extractiveAnswer('How do plugins register routes?', [
      chunk(
        1,
        'a',
        'Fastify is fast. Plugins register routes with a prefix option when you call register. Unrelated filler sentence here.',
      ),
      chunk(
        2,
        'b',
        'Decorators add properties to the instance. Routes can also be declared in plugins with full options.',
      ),
    ]);
    expect(answer.text.startsWith(EXTRACTIVE_LABEL)).toBe(true);
    expect(answer.sentences[0]?.text).toBe(
      'Plugins register routes with a prefix option when you call register.',
    );
    expect(answer.text).toContain('[1]');
    expect(answer.citations.map((c) => c.document_id)).toEqual(['a', 'b']);
    expect(answer.text).not.toContain('Unrelated filler');
  });

  it('uses at most two sentences from one chunk and strips markdown syntax and code', () => {
    const text = [
      '## Setup',
      '',
      'Install the **logger** package with npm before anything else happens.',
      '',
      '```js',
      'const logger = require("logger") // logger logger logger',
      '```',
      '',
      'The [logger](https://example.com) writes JSON lines to standard output.',
      'Every logger line carries the request id of its request.',
    ].join('\n');
    const answer = extractiveAnswer('logger', [chunk(1, 'a', text)]);
    expect(answer.sentences.length).toBe(2);
    for (const sentence of answer.sentences) {
      expect(sentence.text).not.toMatch(/[*`#]|\]\(/);
      expect(sentence.text).not.toContain('require(');
    }
  });

  it('falls back to the opening of the best passage when no sentence shares a term', () => {
    const answer = extractiveAnswer('zzz', [chunk(1, 'a', 'The only sentence in this passage is here.')]);
    expect(answer.sentences.map((s) => s.text)).toEqual(['The only sentence in this passage is here.']);
    expect(answer.citations).toHaveLength(1);
  });
});
