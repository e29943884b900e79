// The per-bot link allowlist: finds Markdown links and bare URLs and says what replaces the
// ones whose host is not allowed (a Markdown link keeps its text, a bare URL becomes
// `[link removed]`).

/** A span of text to replace, and with what. */
export interface Replacement {
  start: number;
  end: number;
  text: string;
}

export const LINK_REMOVED = '[link removed]';

const MARKDOWN_LINK = /\[([^\]\n]{0,300})\]\(\s*<?(https?:\/\/[^\s)>]+)>?(?:\s+"[^"\n]*")?\s*\)/gi;
const BARE_URL = /\bhttps?:\/\/[^\s<>"'`)\]]+/gi;
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

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

function allowed(url: string, allowedHosts: readonly string[]): boolean {
  const host = hostOf(url);
  return host !== undefined && isHostAllowed(host, allowedHosts);
}

/** Replacements for every link in `text` whose host is not in `allowedHosts`. */
export function disallowedLinks(text: string, allowedHosts: readonly string[]): Replacement[] {
  const out: Replacement[] = [];
  for (const match of text.matchAll(MARKDOWN_LINK)) {
    if (!allowed(match[2]!, allowedHosts)) {
      out.push({
        start: match.index,
        end: match.index + match[0].length,
        text: match[1]!.trim() || LINK_REMOVED,
      });
    }
  }
  for (const match of text.matchAll(BARE_URL)) {
    const url = match[0].replace(TRAILING_PUNCTUATION, '');
    const start = match.index;
    const inside = out.some((r) => r.start <= start && start < r.end);
    if (!inside && !allowed(url, allowedHosts))
      out.push({ start, end: start + url.length, text: LINK_REMOVED });
  }
  return out.sort((a, b) => a.start - b.start);
}

/** Every link span (allowed or not), for deciding how much of a stream to hold back. */
export function linkSpans(text: string): { start: number; end: number }[] {
  const spans = [...text.matchAll(MARKDOWN_LINK), ...text.matchAll(BARE_URL)].map((match) => ({
    start: match.index,
    end: match.index + match[0].replace(TRAILING_PUNCTUATION, '').length,
  }));
  return spans.sort((a, b) => a.start - b.start);
}
