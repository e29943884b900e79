// Baseline (not a test): how a plain SQLite FTS5 index over whole pages does on a citation question
// set, for comparison with `parley eval citations` on the same folder and the same questions.
//
//   npx tsx bench/manual-fts5.ts --questions examples/eval/git-questions.jsonl --docs /tmp/manuals/git
//
// Every supported file under --docs is read by Parley's own parser (so both sides index the same
// text: title, headings, section bodies, code), and stored as one row per page in an FTS5 table
// (tokenizer `porter unicode61`, default BM25, no column weights, no stop words). Each question
// becomes an OR of its words, each quoted; the first three pages by BM25 are compared with the
// expected pages exactly as `parley eval citations` compares citations (file name, or path
// relative to --docs). Uses the `sqlite3` command-line shell (Debian: `apt-get install sqlite3`),
// so no npm dependency: prints hit@1, hit@3 and MRR (over the first ten pages), then the misses.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { collectFiles } from '../src/cli/collect-files.js';
import { pageNames, parseCitationQuestions } from '../src/eval/index.js';
import { detectFormat, parseDocument } from '../src/knowledge/parse/index.js';
import { ftsQuery, runSqlite, sqlText } from './support/fts5.js';

const { values } = parseArgs({
  options: {
    questions: { type: 'string' },
    docs: { type: 'string' },
    sqlite: { type: 'string', default: 'sqlite3' },
  },
});
if (!values.questions || !values.docs) {
  process.stderr.write(
    'usage: npx tsx bench/manual-fts5.ts --questions FILE.jsonl --docs DIR [--sqlite sqlite3]\n',
  );
  process.exit(2);
}

async function main(docs: string, questionFile: string, sqlite: string): Promise<void> {
  const root = path.resolve(docs);
  const questions = parseCitationQuestions(await readFile(questionFile, 'utf8'), questionFile);
  const { files } = await collectFiles([root]);
  const statements = [
    "CREATE VIRTUAL TABLE pages USING fts5(page UNINDEXED, body, tokenize = 'porter unicode61');",
    'BEGIN;',
  ];
  let failed = 0;
  for (const file of files) {
    const format = detectFormat(file);
    if (!format) continue;
    try {
      const doc = await parseDocument({ bytes: await readFile(file), format, filename: path.basename(file) });
      const body = [doc.title, ...doc.sections.map((s) => `${s.headingPath.join(' > ')}\n${s.text}`)].join(
        '\n\n',
      );
      statements.push(`INSERT INTO pages VALUES (${sqlText(file)}, ${sqlText(body)});`);
    } catch {
      failed++;
    }
  }
  statements.push('COMMIT;');
  questions.forEach(({ question }, index) => {
    const query = ftsQuery(question);
    if (query)
      statements.push(
        `SELECT ${index}, page FROM pages WHERE pages MATCH ${sqlText(query)} ORDER BY rank LIMIT 10;`,
      );
  });
  const { rows, seconds } = runSqlite(statements, sqlite);
  const ranked = questions.map(() => [] as string[][]);
  for (const [index, page] of rows) {
    if (index !== undefined && page)
      ranked[Number(index)]!.push(pageNames({ source: page, title: '' }, root));
  }
  let hit1 = 0;
  let hit3 = 0;
  let reciprocal = 0;
  const misses: string[] = [];
  questions.forEach(({ question, expected }, index) => {
    const wanted = new Set(expected);
    const pages = ranked[index]!;
    const rank = pages.findIndex((names) => names.some((name) => wanted.has(name))) + 1;
    if (rank === 1) hit1++;
    if (rank >= 1 && rank <= 3) hit3++;
    else
      misses.push(
        `  - ${question}\n      expected: ${expected.join(', ')}\n      got:      ${
          pages
            .slice(0, 3)
            .map((names) => names[0])
            .join(', ') || '(nothing)'
        }`,
      );
    if (rank >= 1) reciprocal += 1 / rank;
  });
  const n = questions.length;
  const f = (value: number) => value.toFixed(4);
  process.stdout.write(
    [
      `baseline:   SQLite FTS5 (porter unicode61, BM25), one row per page, question words OR-ed`,
      `pages:      ${files.length - failed} indexed${failed ? `, ${failed} unreadable` : ''}; index and ${n} queries in ${seconds.toFixed(1)} s`,
      `hit@1:      ${f(hit1 / n)}`,
      `hit@3:      ${f(hit3 / n)}`,
      `MRR@10:     ${f(reciprocal / n)}`,
      `misses:     ${misses.length} (expected page not among the first three)`,
      ...misses,
      `hit@1=${f(hit1 / n)} hit@3=${f(hit3 / n)} mrr=${f(reciprocal / n)}`,
      '',
    ].join('\n'),
  );
}

main(values.docs, values.questions, values.sqlite!).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
