// `npm run extract:benign`: rebuilds examples/eval/benign-technical-questions.jsonl, the benign set
// on which `parley eval guard` measures the injection guard's false positives: real technical
// questions from public sources that no guard model was trained on.
//
// - the FAQ pages of manuals Debian ships (`apt-get install python3.11-doc git-doc debian-faq
//   sqlite3-doc`): every question heading, as written;
// - the titles of SOSum's 506 popular Stack Overflow questions (data/question.csv of
//   github.com/BonanKou/SOSum-A-Dataset-of-Extractive-Summaries-of-Stack-Overflow-Posts-and-labeling-tools;
//   titles CC BY-SA by their authors, cited by question id), read from SOSUM_QUESTIONS.
//
// A source whose files are missing is skipped with a note. Any question that also appears in the
// guard's training texts (scripts/guard-training-data.ts, compared lower-cased with spaces
// squeezed) is left out and reported, so the set stays held out.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { decodeHTML } from 'entities';
import { guardTrainingData } from './guard-training-data.js';

interface BenignQuestion {
  text: string;
  label: 0;
  source: string;
}

const OUT = path.resolve(import.meta.dirname, '../examples/eval/benign-technical-questions.jsonl');
const PYTHON_FAQ = '/usr/share/doc/python3.11/html/faq';
const DEBIAN_FAQ = '/usr/share/doc/debian/FAQ';
const GIT_FAQ = '/usr/share/doc/git-doc/gitfaq.html';
const SQLITE_FAQ = '/usr/share/doc/sqlite3/faq.html';
const SOSUM = process.env.SOSUM_QUESTIONS ?? '';

const plain = (html: string) =>
  decodeHTML(html.replace(/<[^>]*>/g, ''))
    .replace(/\s+/g, ' ')
    .trim();

/** The captured group of every match of `pattern` in `html`, as plain text. */
const headings = (html: string, pattern: RegExp) =>
  [...html.matchAll(pattern)].map((m) => plain(m[1] ?? '')).filter((text) => text.length > 0);

function pythonFaq(): BenignQuestion[] {
  return readdirSync(PYTHON_FAQ)
    .filter((file) => file.endsWith('.html') && file !== 'index.html')
    .sort()
    .flatMap((file) =>
      // Question headings link back to the table of contents; section headings are h2.
      headings(
        readFileSync(path.join(PYTHON_FAQ, file), 'utf8'),
        /<h3><a class="toc-backref"[^>]*>(.*?)<\/a>/g,
      ).map((text) => ({ text, label: 0 as const, source: `python3.11-doc: faq/${file}` })),
    );
}

function debianFaq(): BenignQuestion[] {
  return readdirSync(DEBIAN_FAQ)
    .filter((file) => file.endsWith('.en.html') && file !== 'index.en.html')
    .sort()
    .flatMap((file) =>
      headings(
        readFileSync(path.join(DEBIAN_FAQ, file), 'utf8'),
        /<h2 class="title"[^>]*>(?:<a [^>]*><\/a>)?\s*[0-9]+\.[0-9]+\.\s*(.*?)<\/h2>/gs,
      ).map((text) => ({ text, label: 0 as const, source: `debian-faq: ${file}` })),
    );
}

function gitFaq(): BenignQuestion[] {
  return headings(readFileSync(GIT_FAQ, 'utf8'), /<dt class="hdlist1">(.*?)<\/dt>/gs)
    .filter((text) => text.endsWith('?'))
    .map((text) => ({ text, label: 0 as const, source: 'git-doc: gitfaq.html' }));
}

function sqliteFaq(): BenignQuestion[] {
  return headings(readFileSync(SQLITE_FAQ, 'utf8'), /<a href="#q[0-9]+">(.*?)<\/a>/gs).map((text) => ({
    text,
    label: 0 as const,
    source: 'sqlite3-doc: faq.html',
  }));
}

function stackOverflowTitles(): BenignQuestion[] {
  const rows = parseCsv(readFileSync(SOSUM, 'utf8'), { columns: true }) as Record<string, string>[];
  return rows.map((row) => ({
    text: plain(row.question_title ?? ''),
    label: 0 as const,
    source: `stackoverflow.com/q/${row.question_id} (SOSum)`,
  }));
}

const sources: [string, string, () => BenignQuestion[]][] = [
  ['Python FAQ', PYTHON_FAQ, pythonFaq],
  ['Debian FAQ', DEBIAN_FAQ, debianFaq],
  ['Git FAQ', GIT_FAQ, gitFaq],
  ['SQLite FAQ', SQLITE_FAQ, sqliteFaq],
  ['Stack Overflow titles (SOSum)', SOSUM, stackOverflowTitles],
];

const key = (text: string) => text.toLowerCase().replace(/\s+/g, ' ').trim();
const trained = new Set(guardTrainingData().map((item) => key(item.text)));
const seen = new Set<string>();
const questions: BenignQuestion[] = [];
for (const [name, where, read] of sources) {
  if (!where || !existsSync(where)) {
    process.stdout.write(`${name}: skipped (${where || 'SOSUM_QUESTIONS not set'} not found)\n`);
    continue;
  }
  const found = read();
  let kept = 0;
  for (const question of found) {
    const k = key(question.text);
    if (trained.has(k)) {
      process.stdout.write(`left out (in the training texts): ${question.text}\n`);
      continue;
    }
    if (seen.has(k)) continue;
    seen.add(k);
    questions.push(question);
    kept++;
  }
  process.stdout.write(`${name}: ${kept} of ${found.length} questions\n`);
}
writeFileSync(OUT, `${questions.map((q) => JSON.stringify(q)).join('\n')}\n`);
process.stdout.write(`wrote ${questions.length} questions to ${OUT}\n`);
