// Reads a BEIR-format dataset: corpus.jsonl, queries.jsonl and qrels/<split>.tsv, each of them
// plain or gzipped (`corpus.jsonl.gz`: the sets kept in the repository). Every line is validated;
// a malformed dataset fails with the file and line named.
import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { z } from 'zod';
import { ParleyError } from '../../errors/index.js';
import type { Judgements } from './ranking-metrics.js';

const corpusLine = z.object({
  _id: z.coerce.string(),
  title: z.string().optional().default(''),
  text: z.string(),
});
const queryLine = z.object({ _id: z.coerce.string(), text: z.string() });

export interface BeirDocument {
  id: string;
  title: string;
  text: string;
}

export interface BeirDataset {
  corpus: BeirDocument[];
  /** Queries that have judgements in the split, in file order. */
  queries: { id: string; text: string }[];
  qrels: Map<string, Judgements>;
}

async function* lines(file: string): AsyncGenerator<[string, number]> {
  const input = file.endsWith('.gz')
    ? createReadStream(file).pipe(createGunzip()).setEncoding('utf8')
    : createReadStream(file, 'utf8');
  const reader = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let number = 0;
  for await (const line of reader) {
    number++;
    if (line.trim()) yield [line, number];
  }
}

function parseLine<T>(schema: z.ZodType<T>, line: string, file: string, number: number): T {
  try {
    return schema.parse(JSON.parse(line));
  } catch (error) {
    throw new ParleyError(
      'PARLEY_ERR_VALIDATION',
      `${file}:${number}: not a valid BEIR record (${(error as Error).message.slice(0, 200)})`,
    );
  }
}

export async function readBeirDataset(dir: string, split = 'test'): Promise<BeirDataset> {
  const files = {
    corpus: path.join(dir, 'corpus.jsonl'),
    queries: path.join(dir, 'queries.jsonl'),
    qrels: path.join(dir, 'qrels', `${split}.tsv`),
  };
  for (const [name, file] of Object.entries(files) as [keyof typeof files, string][]) {
    files[name] = await access(file).then(
      () => file,
      () =>
        access(`${file}.gz`).then(
          () => `${file}.gz`,
          () => {
            throw new ParleyError(
              'PARLEY_ERR_VALIDATION',
              `${file} is missing: a BEIR dataset has corpus.jsonl, queries.jsonl and qrels/${split}.tsv (each may be gzipped)`,
            );
          },
        ),
    );
  }
  const qrels = new Map<string, Judgements>();
  for await (const [line, number] of lines(files.qrels)) {
    const [queryId, docId, grade] = line.split('\t');
    if (number === 1 && queryId === 'query-id') continue;
    const score = Number(grade);
    if (!queryId || !docId || !Number.isFinite(score)) {
      throw new ParleyError(
        'PARLEY_ERR_VALIDATION',
        `${files.qrels}:${number}: expected query-id<TAB>corpus-id<TAB>score`,
      );
    }
    const judgements = qrels.get(queryId) ?? new Map<string, number>();
    judgements.set(docId, score);
    qrels.set(queryId, judgements);
  }
  const corpus: BeirDocument[] = [];
  for await (const [line, number] of lines(files.corpus)) {
    const record = parseLine(corpusLine, line, files.corpus, number);
    corpus.push({ id: record._id, title: record.title, text: record.text });
  }
  const queries: { id: string; text: string }[] = [];
  for await (const [line, number] of lines(files.queries)) {
    const record = parseLine(queryLine, line, files.queries, number);
    if (qrels.has(record._id)) queries.push({ id: record._id, text: record.text });
  }
  return { corpus, queries, qrels };
}
