// The evaluation sets kept as JSON lines: every non-blank line parsed and validated, a bad one
// failing with `file:line` and what was expected, so a typo in a set is never scored as a miss.
import type { z } from 'zod';
import { ParleyError } from '../errors/index.js';

/** The records of a JSON-lines text with the 1-based line each came from; `shape` names a record in errors. */
export function parseJsonLines<T>(
  text: string,
  file: string,
  schema: z.ZodType<T>,
  shape: string,
): { record: T; line: number }[] {
  const out: { record: T; line: number }[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    if (!raw.trim()) return;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (error) {
      throw new ParleyError(
        'PARLEY_ERR_VALIDATION',
        `${file}:${line}: not valid JSON (${(error as Error).message})`,
      );
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const issues = parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || '(line)'}: ${issue.message}`,
      );
      throw new ParleyError(
        'PARLEY_ERR_VALIDATION',
        `${file}:${line}: expected ${shape} (${issues.join('; ')})`,
      );
    }
    out.push({ record: parsed.data, line });
  });
  if (out.length === 0) throw new ParleyError('PARLEY_ERR_VALIDATION', `${file}: no questions`);
  return out;
}
