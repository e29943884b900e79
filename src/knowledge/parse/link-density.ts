// Link density: the share of a block's text that is link text, the boilerplate signal of jusText
// and Readability. Tables of contents, indexes, module lists and link bars are mostly other pages'
// titles, so they hold every query's words without answering any. Measured on the markdown every
// parser produces (HTML's <a> elements are `[text](url)` there), so it reads HTML, markdown and
// DOCX alike.

// An inline link `[text](url "title")` (one level of brackets in the text, one of parentheses in
// the url: `[git-add[1]](git-add.html)`, `[f](https://x/(y))`) or a reference link `[text][id]`.
const LINK =
  /(!?)\[((?:[^[\]\\]|\\.|\[[^[\]]*\])*)\](?:\((?:[^()\s]|\([^()]*\))*(?:\s+(?:"[^"]*"|'[^']*'|\([^()]*\)))?\s*\)|\[[^[\]]*\])/g;
const WORD_CHAR = /[\p{L}\p{N}]/gu;
const FENCE = /^\s*(`{3,}|~{3,})/;
/**
 * Links a block needs to count as navigation: a sentence citing a page or two ("see also
 * [os.path]", Sphinx's "[Availability](...): Unix") is prose, a list of links is not.
 */
export const LINK_LIST_MIN_LINKS = 3;

function wordChars(text: string): number {
  return text.match(WORD_CHAR)?.length ?? 0;
}

/** A markdown text's letters and digits inside link text and in all, and its links. */
function measureLinks(markdown: string): { linked: number; total: number; links: number } {
  let linked = 0;
  let links = 0;
  const visible = markdown.replace(LINK, (_, image: string, text: string) => {
    if (image === '') {
      linked += wordChars(text);
      links += 1;
    }
    return text;
  });
  return { linked, total: wordChars(visible), links };
}

/**
 * The share (0-1) of a markdown text's letters and digits that are inside link text; link
 * destinations and titles are not text a reader sees, so they count in neither part. An image's
 * alt text counts as text, not as a link. 0 for a text without letters or digits.
 */
export function linkDensity(markdown: string): number {
  const { linked, total } = measureLinks(markdown);
  return total === 0 ? 0 : linked / total;
}

/**
 * `markdown` without its blocks (runs of lines between blank lines) whose link density is above
 * `maxDensity` and that hold at least `minLinks` links: a table of contents, an index, a link list.
 * Fenced code is always kept, and a text none of whose blocks goes is returned as it was. A
 * `maxDensity` of 1 (or more) keeps everything.
 */
export function withoutLinkBlocks(
  markdown: string,
  maxDensity: number,
  minLinks = LINK_LIST_MIN_LINKS,
): string {
  if (maxDensity >= 1 || !markdown.includes('[')) return markdown;
  const kept: string[] = [];
  let block: string[] = [];
  let fence: string | undefined;
  let dropped = false;
  const flush = () => {
    const text = block.join('\n');
    const measured = fence === undefined ? measureLinks(text) : undefined;
    if (measured && measured.links >= minLinks && measured.linked > maxDensity * measured.total)
      dropped = true;
    else if (text.trim() !== '') kept.push(text);
    block = [];
  };
  for (const line of markdown.split('\n')) {
    const marker = FENCE.exec(line)?.[1];
    if (fence !== undefined) {
      block.push(line);
      if (marker?.startsWith(fence) && line.trim() === marker) {
        flush();
        fence = undefined;
      }
    } else if (marker !== undefined) {
      flush();
      fence = marker.charAt(0).repeat(marker.length);
      block.push(line);
    } else if (line.trim() === '') flush();
    else block.push(line);
  }
  flush();
  return dropped ? kept.join('\n\n') : markdown;
}
