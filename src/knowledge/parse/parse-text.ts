// Reads plain text as paragraphs with no headings: one section whose paragraphs the chunker
// splits at their blank lines.

import type { Section } from './types.js';

export function parsePlainText(text: string): Section[] {
  const normalised = text
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/^\n+/, '')
    .trimEnd();
  return normalised.trim() === '' ? [] : [{ headingPath: [], text: normalised }];
}
