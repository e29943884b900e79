// Where the benchmarks find the repository, the shared data and the question set, and which
// commit they measure.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** The Fastify documentation (Markdown), outside the repo in the shared data folder. */
export const FASTIFY_DOCS_DIR = path.resolve(REPO_ROOT, '../shared/data/fastify-docs');
export const QUESTIONS_FILE = path.join(REPO_ROOT, 'examples', 'eval', 'fastify-questions.jsonl');
export const RESULTS_DIR = path.join(REPO_ROOT, 'bench', 'results');

/** The developer questions about Fastify, in file order. */
export function loadQuestions(): string[] {
  const questions = readFileSync(QUESTIONS_FILE, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as { question: string }).question);
  if (questions.length === 0) throw new Error(`no questions in ${QUESTIONS_FILE}`);
  return questions;
}

/** The short commit, marked when src/ has uncommitted changes. */
export function commitLine(): string {
  try {
    const git = (...args: string[]) => execFileSync('git', args, { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const commit = git('rev-parse', '--short', 'HEAD');
    return git('status', '--porcelain', 'src') ? `${commit} (src/ has uncommitted changes)` : commit;
  } catch {
    return 'unknown';
  }
}
