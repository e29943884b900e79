// Scores PII detection against span-labelled data in the Presidio evaluation format
// (`[{full_text, spans: [{entity_type, start_position, end_position}]}]`).
import { z } from 'zod';
import { detectPii } from '../../guard/pii/detect-pii.js';
import { PII_TYPES, type PiiType } from '../../guard/pii/pii-types.js';

/** Presidio entity labels that correspond to Parley's types; other labels are not scored. */
export const PRESIDIO_LABELS: Record<string, PiiType> = {
  CREDIT_CARD: 'card',
  EMAIL_ADDRESS: 'email',
  PHONE_NUMBER: 'phone',
  IBAN_CODE: 'iban',
  US_SSN: 'ssn',
  IP_ADDRESS: 'ip',
};

const presidioRecords = z.array(
  z.object({
    full_text: z.string(),
    spans: z.array(
      z.object({ entity_type: z.string(), start_position: z.number(), end_position: z.number() }),
    ),
  }),
);

/** One text with its labelled spans, in Parley's types. */
export interface SpanRecord {
  text: string;
  spans: { type: PiiType; start: number; end: number }[];
}

/** Parses a Presidio-format JSON file's content, keeping the spans of types Parley detects. */
export function parsePresidioRecords(content: string): SpanRecord[] {
  return presidioRecords.parse(JSON.parse(content)).map((record) => ({
    text: record.full_text,
    spans: record.spans.flatMap((span) => {
      const type = PRESIDIO_LABELS[span.entity_type];
      return type ? [{ type, start: span.start_position, end: span.end_position }] : [];
    }),
  }));
}

/** Precision and recall of one type: a prediction counts when it overlaps a labelled span of its type. */
export interface TypeScore {
  type: PiiType;
  labelled: number;
  predicted: number;
  precision: number;
  recall: number;
  /** Labelled spans missed and predictions with no label, by record index, for inspection. */
  misses: { record: number; start: number; end: number }[];
  falseAlarms: { record: number; start: number; end: number }[];
}

export function scorePii(records: SpanRecord[]): TypeScore[] {
  const tallies = new Map(PII_TYPES.map((type) => [type, emptyTally(type)]));
  records.forEach((record, index) => {
    const found = detectPii(record.text);
    const overlaps = (a: { start: number; end: number }, b: { start: number; end: number }) =>
      a.start < b.end && b.start < a.end;
    for (const span of record.spans) {
      const tally = tallies.get(span.type)!;
      tally.labelled++;
      if (found.some((f) => f.type === span.type && overlaps(f, span))) tally.hits++;
      else tally.misses.push({ record: index, start: span.start, end: span.end });
    }
    for (const finding of found) {
      const tally = tallies.get(finding.type)!;
      tally.predicted++;
      if (record.spans.some((s) => s.type === finding.type && overlaps(s, finding))) tally.correct++;
      else tally.falseAlarms.push({ record: index, start: finding.start, end: finding.end });
    }
  });
  return [...tallies.values()].map(({ hits, correct, ...tally }) => ({
    ...tally,
    precision: tally.predicted === 0 ? 1 : correct / tally.predicted,
    recall: tally.labelled === 0 ? 1 : hits / tally.labelled,
  }));
}

function emptyTally(type: PiiType) {
  return {
    type,
    labelled: 0,
    predicted: 0,
    hits: 0,
    correct: 0,
    misses: [] as TypeScore['misses'],
    falseAlarms: [] as TypeScore['falseAlarms'],
  };
}
