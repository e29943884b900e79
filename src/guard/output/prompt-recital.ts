// Stops a recital of the system prompt that is not word for word (prompt-leak.ts catches those): its
// instructions reworded, reordered, put in a numbered list, or written in base64, hex, rot13,
// backwards or with spaced-out letters. The prompt is read as instructions (its sentences and list
// items), each as the set of its content words (lower-cased, stop words out, plural and tense
// endings cut); the answer is read a sentence (or list item) at a time, each word also as its
// rot13 and backwards readings, base64 and hex runs decoded, spaced letters joined. A sentence
// recites an instruction when it holds at least RECITED_SHARE of its content words (and at least
// MIN_SHARED of them); the answer recites the prompt once it has recited two of its instructions
// (one, for a prompt of one). One sentence that restates what the bot is for is an answer; two
// restated instructions are a recital. Translations still pass: there is no translation model here.
import { base64Spans, decodeBase64, rot13 } from '../decode-hidden-text.js';
import { wordsOf } from './prompt-leak.js';

/** Share of an instruction's content words a sentence must hold to recite it. */
const RECITED_SHARE = 0.7;
/** Fewest content words shared for a recital: shorter instructions are not told from chance. */
const MIN_SHARED = 4;
/** Instructions recited before the answer counts as a recital of the prompt. */
const RECITALS = 2;
/** Where a sentence or list item ends. */
const UNIT_END = /[.!?;\n]+(?=\s|$)|\n/g;
/** Longest sentence kept waiting for its end (characters): a run without one is judged in pieces. */
const MAX_UNIT = 2_000;

// Words that say little of an instruction's content.
const STOP_WORDS = new Set(
  (
    'a an and any are as at be been but by can could did do does doing done for from had has have he her his how i if in into ' +
    'is it its just may me might must my no nor not of on once only or our out over own same she should so some such than that ' +
    'the their them then there these they this those through to too under until up very was we were what when where which ' +
    'while who whom why will with would you your yours yourself'
  ).split(' '),
);

function stem(word: string): string {
  for (const ending of ['ing', 'ed', 'es', 's', 'ly']) {
    if (word.endsWith(ending) && word.length - ending.length >= 4) return word.slice(0, -ending.length);
  }
  return word;
}

function contentWords(text: string): string[] {
  const words: string[] = [];
  for (const { word } of wordsOf(text)) {
    if (word.length >= 3 && !STOP_WORDS.has(word) && !/^\d+$/.test(word)) words.push(stem(word));
  }
  return words;
}

const reverse = (word: string) => [...word].reverse().join('');

/** Fewest letters written one by one ("n e v e r") read as a word. */
const MIN_SPACED = 4;
const WORD_CHAR = /[\p{L}\p{N}'’]/u;
const HEX_RUN = /(?<![0-9A-Fa-f])(?:[0-9A-Fa-f]{2}){8,}(?![0-9A-Fa-f])/g;
const PRINTABLE = /^[\p{L}\p{N}\p{P}\p{S}\s]+$/u;

/** A run long enough to be base64 or hex worth decoding (cheap to test: no look-behind). */
const LONG_RUN = /[A-Za-z0-9+/_-]{16}/;

/** The texts a sentence of the answer may hide in base64 or hex. */
function hiddenTexts(sentence: string): string[] {
  if (!LONG_RUN.test(sentence)) return [];
  const texts: string[] = [];
  for (const run of base64Spans(sentence)) {
    const decoded = decodeBase64(run);
    if (decoded) texts.push(decoded);
  }
  for (const [run] of sentence.matchAll(HEX_RUN)) {
    const decoded = Buffer.from(run, 'hex').toString('utf8');
    if (PRINTABLE.test(decoded) && /\p{L}{2,}\s+\p{L}{2,}/u.test(decoded)) texts.push(decoded);
  }
  return texts;
}

/** Where the word still arriving at the end of `text` starts (`text.length` when it ends in a space or mark). */
function unfinishedWordStart(text: string): number {
  let start = text.length;
  while (start > 0 && WORD_CHAR.test(text[start - 1]!)) start -= 1;
  return start;
}

const detectors = new Map<string, PromptRecitalDetector>();

/** The detector for a prompt, built once per prompt text (as promptLeakDetector is). */
export function promptRecitalDetector(systemPrompt: string): PromptRecitalDetector {
  let detector = detectors.get(systemPrompt);
  if (!detector) {
    detector = new PromptRecitalDetector(systemPrompt);
    if (detectors.size >= 64) detectors.delete(detectors.keys().next().value!);
    detectors.set(systemPrompt, detector);
  }
  return detector;
}

export class PromptRecitalDetector {
  /** Each instruction of the prompt that is long enough to judge: its content words. */
  private readonly instructions: Set<string>[];
  /**
   * The prompt's content words by every form the answer may write them in: as they are (stemmed),
   * and each word of the prompt backwards and in rot13 (the content word it stands for).
   */
  private readonly forms = new Map<string, string>();

  constructor(systemPrompt: string) {
    const units = systemPrompt.split(UNIT_END);
    this.instructions = units
      .map((unit) => new Set(contentWords(unit)))
      .filter((words) => words.size >= MIN_SHARED);
    const used = new Set(this.instructions.flatMap((words) => [...words]));
    for (const { word } of wordsOf(systemPrompt)) {
      const content = stem(word);
      if (!used.has(content)) continue;
      this.forms.set(content, content);
      this.forms.set(reverse(word), content);
      this.forms.set(rot13(word), content);
    }
  }

  /** The prompt has instructions long enough to tell a recital of them from chance. */
  get active(): boolean {
    return this.instructions.length > 0;
  }

  /** How many distinct instructions make a recital of this prompt. */
  get recitals(): number {
    return Math.min(RECITALS, this.instructions.length);
  }

  /**
   * Adds to `held` the prompt's content words that `text` holds, in any of their forms; letters
   * written one by one, a space apart ("n e v e r", words two spaces apart), are read as a word.
   */
  collect(text: string, held: Set<string>): void {
    const add = (word: string) => {
      const content = this.forms.get(word) ?? this.forms.get(stem(word));
      if (content !== undefined) held.add(content);
    };
    let spaced = '';
    let next = -1;
    for (const { word, start } of wordsOf(text)) {
      if (word.length === 1 && (spaced === '' || start === next)) {
        spaced += word;
        next = start + 2;
        continue;
      }
      if (spaced.length >= MIN_SPACED) add(spaced);
      spaced = word.length === 1 ? word : '';
      next = start + 2;
      if (word.length > 1) add(word);
    }
    if (spaced.length >= MIN_SPACED) add(spaced);
  }

  /** The instructions whose content words `held` recites (their indexes). */
  recitedBy(held: ReadonlySet<string>): number[] {
    if (held.size < MIN_SHARED) return [];
    const found: number[] = [];
    this.instructions.forEach((words, index) => {
      let shared = 0;
      for (const word of words) if (held.has(word)) shared += 1;
      if (shared >= MIN_SHARED && shared >= RECITED_SHARE * words.size) found.push(index);
    });
    return found;
  }

  /** The instructions that `sentence` recites (their indexes). */
  recited(sentence: string): number[] {
    const held = new Set<string>();
    this.collect(sentence, held);
    for (const text of hiddenTexts(sentence)) this.collect(text, held);
    return this.recitedBy(held);
  }
}

/**
 * Follows an answer as it is sent, a sentence at a time. `check(text, final)` is given each piece
 * about to be sent (in order, each once) and answers with the offset in it where the sentence that
 * completed the recital starts (0 when it began in an earlier piece), or -1 while there is none.
 * The sentence under way is read word by word as it comes (so a recital is cut before its end);
 * what it may hide (encodings, spaced letters) is read once it ends.
 */
export class RecitalWatcher {
  /** The sentence under way, and the prompt's words its finished words hold. */
  private unit = '';
  private readonly held = new Set<string>();
  /** How much of `unit` has been read into `held` (up to its unfinished last word). */
  private read = 0;
  private readonly recited = new Set<number>();

  constructor(private readonly detector: PromptRecitalDetector) {}

  check(text: string, final: boolean): number {
    let unitStart = -this.unit.length;
    let from = 0;
    for (const match of text.matchAll(UNIT_END)) {
      const end = match.index + match[0].length;
      this.unit += text.slice(from, end);
      if (this.finishUnit()) return Math.max(0, unitStart);
      from = end;
      unitStart = end;
    }
    this.unit += text.slice(from);
    const start = Math.max(0, unitStart);
    if (final || this.unit.length > MAX_UNIT) return this.finishUnit() ? start : -1;
    // The sentence under way may recite enough already: it is cut now, not once it ends. (Read
    // up to a space: a word, or a run of spaced letters, may still be arriving.)
    let upTo = this.unit.lastIndexOf(' ', unfinishedWordStart(this.unit));
    // Nor inside a run of spaced letters ("n e v"), which is read once it ends.
    while (upTo >= 2 && WORD_CHAR.test(this.unit[upTo - 1]!) && this.unit[upTo - 2] === ' ') {
      upTo -= 2;
    }
    if (upTo > this.read) {
      this.detector.collect(this.unit.slice(this.read, upTo), this.held);
      this.read = upTo;
    }
    return this.reciting(this.detector.recitedBy(this.held)) ? start : -1;
  }

  /** Judges the sentence that just ended, whole; true when the answer now recites the prompt. */
  private finishUnit(): boolean {
    this.detector.collect(this.unit.slice(this.read), this.held);
    for (const text of hiddenTexts(this.unit)) this.detector.collect(text, this.held);
    for (const index of this.detector.recitedBy(this.held)) this.recited.add(index);
    this.unit = '';
    this.read = 0;
    this.held.clear();
    return this.recited.size >= this.detector.recitals;
  }

  /** Whether the instructions recited so far, with `more`, make a recital of the prompt. */
  private reciting(more: number[]): boolean {
    let count = this.recited.size;
    for (const index of more) if (!this.recited.has(index)) count += 1;
    return count >= this.detector.recitals;
  }
}
