// The classic test collections (Cranfield, CISI, CACM) in the SMART layout they are distributed
// in — records opened by `.I <id>`, fields by a line holding `.T` (title), `.W` (text), `.A`
// (authors), … — and their relevance files, turned into the BEIR layout `readBeirDataset` reads.
// Each collection has its quirks, kept here in one table: Cranfield's queries are numbered 1–365
// with gaps in cran.qry while its judgements number them 1–225 in file order, and its grades run
// the wrong way (1 is "a complete answer", 4 "of minimum interest", -1 unexplained); CACM pads
// query ids with a zero ("01") and ends its queries with an empty `.I 0` record.
import { ParleyError } from '../../errors/index.js';
import type { BeirDocument } from './beir-dataset.js';

export interface SmartRecord {
  id: string;
  /** Field letter -> its text, whitespace collapsed. */
  fields: Map<string, string>;
}

/** The records of a SMART-format file, in file order. */
export function parseSmartRecords(text: string): SmartRecord[] {
  const records: SmartRecord[] = [];
  let field: string | undefined;
  let lines: string[] = [];
  const close = () => {
    const record = records.at(-1);
    if (record && field) {
      const value = lines.join(' ').replace(/\s+/g, ' ').trim();
      if (value) record.fields.set(field, value);
    }
    lines = [];
  };
  for (const line of text.split(/\r?\n/)) {
    const opening = /^\.I\s+(\S+)\s*$/.exec(line);
    const marker = /^\.([A-Z])\s*$/.exec(line);
    if (opening) {
      close();
      field = undefined;
      records.push({ id: String(Number(opening[1])), fields: new Map() });
    } else if (marker && records.length > 0) {
      close();
      field = marker[1];
    } else if (field) {
      lines.push(line);
    }
  }
  close();
  return records;
}

export interface Judgement {
  queryId: string;
  docId: string;
  /** > 0: relevant, higher is more relevant (BEIR's convention). */
  score: number;
}

export interface ClassicCollection {
  /** The files of the collection as distributed, by role. */
  files: { corpus: string; queries: string; qrels: string };
  /** The BEIR document of a corpus record. */
  document(record: SmartRecord): BeirDocument;
  /** The ids the judgements give the query records, in file order. */
  queryIds(records: SmartRecord[]): string[];
  /** A line of the relevance file as a judgement; undefined for a line that judges nothing relevant. */
  judgement(columns: string[]): Judgement | undefined;
}

const text = (record: SmartRecord, ...letters: string[]) =>
  letters
    .map((letter) => record.fields.get(letter))
    .filter(Boolean)
    .join(' ');

/** Title and abstract, as every collection here has them; a record without an abstract is its title. */
const titleAndAbstract =
  (...letters: string[]) =>
  (record: SmartRecord): BeirDocument => {
    const title = text(record, 'T');
    return { id: record.id, title, text: text(record, ...letters) || title };
  };

const byOwnId = (records: SmartRecord[]) => records.map((record) => record.id);
const binary = ([queryId, docId]: string[]): Judgement | undefined =>
  queryId && docId ? { queryId: String(Number(queryId)), docId: String(Number(docId)), score: 1 } : undefined;

export const CLASSIC_COLLECTIONS = {
  cranfield: {
    files: { corpus: 'cran.all.1400', queries: 'cran.qry', qrels: 'cranqrel' },
    document: titleAndAbstract('W'),
    // The judgements number the queries 1..225 in file order, not by their `.I`.
    queryIds: (records) => records.map((_, index) => String(index + 1)),
    judgement: ([queryId, docId, code]) => {
      const grade = Number(code);
      // Cleverdon's codes: 1 = a complete answer … 4 = of minimum interest; -1 is not explained.
      if (!queryId || !docId || !(grade >= 1 && grade <= 4)) return undefined;
      return { queryId: String(Number(queryId)), docId: String(Number(docId)), score: 5 - grade };
    },
  },
  cisi: {
    files: { corpus: 'CISI.ALL', queries: 'CISI.QRY', qrels: 'CISI.REL' },
    document: titleAndAbstract('W'),
    queryIds: byOwnId,
    judgement: binary,
  },
  cacm: {
    files: { corpus: 'cacm.all', queries: 'query.text', qrels: 'qrels.text' },
    // Half of CACM's records have no abstract; the keywords (`.K`) are part of the entry.
    document: titleAndAbstract('W', 'K'),
    queryIds: byOwnId,
    judgement: binary,
  },
} satisfies Record<string, ClassicCollection>;

export type ClassicCollectionName = keyof typeof CLASSIC_COLLECTIONS;

export interface ConvertedCollection {
  corpus: BeirDocument[];
  queries: { id: string; text: string }[];
  qrels: Judgement[];
}

/** A classic collection's three files (their text) in the BEIR shape. */
export function convertClassicCollection(
  name: ClassicCollectionName,
  files: { corpus: string; queries: string; qrels: string },
): ConvertedCollection {
  const collection: ClassicCollection = CLASSIC_COLLECTIONS[name];
  const corpus = parseSmartRecords(files.corpus).map((record) => collection.document(record));
  const queryRecords = parseSmartRecords(files.queries);
  const ids = collection.queryIds(queryRecords);
  // A query record without text (CACM's closing `.I 0`) is no query.
  const queries = queryRecords.flatMap((record, index) => {
    const text = record.fields.get('W');
    return text ? [{ id: ids[index]!, text }] : [];
  });
  const known = { docs: new Set(corpus.map((doc) => doc.id)), queries: new Set(queries.map((q) => q.id)) };
  const qrels: Judgement[] = [];
  const seen = new Set<string>();
  files.qrels.split(/\r?\n/).forEach((line, index) => {
    if (!line.trim()) return;
    const judgement = collection.judgement(line.trim().split(/\s+/));
    if (!judgement) return;
    if (!known.queries.has(judgement.queryId) || !known.docs.has(judgement.docId)) {
      throw new ParleyError(
        'PARLEY_ERR_VALIDATION',
        `${collection.files.qrels}:${index + 1}: judges query ${judgement.queryId} / document ${judgement.docId}, which the collection does not have`,
      );
    }
    // A pair judged twice (Cranfield's file repeats a few) keeps its first grade.
    const key = `${judgement.queryId}\t${judgement.docId}`;
    if (seen.has(key)) return;
    seen.add(key);
    qrels.push(judgement);
  });
  return { corpus, queries, qrels };
}

/** The BEIR files' text: corpus.jsonl, queries.jsonl and qrels/test.tsv. */
export function beirFiles(converted: ConvertedCollection): {
  corpus: string;
  queries: string;
  qrels: string;
} {
  const jsonLines = (records: object[]) => records.map((record) => `${JSON.stringify(record)}\n`).join('');
  return {
    corpus: jsonLines(converted.corpus.map((doc) => ({ _id: doc.id, title: doc.title, text: doc.text }))),
    queries: jsonLines(converted.queries.map((query) => ({ _id: query.id, text: query.text }))),
    qrels: [
      'query-id\tcorpus-id\tscore\n',
      ...converted.qrels.map((j) => `${j.queryId}\t${j.docId}\t${j.score}\n`),
    ].join(''),
  };
}
