// Finds an element's text in markup without a regular expression that could backtrack.
/** A title longer than this is not a title: cut before any further work on it. */
const MAX_TITLE_CHARS = 2_000;

/**
 * The text of the first `<name ...>...</name>` element, found in linear time: a regular
 * expression with a lazy body rescans to the end from every unclosed opening (280 KB of
 * `<title>` took seconds).
 */
export function elementText(markup: string, name: string): string | undefined {
  const lower = markup.toLowerCase();
  const open = lower.indexOf(`<${name}`);
  if (open < 0) return undefined;
  const after = lower[open + name.length + 1];
  if (after !== '>' && after !== ' ' && after !== '\t' && after !== '\n' && after !== '\r') return undefined;
  const start = lower.indexOf('>', open);
  if (start < 0) return undefined;
  const end = lower.indexOf(`</${name}>`, start);
  if (end < 0) return undefined;
  return markup.slice(start + 1, Math.min(end, start + 1 + MAX_TITLE_CHARS));
}
