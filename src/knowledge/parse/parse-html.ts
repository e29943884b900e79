// Converts HTML to markdown with turndown (dropping page chrome: scripts, styles, navigation,
// footers, and the ARIA landmarks that mark the same chrome in generated manuals) so it goes
// through the same heading-aware path as markdown.

import TurndownService from 'turndown';
import { decodeEntities } from './decode-entities.js';
import { elementText } from './element-text.js';

const NON_CONTENT = [
  'head',
  'title',
  'meta',
  'link',
  'script',
  'style',
  'noscript',
  'template',
  'nav',
  'footer',
  'iframe',
  'object',
  'embed',
  'svg',
  'canvas',
] as const;

/**
 * Landmark roles that mark chrome as surely as `<nav>` and `<footer>` do: Sphinx (Python's manual)
 * marks its link bars and sidebars `role="navigation"`, its search box `role="search"`.
 */
const CHROME_ROLES = new Set(['navigation', 'search', 'banner', 'contentinfo']);

/** The text of a heading's permalink anchor (Sphinx's `¶`, others' `§`, `#` or a link symbol). */
const PERMALINK_TEXT = new Set(['¶', '§', '#', '🔗']);

/** Converts an HTML page or fragment to markdown. */
export function htmlToMarkdown(html: string): string {
  // One converter per call: turndown services hold rules, and parsing must share no state.
  const service = new TurndownService({
    headingStyle: 'atx',
    codeBlockStyle: 'fenced',
    bulletListMarker: '-',
    emDelimiter: '_',
    hr: '---',
  });
  service.remove([...NON_CONTENT]);
  // Rules, not `remove`: turndown tries its own rules (links, lists) before any removal.
  service.addRule('chromeLandmarks', {
    filter: (node) => CHROME_ROLES.has((node.getAttribute('role') ?? '').trim().toLowerCase()),
    replacement: () => '',
  });
  // A heading's permalink would end every heading (and heading path) with `¶`.
  service.addRule('permalinks', {
    filter: (node) =>
      node.nodeName === 'A' &&
      (node.getAttribute('href') ?? '').startsWith('#') &&
      PERMALINK_TEXT.has((node.textContent ?? '').trim()),
    replacement: () => '',
  });
  // Turndown fences only `<pre><code>`; Sphinx and AsciiDoc write `<pre>` with highlighting spans
  // inside, which would otherwise come out as prose (with markdown escapes in it).
  service.addRule('bareCodeBlock', {
    filter: (node) => node.nodeName === 'PRE' && node.firstChild?.nodeName !== 'CODE',
    replacement: (_content, node) => fencedBlock(node.textContent ?? ''),
  });
  // Inline images (`data:` URLs, as mammoth emits for DOCX) would put kilobytes of base64 in the text.
  service.addRule('inlineImages', {
    filter: (node) => node.nodeName === 'IMG' && (node.getAttribute('src') ?? '').startsWith('data:'),
    replacement: (_content, node) => node.getAttribute('alt') ?? '',
  });
  service.escape = escapeBlockSyntax;
  return service.turndown(html);
}

/** `code` as a fenced block, with a fence longer than any run of backticks inside it. */
function fencedBlock(code: string): string {
  const body = code.replace(/^\n+|\s+$/g, '');
  if (body === '') return '';
  const longestRun = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  return `\n\n${fence}\n${body}\n${fence}\n\n`;
}

/** The page's `<title>`, if it has a non-empty one. */
export function htmlTitle(html: string): string | undefined {
  const raw = elementText(html, 'title');
  const title =
    raw === undefined
      ? ''
      : decodeEntities(raw.replace(/<[^>]+>/g, ''))
          .replace(/\s+/g, ' ')
          .trim();
  return title === '' ? undefined : title;
}

// Turndown escapes every markdown character in text by default (`foo\_bar`), which only adds noise
// for retrieval. Escape just what the markdown parser would misread as structure: headings,
// setext underlines and code fences at the start of a line.
function escapeBlockSyntax(text: string): string {
  return text
    .replace(/^(\s*)(#{1,6}(?:\s|$))/gm, '$1\\$2')
    .replace(/^(\s*)([=-]+\s*)$/gm, '$1\\$2')
    .replace(/^(\s*)(`{3,}|~{3,})/gm, '$1\\$2');
}
