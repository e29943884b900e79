import { describe, expect, it } from 'vitest';
import { curatedFormatOf, parseCuratedCsv, parseCuratedJsonl } from './curated-file.js';

describe('curated answer files', () => {
  it('reads CSV with RFC 4180 quoting: commas, doubled quotes and line breaks inside fields', () => {
    const csv =
      '\uFEFFQuestion,Answer,notes\r\n' +
      '"Do you ship abroad, too?","Yes, to the EU.",x\r\n' +
      '\r\n' +
      '"What is a ""curated"" answer?","One you wrote.\nWord for word.",\r\n';
    expect(parseCuratedCsv(csv)).toEqual([
      { question: 'Do you ship abroad, too?', answer: 'Yes, to the EU.' },
      { question: 'What is a "curated" answer?', answer: 'One you wrote.\nWord for word.' },
    ]);
  });

  it('names the line of a bad CSV row, and a header without the two columns', () => {
    expect(() => parseCuratedCsv('question,answer\nfine,yes\n"",no\n', 'faq.csv')).toThrow(
      /faq\.csv:3: question is empty/,
    );
    expect(() => parseCuratedCsv('q,a\nx,y\n', 'faq.csv')).toThrow(
      /header must name the columns question and answer/,
    );
    expect(() => parseCuratedCsv('question,answer\n"open,yes\n', 'faq.csv')).toThrow(
      /faq\.csv: not valid CSV/,
    );
  });

  it('reads JSON lines, skipping blank ones, and names the line of a bad one', () => {
    const jsonl = '{"question":"Hours?","answer":"9 to 5."}\n\n{"question":"Card?","answer":"Yes."}\n';
    expect(parseCuratedJsonl(jsonl)).toEqual([
      { question: 'Hours?', answer: '9 to 5.' },
      { question: 'Card?', answer: 'Yes.' },
    ]);
    expect(() => parseCuratedJsonl('{"question":"a","answer":"b"}\n{"question":"a"\n', 'faq.jsonl')).toThrow(
      /faq\.jsonl:2: not valid JSON/,
    );
    expect(() =>
      parseCuratedJsonl('{"question":"a","answer":"b"}\n\n{"question":"a"}\n', 'faq.jsonl'),
    ).toThrow(/faq\.jsonl:3: answer is missing or not text/);
  });

  it('chooses the format by extension', () => {
    expect(curatedFormatOf('faq.CSV')).toBe('csv');
    expect(curatedFormatOf('faq.jsonl')).toBe('jsonl');
    expect(curatedFormatOf('faq.ndjson')).toBe('jsonl');
    expect(curatedFormatOf('faq.json')).toBeUndefined();
  });
});
