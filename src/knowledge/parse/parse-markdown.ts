// Splits markdown into sections at ATX and setext headings, tracking the heading path, without
// ever treating a line inside a fenced code block as a heading. HTML and DOCX arrive here too.

import type { Section } from './types.js';

/** What the markdown itself says about the document besides its sections. */
export interface MarkdownDocument {
  sections: Section[];
  /** `title:` from YAML (or TOML) front matter, if any. */
  frontMatterTitle: string | undefined;
  /** The text of the first level-1 heading, if any. */
  firstHeading: string | undefined;
}

const ATX_HEADING = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const SETEXT_UNDERLINE = /^ {0,3}(=+|-+)[ \t]*$/;
// Fences are accepted at any indentation so code inside list items is recognised too.
const FENCE_OPEN = /^\s*(`{3,}|~{3,})(.*)$/;
// A paragraph starting like this is a list, quote, table or indented code: no setext heading.
const NOT_A_PARAGRAPH = /^(?: {4,}|\t|\s*(?:[-*+]\s|\d+[.)]\s|>|\|))/;
// `<a id="x"></a>` lines are link targets for renderers and carry no text.
const EMPTY_ANCHOR = /^\s*<a\s+(?:id|name)=["'][^"']*["']\s*>\s*<\/a>\s*$/i;

interface OpenFence {
  char: string;
  length: number;
}

export function parseMarkdown(markdown: string): MarkdownDocument {
  const { body, title: frontMatterTitle } = stripFrontMatter(markdown);
  const sections: Section[] = [];
  const headings: { level: number; text: string }[] = [];
  let firstHeading: string | undefined;
  let lines: string[] = [];
  let paragraphStart = -1;
  let fence: OpenFence | undefined;
  let inComment = false;

  const flush = () => {
    const text = lines
      .join('\n')
      .replace(/^\s*\n/, '')
      .trimEnd();
    if (text.trim() !== '') sections.push({ headingPath: headings.map((h) => h.text), text });
    lines = [];
    paragraphStart = -1;
  };
  const openHeading = (level: number, raw: string) => {
    flush();
    const text = cleanHeading(raw);
    if (level === 1 && firstHeading === undefined && text !== '') firstHeading = text;
    while ((headings.at(-1)?.level ?? 0) >= level) headings.pop();
    if (text !== '') headings.push({ level, text });
  };

  for (const rawLine of body.split('\n')) {
    let line = rawLine;
    if (fence !== undefined) {
      lines.push(line);
      if (closesFence(line, fence)) fence = undefined;
      continue;
    }
    if (inComment) {
      const end = line.indexOf('-->');
      if (end < 0) continue;
      inComment = false;
      line = line.slice(end + 3);
      if (line.trim() === '') continue;
    }
    if (line.includes('<!--')) {
      line = line.replace(/<!--[\s\S]*?-->/g, '');
      const start = line.indexOf('<!--');
      if (start >= 0) {
        inComment = true;
        line = line.slice(0, start);
      }
      if (line.trim() === '') continue;
    }
    const opened = openFence(line);
    if (opened !== undefined) {
      fence = opened;
      lines.push(line);
      paragraphStart = -1;
      continue;
    }
    const atx = ATX_HEADING.exec(line);
    if (atx !== null) {
      openHeading(atx[1]?.length ?? 1, atx[2] ?? '');
      continue;
    }
    const underline = SETEXT_UNDERLINE.exec(line);
    const paragraph = paragraphStart >= 0 ? lines.slice(paragraphStart) : [];
    if (underline !== null && paragraph.length > 0 && !NOT_A_PARAGRAPH.test(paragraph[0] ?? '')) {
      lines = lines.slice(0, paragraphStart);
      openHeading(underline[1]?.startsWith('=') ? 1 : 2, paragraph.join(' '));
      continue;
    }
    if (EMPTY_ANCHOR.test(line)) continue;
    if (line.trim() === '') paragraphStart = -1;
    else if (paragraphStart < 0) paragraphStart = lines.length;
    lines.push(line);
  }
  flush();
  return { sections, frontMatterTitle, firstHeading };
}

function openFence(line: string): OpenFence | undefined {
  const match = FENCE_OPEN.exec(line);
  const marker = match?.[1];
  if (marker === undefined) return undefined;
  const char = marker.charAt(0);
  // A backtick "fence" whose info string holds a backtick is inline code, not a fence.
  if (char === '`' && match?.[2]?.includes('`')) return undefined;
  return { char, length: marker.length };
}

function closesFence(line: string, fence: OpenFence): boolean {
  const trimmed = line.trim();
  return trimmed.length >= fence.length && trimmed === fence.char.repeat(trimmed.length);
}

/** Reduces a heading's inline markdown to its words: `[Routes](#routes)` -> `Routes`. */
export function cleanHeading(raw: string): string {
  return raw
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/`/g, '')
    .replace(/\*\*|__/g, '')
    .replace(/\\([!-/:-@[-`{-~])/g, '$1')
    .replace(/\s+/g, ' ')
    .trim();
}

function stripFrontMatter(markdown: string): { body: string; title: string | undefined } {
  const delimiter = markdown.startsWith('---\n') ? '---' : markdown.startsWith('+++\n') ? '+++' : undefined;
  if (delimiter === undefined) return { body: markdown, title: undefined };
  const closing = delimiter === '---' ? /^(?:---|\.\.\.)[ \t]*$/m : /^\+\+\+[ \t]*$/m;
  const rest = markdown.slice(4);
  const end = closing.exec(rest);
  if (end === null) return { body: markdown, title: undefined };
  const header = rest.slice(0, end.index);
  // Only a block of `key: value` lines is front matter; otherwise `---` was a thematic break.
  if (header.trim() !== '' && !/^\s*[\w-]+\s*[:=]/.test(header)) return { body: markdown, title: undefined };
  const title = /^title\s*[:=]\s*(.+?)\s*$/m
    .exec(header)?.[1]
    ?.replace(/^(["'])(.*)\1$/, '$2')
    .trim();
  return { body: rest.slice(end.index + end[0].length), title: title === '' ? undefined : title };
}
