// The per-bot link allowlist: finds Markdown links (inline, autolinks, reference definitions)
// and bare URLs and says what replaces the ones that do not lead to an allowed host (a Markdown
// link keeps its text, anything else becomes `[link removed]`). Only http(s) links to an allowed
// host and relative links stay: `javascript:`, `vbscript:`, `data:`, `mailto:` and protocol-relative
// `//host` links are removed whatever the allowlist says. Raw HTML counts too, for clients that
// render the Markdown's HTML: a tag with a link attribute (`<a href>`, `<img src>`, a form's
// `action`) that leads elsewhere is removed whole.

/** A span of text to replace, and with what. */
export interface Replacement {
  start: number;
  end: number;
  text: string;
}

export const LINK_REMOVED = '[link removed]';

// A target may hold one level of balanced parentheses (`javascript:alert(1)`).
const MARKDOWN_LINK =
  /\[([^\]\n]{0,300})\]\(\s*<?((?:[^\s()<>]|\([^\s()<>]*\))+)>?(?:\s+(?:"[^"\n]*"|'[^'\n]*'))?\s*\)/g;
// `<scheme:...>`, which CommonMark renders as a link.
const AUTOLINK = /<([a-z][a-z0-9+.-]{1,31}:[^\s<>]*)>/gi;
// `[label]: target`, which turns `[text][label]` elsewhere into a link.
const REFERENCE_DEFINITION = /^ {0,3}\[[^\]\n]{1,300}\]:[ \t]*<?([^\s>]+)>?[^\n]*/gm;
const BARE_URL = /\bhttps?:\/\/[^\s<>"'`)\]]+/gi;
// An HTML tag with a link attribute; its target is group 1, 2 or 3 (quoted two ways, or bare).
const HTML_LINK =
  /<[a-z][a-z0-9-]{0,20}\s[^<>]{0,500}?\b(?:href|src|srcset|action|formaction|poster|background|xlink:href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'<>`]+))[^<>]{0,500}>/gi;
// An HTML tag's opening with a link attribute whose target has begun (for a tag cut by the hold limit).
const HTML_LINK_OPENING =
  /<[a-z][a-z0-9-]{0,20}\s[^<>]{0,500}?\b(?:href|src|srcset|action|formaction|poster|background|xlink:href)\s*=\s*["']?([^\s"'<>`]{1,40})/gi;
// Sentence punctuation right after a URL is not part of it.
const TRAILING_PUNCTUATION = /[.,;:!?]+$/;

/** True when `host` is an allowed host or a subdomain of one. */
export function isHostAllowed(host: string, allowedHosts: readonly string[]): boolean {
  const lower = host.toLowerCase().replace(/\.$/, '');
  return allowedHosts.some((allowed) => {
    const a = allowed.toLowerCase();
    return lower === a || lower.endsWith(`.${a}`);
  });
}

// Relative targets are resolved against this placeholder: one still on it names no other host.
const RELATIVE_BASE = 'https://relative.parley.invalid/';
const RELATIVE_HOST = new URL(RELATIVE_BASE).host;

/** Whether a link target may stay: http(s) to an allowed host, or relative to the page. */
function allowed(target: string, allowedHosts: readonly string[]): boolean {
  let url: URL;
  try {
    // The WHATWG parser reads targets as browsers do: `java\tscript:`, ` //host` and `/\\host` too.
    url = new URL(target, RELATIVE_BASE);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  if (url.host === RELATIVE_HOST) return true;
  return isHostAllowed(url.hostname, allowedHosts);
}

/** Replacements for every link in `text` that does not lead to a host in `allowedHosts`. */
export function disallowedLinks(text: string, allowedHosts: readonly string[]): Replacement[] {
  const out: Replacement[] = [];
  const inside = (start: number) => out.some((r) => r.start <= start && start < r.end);
  for (const match of text.matchAll(MARKDOWN_LINK)) {
    if (!allowed(match[2]!, allowedHosts)) {
      out.push({
        start: match.index,
        end: match.index + match[0].length,
        text: match[1]!.trim() || LINK_REMOVED,
      });
    }
  }
  for (const pattern of [AUTOLINK, REFERENCE_DEFINITION]) {
    for (const match of text.matchAll(pattern)) {
      if (!inside(match.index) && !allowed(match[1]!, allowedHosts))
        out.push({ start: match.index, end: match.index + match[0].length, text: LINK_REMOVED });
    }
  }
  for (const match of text.matchAll(HTML_LINK)) {
    const target = match[1] ?? match[2] ?? match[3] ?? '';
    if (!inside(match.index) && !allowed(target, allowedHosts))
      out.push({ start: match.index, end: match.index + match[0].length, text: LINK_REMOVED });
  }
  for (const match of text.matchAll(BARE_URL)) {
    const url = match[0].replace(TRAILING_PUNCTUATION, '');
    const start = match.index;
    if (!inside(start) && !allowed(url, allowedHosts))
      out.push({ start, end: start + url.length, text: LINK_REMOVED });
  }
  return out.sort((a, b) => a.start - b.start);
}

// The opening of an inline link's target: `](` and the target's first characters.
const TARGET_OPENING = /\]\(\s*<?([^\s()<>]{1,40})/g;
const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * Where a link that does not lead to an allowed host has begun but is cut by the stream's hold
 * limit (its target is longer than what may be held back): a space goes between `]` and `(`, so
 * what is sent never becomes a link. Only openings whose `(` is at `from` or later are returned.
 */
export function unsafeLinkOpenings(
  text: string,
  from: number,
  allowedHosts: readonly string[],
): Replacement[] {
  const out: Replacement[] = [];
  // A Markdown target: a space between `]` and `(`. A tag: a space after its `<` makes it text.
  for (const pattern of [TARGET_OPENING, HTML_LINK_OPENING]) {
    for (const match of text.matchAll(pattern)) {
      const at = match.index + 1;
      if (at < from) continue;
      const target = match[1]!;
      const decided = SCHEME.test(target) || /^[\\/]{2}/.test(target);
      if (decided && !allowed(target, allowedHosts)) out.push({ start: at, end: at, text: ' ' });
    }
  }
  return out.sort((a, b) => a.start - b.start);
}

/** Every link span (allowed or not), for deciding how much of a stream to hold back. */
export function linkSpans(text: string): { start: number; end: number }[] {
  const matches = [MARKDOWN_LINK, AUTOLINK, REFERENCE_DEFINITION, HTML_LINK, BARE_URL].flatMap((pattern) => [
    ...text.matchAll(pattern),
  ]);
  const spans = matches.map((match) => ({
    start: match.index,
    end: match.index + match[0].replace(TRAILING_PUNCTUATION, '').length,
  }));
  return spans.sort((a, b) => a.start - b.start);
}
