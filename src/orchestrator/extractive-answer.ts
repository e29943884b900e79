// The answer Parley gives without a language model: the retrieved sentences that best match the
// question, each cited, and labelled as extracted rather than generated.
import type { RetrievedChunk } from '../knowledge/index.js';

/** A citation as the API returns it. */
export interface Citation {
  document_id: string;
  title: string;
  source: string | null;
  snippet: string;
  chunk_id: number;
  score: number;
}

export interface ExtractiveAnswer {
  text: string;
  citations: Citation[];
  /** The sentences used, with the citation number each carries. */
  sentences: { text: string; citation: number; score: number }[];
}

export const EXTRACTIVE_LABEL =
  'Extractive answer (no language model is configured): passages from your documents.';
/** Used when models are configured but none of them answered. */
export const DEGRADED_LABEL =
  'Degraded answer (no language model is available right now): passages from your documents.';
export const NOTHING_FOUND = 'I could not find anything about that in the knowledge base.';

const STOPWORDS = new Set(
  `a an and are as at be by can do does for from has have how i if in into is it its me my of on or our so than
  that the their them then there these they this to was we what when where which who why will with would you your
  about after all also any been but each get got had he her his more most not only other out over same she should
  some such use used using via may might must just like make need want tell explain please`.split(/\s+/),
);

/** The content words of a text, lower-cased and lightly stemmed, without stop words. */
export function contentTerms(text: string): string[] {
  return (text.toLowerCase().match(/[\p{L}\p{N}_]+/gu) ?? [])
    .filter((term) => term.length > 1 && !STOPWORDS.has(term))
    .map(stem);
}

// A light suffix stripper: enough to match "plugins"/"plugin" and "hooks"/"hook".
function stem(term: string): string {
  if (term.length > 4 && term.endsWith('ies')) return `${term.slice(0, -3)}y`;
  if (term.length > 5 && term.endsWith('ing')) return term.slice(0, -3);
  if (term.length > 3 && term.endsWith('s') && !term.endsWith('ss')) return term.slice(0, -1);
  return term;
}

function plainProse(text: string): string {
  return text
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/~~~[\s\S]*?~~~/g, ' ')
    .replace(/!\[[^\]]*\]\([^)]*\)/g, ' ')
    .replace(/\[([^\]]+)\]\([^)]*\)/g, '$1')
    .replace(/^\s{0,3}(#{1,6}|[-*+]|\d+\.|>)\s+/gm, '')
    .replace(/[*_]{1,3}([^*_\n]+)[*_]{1,3}/g, '$1')
    .replace(/<[^>]+>/g, ' ');
}

const segmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

function sentencesOf(text: string): string[] {
  const out: string[] = [];
  for (const paragraph of plainProse(text).split(/\n\s*\n/)) {
    for (const { segment } of segmenter.segment(paragraph.replace(/\s+/g, ' ').trim())) {
      const sentence = segment.trim();
      const words = sentence.split(' ').length;
      if (words >= 4 && words <= 80 && /[\p{L}]/u.test(sentence)) out.push(sentence);
    }
  }
  return out;
}

/**
 * Picks up to `maxSentences` sentences from the top chunks: each scored by the question terms it
 * contains (rarer terms weigh more) plus a bonus for its chunk's retrieval rank.
 */
export function extractiveAnswer(
  question: string,
  chunks: RetrievedChunk[],
  maxSentences = 3,
  label = EXTRACTIVE_LABEL,
): ExtractiveAnswer {
  const candidates = chunks.slice(0, 5);
  if (candidates.length === 0) return { text: NOTHING_FOUND, citations: [], sentences: [] };
  const queryTerms = new Set(contentTerms(question));
  const scored: { text: string; chunkIndex: number; score: number; order: number }[] = [];
  const documentFrequency = new Map<string, number>();
  const perSentenceTerms: Set<string>[] = [];
  candidates.forEach((chunk, chunkIndex) => {
    for (const sentence of sentencesOf(chunk.text)) {
      const present = new Set(contentTerms(sentence).filter((term) => queryTerms.has(term)));
      for (const term of present) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
      perSentenceTerms.push(present);
      scored.push({ text: sentence, chunkIndex, score: 0, order: scored.length });
    }
  });
  const total = Math.max(scored.length, 1);
  scored.forEach((sentence, index) => {
    let score = 0;
    for (const term of perSentenceTerms[index]!) {
      score += Math.log(1 + total / (documentFrequency.get(term) ?? 1));
    }
    sentence.score = score > 0 ? score + 1 / (sentence.chunkIndex + 1) : 0;
  });

  // Retrieval's first passage always contributes its best sentence (the ranker saw the whole
  // passage; the sentence scorer sees only words), then the best-scoring sentences follow, at
  // most two per passage.
  const ranked = scored.sort((a, b) => b.score - a.score || a.order - b.order);
  const lead = ranked.find((sentence) => sentence.chunkIndex === 0);
  const perChunk = new Map<number, number>(lead ? [[0, 1]] : []);
  const rest = ranked
    .filter((sentence) => sentence !== lead && sentence.score > 0)
    .filter((sentence) => {
      const used = perChunk.get(sentence.chunkIndex) ?? 0;
      if (used >= 2) return false;
      perChunk.set(sentence.chunkIndex, used + 1);
      return true;
    });
  const chosen = [...(lead ? [lead] : []), ...rest].slice(0, maxSentences);

  // Citations are numbered by document, in retrieval order of the chunks they come from.
  const citations: Citation[] = [];
  const citationOf = new Map<string, number>();
  for (const chunkIndex of [...new Set(chosen.map((sentence) => sentence.chunkIndex))].sort(
    (a, b) => a - b,
  )) {
    const chunk = candidates[chunkIndex]!;
    if (citationOf.has(chunk.documentId)) continue;
    citationOf.set(chunk.documentId, citations.length + 1);
    citations.push({
      document_id: chunk.documentId,
      title: chunk.title,
      source: chunk.source,
      snippet: snippetOf(chunk.text),
      chunk_id: chunk.chunkId,
      score: chunk.score,
    });
  }
  const sentences = chosen.map((sentence) => ({
    text: sentence.text,
    citation: citationOf.get(candidates[sentence.chunkIndex]!.documentId)!,
    score: sentence.score,
  }));
  const body = sentences.map((sentence) => `- ${sentence.text} [${sentence.citation}]`).join('\n');
  return { text: `${label}\n\n${body}`, citations, sentences };
}

export function snippetOf(text: string, max = 300): string {
  const flat = plainProse(text).replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1).trimEnd()}…`;
}
