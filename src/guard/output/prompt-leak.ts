// Stops the model from reciting its system prompt: any run of `minWords` consecutive words that
// also occurs in the system prompt counts as a leak. Words are compared lower-cased, without
// punctuation, so Markdown or quoting around them does not hide the overlap.

/** A word of the output and where it sits in the text. */
export interface PositionedWord {
  word: string;
  start: number;
}

const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}\p{N}]+)*/gu;

export function wordsOf(text: string): PositionedWord[] {
  return [...text.matchAll(WORD)].map((match) => ({ word: match[0].toLowerCase(), start: match.index }));
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
    for (let i = 0; i + n <= words.length; i++) {
      if (this.grams[n]!.has(join(words, i, i + n))) return i;
    }
    return -1;
  }

  /**
   * Index of the first word of the longest run at the end of `words` (shorter than `minWords`)
   * that could still grow into a leak, or `words.length` when there is none.
   */
  liveRunStart(words: PositionedWord[]): number {
    for (let k = Math.min(this.minWords - 1, words.length); k > 0; k--) {
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
