// Text normalisation shared by the rules and the classifier: compatibility forms folded (NFKC, so
// full-width and styled letters read as plain ones), zero-width characters dropped, lower case,
// runs of whitespace collapsed.

const ZERO_WIDTH = /[\u200B-\u200D\u2060\uFEFF\u00AD]/g;

export function normalizeText(text: string): string {
  // NFKC only matters outside ASCII, and costs a copy of the text.
  const folded = /[^\x00-\x7f]/.test(text) ? text.normalize('NFKC').replace(ZERO_WIDTH, '') : text;
  return folded.toLowerCase().replace(/\s+/g, ' ').trim();
}
