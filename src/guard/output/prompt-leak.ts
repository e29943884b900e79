// Stops the model from reciting its system prompt: any run of `minWords` consecutive words that
// also occurs in the system prompt counts as a leak. Words are compared lower-cased, without
// punctuation, so Markdown or quoting around them does not hide the overlap.

/** A word of the output and where it sits in the text. */
export interface PositionedWord {
  word: string;
  start: number;
}

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu;
// The same words in ASCII text, without the Unicode classes that make the pattern several times
// slower (it reads every chunk of a streamed answer twice).
const ASCII_WORD = /[A-Za-z0-9]+(?:'[A-Za-z0-9]+)*/g;
const NON_ASCII = /[\u0080-\uffff]/;

export function wordsOf(text: string): PositionedWord[] {
  const words: PositionedWord[] = [];
  for (const match of text.matchAll(NON_ASCII.test(text) ? WORD : ASCII_WORD)) {
    words.push({ word: match[0].toLowerCase(), start: match.index });
  }
  return words;
}

const detectors = new Map<string, PromptLeakDetector>();

/** The detector for a prompt, built once per prompt text (a turn's guard would otherwise rebuild it). */
export function promptLeakDetector(systemPrompt: string, minWords = 8): PromptLeakDetector {
  const key = `${minWords}\u0000${systemPrompt}`;
  let detector = detectors.get(key);
  if (!detector) {
    detector = new PromptLeakDetector(systemPrompt, minWords);
    // Bounded: bots have few prompts, but each edit makes a new version.
    if (detectors.size >= 64) detectors.delete(detectors.keys().next().value!);
    detectors.set(key, detector);
  }
  return detector;
}

export class PromptLeakDetector {
  readonly minWords: number;
  /** For k = 1..minWords, every k consecutive words of the prompt, joined by spaces. */
  private readonly grams: Set<string>[];

  constructor(systemPrompt: string, minWords = 8) {
    this.minWords = minWords;
    const words = wordsOf(systemPrompt).map((w) => w.word);
    this.grams = Array.from({ length: minWords + 1 }, (_, k) => {
      const set = new Set<string>();
      for (let i = 0; k > 0 && i + k <= words.length; i++) set.add(words.slice(i, i + k).join(' '));
      return set;
    });
  }

  /** Index of the first word of the first leaked run in `words`, or -1. */
  findLeak(words: PositionedWord[]): number {
    const n = this.minWords;
    const vocabulary = this.grams[1]!;
    // Only a stretch of words that all occur in the prompt can hold a leaked run: most answer
    // words do not, so few runs are ever joined and looked up.
    let stretch = 0;
    for (let end = 0; end < words.length; end++) {
      stretch = vocabulary.has(words[end]!.word) ? stretch + 1 : 0;
      if (stretch >= n && this.grams[n]!.has(join(words, end - n + 1, end + 1))) return end - n + 1;
    }
    return -1;
  }

  /**
   * Index of the first word of the longest run at the end of `words` (shorter than `minWords`)
   * that could still grow into a leak, or `words.length` when there is none.
   */
  liveRunStart(words: PositionedWord[]): number {
    const vocabulary = this.grams[1]!;
    let stretch = 0;
    while (stretch < words.length && vocabulary.has(words[words.length - 1 - stretch]!.word)) stretch++;
    for (let k = Math.min(this.minWords - 1, stretch); k > 0; k--) {
      if (this.grams[k]!.has(join(words, words.length - k, words.length))) return words.length - k;
    }
    return words.length;
  }
}

const join = (words: PositionedWord[], from: number, to: number) =>
  words
    .slice(from, to)
    .map((w) => w.word)
    .join(' ');
