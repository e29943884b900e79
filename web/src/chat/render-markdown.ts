// An answer's Markdown as sanitised HTML: marked parses it (GitHub-flavoured; an unfinished
// stream is valid Markdown too, an open fence being code to the end), highlight.js colours code
// blocks in the languages docs use most, `[n]` markers outside code become links to the cited
// passage, and DOMPurify keeps only the tags and attributes such text needs. Answers quote
// documents and a model writes them, so their HTML is never trusted: no images (a Markdown image
// is a request to any host, the classic way to exfiltrate a conversation: its description stands
// in), no forms, no styles, no scripts, and links only to http(s) and mailto, opened in a new tab
// without a referrer.
import DOMPurify from 'dompurify';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { Marked, type Tokens } from 'marked';

const LANGUAGES = { bash, css, diff, go, java, javascript, json, python, rust, sql, typescript, xml, yaml };
for (const [name, language] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, language);

const ALLOWED_TAGS = [
  'a',
  'blockquote',
  'br',
  'code',
  'del',
  'em',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'hr',
  'li',
  'ol',
  'p',
  'pre',
  'span',
  'strong',
  'table',
  'tbody',
  'td',
  'th',
  'thead',
  'tr',
  'ul',
];
const ALLOWED_ATTR = ['href', 'title', 'class', 'data-cite', 'aria-label', 'start', 'align'];
const SAFE_URL = /^(?:https?:|mailto:|#)/i;

let hooked = false;
/** Links leave the chat in a new tab, without the page as referrer; anything else is dropped. */
function hookLinks() {
  if (hooked) return;
  hooked = true;
  DOMPurify.addHook('afterSanitizeAttributes', (node) => {
    if (node.tagName !== 'A') return;
    const href = node.getAttribute('href') ?? '';
    if (!SAFE_URL.test(href)) node.removeAttribute('href');
    if (!href.startsWith('#')) {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer nofollow');
    }
  });
}

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

/** What a `[n]` marker links to: a citation's index, and its title. */
export type CiteLookup = (marker: string) => { index: number; title: string } | undefined;

/** The lookup of the answer being rendered (parsing is synchronous: one at a time). */
let cite: CiteLookup = () => undefined;

const markdown = new Marked({
  gfm: true,
  breaks: true,
  renderer: {
    code({ text, lang }: Tokens.Code) {
      const language = (lang ?? '').trim().split(/\s+/)[0]!.toLowerCase();
      const known = language && hljs.getLanguage(language) ? language : undefined;
      const body = known
        ? hljs.highlight(text, { language: known, ignoreIllegals: true }).value
        : escapeHtml(text);
      return `<pre><code class="hljs${known ? ` language-${known}` : ''}">${body}</code></pre>`;
    },
    // An image is its description: loading it would be a request to any host.
    image({ text }: Tokens.Image) {
      return escapeHtml(text);
    },
    // Raw HTML in an answer is shown as text, never interpreted.
    html({ text }: Tokens.HTML | Tokens.Tag) {
      return escapeHtml(text);
    },
  },
  extensions: [
    {
      name: 'cite',
      level: 'inline',
      start: (src: string) => src.indexOf('['),
      tokenizer(src: string) {
        const match = /^\[(\d{1,3})\]/.exec(src);
        if (!match) return undefined;
        return { type: 'cite', raw: match[0], marker: match[1]! };
      },
      renderer(token) {
        const target = cite(token.marker as string);
        if (!target) return escapeHtml(token.raw);
        const title = escapeHtml(target.title);
        return `<a class="cite-marker" href="#cite-${target.index}" data-cite="${target.index}" title="${title}" aria-label="source ${target.index + 1}: ${title}">${escapeHtml(token.raw)}</a>`;
      },
    },
  ],
});

/** The answer's text as HTML safe to set as innerHTML. */
export function renderAnswerHtml(text: string, lookup: CiteLookup): string {
  hookLinks();
  cite = lookup;
  const html = markdown.parse(text, { async: false }) as string;
  return DOMPurify.sanitize(html.trim(), { ALLOWED_TAGS, ALLOWED_ATTR, ALLOW_DATA_ATTR: false });
}
