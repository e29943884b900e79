import { describe, expect, it } from 'vitest';
import type { RetrievedChunk } from '../knowledge/index.js';
import { EXTRACTIVE_LABEL, extractiveAnswer, NOTHING_FOUND, snippetOf } from './extractive-answer.js';

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

  it('keeps identifiers whole: underscores inside names are not emphasis', () => {
    const answer = extractiveAnswer('How much memory does work_mem give a sort?', [
      chunk(
        1,
        'a',
        'Each sort may use up to work_mem of memory before it spills, and _emphasis_ is **bold** here.',
      ),
    ]);
    expect(answer.sentences[0]?.text).toBe(
      'Each sort may use up to work_mem of memory before it spills, and emphasis is bold here.',
    );
  });

  it('keeps the code a sentence introduces, as code under it', () => {
    const text = [
      'Logging can hide sensitive values from every line it writes.',
      'To hide passwords from the logs, use the redact option of the logger:',
      '',
      '```js',
      "const app = fastify({ logger: { redact: ['req.headers.authorization'] } })",
      '```',
    ].join('\n');
    const answer = extractiveAnswer('How do I hide passwords from the logs?', [chunk(1, 'a', text)]);
    expect(answer.sentences.map((s) => s.text)).toContain(
      'To hide passwords from the logs, use the redact option of the logger:',
    );
    expect(answer.text).toContain(
      "```js\n  const app = fastify({ logger: { redact: ['req.headers.authorization'] } })\n  ```",
    );
    for (const sentence of answer.sentences) expect(sentence.text).not.toContain('fastify(');
  });

  it('never answers with an empty body: a passage of code alone is shown and cited', () => {
    const answer = extractiveAnswer('redact', [chunk(1, 'a', '```js\nlogger.redact = true\n```')]);
    const body = answer.text.slice(EXTRACTIVE_LABEL.length).trim();
    expect(body).toBe('- Doc a [1]\n\n  ```js\n  logger.redact = true\n  ```');
    expect(answer.citations.map((c) => c.document_id)).toEqual(['a']);
  });

  it('shows code the chunker cut from its fence as one clean code block', () => {
    const answer = extractiveAnswer('redact', [chunk(1, 'a', '```ts\nconst a = 1\nconst b = 2')]);
    expect(answer.text.slice(EXTRACTIVE_LABEL.length).trim()).toBe(
      '- Doc a [1]\n\n  ```ts\n  const a = 1\n  const b = 2\n  ```',
    );
  });

  it('cites the top retrieved documents even when none of their sentences is quoted', () => {
    const answer = extractiveAnswer('What does the checkpoint interval control?', [
      chunk(1, 'a', 'Replication sends the write-ahead log to standby servers over the network.'),
      chunk(2, 'b', 'Backups copy the data directory while the server keeps running normally.'),
      chunk(3, 'c', 'The checkpoint interval controls how often dirty pages are flushed to disk.'),
      chunk(4, 'd', 'Vacuum reclaims storage occupied by dead tuples in every table.'),
    ]);
    expect(answer.citations.map((c) => c.document_id)).toEqual(['a', 'b', 'c']);
    const checkpoint = answer.sentences.find((s) => s.text.startsWith('The checkpoint interval'));
    expect(checkpoint?.citation).toBe(3);
    expect(answer.text).toContain('flushed to disk. [3]');
  });

  it('shows the snippet around the quoted sentence, not the passage opening', () => {
    const filler = 'Unrelated words fill this opening sentence of the long passage. '.repeat(8);
    const answer = extractiveAnswer('Which setting limits client connections?', [
      chunk(
        1,
        'a',
        `${filler}The max_connections setting limits concurrent client connections to the server.`,
      ),
    ]);
    const snippet = answer.citations[0]!.snippet;
    expect(snippet.startsWith('…')).toBe(true);
    expect(snippet).toContain(
      'The max_connections setting limits concurrent client connections to the server.',
    );
    expect(snippet.length).toBeLessThanOrEqual(300);
  });

  it('keeps inline code as written: no emphasis or tags read inside backticks', () => {
    const answer = extractiveAnswer('What does __proto__ poisoning do?', [
      chunk(
        1,
        'a',
        'Setting `__proto__` on a parsed body poisons `Array<string>` and **every** object it reaches.',
      ),
    ]);
    expect(answer.sentences[0]?.text).toBe(
      'Setting `__proto__` on a parsed body poisons `Array<string>` and every object it reaches.',
    );
  });

  it('quotes no headings, and prefers the sentence under a heading that names the subject', () => {
    const tutorial = {
      ...chunk(1, 'a', '# Tutorial\n\nSend the form and it should show that you are logged in now.'),
      title: 'TypeScript',
      headingPath: 'Learn By Example',
    };
    const logging = {
      ...chunk(
        2,
        'b',
        '## Log Redaction\n\nPino supports log redaction for masking values in recorded logs.',
      ),
      title: 'Logging',
      headingPath: 'Logging > Log Redaction',
    };
    const answer = extractiveAnswer('How do I hide passwords from the logs?', [tutorial, logging], 1);
    expect(answer.sentences.map((s) => s.text)).toEqual([
      'Send the form and it should show that you are logged in now.',
    ]);
    // Beyond the first passage's own sentence, the one under "Log Redaction" outranks a passing "logged".
    const more = extractiveAnswer('How do I hide passwords from the logs?', [
      { ...tutorial, text: 'Unrelated words only here, nothing else at all.' },
      { ...tutorial, chunkId: 3, documentId: 'c', text: tutorial.text },
      logging,
    ]);
    expect(more.sentences[1]?.text).toBe('Pino supports log redaction for masking values in recorded logs.');
    expect(more.text).not.toContain('Log Redaction [');
  });

  it('cites documents in retrieval order, by their best passage, whichever passage is quoted', () => {
    const answer = extractiveAnswer('How are replicas promoted?', [
      chunk(1, 'a', 'A primary server streams its changes to every standby it knows.'),
      chunk(2, 'b', 'Nothing here shares a word with the question at all.'),
      chunk(3, 'c', 'Unrelated text about vacuum and storage reclaimed from tables.'),
      chunk(4, 'b', 'Replicas are promoted with pg_promote once the primary is gone.'),
    ]);
    expect(answer.citations.map((c) => c.document_id)).toEqual(['a', 'b', 'c']);
    expect(answer.citations[1]).toMatchObject({ chunk_id: 4 });
    expect(answer.citations[1]?.snippet).toContain('pg_promote');
    expect(answer.text).toContain('once the primary is gone. [2]');
  });

  it('gives a passage of code alone a snippet of its code, not an empty one', () => {
    expect(snippetOf('```js\nconst app = fastify({ logger: true })\n```')).toBe(
      'const app = fastify({ logger: true })',
    );
    const answer = extractiveAnswer('fastify logger', [
      chunk(1, 'a', '```js\nconst app = fastify({ logger: true })\n```'),
      chunk(2, 'b', 'The logger of fastify writes one line per request to standard output.'),
    ]);
    expect(answer.citations.every((citation) => citation.snippet.length > 0)).toBe(true);
    expect(answer.sentences[0]?.citation).toBe(2);
  });

  it('does not end a sentence at a "!" inside inline code', () => {
    const answer = extractiveAnswer('password check', [
      chunk(1, 'a', 'And it should return back `logged in!`, with the password checked by the hook.'),
    ]);
    expect(answer.sentences.map((s) => s.text)).toEqual([
      'And it should return back `logged in!`, with the password checked by the hook.',
    ]);
  });
});
