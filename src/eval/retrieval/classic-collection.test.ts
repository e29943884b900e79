import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readBeirDataset } from './beir-dataset.js';
import { beirFiles, convertClassicCollection, parseSmartRecords } from './classic-collection.js';

// Excerpts in each collection's own layout (CRLF and all, as Cranfield's files have it).
const CRANFIELD = {
  corpus: [
    '.I 1',
    '.T',
    'experimental investigation of the aerodynamics of a',
    'wing in a slipstream .',
    '.A',
    'brenckman,m.',
    '.B',
    'j. ae. scs. 25, 1958, 324.',
    '.W',
    'experimental investigation of the aerodynamics of a',
    'wing in a slipstream .',
    '  an experimental study of a wing in a propeller slipstream .',
    '.I 2',
    '.T',
    'simple shear flow past a flat plate .',
    '.A',
    '.B',
    '.W',
    '',
  ].join('\r\n'),
  // Numbered 001, 002, 004 in the file; the judgements call them 1, 2, 3.
  queries: [
    '.I 001',
    '.W',
    'what similarity laws must be obeyed .',
    '.I 002',
    '.W',
    'what are the structural problems .',
    '.I 004',
    '.W',
    'what problems of heat conduction .',
  ].join('\r\n'),
  qrels: ['1 2 1', '1 1 4', '2 1 -1', '3 2 2', '3 2 3'].join('\r\n'),
};

describe('classic test collections', () => {
  it('reads SMART records: ids as numbers, fields by letter, wrapped lines joined', () => {
    const [first, second] = parseSmartRecords(CRANFIELD.corpus);
    expect(first!.id).toBe('1');
    expect(first!.fields.get('T')).toBe(
      'experimental investigation of the aerodynamics of a wing in a slipstream .',
    );
    expect(first!.fields.get('A')).toBe('brenckman,m.');
    expect(second!.fields.has('W')).toBe(false);
    expect(parseSmartRecords('.I 007\n.W\nx')[0]!.id).toBe('7');
  });

  it("numbers Cranfield's queries as its judgements do, turns its codes into gains and drops -1", () => {
    const converted = convertClassicCollection('cranfield', CRANFIELD);
    expect(converted.queries.map((query) => query.id)).toEqual(['1', '2', '3']);
    expect(converted.queries[2]!.text).toBe('what problems of heat conduction .');
    // Code 1 ("a complete answer") is the highest gain, 4 ("minimum interest") the lowest; the
    // second judgement of a pair is ignored.
    expect(converted.qrels).toEqual([
      { queryId: '1', docId: '2', score: 4 },
      { queryId: '1', docId: '1', score: 1 },
      { queryId: '3', docId: '2', score: 3 },
    ]);
    // A document with no abstract keeps its title as its text.
    expect(converted.corpus[1]).toEqual({
      id: '2',
      title: 'simple shear flow past a flat plate .',
      text: 'simple shear flow past a flat plate .',
    });
  });

  it("reads CACM's padded query ids, skips its empty closing query and adds keywords to the text", () => {
    const converted = convertClassicCollection('cacm', {
      corpus: '.I 1\n.T\nPreliminary Report\n.W\nAn abstract.\n.K\nalgol, compilers\n.X\n1\t5\t1\n',
      queries: '.I 1\n.W\n What articles deal with TSS?\n.N\n 1. R. Alexander\n.I 0\n',
      qrels: '01 1  0 0\n',
    });
    expect(converted.corpus).toEqual([
      { id: '1', title: 'Preliminary Report', text: 'An abstract. algol, compilers' },
    ]);
    expect(converted.queries).toEqual([{ id: '1', text: 'What articles deal with TSS?' }]);
    expect(converted.qrels).toEqual([{ queryId: '1', docId: '1', score: 1 }]);
  });

  it('refuses a judgement of a query or document the collection does not have, naming the line', () => {
    expect(() =>
      convertClassicCollection('cisi', {
        corpus: '.I 1\n.T\nA title\n.W\nText.\n',
        queries: '.I 1\n.W\nA question?\n',
        qrels: '1 1 0 0.000000\n1 9 0 0.000000\n',
      }),
    ).toThrow(/CISI\.REL:2: judges query 1 \/ document 9/);
  });

  it('writes files that `parley eval retrieval` reads back as the same dataset', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'parley-classic-'));
    const files = beirFiles(convertClassicCollection('cranfield', CRANFIELD));
    await mkdir(path.join(dir, 'qrels'));
    await writeFile(path.join(dir, 'corpus.jsonl'), files.corpus);
    await writeFile(path.join(dir, 'queries.jsonl'), files.queries);
    await writeFile(path.join(dir, 'qrels', 'test.tsv'), files.qrels);
    const dataset = await readBeirDataset(dir);
    expect(dataset.corpus.map((doc) => doc.id)).toEqual(['1', '2']);
    // Query 2 has only a -1 judgement: nothing relevant, so it is not scored.
    expect(dataset.queries.map((query) => query.id)).toEqual(['1', '3']);
    expect(dataset.qrels.get('1')).toEqual(
      new Map([
        ['2', 4],
        ['1', 1],
      ]),
    );
  });
});
