// Reads labelled intent sets: CLINC150's data_full.json (its intents mapped onto ours) and JSON
// lines `{"text", "label"}` such as examples/eval/intent-examples.jsonl, whose items are split
// into a training part and a held-out part by a hash of their text (stable when items are added).
// Pure: takes the file's content, not a path.
import { z } from 'zod';
import { INTENTS, type Intent, isIntent, mapClincIntent } from '../../orchestrator/index.js';

/** One message and its expected intent. */
export interface LabelledIntent {
  text: string;
  label: Intent;
}

const clincSchema = z.record(z.string(), z.array(z.tuple([z.string(), z.string()])));

/** CLINC's splits for a name: `test` is test + oos_test, `val` and `train` likewise. */
export const CLINC_SPLITS = ['train', 'val', 'test'] as const;
export type ClincSplit = (typeof CLINC_SPLITS)[number];

/** The items of one CLINC split (in-scope and out-of-scope), labelled with our intents. */
export function parseClinc(content: string, split: ClincSplit): LabelledIntent[] {
  const data = clincSchema.parse(JSON.parse(content));
  const parts = [split, `oos_${split}`];
  const missing = parts.filter((part) => !data[part]);
  if (missing.length > 0) throw new Error(`not a CLINC150 data file: no ${missing.join(', ')} split`);
  return parts.flatMap((part) =>
    data[part]!.map(([text, name]) => ({ text, label: mapClincIntent(name, text) })),
  );
}

const lineSchema = z.object({ text: z.string().min(1), label: z.string() });

/** Each non-blank line of `content` parsed as JSON and read by `read`; errors name the line. */
function jsonLines<T>(content: string, read: (value: unknown) => T | string): T[] {
  return content
    .split('\n')
    .map((line, index) => ({ line: line.trim(), number: index + 1 }))
    .filter(({ line }) => line)
    .map(({ line, number }) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch {
        throw new Error(`line ${number}: not JSON`);
      }
      const record = read(parsed);
      if (typeof record === 'string') throw new Error(`line ${number}: ${record}`);
      return record;
    });
}

/** JSON lines of `{"text", "label"}` with one of our intents as label. */
export function parseIntentJsonl(content: string): LabelledIntent[] {
  return jsonLines(content, (value) => {
    const record = lineSchema.safeParse(value);
    return record.success && isIntent(record.data.label)
      ? { text: record.data.text, label: record.data.label }
      : `needs a text and a label, one of ${INTENTS.join(', ')}`;
  });
}

const unlabelledSchema = z.union([
  z.object({ text: z.string().min(1) }),
  z.object({ question: z.string().min(1) }).transform(({ question }) => ({ text: question })),
]);

/**
 * JSON lines of `{"text"}` or `{"question"}` (such as examples/eval/fastify-questions.jsonl),
 * every one expected to be `label`: a set gathered for something else, read as an intent check.
 */
export function parseUnlabelledJsonl(content: string, label: Intent): LabelledIntent[] {
  return jsonLines(content, (value) => {
    const record = unlabelledSchema.safeParse(value);
    return record.success ? { text: record.data.text, label } : 'needs a text or a question';
  });
}

/** Whether a file's content is CLINC's JSON object rather than JSON lines. */
export function looksLikeClinc(content: string): boolean {
  return /^\s*\{\s*"(train|val|test|oos_\w+)"\s*:/.test(content);
}

/**
 * A message reduced to what makes two of them the same one: trimmed, lower-cased, without closing
 * punctuation. Training-only examples must not repeat a held-out or check message by this key.
 */
export function messageKey(text: string): string {
  return text
    .trim()
    .toLowerCase()
    .replace(/[?!.,]+$/, '');
}

/** Share of own examples held out from training, in percent. */
const HELD_OUT_PERCENT = 25;

/** True for the held-out part of the own examples: decided by a hash of the lower-cased text. */
export function isHeldOut(text: string): boolean {
  let h = 0x811c9dc5;
  for (const char of text.trim().toLowerCase()) h = Math.imul(h ^ char.charCodeAt(0), 0x01000193);
  return (h >>> 0) % 100 < HELD_OUT_PERCENT;
}
