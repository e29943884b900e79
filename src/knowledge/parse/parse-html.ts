// Converts HTML to markdown with turndown (dropping page chrome: scripts, styles, navigation,
// footers) so it goes through the same heading-aware path as markdown.

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
  // Inline images (`data:` URLs, as mammoth emits for DOCX) would put kilobytes of base64 in the text.
  service.addRule('inlineImages', {
    filter: (node) => node.nodeName === 'IMG' && (node.getAttribute('src') ?? '').startsWith('data:'),
    replacement: (_content, node) => node.getAttribute('alt') ?? '',
  });
  service.escape = escapeBlockSyntax;
  return service.turndown(html);
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
