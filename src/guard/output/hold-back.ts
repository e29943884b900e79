// How much of a stream's tail might still become part of a match once more text arrives. The
// guard holds back only that tail, never more than MAX_HOLD characters of it.

/** The longest tail held back for PII and links (a Parley key, 67 characters, is the longest fixed format). */
export const MAX_HOLD = 72;

// Characters that can continue an email, phone number, card, IBAN, IP, token or URL.
const TOKEN_CHAR = /[\p{L}\p{N}@._%+\-:/=?#&~()[\]!*'$,;]/u;
const DIGIT_OR_PAREN = /[\d()+]/;

/** Start of the trailing run of characters that could belong to an unfinished match (unbounded). */
export function trailingRunStart(text: string): number {
  let i = text.length;
  while (i > 0) {
    const char = text[i - 1]!;
    if (TOKEN_CHAR.test(char)) {
      i--;
      continue;
    }
    // A single space inside digit groups ("+46 8 928 571") or just after one (more may follow).
    if (
      char === ' ' &&
      i >= 2 &&
      DIGIT_OR_PAREN.test(text[i - 2]!) &&
      (i === text.length || /[\d(]/.test(text[i]!))
    ) {
      i--;
      continue;
    }
    break;
  }
  return i;
}

// Openings of multi-word constructs whose end has not arrived: a PEM header, a Markdown link.
const PEM_OPENING = /-{1,5}(?:B(?:E(?:G(?:I(?:N(?: [A-Z0-9 ]*(?:-{1,5})?)?)?)?)?)?)?$/;
// An inline link's text or target, a reference definition (`[label]: target`), an autolink
// (`<scheme:...>`) or an HTML tag (which may carry `href` or `src`) whose end has not arrived.
const OPEN_LINK =
  /\[[^\]\n]*(?:\](?:\((?:[^()\s]|\([^()\s]*\))*(?:\([^()\s]*)?|:[ \t]*<?\S*)?)?$|<(?:[a-z][a-z0-9+.-]*(?::[^\s<>]*)?)?$|<[a-z][a-z0-9-]*\s[^<>]*$/i;

/** Start of an unfinished PEM header or Markdown link in the last MAX_HOLD characters, if any. */
export function openConstructStart(text: string, links: boolean): number | undefined {
  const from = Math.max(0, text.length - MAX_HOLD);
  const tail = text.slice(from);
  const pem = PEM_OPENING.exec(tail);
  const link = links ? OPEN_LINK.exec(tail) : null;
  const starts = [pem, link].filter((m) => m !== null).map((m) => from + m.index);
  return starts.length > 0 ? Math.min(...starts) : undefined;
}
