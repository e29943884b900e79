// Reads labelled attack/benign text sets from the formats the public sets ship in: JSON lines
// (`{"text", "label"}` as deepset/prompt-injections) and CSV with a header (`prompt,type` as
// jackhhao/jailbreak-classification). Pure: takes the file's content, not a path.
import { parse as parseCsv } from 'csv-parse/sync';
import { z } from 'zod';
import type { LabelledText } from '../../guard/injection/train-classifier.js';

const TEXT_FIELDS = ['text', 'prompt', 'input', 'content'] as const;
const LABEL_FIELDS = ['label', 'type', 'class', 'is_attack'] as const;
const ATTACK_LABELS = new Set(['1', 'true', 'jailbreak', 'injection', 'attack', 'malicious', 'unsafe']);
const BENIGN_LABELS = new Set(['0', 'false', 'benign', 'legit', 'safe']);

const row = z.record(z.string(), z.unknown());

/** Parses a labelled set; `format` defaults to CSV for names ending in .csv, else JSON lines. */
export function parseLabelledTexts(content: string, format: 'jsonl' | 'csv'): LabelledText[] {
  const rows =
    format === 'csv'
      ? z.array(row).parse(parseCsv(content, { columns: true, skip_empty_lines: true, relax_quotes: true }))
      : content
          .split('\n')
          .filter((line) => line.trim())
          .map((line) => row.parse(JSON.parse(line)));
  return rows.map((record, index) => toLabelledText(record, index + 1));
}

export function formatOf(filename: string): 'jsonl' | 'csv' {
  return filename.toLowerCase().endsWith('.csv') ? 'csv' : 'jsonl';
}

function toLabelledText(record: Record<string, unknown>, line: number): LabelledText {
  const text = TEXT_FIELDS.map((field) => record[field]).find((value) => typeof value === 'string');
  const label = LABEL_FIELDS.map((field) => record[field]).find((value) => value !== undefined);
  const key = String(label).trim().toLowerCase();
  if (typeof text !== 'string' || !(ATTACK_LABELS.has(key) || BENIGN_LABELS.has(key))) {
    throw new Error(
      `record ${line}: needs a text (${TEXT_FIELDS.join('/')}) and a label such as 1/0 or jailbreak/benign`,
    );
  }
  return { text, attack: ATTACK_LABELS.has(key) };
}
