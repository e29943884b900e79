// Scores the chat pipeline end to end on "does the right page come back among the citations":
// each question runs through the turn runner exactly as a client's turn would (admitted, accounted
// and recorded),
// and each citation's source is compared with the page(s) that truly answer it.
// Question files are JSONL, one `{"question": "...", "expected": ["Page.md"]}` per line; an
// expected page is a file name (any folder) or, for manuals whose folders repeat file names
// (`tutorial/index.html`, `library/index.html`), a path relative to the docs folder.
import path from 'node:path';
import { z } from 'zod';
import type { TurnContext, TurnRunner } from '../../orchestrator/index.js';
import { parseJsonLines } from '../json-lines.js';

const questionLine = z.object({
  question: z.string().trim().min(1),
  expected: z.array(z.string().trim().min(1)).min(1),
});

export interface CitationQuestion {
  question: string;
  /** Pages that answer the question: file names, or `/`-separated paths relative to the docs folder. */
  expected: string[];
}

/** A question as read from a file, with the 1-based line it came from. */
export interface NumberedCitationQuestion extends CitationQuestion {
  line: number;
}

export interface CitationMiss {
  question: string;
  expected: string[];
  /** The first three citations' pages (relative to the docs folder when under it), in citation order. */
  got: string[];
  /** How the turn answered (`extractive`, `not_found`, `refused`, ...). */
  mode: string;
  /**
   * With `explain`: the pages of the passages retrieval found for the question, best first, each
   * once, and the 1-based rank among them of the first expected page (0 when none was found).
   */
  retrieved?: { pages: string[]; expectedRank: number };
}

/** What retrieval finds for a question (the sources of its passages, best first), to explain misses. */
export type ExplainRetrieval = (question: string) => Promise<{ source: string | null; title: string }[]>;

export interface CitationScores {
  questions: number;
  /** Share of questions whose first citation is an expected page. */
  hitAt1: number;
  /** Share of questions with an expected page among the first three citations. */
  hitAt3: number;
  /** Mean reciprocal rank of the first expected page among the citations (0 when absent). */
  mrr: number;
  /** Questions with no expected page among the first three citations. */
  misses: CitationMiss[];
  /** Whole-turn latency (start to settled), per question. */
  latencyMs: { p50: number; p99: number };
}

/** Parses a JSONL question file's text; a bad line fails with `file:line` named. Blank lines are skipped. */
export function parseCitationQuestions(text: string, file: string): NumberedCitationQuestion[] {
  return parseJsonLines(text, file, questionLine, '{"question": string, "expected": [string, ...]}').map(
    ({ record, line }) => ({ ...record, line }),
  );
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/**
 * The names a citation's page answers to: the basename of its source (else its title) and, when
 * the source lies under `root`, its `/`-separated path relative to `root`. The first is the one shown.
 */
export function pageNames(citation: { source: string | null; title: string }, root?: string): string[] {
  if (!citation.source) return [citation.title];
  const base = path.basename(citation.source);
  if (root === undefined) return [base];
  const relative = path.relative(root, citation.source);
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return [base];
  const slashed = relative.split(path.sep).join('/');
  return slashed === base ? [base] : [slashed, base];
}

/** Runs every question, one at a time (so latencies are not inflated by each other), and scores the citations. */
export async function evaluateCitations(
  turns: Pick<TurnRunner, 'start'>,
  context: TurnContext,
  questions: CitationQuestion[],
  /** The docs folder, so expected pages may be given as paths relative to it. */
  root?: string,
  explain?: ExplainRetrieval,
): Promise<CitationScores> {
  let hits1 = 0;
  let hits3 = 0;
  let reciprocal = 0;
  const misses: CitationMiss[] = [];
  const latencies: number[] = [];
  for (const { question, expected } of questions) {
    const started = performance.now();
    const turn = await turns.start({ tenantId: context.caller.tenantId, message: question }, context);
    const result = await turn.complete();
    latencies.push(performance.now() - started);
    const pages = result.citations.map((citation) => pageNames(citation, root));
    const wanted = new Set(expected);
    const rank = pages.findIndex((names) => names.some((name) => wanted.has(name))) + 1;
    if (rank === 1) hits1++;
    if (rank >= 1 && rank <= 3) hits3++;
    else {
      const miss: CitationMiss = {
        question,
        expected,
        got: pages.slice(0, 3).map((names) => names[0]!),
        mode: result.mode,
      };
      if (explain) {
        const found = (await explain(question)).map((passage) => pageNames(passage, root));
        const seen = new Set<string>();
        const unique = found.filter((names) => !seen.has(names[0]!) && seen.add(names[0]!));
        const expectedRank = unique.findIndex((names) => names.some((name) => wanted.has(name))) + 1;
        miss.retrieved = { pages: unique.map((names) => names[0]!), expectedRank };
      }
      misses.push(miss);
    }
    if (rank >= 1) reciprocal += 1 / rank;
  }
  const n = Math.max(questions.length, 1);
  latencies.sort((a, b) => a - b);
  return {
    questions: questions.length,
    hitAt1: hits1 / n,
    hitAt3: hits3 / n,
    mrr: reciprocal / n,
    misses,
    latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) },
  };
}
