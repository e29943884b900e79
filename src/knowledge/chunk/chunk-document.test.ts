import { describe, expect, it } from 'vitest';
import type { ParsedDocument, Section } from '../parse/index.js';
import { chunkDocument } from './chunk-document.js';
import { countTokens } from './count-tokens.js';
import type { Chunk } from './types.js';

const sentence = (i: number) => `Sentence ${i} explains how the router matches an incoming request path.`;
const sentences = (from: number, count: number) =>
  Array.from({ length: count }, (_, k) => sentence(from + k)).join(' ');
/** Paragraphs of `size` sentences each, numbered on from `from`. */
const paragraphs = (from: number, count: number, size: number) =>
  Array.from({ length: count }, (_, p) => sentences(from + p * size, size)).join('\n\n');

const doc = (...sections: Section[]): ParsedDocument => ({ title: 'Test', format: 'markdown', sections });
const section = (headingPath: string[], text: string): Section => ({ headingPath, text });

function expectWithinBounds(chunks: Chunk[], max: number) {
  for (const chunk of chunks) {
    expect(chunk.tokenCount).toBe(countTokens(chunk.text));
    expect(chunk.tokenCount).toBeLessThanOrEqual(max);
    expect(chunk.text).toBe(chunk.text.trim());
    expect(chunk.text).not.toBe('');
  }
}

function fenceLines(text: string): number {
  return text.split('\n').filter((line) => /^\s*(```|~~~)/.test(line)).length;
}

describe('chunkDocument: basics', () => {
  it('returns no chunks for a document without sections', () => {
    expect(chunkDocument(doc())).toEqual([]);
  });

  it('returns no chunks for sections of only whitespace', () => {
    expect(chunkDocument(doc(section(['A'], '  \n\n\t'), section([], '')))).toEqual([]);
  });

  it('makes one chunk of a small section, with its path and exact token count', () => {
    const chunks = chunkDocument(doc(section(['Routes', 'Options'], 'The url option sets the path.')));
    expect(chunks).toEqual([
      {
        ordinal: 0,
        headingPath: ['Routes', 'Options'],
        text: 'The url option sets the path.',
        tokenCount: countTokens('The url option sets the path.'),
      },
    ]);
  });

  it('numbers chunks 0..n-1 across sections', () => {
    const chunks = chunkDocument(
      doc(
        section(['A'], paragraphs(0, 12, 4)),
        section(['B'], paragraphs(100, 12, 4)),
        section(['C'], sentences(200, 8)),
      ),
    );
    expect(chunks.length).toBeGreaterThan(4);
    expect(chunks.map((c) => c.ordinal)).toEqual(chunks.map((_, i) => i));
  });

  it('carries the section’s heading path on every chunk of a long section', () => {
    const chunks = chunkDocument(doc(section(['Server', 'Factory', 'logger'], paragraphs(0, 30, 4))));
    expect(chunks.length).toBeGreaterThan(3);
    for (const chunk of chunks) expect(chunk.headingPath).toEqual(['Server', 'Factory', 'logger']);
  });

  it('does not share heading-path arrays with the input or between chunks', () => {
    const input = doc(section(['A'], paragraphs(0, 20, 4)));
    const chunks = chunkDocument(input);
    chunks[0]?.headingPath.push('changed');
    expect(input.sections[0]?.headingPath).toEqual(['A']);
    expect(chunks[1]?.headingPath).toEqual(['A']);
  });

  it('is a pure function of its input', () => {
    const input = doc(section(['A'], paragraphs(0, 20, 4)), section(['A', 'B'], 'tiny'));
    const frozen = JSON.stringify(input);
    expect(chunkDocument(input)).toEqual(chunkDocument(input));
    expect(JSON.stringify(input)).toBe(frozen);
  });

  it('treats special-token markers as plain text', () => {
    const chunks = chunkDocument(doc(section([], 'The model stops at <|endoftext|> or <|im_end|>.')));
    expect(chunks[0]?.text).toBe('The model stops at <|endoftext|> or <|im_end|>.');
  });
});

describe('chunkDocument: sizes', () => {
  it('keeps every chunk within the maximum and near the target', () => {
    const chunks = chunkDocument(doc(section(['A'], paragraphs(0, 60, 5))));
    expectWithinBounds(chunks, 512);
    for (const chunk of chunks.slice(0, -1)) expect(chunk.tokenCount).toBeGreaterThan(384 * 0.7);
  });

  it('respects custom sizes', () => {
    const chunks = chunkDocument(doc(section(['A'], paragraphs(0, 40, 3))), {
      targetTokens: 100,
      maxTokens: 120,
      overlapTokens: 20,
    });
    expect(chunks.length).toBeGreaterThan(10);
    expectWithinBounds(chunks, 120);
  });

  it('clamps a target above the maximum to the maximum', () => {
    const chunks = chunkDocument(doc(section(['A'], paragraphs(0, 40, 3))), {
      targetTokens: 5000,
      maxTokens: 200,
    });
    expectWithinBounds(chunks, 200);
  });

  it('splits at paragraph boundaries when paragraphs fit', () => {
    const text = paragraphs(0, 20, 4);
    const chunks = chunkDocument(doc(section([], text)), { overlapTokens: 0 });
    const original = text.split('\n\n');
    for (const chunk of chunks) {
      for (const paragraph of chunk.text.split('\n\n')) expect(original).toContain(paragraph);
    }
  });

  it('splits a paragraph longer than the target between sentences', () => {
    const chunks = chunkDocument(doc(section([], sentences(0, 120))), { overlapTokens: 0 });
    expect(chunks.length).toBeGreaterThan(3);
    expectWithinBounds(chunks, 512);
    for (const chunk of chunks) {
      expect(chunk.text).toMatch(/^Sentence \d+ /);
      expect(chunk.text).toMatch(/path\.$/);
    }
  });

  it('cuts text with no sentence or line breaks by tokens, losing nothing', () => {
    const blob = Array.from(
      { length: 6000 },
      (_, i) => 'abcdefghijklmnopqrstuvwxyz0123456789'[(i * 7) % 36],
    ).join('');
    const chunks = chunkDocument(doc(section([], blob)), { overlapTokens: 0 });
    expect(chunks.length).toBeGreaterThan(1);
    expectWithinBounds(chunks, 512);
    expect(chunks.map((c) => c.text).join('')).toBe(blob);
  });

  it('splits a long run of lines without punctuation at line breaks', () => {
    const lines = Array.from({ length: 300 }, (_, i) => `key${i} value${i} and more words`).join('\n');
    const chunks = chunkDocument(doc(section([], lines)), { overlapTokens: 0 });
    expectWithinBounds(chunks, 512);
    for (const chunk of chunks) expect(chunk.text).toMatch(/^key\d+ value\d+ and more words(\nkey\d+ .*)*$/);
  });
});

describe('chunkDocument: code', () => {
  const code = [
    '```js',
    '// Register the route',
    ...Array.from({ length: 15 }, (_, i) => `fastify.get('/route-${i}', async () => ({ ok: ${i} }))`),
    '',
    '# not a heading, a comment in the code',
    'await fastify.listen({ port: 3000 })',
    '```',
  ].join('\n');

  it('keeps a fenced code block whole, even across a chunk boundary', () => {
    const text = `${sentences(0, 20)}\n\n${code}\n\n${sentences(100, 10)}`;
    const chunks = chunkDocument(doc(section(['Routes'], text)));
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.filter((chunk) => chunk.text.includes(code))).toHaveLength(1);
    for (const chunk of chunks) expect(fenceLines(chunk.text) % 2).toBe(0);
  });

  it('splits a code block larger than the maximum between lines, fencing every part', () => {
    const lines = Array.from({ length: 400 }, (_, i) => `  const value${i} = compute(${i}, 'argument');`);
    const big = ['```ts', ...lines, '```'].join('\n');
    const chunks = chunkDocument(doc(section(['Code'], big)));
    expect(chunks.length).toBeGreaterThan(3);
    expectWithinBounds(chunks, 512);
    const seen: string[] = [];
    for (const chunk of chunks) {
      const parts = chunk.text.split('\n');
      expect(parts[0]).toBe('```ts');
      expect(parts.at(-1)).toBe('```');
      seen.push(...parts.slice(1, -1));
    }
    expect(seen).toEqual(lines);
  });
});

describe('chunkDocument: overlap', () => {
  it('starts each chunk of a section with whole sentences from the end of the previous chunk', () => {
    const chunks = chunkDocument(doc(section(['A'], paragraphs(0, 40, 4))));
    expect(chunks.length).toBeGreaterThan(3);
    for (let i = 1; i < chunks.length; i++) {
      const first = /^Sentence \d+ [^.]*\./.exec(chunks[i]?.text ?? '')?.[0] ?? 'missing';
      const previous = chunks[i - 1]?.text ?? '';
      expect(previous).toContain(first);
      expect(previous.lastIndexOf(first)).toBeGreaterThan(previous.length * 0.7);
    }
  });

  it('repeats about the overlap size, not more', () => {
    const chunks = chunkDocument(doc(section(['A'], sentences(0, 150))), { overlapTokens: 48 });
    for (let i = 1; i < chunks.length; i++) {
      const previous = chunks[i - 1]?.text ?? '';
      const current = chunks[i]?.text ?? '';
      let shared = '';
      for (const candidate of current.split(/(?<=\.) /)) {
        if (!previous.includes(candidate)) break;
        shared += `${candidate} `;
      }
      expect(countTokens(shared.trim())).toBeGreaterThan(20);
      expect(countTokens(shared.trim())).toBeLessThanOrEqual(48);
    }
  });

  it('repeats nothing when the overlap is zero', () => {
    const chunks = chunkDocument(doc(section(['A'], sentences(0, 150))), { overlapTokens: 0 });
    const all = chunks.flatMap((chunk) => chunk.text.split(/(?<=\.) /));
    expect(new Set(all).size).toBe(all.length);
  });

  it('does not overlap across sections', () => {
    const chunks = chunkDocument(
      doc(section(['A'], paragraphs(0, 20, 4)), section(['B'], paragraphs(500, 20, 4))),
    );
    const firstOfB = chunks.find((chunk) => chunk.headingPath[0] === 'B');
    expect(firstOfB?.text.startsWith(sentence(500))).toBe(true);
  });
});

describe('chunkDocument: merging small sections', () => {
  it('merges tiny sibling sections under their common heading, keeping their headings in the text', () => {
    const chunks = chunkDocument(
      doc(
        section(['API', 'get'], 'Reads a value.'),
        section(['API', 'post'], 'Creates a value.'),
        section(['API', 'post', 'body'], 'The body is JSON.'),
      ),
    );
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.headingPath).toEqual(['API']);
    expect(chunks[0]?.text).toBe(
      '## get\n\nReads a value.\n\n## post\n\nCreates a value.\n\n### body\n\nThe body is JSON.',
    );
    expectWithinBounds(chunks, 512);
  });

  it('merges a parent’s short introduction with its first child', () => {
    const chunks = chunkDocument(
      doc(section(['Hooks'], 'Hooks run code.'), section(['Hooks', 'onRequest'], sentences(0, 8))),
    );
    expect(chunks).toHaveLength(1);
    expect(chunks[0]?.headingPath).toEqual(['Hooks']);
    expect(chunks[0]?.text).toMatch(/^Hooks run code\.\n\n## onRequest\n\nSentence 0 /);
  });

  it('merges tiny top-level sections under the first one’s path', () => {
    const chunks = chunkDocument(doc(section(['Page 1'], 'One.'), section(['Page 2'], 'Two.')));
    expect(chunks).toEqual([
      expect.objectContaining({ headingPath: ['Page 1'], text: 'One.\n\n# Page 2\n\nTwo.' }),
    ]);
  });

  it('does not merge tiny sections from unrelated branches', () => {
    const chunks = chunkDocument(doc(section(['A', 'x'], 'Under A.'), section(['B', 'y'], 'Under B.')));
    expect(chunks.map((c) => c.headingPath)).toEqual([
      ['A', 'x'],
      ['B', 'y'],
    ]);
  });

  it('does not merge sections that are each large enough to stand alone', () => {
    const chunks = chunkDocument(
      doc(section(['A', 'x'], sentences(0, 8)), section(['A', 'y'], sentences(10, 8))),
    );
    expect(chunks.map((c) => c.headingPath)).toEqual([
      ['A', 'x'],
      ['A', 'y'],
    ]);
  });

  it('stops merging before the group passes the target', () => {
    const tiny = (name: string) => section(['API', name], sentences(0, 3));
    const chunks = chunkDocument(doc(...'abcdefghijklmnop'.split('').map(tiny)), {
      targetTokens: 150,
      minTokens: 64,
    });
    expect(chunks.length).toBeGreaterThan(2);
    for (const chunk of chunks) expect(chunk.tokenCount).toBeLessThanOrEqual(150);
  });

  it('lets a tiny text before the first heading open the next, large section', () => {
    const chunks = chunkDocument(doc(section([], 'Fastify logo'), section(['Routes'], paragraphs(0, 20, 4))));
    expect(chunks[0]?.headingPath).toEqual(['Routes']);
    expect(chunks[0]?.text).toMatch(/^Fastify logo\n\n# Routes\n\nSentence 0 /);
    expect(chunks.every((chunk) => chunk.headingPath[0] === 'Routes')).toBe(true);
  });

  it('does not merge anything when the minimum is zero', () => {
    const chunks = chunkDocument(doc(section(['A', 'x'], 'One.'), section(['A', 'y'], 'Two.')), {
      minTokens: 0,
    });
    expect(chunks).toHaveLength(2);
  });
});
