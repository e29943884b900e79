// An answer read as a reader reads it, and scored SQuAD's way against gold answers: the labels
// Parley puts above answers written without a model, code blocks and `[n]` citation markers set
// aside; text normalised as SQuAD's official script does (lower case, no punctuation, no
// articles, single spaces), so "the Normans." and "Normans" are the same answer.
import { DEGRADED_LABEL, EXTRACTIVE_LABEL } from '../../orchestrator/index.js';

const LABELS = [EXTRACTIVE_LABEL, DEGRADED_LABEL];
const FENCED_CODE = /^\s*(```|~~~)[^\n]*\n[\s\S]*?^\s*\1[ \t]*$/gm;
/** A citation marker as answers write them: `[1]`, `[2][3]`, `[1, 2]`. */
export const CITATION_MARKER = /\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]/g;

/** The answer without its label (extractive and degraded answers) and without code blocks. */
export function answerProse(answer: string): string {
  let text = answer;
  for (const label of LABELS) if (text.startsWith(label)) text = text.slice(label.length);
  return text.replace(FENCED_CODE, ' ').trim();
}

/** The answer's words as SQuAD compares them: no label, no code, no citation markers. */
export function answerWords(answer: string): string {
  return answerProse(answer).replace(CITATION_MARKER, ' ');
}

/** SQuAD's `normalize_answer`: lower case, punctuation and articles removed, whitespace single. */
export function normalizeAnswer(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\p{P}\p{S}]/gu, '')
    .replace(/\b(a|an|the)\b/g, ' ')
    .split(/\s+/)
    .filter(Boolean)
    .join(' ');
}

/** Whether any gold answer occurs in the answer, whole words, after normalising both. */
export function containsAnswer(answer: string, golds: readonly string[]): boolean {
  const said = ` ${normalizeAnswer(answerWords(answer))} `;
  return golds.some((gold) => {
    const wanted = normalizeAnswer(gold);
    return wanted !== '' && said.includes(` ${wanted} `);
  });
}

/** SQuAD's token F1 of the answer against its best-matching gold answer (0 with no gold). */
export function tokenF1(answer: string, golds: readonly string[]): number {
  const predicted = normalizeAnswer(answerWords(answer)).split(' ').filter(Boolean);
  let best = 0;
  for (const gold of golds) {
    const wanted = normalizeAnswer(gold).split(' ').filter(Boolean);
    const counts = new Map<string, number>();
    for (const token of wanted) counts.set(token, (counts.get(token) ?? 0) + 1);
    let common = 0;
    for (const token of predicted) {
      const left = counts.get(token) ?? 0;
      if (left > 0) {
        common++;
        counts.set(token, left - 1);
      }
    }
    if (common === 0) continue;
    const precision = common / predicted.length;
    const recall = common / wanted.length;
    best = Math.max(best, (2 * precision * recall) / (precision + recall));
  }
  return best;
}

/** One sentence of an answer and the passage numbers it cites (1-based, as written). */
export interface AnswerSentence {
  /** The sentence without its citation markers. */
  text: string;
  citations: number[];
}

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });
const ONLY_MARKERS = /^(?:\s*\[\d{1,3}(?:\s*,\s*\d{1,3})*\])+[\s.,;:]*$/;

/**
 * The answer's sentences (label and code set aside), each with the passages it cites. A line is
 * a list item or a paragraph; a marker written after a sentence's full stop ("France. [1]")
 * belongs to that sentence.
 */
export function answerSentences(answer: string): AnswerSentence[] {
  const out: AnswerSentence[] = [];
  for (const line of answerProse(answer).split('\n')) {
    const item = line.replace(/^\s*(?:[-*+]|\d+[.)])\s+/, '').trim();
    if (!item) continue;
    for (const { segment } of segmenter.segment(item)) {
      const citations = [...segment.matchAll(CITATION_MARKER)].flatMap((match) =>
        match[1]!.split(',').map((n) => Number(n.trim())),
      );
      const last = out.at(-1);
      if (ONLY_MARKERS.test(segment) && last) {
        last.citations.push(...citations);
        continue;
      }
      const text = segment
        .replace(CITATION_MARKER, ' ')
        .replace(/\s+/g, ' ')
        .replace(/ ([.,;:!?])/g, '$1')
        .trim();
      if (text) out.push({ text, citations });
    }
  }
  return out;
}
