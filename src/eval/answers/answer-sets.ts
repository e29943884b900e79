// The question sets `parley eval answers` reads, as documents to ingest and questions to ask:
// SQuAD v2 (one JSON line per question: its paragraph, gold answers, and `is_impossible` for the
// unanswerable ones) and RGB's counterfactual set (one JSON line per query: passages stating a
// false answer, the false answer and the true one). A question is asked where its documents are:
// its `scope` (SQuAD: one for the whole set; RGB: one per query, so that no query sees another's
// passages). Every line is validated; a bad one fails with its file and line named.
import { z } from 'zod';
import { parseJsonLines } from '../json-lines.js';

/** A document to ingest: into `scope`, titled, with a key unique within the set. */
export interface SetDocument {
  key: string;
  scope: string;
  title: string;
  text: string;
}

/** A question of a SQuAD set: gold answers, none when it cannot be answered from its paragraph. */
export interface SquadQuestion {
  kind: 'squad';
  id: string;
  scope: string;
  question: string;
  answers: string[];
  answerable: boolean;
}

/** A query of RGB's counterfactual set: its passages state `fake`; `answers` are the true answer's forms. */
export interface CounterfactualQuestion {
  kind: 'counterfactual';
  id: string;
  scope: string;
  question: string;
  answers: string[];
  fake: string;
}

export type SetQuestion = SquadQuestion | CounterfactualQuestion;

export interface AnswerSet {
  documents: SetDocument[];
  questions: SetQuestion[];
}

const squadLine = z.object({
  id: z.coerce.string(),
  title: z.string(),
  question: z.string().trim().min(1),
  context: z.string().min(1),
  answers: z.array(z.string()),
  is_impossible: z.boolean(),
});

// RGB writes an answer as a string, or as a list whose items are forms of it (or lists of forms).
const rgbAnswer = z.union([z.string(), z.array(z.union([z.string(), z.array(z.string())]))]);
const rgbLine = z.object({
  id: z.coerce.string(),
  query: z.string().trim().min(1),
  answer: rgbAnswer,
  fakeanswer: z.string().min(1),
  positive_wrong: z.array(z.string()).min(1),
});

/** The records of a JSON-lines set. */
const jsonLines = <T>(text: string, file: string, schema: z.ZodType<T>, shape: string): T[] =>
  parseJsonLines(text, file, schema, shape).map(({ record }) => record);

/**
 * SQuAD v2 as flat JSON lines: each distinct paragraph one document (titled by its article), all
 * in one scope; the first `limit` questions.
 */
export function parseSquadSet(text: string, file: string, limit?: number): AnswerSet {
  const lines = jsonLines(text, file, squadLine, '{id, title, question, context, answers, is_impossible}');
  const chosen = lines.slice(0, limit);
  const paragraphs = new Map<string, SetDocument>();
  for (const line of chosen) {
    if (!paragraphs.has(line.context)) {
      paragraphs.set(line.context, {
        key: `p${paragraphs.size + 1}`,
        scope: 'squad',
        title: line.title.replace(/_/g, ' '),
        text: line.context,
      });
    }
  }
  return {
    documents: [...paragraphs.values()],
    questions: chosen.map((line) => ({
      kind: 'squad',
      id: line.id,
      scope: 'squad',
      question: line.question,
      answers: line.answers,
      answerable: !line.is_impossible && line.answers.length > 0,
    })),
  };
}

/**
 * RGB's counterfactual set (en_fact.json, JSON lines): each query's counterfactual passages (the
 * ones stating its false answer, as RGB's counterfactual setting gives them) as documents in a
 * scope of the query's own; the first `limit` queries.
 */
export function parseCounterfactualSet(text: string, file: string, limit?: number): AnswerSet {
  const lines = jsonLines(text, file, rgbLine, '{id, query, answer, fakeanswer, positive_wrong}');
  const documents: SetDocument[] = [];
  const questions: SetQuestion[] = [];
  for (const line of lines.slice(0, limit)) {
    const scope = `rgb-${line.id}`;
    line.positive_wrong.forEach((passage, index) => {
      documents.push({ key: `${scope}-${index + 1}`, scope, title: `Passage ${index + 1}`, text: passage });
    });
    const answers = typeof line.answer === 'string' ? [line.answer] : line.answer.flat();
    questions.push({
      kind: 'counterfactual',
      id: line.id,
      scope,
      question: line.query,
      answers,
      fake: line.fakeanswer,
    });
  }
  return { documents, questions };
}
