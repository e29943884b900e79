// How deeply an HTML page nests its elements, found by one linear scan before the page is parsed:
// the DOM parser behind turndown slows down quadratically with nesting and then overflows the
// stack (20,000 nested <div>s held a worker for 3.5 s, 200,000 for six minutes), while real pages
// nest a few dozen deep.

/** Elements that never hold children, or that a parser closes by itself (their depth is not kept). */
const NOT_NESTING = new Set(
  `area base br col embed hr img input link meta param source track wbr p li dt dd tr td th thead tbody tfoot
  option optgroup colgroup caption rb rt rtc rp html head body`.split(/\s+/),
);

/** Past this depth a page is refused rather than parsed. */
export const MAX_HTML_DEPTH = 512;

/**
 * The deepest nesting of elements in `html`, counting only elements that must be closed
 * explicitly, stopping once `limit` is passed. Linear: every `<` is looked at once, and the next
 * `>` is searched for once per `>`, never again from each `<`.
 */
export function htmlDepth(html: string, limit = MAX_HTML_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  let gt = -1;
  let at = html.indexOf('<');
  while (at >= 0) {
    if (gt < at) {
      gt = html.indexOf('>', at);
      if (gt < 0) break;
    }
    const closing = html[at + 1] === '/';
    const nameStart = at + (closing ? 2 : 1);
    let nameEnd = nameStart;
    while (nameEnd < gt && /[A-Za-z0-9-]/.test(html[nameEnd]!)) nameEnd++;
    const name = html.slice(nameStart, nameEnd).toLowerCase();
    // A tag's name starts with a letter; `<!--`, `<!DOCTYPE` and `<?` are not elements.
    if (nameEnd > nameStart && /[a-z]/.test(name[0]!) && !NOT_NESTING.has(name)) {
      const selfClosing = html[gt - 1] === '/';
      if (closing) depth = Math.max(depth - 1, 0);
      else if (!selfClosing) {
        depth++;
        if (depth > deepest) deepest = depth;
        if (deepest > limit) return deepest;
      }
    }
    at = html.indexOf('<', at + 1);
  }
  return deepest;
}
