// Reads a file of curated answers for `parley curated import`: CSV with a `question,answer` header
// (RFC 4180 quoting, so answers may hold commas, quotes and line breaks), or JSON lines of
// {"question", "answer"}; the format comes from the extension. A bad row is named by its line.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import { validationError } from '../errors/index.js';

export interface CuratedPair {
  question: string;
  answer: string;
}

const pair = z.object({
  question: z.string().trim().min(1, 'question is empty'),
  answer: z.string().trim().min(1, 'answer is empty'),
});

/** The format a file is read as, by its extension; undefined for one neither CSV nor JSONL. */
export function curatedFormatOf(file: string): 'csv' | 'jsonl' | undefined {
  const extension = path.extname(file).toLowerCase();
  if (extension === '.csv') return 'csv';
  if (extension === '.jsonl' || extension === '.ndjson') return 'jsonl';
  return undefined;
}

export async function readCuratedFile(file: string): Promise<CuratedPair[]> {
  const format = curatedFormatOf(file);
  if (!format) throw validationError(`${file}: expected a .csv or .jsonl file`);
  let content: string;
  try {
    content = await readFile(file, 'utf8');
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw validationError(`cannot read ${file}: ${reason}`);
  }
  return format === 'csv' ? parseCuratedCsv(content, file) : parseCuratedJsonl(content, file);
}

/** Pairs from CSV text whose header names a `question` and an `answer` column (others ignored). */
export function parseCuratedCsv(content: string, file = 'input'): CuratedPair[] {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(content.replace(/^\uFEFF/, ''), {
      columns: (header: string[]) => header.map((name) => name.trim().toLowerCase()),
      skip_empty_lines: true,
      info: true,
    });
  } catch (error) {
    throw validationError(`${file}: not valid CSV: ${(error as Error).message}`);
  }
  const first = records[0]?.record;
  if (first && !('question' in first && 'answer' in first))
    throw validationError(`${file}: the header must name the columns question and answer`);
  return records.map(({ record, info }) => checked(record, `${file}:${info.lines}`));
}

/** Pairs from JSON lines of {"question", "answer"}; blank lines are skipped. */
export function parseCuratedJsonl(content: string, file = 'input'): CuratedPair[] {
  const pairs: CuratedPair[] = [];
  content.split(/\r?\n/).forEach((line, index) => {
    if (!line.trim()) return;
    const where = `${file}:${index + 1}`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw validationError(`${where}: not valid JSON: ${(error as Error).message}`);
    }
    pairs.push(checked(value, where));
  });
  return pairs;
}

function checked(value: unknown, where: string): CuratedPair {
  const result = pair.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.');
  throw validationError(
    `${where}: ${field && issue?.code === 'invalid_type' ? `${field} is missing or not text` : issue?.message}`,
  );
}
