// Numbers written with words in them: spelled-out digits (`five five five one two three four`,
// `double five`), and digit groups joined by words (`4111 then 1111 then …`, `415 dash 555 dash
// 0132`). A run of such tokens is read as its digits and confirmed as a card (Luhn), an SSN (valid
// ranges, and the word SSN nearby or the 3-2-4 layout) or a phone number (spelled out, or a
// phone word nearby). Runs of plain digits and punctuation are left to the other rules.
import { isPlausibleSsn, passesLuhn } from './checksums.js';
import type { PiiDetector } from './pii-detector.js';
import type { PiiType } from './pii-types.js';

const DIGIT_WORDS: Record<string, string> = {
  zero: '0',
  oh: '0',
  one: '1',
  two: '2',
  three: '3',
  four: '4',
  five: '5',
  six: '6',
  seven: '7',
  eight: '8',
  nine: '9',
};
const WORD = 'zero|one|two|three|four|five|six|seven|eight|nine';
// A digit group, a digit word, or `double`/`triple` and one (`oh` only after the first token).
const TOKEN = `(?:\\d{1,6}|(?:double|triple)[ -](?:${WORD}|\\d)|${WORD})(?![\\p{L}\\p{N}])`;
const NEXT_TOKEN = `(?:\\d{1,6}|(?:double|triple)[ -](?:${WORD}|oh|\\d)|${WORD}|oh)(?![\\p{L}\\p{N}])`;
// Words spoken between digit groups; `and` and commas only count for checksummed values.
const CONNECT = '(?:and then|and|then|dash|hyphen|dot|slash|space|minus)';
const GAP = '(?:[ \\t]*[,./-][ \\t]*|[ \\t]+)';
const SEPARATOR = `${GAP}(?:${CONNECT}${GAP})?`;
const RUN = new RegExp(
  `(?=[\\dzotfsen])(?<![\\p{L}\\p{N}_.,/-])${TOKEN}(?:${SEPARATOR}${NEXT_TOKEN}){2,24}`,
  'giu',
);
const PART = new RegExp(`(\\d+)|(double|triple)[ -](${WORD}|oh|\\d)|(${WORD}|oh)|(${CONNECT})`, 'giu');
const SPOKEN_SEPARATOR = /^(?:then|and then|dash|hyphen|dot|slash|space|minus)$/i;

/** What a run of number tokens says. */
interface NumberRun {
  digits: string;
  /** Digit groups as written, in order (a spelled digit is a group of one). */
  groups: string[];
  /** Digits written as words. */
  spelled: number;
  /** Connecting words (`then`, `dash`, `and`, …). */
  connectors: string[];
}

let lastRun: { text: string; run: NumberRun } | undefined;

/** The run's digits and words (the last one read is kept: each check of one match reads it). */
function readRun(match: string): NumberRun {
  if (lastRun?.text === match) return lastRun.run;
  const run: NumberRun = { digits: '', groups: [], spelled: 0, connectors: [] };
  for (const part of match.matchAll(PART)) {
    const [, digits, times, repeated, word, connector] = part;
    if (digits) {
      run.digits += digits;
      run.groups.push(digits);
    } else if (times && repeated) {
      const digit = DIGIT_WORDS[repeated.toLowerCase()] ?? repeated;
      const group = digit.repeat(times.toLowerCase() === 'double' ? 2 : 3);
      run.digits += group;
      run.groups.push(group);
      run.spelled += group.length;
    } else if (word) {
      const digit = DIGIT_WORDS[word.toLowerCase()]!;
      run.digits += digit;
      run.groups.push(digit);
      run.spelled++;
    } else if (connector) {
      run.connectors.push(connector.toLowerCase());
    }
  }
  lastRun = { text: match, run };
  return run;
}

/** Whether the run has words in it at all (plain digit runs are the other rules'). */
const worded = (run: NumberRun) => run.spelled > 0 || run.connectors.length > 0;

const CARD_CONTEXT = /(?:card|visa|mastercard|amex|credit|debit)[^\n]{0,30}$/i;
const SSN_CONTEXT = /(?:ssn|social security|sozialversicherung)[^\n]{0,40}$/i;
const PHONE_CONTEXT =
  /(?:phone|call|tel|telephone|mobile|cell|number|fax|whatsapp|text me|reach me|dial|ring)\b[^\n]{0,30}$/i;

const before = (text: string, index: number, span: number) => text.slice(Math.max(0, index - span), index);

function isWordedCard(match: string, text: string, index: number): boolean {
  const run = readRun(match);
  if (!worded(run)) return false;
  const length = run.digits.length;
  if (length < 12 || length > 19) return false;
  if (length === 12 && !CARD_CONTEXT.test(before(text, index, 40))) return false;
  return passesLuhn(run.digits);
}

function isWordedSsn(match: string, text: string, index: number): boolean {
  const run = readRun(match);
  if (!worded(run) || run.digits.length !== 9 || !isPlausibleSsn(run.digits)) return false;
  const layout = run.groups.map((group) => group.length).join('-') === '3-2-4';
  return layout || SSN_CONTEXT.test(before(text, index, 60));
}

/** 1234567…: counting, not a number anyone has. */
const isCounting = (digits: string) =>
  [...digits].every((digit, at) => at === 0 || Number(digit) === (Number(digits[at - 1]) + 1) % 10);

function isWordedPhone(match: string, text: string, index: number): boolean {
  const run = readRun(match);
  if (!worded(run)) return false;
  const length = run.digits.length;
  if (length < 7 || length > 15 || isCounting(run.digits)) return false;
  // Digit groups joined by `and` or commas are lists ("ports 8080 and 8443"): only spoken
  // separators (`dash`, `then`, …) or spelled digits make a phone number.
  if (run.connectors.some((word) => !SPOKEN_SEPARATOR.test(word))) return false;
  if (run.spelled >= 7 && run.spelled >= length - 4) return true;
  return PHONE_CONTEXT.test(before(text, index, 40));
}

// Cheap pre-check: a digit word or a digit (texts with neither skip the pattern).
const HINT = new RegExp(`\\d|\\b(?:${WORD}|double|triple)\\b`, 'i');

/** A run's type: a card, else an SSN, else a phone number; undefined: none of them. */
function classifyRun(match: string, text: string, index: number): PiiType | undefined {
  if (isWordedCard(match, text, index)) return 'card';
  if (isWordedSsn(match, text, index)) return 'ssn';
  if (isWordedPhone(match, text, index)) return 'phone';
  return undefined;
}

/** Card, SSN and phone numbers written with words, after the plain rules (overlaps keep theirs). */
export const WORDED_NUMBER_DETECTOR: PiiDetector = {
  type: 'phone',
  rule: 'words',
  hint: HINT,
  pattern: RUN,
  classify: classifyRun,
};

/** The longest unfinished worded number a streamed answer holds back (24 spelled digits and their gaps). */
export const MAX_WORDED_HOLD = 200;

const NUMBER_WORDS = new Set([...Object.keys(DIGIT_WORDS), 'double', 'triple']);
const CONNECTOR_WORDS = new Set(['and', 'then', 'dash', 'hyphen', 'dot', 'slash', 'space', 'minus']);
const EVERY_WORD = [...NUMBER_WORDS, ...CONNECTOR_WORDS];
// A gap between tokens as the run pattern allows it, and the beginning of one still arriving.
const TAIL_GAP = /^(?:[ \t]*[,./-][ \t]*|[ \t]+)$/;
const OPEN_GAP = /^[ \t]*[,./-]?[ \t]*$/;

type PieceKind = 'digits' | 'word' | 'other';
const kindOf = (code: number): PieceKind =>
  code >= 48 && code <= 57
    ? 'digits'
    : (code >= 65 && code <= 90) || (code >= 97 && code <= 122)
      ? 'word'
      : 'other';

/**
 * Where a number written with words that may still be arriving starts at the end of a streamed
 * text (`five five five one` and more to come; `4111 then 1111 then`), so that the stream holds it
 * back until it is known; undefined when the text does not end in one. Plain digit runs are held
 * by the stream's own rule; a run longer than MAX_WORDED_HOLD characters is not held. Read from
 * the end, piece by piece, so that text ending in anything else costs a few comparisons.
 */
export function wordedNumberTail(text: string): number | undefined {
  const floor = Math.max(0, text.length - MAX_WORDED_HOLD);
  let start: number | undefined;
  let end = text.length;
  while (end > floor) {
    const kind = kindOf(text.charCodeAt(end - 1));
    let at = end - 1;
    while (at > floor && kindOf(text.charCodeAt(at - 1)) === kind) at--;
    // A piece cut by the window may be longer than it looks: no run is held from there.
    if (at === floor && floor > 0) return undefined;
    const value = text.slice(at, end);
    const last = end === text.length;
    end = at;
    if (kind === 'other') {
      if (TAIL_GAP.test(value) || (last && OPEN_GAP.test(value))) continue;
      break;
    }
    if (kind === 'word') {
      const lower = value.toLowerCase();
      const number = NUMBER_WORDS.has(lower) || (lower === 'oh' && start !== undefined);
      // The last word may be cut mid-way: a beginning of a number or connecting word counts.
      if (number) start = at;
      else if (!CONNECTOR_WORDS.has(lower) && !(last && EVERY_WORD.some((known) => known.startsWith(lower))))
        break;
      continue;
    }
    if (value.length > 6) break;
    start = at;
  }
  // Only a run with words in it: plain digits are held by the stream's own rule.
  return start !== undefined && /[A-Za-z]/.test(text.slice(start)) ? start : undefined;
}
