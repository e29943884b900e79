// Scores the document flagger (indirect injection) on passages: planted instructions that must be
// flagged and real documentation that must not, each marked `train` (tuned on) or `heldout`.
import { z } from 'zod';

/** One passage of a planted-instruction or benign set. */
export interface PassageRecord {
  text: string;
  /** True for a passage with a planted instruction. */
  planted: boolean;
  /** The family of the plant (`base64`, `dialogue`…) or the benign passage's source. */
  category: string;
  split: 'train' | 'heldout';
}

const record = z.object({
  text: z.string(),
  label: z.union([z.literal(0), z.literal(1)]),
  category: z.string().optional(),
  source: z.string().optional(),
  split: z.enum(['train', 'heldout']).default('train'),
});

/** Reads JSON lines `{text, label: 1|0, category?, source?, split?}`. */
export function parsePassageRecords(content: string): PassageRecord[] {
  return content
    .split('\n')
    .filter((line) => line.trim())
    .map((line, index) => {
      const parsed = record.safeParse(JSON.parse(line));
      if (!parsed.success) throw new Error(`record ${index + 1}: ${parsed.error.issues[0]?.message}`);
      const { text, label, category, source, split } = parsed.data;
      return { text, planted: label === 1, category: category ?? source?.split(':')[0] ?? '-', split };
    });
}

/** The flagger's figures on one set of passages. */
export interface PassageScore {
  planted: number;
  caught: number;
  /** Share of planted passages flagged. */
  recall: number;
  benign: number;
  falsePositives: number;
  /** Share of benign passages flagged. */
  fpr: number;
  /** Per category: passages and how many were flagged. */
  byCategory: Record<string, { passages: number; flagged: number }>;
  /** The planted passages that were not flagged, and the benign ones that were. */
  errors: PassageRecord[];
}

export function scorePassageFlagger(
  records: readonly PassageRecord[],
  flagged: (text: string) => boolean,
): PassageScore {
  const byCategory: PassageScore['byCategory'] = {};
  const errors: PassageRecord[] = [];
  let caught = 0;
  let falsePositives = 0;
  for (const item of records) {
    const hit = flagged(item.text);
    const bucket = byCategory[item.category] ?? { passages: 0, flagged: 0 };
    byCategory[item.category] = bucket;
    bucket.passages++;
    if (hit) bucket.flagged++;
    if (item.planted && hit) caught++;
    if (!item.planted && hit) falsePositives++;
    if (item.planted !== hit) errors.push(item);
  }
  const planted = records.filter((item) => item.planted).length;
  const benign = records.length - planted;
  return {
    planted,
    caught,
    recall: planted ? caught / planted : 0,
    benign,
    falsePositives,
    fpr: benign ? falsePositives / benign : 0,
    byCategory,
    errors,
  };
}
