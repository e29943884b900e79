// A plain SQLite FTS5 index as a baseline beside Parley's retrieval (bench/manual-fts5.ts,
// bench/beir-fts5.ts): tokenizer `porter unicode61`, FTS5's own BM25 (k1 1.2, b 0.75), no column
// weights, no stop words; each question becomes an OR of its words. Runs the `sqlite3` shell
// (Debian: `apt-get install sqlite3`), so no npm dependency.
import { execFileSync } from 'node:child_process';

/** A string as an SQL literal. */
export const sqlText = (text: string) => `'${text.replace(/'/g, "''")}'`;

/** The question as an FTS5 query: any of its words, each quoted (so no word is read as an operator). */
export function ftsQuery(question: string): string | undefined {
  const words = question.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return words.length ? [...new Set(words)].map((word) => `"${word}"`).join(' OR ') : undefined;
}

/** Runs the statements in one in-memory database; the tab-separated rows printed and the time taken. */
export function runSqlite(statements: string[], sqlite = 'sqlite3'): { rows: string[][]; seconds: number } {
  const started = performance.now();
  const output = execFileSync(sqlite, ['-batch', ':memory:'], {
    input: ['.mode tabs', ...statements].join('\n'),
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  const rows = output
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => line.split('\t'));
  return { rows, seconds: (performance.now() - started) / 1000 };
}
